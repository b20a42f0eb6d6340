from . import dealer_funnel_report, dealer_lead_response_report
