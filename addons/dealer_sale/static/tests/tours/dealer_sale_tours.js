/**
 * From a deal to a signed contract, in a real browser (tests/test_sale_tour.py): the sales
 * manager makes and sends the commercial offer, the customer accepts and signs it online, the
 * sales manager prints the sales contract and wins the deal.
 *
 * Elements are selected by field names, button names, report names and the test's own data
 * (the deal, the customer and the catalogue items the Python test creates), not by labels.
 */
import { registry } from "@web/core/registry";

/** Resolves once ``condition()`` holds (checked every 50 ms). */
async function until(condition) {
    while (!condition()) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function addCatalogueItem(name, amount) {
    const line = ".o_field_widget[name=order_line] .o_selected_row";
    return [
        {
            content: `Adds ${name} from the catalogue`,
            trigger: ".o_form_view:not(:has(.o_selected_row)) .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: `
                ${line} .o_field_widget[name=product_id] input,
                ${line} .o_field_widget[name=product_template_id] input
            `,
            run: `edit ${name}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item a:contains(${name})`,
            run: "click",
        },
        {
            trigger: `${line} input:value(${name})`,
        },
        {
            content: "Its price is there: the line is complete",
            trigger: `${line} [name=price_subtotal]:contains(${amount})`,
        },
        {
            content: "Saves the line",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: `.o_form_saved .o_field_widget[name=order_line] .o_data_row:contains(${name})`,
        },
    ];
}

registry.category("web_tour.tours").add("dealer_sale_offer_tour", {
    steps: () => [
        {
            content: "The sales manager makes a quotation from the deal",
            trigger: ".o_form_view button[name=action_sale_quotations_new]",
            run: "click",
        },
        {
            content: "The quotation starts with the deal's car, its VIN on the line",
            trigger: ".o_field_widget[name=order_line] .o_data_row:contains(XW8ZZZ1ZZSA500777)",
        },
        ...addCatalogueItem("Tour floor mats", "15,000.00"),
        ...addCatalogueItem("Tour towbar", "40,000.00"),
        ...addCatalogueItem("Tour TO-1 service package", "12,000.00"),
        {
            content: "Sends the commercial offer by e-mail",
            trigger: ".o_form_saved .o_statusbar_buttons button[name=action_quotation_send]",
            run: "click",
        },
        {
            trigger: ".modal .o_mail_send",
            run: "click",
        },
        {
            content: "Sent",
            trigger: "body:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current[data-value=sent]",
        },
    ],
});

registry.category("web_tour.tours").add("dealer_sale_accept_tour", {
    steps: () => [
        {
            content: "The customer accepts the offer on its portal page",
            trigger: ".o_portal_sale_sidebar a[data-bs-target='#modalaccept']",
            run: "click",
        },
        {
            trigger: ".modal .o_web_sign_name_and_signature input",
            run: "edit Ольга Смирнова",
        },
        {
            content: "Signs (the name drawn as the signature)",
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Accepted: nothing left to sign",
            trigger: "body:not(:has([data-bs-target='#modalaccept'])) #quote_content",
        },
    ],
});

registry.category("web_tour.tours").add("dealer_sale_contract_tour", {
    steps: () => [
        {
            content: "Back on the deal, the sales manager opens the confirmed order",
            trigger: ".o_form_view button[name=action_view_sale_order]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=sale]",
        },
        {
            content: "Prints the sales contract",
            trigger: ".o_control_panel .o_cp_action_menus button",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu button:has(i.fa-print)",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o_menu_item:contains(Sales contract)",
            timeout: 60000,
            async run(helpers) {
                await helpers.click();
                // the screen stays blocked while the PDF is made; no step runs on a blocked screen
                await until(() => document.querySelector(".o_blockUI"));
                await until(() => !document.querySelector(".o_blockUI"));
            },
        },
        {
            content: "Back to the deal",
            trigger: ".o_breadcrumb a:contains(Tour car offer)",
            run: "click",
        },
        {
            content: "The car is sold: the deal is won",
            trigger: ".o_form_view button[name=action_set_won_rainbowman]",
            run: "click",
        },
        {
            content: "Won: the Won button is gone",
            trigger: ".o_form_view:not(:has(button[name=action_set_won_rainbowman])) .o_statusbar_status",
        },
    ],
});
