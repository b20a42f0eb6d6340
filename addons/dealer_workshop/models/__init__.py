from . import (
    crm_lead,
    dealer_campaign,
    dealer_dispatch,
    dealer_vehicle,
    dealer_visit,
    dealer_workshop_bay,
    dealer_workshop_car_lookup,
    dealer_workshop_norm,
    dealer_workshop_otp,
    product_template,
    res_config_settings,
    res_partner,
)
