from odoo import fields, models

from ..tools.system_fields import check_access_after_move, refuse_system_fields


class DealerCallReviewLine(models.Model):
    """One tick of a review: did the operator pass this point of the checklist?"""

    _name = "dealer.call.review.line"
    _description = "Call review checklist line"
    _order = "review_id, sequence, id"

    review_id = fields.Many2one("dealer.call.review", string="Review", required=True, index=True, ondelete="cascade")
    criterion_id = fields.Many2one("dealer.call.criterion", string="Criterion", required=True, ondelete="restrict")
    sequence = fields.Integer(default=10)
    passed = fields.Boolean()
    note = fields.Char()
    company_id = fields.Many2one(related="review_id.company_id", store=True, index=True)

    _criterion_once = models.Constraint("UNIQUE(review_id, criterion_id)", "A criterion is scored once per review.")

    def write(self, vals):
        # the parent's showroom, which the rule reads (a new line is checked against the rule once created)
        refuse_system_fields(self, [vals], ["company_id"])
        result = super().write(vals)
        check_access_after_move(self, vals, ["review_id"])
        return result
