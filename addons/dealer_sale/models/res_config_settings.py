from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dealer_sale_contract_clauses = fields.Html(related="company_id.dealer_sale_contract_clauses", readonly=False)
