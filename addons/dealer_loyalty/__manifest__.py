{
    "name": "Dealer Loyalty",
    "summary": "RFM segmentation, churn risk, retention strategies and reminder campaigns",
    "version": "19.0.1.0.0",
    "category": "Marketing",
    "author": "Dealer CRM Suite",
    "website": "https://github.com/dealer-crm-suite/dealer-crm-suite",
    "license": "LGPL-3",
    "depends": ["dealer_crm", "sms"],
    "data": [
        "security/dealer_loyalty_security.xml",
        "security/ir.model.access.csv",
        "views/dealer_loyalty_menus.xml",
    ],
    "demo": [],
    "installable": True,
}
