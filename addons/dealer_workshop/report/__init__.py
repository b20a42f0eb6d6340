from . import dealer_campaign_report, dealer_workshop_load
