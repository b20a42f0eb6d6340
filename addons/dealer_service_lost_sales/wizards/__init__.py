from . import crm_lead_lost, dealer_service_import
