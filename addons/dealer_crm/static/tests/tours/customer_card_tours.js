/**
 * The customer card's Dealership block, run by tests/test_customer_card.py in English and Russian:
 * selectors are field names, never labels.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_customer_card_tour", {
    steps: () => [
        {
            content: "The customer's car is shown in the main area, above the tabs",
            trigger: ".o_form_sheet > .o_group .o_field_widget[name=vehicle_ids] .o_tag",
        },
        {
            content: "The next service due of the customer's cars",
            trigger: ".o_form_sheet > .o_group .o_field_widget[name=dealer_next_service_date]:contains(2030)",
        },
        {
            content: "Life-cycle stage and consent per channel sit next to it",
            trigger: ".o_form_sheet > .o_group .o_field_widget[name=consent_telegram] input",
        },
        {
            trigger: ".o_form_sheet > .o_group .o_field_widget[name=dealer_stage]",
        },
    ],
});

registry.category("web_tour.tours").add("dealer_supplier_card_tour", {
    steps: () => [
        {
            content: "A supplier's form has loaded",
            trigger: ".o_form_view .o_field_widget[name=name] input",
        },
        {
            content: "... without the Dealership block",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=dealer_next_service_date]))",
        },
    ],
});
