from odoo import api, fields, models


class DealerPromotion(models.Model):
    """A promotion of the dealership or an importer programme: a discount on items for some models."""

    _name = "dealer.promotion"
    _inherit = ["dealer.shared.setting.mixin"]
    _description = "Promotion"
    _order = "date_from desc, id desc"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Showroom",
        default=lambda self: self.env.company,
        index=True,
        help="Empty: every showroom of the group (changed only by someone who works in all of them).",
    )
    date_from = fields.Date(string="Valid from", help="First day of the promotion; empty = already running.")
    date_to = fields.Date(string="Valid to", help="Last day of the promotion (included); empty = open-ended.")
    programme = fields.Selection(
        [("dealer", "Dealership"), ("importer", "Importer programme")],
        required=True,
        default="dealer",
    )
    model_ids = fields.Many2many(
        "dealer.vehicle.model",
        "dealer_promotion_model_rel",
        "promotion_id",
        "model_id",
        string="Models",
        help="The vehicle models the promotion applies to; empty = every model.",
    )
    product_tmpl_ids = fields.Many2many(
        "product.template",
        "dealer_promotion_product_template_rel",
        "promotion_id",
        "product_tmpl_id",
        string="Items",
        domain=[("dealer_item_kind", "!=", False)],
        help="The catalogue items the promotion discounts.",
    )
    discount_percent = fields.Float(string="Discount (%)", digits=(16, 2))
    description = fields.Text(translate=True)

    _dates_ordered = models.Constraint(
        "CHECK(date_from IS NULL OR date_to IS NULL OR date_from <= date_to)",
        "A promotion cannot end before it starts.",
    )
    _discount_range = models.Constraint(
        "CHECK(discount_percent >= 0 AND discount_percent <= 100)",
        "A discount is between 0 and 100 %.",
    )

    @api.model
    def _current_domain(self, day=None):
        """Domain of the promotions valid on ``day`` (today by default), both ends included."""
        day = day or fields.Date.context_today(self)
        return [
            "|",
            ("date_from", "=", False),
            ("date_from", "<=", day),
            "|",
            ("date_to", "=", False),
            ("date_to", ">=", day),
        ]
