from odoo import fields, models

from .dealer_workshop_bay import BAY_KINDS


class ProductTemplate(models.Model):
    _inherit = "product.template"

    dealer_bay_kind = fields.Selection(
        BAY_KINDS,
        string="Workshop bay",
        help="The kind of bay this operation occupies; a booking of it reserves that bay's time.",
    )
    dealer_norm_ids = fields.One2many("dealer.workshop.norm", "product_tmpl_id", string="Standard times per model")
