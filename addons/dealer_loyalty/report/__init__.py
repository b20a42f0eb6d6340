from . import dealer_campaign_report
from . import dealer_loyalty_cohort_report
