/**
 * The marketer's flow in a real browser, run by tests/test_ui_tours.py in English and in
 * Russian: elements are selected by field names, button names and selection values.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_tyre_campaign_tour", {
    url: "/odoo/action-dealer_loyalty.dealer_campaign_action",
    steps: () => [
        {
            content: "The marketer builds a new campaign",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour: winter tyres",
        },
        {
            content: "Trigger: tyre season (the first choice)",
            trigger: ".o_field_widget[name=trigger] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:eq(0)",
            run: "click",
        },
        {
            content: "The booking window appears for a tyre season",
            trigger: ".o_field_widget[name=window_days] input",
            run: "edit 14",
        },
        {
            content: "Save first: the step's templates are those of the campaign's audience",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "A reminder a week before the window closes",
            trigger: ".o_form_saved .o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Tour: a week before",
        },
        {
            trigger: ".modal .o_field_widget[name=offset_days] input",
            run: "edit -7",
        },
        {
            trigger: ".modal .o_field_widget[name=mail_template_id] input",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=mail_template_id] .o-autocomplete--dropdown-item:eq(0) a:not(.o_loading)",
            run: "click",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_field_widget[name=step_ids] .o_data_row",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The weather changed: start the campaign",
            trigger: ".o_form_saved button[name=action_start]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=running]",
        },
    ],
});
