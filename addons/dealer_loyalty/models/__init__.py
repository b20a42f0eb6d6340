# the mixin first: a model is built from the models it inherits, which must exist by then
from . import dealer_effect_mixin  # isort: skip
from . import dealer_writers_mixin  # isort: skip
from . import (
    dealer_call,
    dealer_campaign,
    dealer_campaign_enrolment,
    dealer_campaign_step,
    dealer_customer_score,
    dealer_data_retention,
    dealer_dispatch,
    dealer_loyalty_status_history,
    dealer_retention_strategy,
    dealer_risk_rule,
    dealer_risk_signal,
    dealer_segment,
    dealer_telegram,
    dealer_telegram_update,
    dealer_vehicle,
    dealer_visit,
    ir_actions_server,
    link_tracker,
    mail_activity,
    mail_mail,
    mail_thread,
    res_company,
    res_config_settings,
    res_partner,
)
