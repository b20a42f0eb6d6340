/**
 * The marketer's retention flow in a real browser (tests/test_retention_tour.py), in English
 * and in Russian: a strategy giving the call centre a task per customer, applied at once.
 * Elements are selected by field names, button names and selection positions only.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_retention_strategy_tour", {
    url: "/odoo/action-dealer_loyalty.dealer_retention_strategy_action",
    steps: () => [
        {
            content: "The marketer writes a new retention strategy",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour: win back everyone",
        },
        {
            content: "A task for the call centre (the eighth of dealer_crm's DEALER_ROLES)",
            trigger: ".o_field_widget[name=role] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:eq(7)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=activity_summary] input",
            run: "edit Tour: win-back call",
        },
        {
            trigger: ".o_field_widget[name=offer] textarea",
            run: "edit Tour: free diagnostics",
        },
        {
            content: "Apply it now (saves the strategy first)",
            trigger: ".o_form_view button[name=action_apply]",
            run: "click",
        },
        {
            content: "A notification tells how many tasks were created",
            trigger: ".o_notification",
        },
    ],
});
