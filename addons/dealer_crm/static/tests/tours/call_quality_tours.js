/**
 * Call quality, run in a real browser by tests/test_call_quality.py (in English and Russian).
 *
 * The head opens the call journal, opens a call, scores it against the checklist and finds the
 * score on the call and in the operator report. Elements are selected by field, button and menu
 * names; the names clicked are test data created by the Python test.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_call_quality_tour", {
    url: "/odoo/action-dealer_crm.dealer_call_action",
    steps: () => [
        {
            content: "The head opens the call of the journal",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains(Quality Tour Customer)",
            run: "click",
        },
        {
            content: "Listens to the recording (the link opens it in a new tab)",
            trigger: ".o_form_view .o_form_statusbar .o_field_widget[name=recording_url] a[target=_blank][href*='pbx.example.com']",
        },
        {
            content: "Scores the call",
            trigger: ".o_form_view button[name=action_score_call]",
            run: "click",
        },
        {
            content: "The checklist comes prefilled: four points to tick",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(3)",
        },
        {
            content: "Greeting: passed",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(0) .o_field_widget[name=passed] input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(0) .o_field_widget[name=passed] input:checked",
        },
        {
            content: "Needs identified: passed",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(1) .o_field_widget[name=passed] input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(1) .o_field_widget[name=passed] input:checked",
        },
        {
            content: "Next step agreed: passed; no offer was made",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(3) .o_field_widget[name=passed] input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_data_row:eq(3) .o_field_widget[name=passed] input:checked",
        },
        {
            trigger: ".o_field_widget[name=comment] textarea",
            run: "edit Offer the extended warranty next time",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Three of four points: 75 %",
            trigger: ".o_form_saved .o_field_widget[name=score_percent]:contains(75)",
        },
        {
            content: "Back to the call",
            trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a:last",
            run: "click",
        },
        {
            content: "The call shows its score",
            trigger: ".o_form_view button[name=action_open_reviews]:contains(75)",
        },
        {
            content: "The operator report",
            trigger: ".o_main_navbar [data-menu-xmlid='dealer_crm.menu_dealer_reporting']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='dealer_crm.dealer_call_review_menu']",
            run: "click",
        },
        {
            content: "The operator's average score of the month",
            trigger: ".o_pivot tr:has(.o_pivot_header_cell_closed:contains(Tour Operator)) .o_pivot_cell_value:contains(75)",
        },
    ],
});
