/**
 * The call journal in a real browser (tests/test_call_journal.py): an operator logs a call by hand
 * from a deal, finds it in the journal through the deal's Calls button.
 *
 * Steps select by field and button names; the names clicked are test data of the Python test.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_call_journal_tour", {
    steps: () => [
        {
            content: "The operator logs a call with the deal's customer",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_dealer_log_call]",
            run: "click",
        },
        {
            content: "The customer and the number are already filled in",
            trigger: ".modal .o_field_widget[name=phone] input:value(+79005557788)",
        },
        {
            trigger: ".modal .o_field_widget[name=duration_text] input",
            run: "edit 3:20",
        },
        {
            content: "What came of it (first option: talked)",
            trigger: ".modal .o_field_widget[name=outcome] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:eq(0)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Customer will come on Saturday",
        },
        {
            trigger: ".modal button[name=action_save_logged_call]",
            run: "click",
        },
        {
            content: "The deal counts the call",
            trigger: ".o_form_view:not(:has(.modal)) button[name=action_dealer_view_calls] .o_stat_value:contains(1)",
            run: "click",
        },
        {
            content: "The journal shows the call",
            trigger: ".o_list_view .o_data_row:contains(Tour Call Customer):contains(3:20)",
        },
    ],
});
