from odoo import fields, models

# The showroom's reservation hold when none is set (Settings > Dealership, per showroom).
RESERVATION_HOURS_DEFAULT = 48


class ResCompany(models.Model):
    _inherit = "res.company"

    dealer_director_id = fields.Many2one(
        "res.users",
        string="Dealership director",
        help="Last step of the escalation chain for unanswered leads and missed calls.",
    )
    dealer_reservation_hours = fields.Integer(
        string="Reservation hold (hours)",
        default=RESERVATION_HOURS_DEFAULT,
        help="A car reservation without a recorded prepayment is released after this many hours.",
    )
