/**
 * The call centre's reminder calls in a real browser (tests/test_reminder_call_tour.py), in
 * English and in Russian: the operator opens the list of reminder calls to make, closes a call
 * task as refused with the customer's reason and sees the list empty. Elements are selected by
 * field names, button names and selection values only.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_reminder_call_tour", {
    url: "/odoo/action-dealer_loyalty.mail_activity_reminder_call_action",
    steps: () => [
        {
            content: "The operator closes the call task of the list with the call's outcome",
            trigger: ".o_list_view .o_data_row button[name=action_dealer_call_outcome]",
            run: "click",
        },
        {
            content: "The customer refused",
            trigger: ".modal .o_field_widget[name=outcome] input[data-value=refused]",
            run: "click",
        },
        {
            content: "A refusal needs the customer's reason",
            trigger: ".modal .o_field_widget[name=lost_reason_id] input",
            run: "edit Tour: too far",
        },
        {
            trigger: ".modal .o_field_widget[name=lost_reason_id] .o-autocomplete--dropdown-item a:contains(too far)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Moved to another city",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The task is done: no reminder call left to make",
            trigger: ".o_view_nocontent, .o_list_view:not(:has(.o_data_row))",
        },
    ],
});
