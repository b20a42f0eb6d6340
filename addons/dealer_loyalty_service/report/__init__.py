from . import dealer_campaign_report
