from . import crm_lead, dealer_campaign, dealer_campaign_enrolment, dealer_dispatch, dealer_vehicle
