from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    dealer_director_id = fields.Many2one(
        "res.users",
        string="Dealership director",
        help="Last step of the escalation chain for unanswered leads and missed calls.",
    )
    dealer_reservation_hours = fields.Integer(
        string="Reservation hold (hours)",
        default=48,
        help="A car reservation without a recorded prepayment is released after this many hours.",
    )
