from . import dealer_loyalty_cohort_report
