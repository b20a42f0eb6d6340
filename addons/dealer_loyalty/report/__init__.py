from . import dealer_campaign_report, dealer_loyalty_cohort_report
