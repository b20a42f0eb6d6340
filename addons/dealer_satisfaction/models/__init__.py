from . import (
    crm_lead,
    dealer_customer_issue,
    dealer_data_retention,
    dealer_dispatch,
    dealer_feedback,
    dealer_risk_rule,
    dealer_visit,
    res_config_settings,
    res_partner,
    survey_user_input,
)
