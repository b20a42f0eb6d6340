/**
 * A service advisor adds a next best offer to a service booking (tests/test_next_offer.py, in
 * English and Russian): elements are selected by field, page and button names.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_next_offer_add_tour", {
    steps: () => [
        {
            content: "The booking lists its car's next best offers",
            trigger: ".o_notebook a.nav-link[name=dealer_next_offers]",
            run: "click",
        },
        {
            content: "Add the declined brake pads to the booking",
            trigger: ".o_field_widget[name=dealer_next_offer_ids] .o_data_row button[name=action_accept]",
            run: "click",
        },
        {
            content: "Nothing left to offer: the tab is gone",
            trigger: ".o_form_view:not(:has(.o_notebook a.nav-link[name=dealer_next_offers])) .o_notebook a.nav-link[name=dealer_service]",
            run: "click",
        },
        {
            content: "The item is a proposed line of the booking",
            trigger: ".o_field_widget[name=service_line_ids] .o_data_row td[name=code]:contains(BRK-PAD)",
        },
    ],
});
