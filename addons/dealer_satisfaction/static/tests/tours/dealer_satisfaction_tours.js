/**
 * The sales head's satisfaction flow in a real browser (tests/test_satisfaction_tour.py), in
 * English and in Russian: the NPS and CSI report, then a detractor's feedback, its issue, worked.
 * Elements are selected by field names, button names and the customer's name only.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_satisfaction_head_tour", {
    url: "/odoo/action-dealer_satisfaction.dealer_feedback_report_action",
    steps: () => [
        {
            content: "The NPS and CSI report opens as a pivot table with its figures",
            trigger: ".o_pivot .o_pivot_cell_value",
        },
        {
            content: "The head opens the list of feedback",
            trigger: "body",
            run: () => {
                window.location.href = "/odoo/action-dealer_satisfaction.dealer_feedback_action";
            },
            expectUnloadPage: true,
        },
        {
            content: "The detractor's survey",
            trigger: ".o_list_view .o_data_row:contains(Tour detractor) td.o_data_cell",
            run: "click",
        },
        {
            content: "Its comment is on the form",
            trigger: ".o_form_view .o_field_widget[name=comment]:contains(Nobody called me back)",
        },
        {
            content: "The head opens the customer issue the answer opened",
            trigger: ".o_form_view .o_field_widget[name=issue_id] a",
            run: "click",
        },
        {
            content: "and starts working it",
            trigger: ".o_form_view button[name=action_start]",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_solve]:visible",
        },
    ],
});
