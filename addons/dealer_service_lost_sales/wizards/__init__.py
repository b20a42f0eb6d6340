from . import crm_lead_lost, dealer_lost_sales_export, dealer_service_import
