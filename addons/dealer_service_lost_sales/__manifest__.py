{
    "name": "Dealer Service Lost Sales",
    "summary": "Aftersales opportunities, lost service revenue, reasons, KPIs and improvement actions",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Dealer CRM Suite",
    "website": "https://github.com/dealer-crm-suite/dealer-crm-suite",
    "license": "LGPL-3",
    "depends": ["dealer_crm"],
    "data": [
        "security/dealer_service_lost_sales_security.xml",
        "security/ir.model.access.csv",
        "views/dealer_service_lost_sales_menus.xml",
    ],
    "demo": [],
    "installable": True,
}
