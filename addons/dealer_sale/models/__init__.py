from . import (
    crm_lead,
    dealer_reservation,
    dealer_vehicle,
    ir_module_module,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
)
