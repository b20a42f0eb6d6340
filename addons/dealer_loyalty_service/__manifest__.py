{
    "name": "Dealer Loyalty - Service Opportunities",
    "summary": "A booked reminder becomes its service opportunity; bookings after a reminder are credited to it",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Dealer CRM Suite",
    "website": "https://github.com/dealer-crm-suite/dealer-crm-suite",
    "license": "LGPL-3",
    "depends": ["dealer_loyalty", "dealer_service_lost_sales"],
    "data": [
        "views/dealer_campaign_enrolment_views.xml",
        "views/dealer_dispatch_views.xml",
        "views/dealer_vehicle_views.xml",
        "views/crm_lead_views.xml",
        "wizards/dealer_call_outcome_wizard_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
