/**
 * Aftersales flows in a real browser, run by tests/test_ui_tours.py in English and in Russian:
 * elements are selected by field names, button names, selection values and menu xmlids.
 */
import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const LINES = ".o_field_widget[name=service_line_ids]";

function addLine(name, amount) {
    return [
        {
            trigger: `${LINES} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            trigger: `${LINES} .o_selected_row .o_field_widget[name=name] input`,
            run: `edit ${name}`,
        },
        {
            trigger: `${LINES} .o_selected_row .o_field_widget[name=amount] input`,
            run: `edit ${amount}`,
        },
    ];
}

registry.category("web_tour.tours").add("dealer_service_booking_tour", {
    url: "/odoo/action-dealer_service_lost_sales.crm_lead_service_action",
    steps: () => [
        {
            content: "The service advisor takes a booking",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] textarea",
            run: "edit Tour service booking",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Service Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Service Customer)",
            run: "click",
        },
        {
            content: "Service tab: the car and the proposed work",
            trigger: ".o_notebook a.nav-link[name=dealer_service]",
            run: "click",
        },
        {
            trigger: ".o_notebook .o_field_widget[name=vehicle_id] input",
            run: "edit Tour Service Car",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Service Car)",
            run: "click",
        },
        ...addLine("Tour oil change", "5000"),
        {
            content: "The customer accepts the oil change",
            trigger: `${LINES} .o_selected_row .o_field_widget[name=state] .o_selection_badge[value='"accepted"']`,
            run: "click",
        },
        ...addLine("Tour brake pads", "12000"),
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "At reception the customer refuses the brake pads: the scope is cut",
            trigger: `.o_form_saved ${LINES} .o_data_row:eq(1) td[name=state]`,
            run: "click",
        },
        {
            trigger: `${LINES} .o_selected_row .o_field_widget[name=state] .o_selection_badge[value='"declined"']`,
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The cut scope is in the loss ledger",
            trigger: ".o_form_saved .o_notebook a.nav-link[name=dealer_losses]",
        },
        {
            content: "The car is delivered",
            trigger: ".o_form_view button[name=action_set_won_rainbowman]",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(button[name=action_set_won_rainbowman])) .o_statusbar_status",
        },
    ],
});

registry.category("web_tour.tours").add("dealer_lost_revenue_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "The service manager opens the Dealership app",
            trigger: ".o_app[data-menu-xmlid='dealer_crm.menu_dealer_root']",
            run: "click",
        },
        {
            trigger: ".o_main_navbar [data-menu-xmlid='dealer_crm.menu_dealer_service']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='dealer_service_lost_sales.menu_lost_sales_dashboard']",
            run: "click",
        },
        {
            content: "The lost-revenue dashboard shows its chart",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            trigger: ".o_main_navbar [data-menu-xmlid='dealer_crm.menu_dealer_service']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='dealer_service_lost_sales.menu_lost_sales_kpis']",
            run: "click",
        },
        {
            content: "The KPIs pivot: lost, potential, % lost, recovered, recovery rate",
            trigger: ".o_pivot_view .o_pivot th.o_pivot_measure_row" + " ~ th.o_pivot_measure_row".repeat(4),
        },
        {
            content: "Note the name of the file the pivot's Download xlsx gets from the server",
            trigger: ".o_pivot_view .o_pivot_download:enabled",
            run() {
                const original = download._download;
                download._download = async (options) => {
                    const filename = await original(options);
                    document.body.dataset.dealerDownload = filename;
                    download._download = original;
                    return filename;
                };
            },
        },
        {
            trigger: ".o_pivot_view .o_pivot_download",
            run: "click",
        },
        {
            content: "The xlsx file was produced",
            trigger: "body[data-dealer-download$='.xlsx']",
        },
    ],
});
