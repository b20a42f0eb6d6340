{
    "name": "Dealer Dashboard",
    "summary": "Dealership dashboard: funnel, response times, calls, lost revenue, campaigns, risk, NPS and CSI",
    "version": "19.0.1.1.0",
    "category": "Productivity/Dashboard",
    "author": "Dealer CRM Suite",
    "website": "https://github.com/dealer-crm-suite/dealer-crm-suite",
    "license": "LGPL-3",
    "depends": [
        "spreadsheet_dashboard",
        "dealer_crm",
        "dealer_service_lost_sales",
        "dealer_loyalty",
        "dealer_satisfaction",
    ],
    "data": ["data/dealer_dashboard_data.xml"],
    "assets": {
        "web.assets_tests": ["dealer_dashboard/static/tests/tours/**/*"],
    },
    "auto_install": True,
    "installable": True,
}
