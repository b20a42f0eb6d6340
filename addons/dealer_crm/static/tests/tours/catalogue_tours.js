/**
 * The catalogue in a real browser, run by tests/test_catalogue.py in English and in Russian:
 * elements are selected by field names, page names, selection values and menu xmlids.
 */
import { registry } from "@web/core/registry";

const PACKAGE = ".o_field_widget[name=dealer_package_line_ids]";
const LINES = ".o_field_widget[name=line_ids]";

registry.category("web_tour.tours").add("dealer_catalogue_tour", {
    url: "/odoo/action-dealer_crm.product_template_action_dealer",
    steps: () => [
        {
            content: "The service advisor adds a maintenance package to the catalogue",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] textarea",
            run: "edit Tour TO-2 Roadster",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=list_price] input",
            run: "edit 16000",
        },
        {
            content: "The Dealership page: kind, model, TO number, labour and parts",
            trigger: ".o_notebook a.nav-link[name=dealership]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=dealer_item_kind] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Maintenance package: the third kind of the list (car, accessory, maintenance …)",
            trigger: ".o_select_menu_menu .o_select_menu_item[data-choice-index='2']",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=dealer_model_ids] input",
            run: "edit Roadster",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Roadster)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=dealer_maintenance_number] input",
            run: "edit 2",
        },
        {
            trigger: `${PACKAGE} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            trigger: `${PACKAGE} .o_selected_row .o_field_widget[name=product_id] input`,
            run: "edit Tour oil",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour oil)",
            run: "click",
        },
        {
            trigger: `${PACKAGE} .o_selected_row .o_field_widget[name=quantity] input`,
            run: "edit 5",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "On the repair order, the advisor picks the package from the catalogue",
            trigger: ".o_main_navbar [data-menu-xmlid='dealer_crm.menu_dealer_service']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='dealer_crm.dealer_visit_menu']",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour Catalogue Customer) td.o_data_cell",
            run: "click",
        },
        {
            trigger: `.o_form_view ${LINES} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            trigger: `${LINES} .o_selected_row .o_field_widget[name=product_id] input`,
            run: "edit Tour TO-2",
        },
        {
            content: "Only the packages fitting the car's model are offered",
            trigger:
                ".o-autocomplete--dropdown-menu:has(a:contains(Tour TO-2 Roadster)):not(:has(a:contains(Tour TO-2 Coupe)))",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour TO-2 Roadster)",
            run: "click",
        },
        {
            content: "The line takes the package's name",
            trigger: `${LINES} .o_selected_row .o_field_widget[name=name] input:value(Tour TO-2 Roadster)`,
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});
