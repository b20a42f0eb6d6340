from odoo import api, models


class SaleContractReport(models.AbstractModel):
    """The sales contract (ДКП) of a confirmed order: refused, naming what is missing, when incomplete."""

    _name = "report.dealer_sale.report_sales_contract"
    _description = "Sales contract"

    @api.model
    def _get_report_values(self, docids, data=None):
        orders = self.env["sale.order"].browse(docids)
        orders._dealer_check_contract_printable()
        return {"doc_ids": docids, "doc_model": "sale.order", "docs": orders}
