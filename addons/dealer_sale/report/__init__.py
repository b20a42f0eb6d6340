from . import sale_contract_report
