from . import (
    crm_lead,
    crm_lost_reason,
    crm_stage,
    dealer_customer_issue,
    dealer_loss_event,
    dealer_loss_improvement,
    dealer_service_automation,
    dealer_service_line,
    dealer_vehicle,
    dealer_visit,
    dealer_visit_line,
    res_partner,
)
