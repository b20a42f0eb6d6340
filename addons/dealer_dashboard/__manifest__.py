{
    "name": "Dealer Dashboard",
    "summary": "Dealership dashboard in the Dashboards app: funnel, response times, lost revenue, campaigns, risk",
    "version": "19.0.1.0.0",
    "category": "Productivity/Dashboard",
    "author": "Dealer CRM Suite",
    "website": "https://github.com/dealer-crm-suite/dealer-crm-suite",
    "license": "LGPL-3",
    "depends": ["spreadsheet_dashboard", "dealer_crm", "dealer_service_lost_sales", "dealer_loyalty"],
    "data": ["data/dealer_dashboard_data.xml"],
    "assets": {
        "web.assets_tests": ["dealer_dashboard/static/tests/tours/**/*"],
    },
    "auto_install": True,
    "installable": True,
}
