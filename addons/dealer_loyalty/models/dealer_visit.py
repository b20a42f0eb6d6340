from odoo import fields, models


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    satisfaction = fields.Selection(
        [("1", "Very unhappy"), ("2", "Unhappy"), ("3", "Neutral"), ("4", "Happy"), ("5", "Very happy")],
        help="The customer's rating of this visit (survey or call after the visit); low ratings raise the churn risk.",
    )

    _dealer_loyalty_vehicle_kind_idx = models.Index("(vehicle_id, kind, date) WHERE state = 'done'")
