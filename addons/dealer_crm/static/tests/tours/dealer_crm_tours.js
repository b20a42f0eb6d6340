/**
 * Daily flows of the showroom, run in a real browser by tests/test_ui_tours.py.
 *
 * The same tours also run in Russian: they select elements by field names, button
 * names and menu xmlids, never by English labels. Record names typed or clicked here
 * are test data created by the Python test, not UI text.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_walkin_tour", {
    url: "/odoo/action-dealer_crm.dealer_walkin_action",
    steps: () => [
        {
            content: "The receptionist records a new visitor",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Walk-in Visitor",
        },
        {
            trigger: ".o_field_widget[name=phone] input",
            run: "edit +79001112233",
        },
        {
            content: "What the visitor came for (first option: a new car)",
            trigger: ".o_field_widget[name=interest] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:eq(0)",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "With an interest the lead is created at once: its button appears",
            trigger: ".o_form_view button[name=action_open_lead]",
        },
    ],
});

registry.category("web_tour.tours").add("dealer_sales_deal_tour", {
    url: "/odoo/action-dealer_crm.crm_lead_action_dealer_sales",
    steps: () => [
        {
            content: "The sales manager opens the request",
            trigger: ".o_kanban_record:contains(Tour deal)",
            run: "click",
        },
        {
            content: "Chooses the car in stock",
            trigger: ".o_field_widget[name=vehicle_id] input",
            run: "edit Tourmobile",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tourmobile)",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Goes to the reservations",
            trigger: ".o_form_saved .o_field_widget[name=vehicle_id]",
        },
        {
            trigger: ".o_main_navbar [data-menu-xmlid='dealer_crm.menu_dealer_sales']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='dealer_crm.dealer_reservation_menu']",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=vehicle_id] input",
            run: "edit Tourmobile",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tourmobile)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=lead_id] input",
            run: "edit Tour deal",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour deal)",
            run: "click",
        },
        {
            content: "The customer pays a prepayment",
            trigger: ".o_field_widget[name=prepayment_amount] input",
            run: "edit 50000",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The contract is signed: the reservation becomes a sale",
            trigger: ".o_form_saved button[name=action_convert]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=converted]",
        },
        {
            content: "Back to the deal",
            trigger: ".o_field_widget[name=lead_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "The car is delivered: the deal is won",
            trigger: ".o_form_view button[name=action_set_won_rainbowman]",
            run: "click",
        },
        {
            content: "Won: the Won button is gone",
            trigger: ".o_form_view:not(:has(button[name=action_set_won_rainbowman])) .o_statusbar_status",
        },
    ],
});

registry.category("web_tour.tours").add("dealer_call_centre_pipeline_tour", {
    url: "/odoo/action-dealer_crm.crm_lead_action_dealer_sales",
    steps: () => [
        {
            content: "The call centre sees the deal on the pipeline, without its amount",
            trigger: ".o_kanban_record:contains(Tour deal):not(:has(.o_kanban_card_crm_lead_revenue .o_field_monetary))",
            run: "click",
        },
        {
            content: "and opens it",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
        },
    ],
});
