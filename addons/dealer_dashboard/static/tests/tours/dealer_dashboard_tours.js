/**
 * The Dealership dashboard opens in Odoo's Dashboards app (tests/test_dashboard_tour.py).
 * Selectors are Odoo's classes, never labels: the tour also runs in Russian.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_dashboard_tour", {
    steps: () => [
        {
            content: "The dashboard is selected in the side panel",
            trigger: ".o_spreadsheet_dashboard_action .o_search_panel_category_value.active",
        },
        {
            content: "The spreadsheet loaded (no 'error while loading' message) and shows its grid",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-spreadsheet .o-grid",
        },
        {
            content: "Its charts are drawn",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-figure canvas",
        },
        {
            content: "Every pivot, list and link evaluates without an error once the data is loaded",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid",
            async run() {
                // the spreadsheet bundle is loaded lazily with the dashboard: no static import
                const { waitForDataLoaded } = odoo.loader.modules.get("@spreadsheet/helpers/model");
                const loader = odoo.__WOWL_DEBUG__.root.env.services.spreadsheet_dashboard_loader;
                const model = loader.getActiveDashboard().model;
                await waitForDataLoaded(model);
                const sheetId = model.getters.getActiveSheetId();
                const errors = [];
                let values = 0;
                for (let col = 0; col < model.getters.getNumberCols(sheetId); col++) {
                    for (let row = 0; row < model.getters.getNumberRows(sheetId); row++) {
                        const cell = model.getters.getEvaluatedCell({ sheetId, col, row });
                        if (cell.type === "error") {
                            errors.push(`${col},${row}: ${cell.value} ${cell.message || ""}`);
                        } else if (cell.value !== "" && cell.value !== null) {
                            values++;
                        }
                    }
                }
                if (errors.length || values < 12) {
                    throw new Error(`dashboard cells in error: ${errors.join("; ")} (${values} values)`);
                }
            },
        },
    ],
});
