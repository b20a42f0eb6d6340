from odoo import fields, models

SATISFACTION_SCORES = [(str(score), str(score)) for score in range(11)]


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    satisfaction_score = fields.Selection(
        SATISFACTION_SCORES,
        string="Satisfaction (0–10)",
        help="How likely the customer is to recommend us after this visit, 0 to 10 (the satisfaction survey "
        "fills it in, staff may type an answer given by phone); 6 or lower raises the churn risk.",
    )

    _dealer_loyalty_vehicle_kind_idx = models.Index("(vehicle_id, kind, date) WHERE state = 'done'")
