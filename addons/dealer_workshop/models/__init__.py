from . import (
    dealer_workshop_bay,
    dealer_workshop_norm,
    dealer_workshop_otp,
    product_template,
    crm_lead,
    dealer_visit,
    dealer_dispatch,
    dealer_campaign,
    res_config_settings,
)
