from . import dealer_lost_revenue_report
