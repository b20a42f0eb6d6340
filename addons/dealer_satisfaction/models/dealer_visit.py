from odoo import api, fields, models


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    feedback_ids = fields.One2many("dealer.feedback", "visit_id", string="Customer feedback")
    feedback_score = fields.Integer(
        string="Customer's score",
        compute="_compute_feedback_score",
        help="How likely the customer is to recommend us (0–10), from the survey after the visit.",
    )
    feedback_category = fields.Selection(related="feedback_ids.category", string="NPS category", readonly=True)

    @api.depends("feedback_ids.score", "feedback_ids.state")
    def _compute_feedback_score(self):
        for visit in self:
            visit.feedback_score = visit.feedback_ids.filtered(lambda f: f.state == "answered")[:1].score

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        visits._plan_feedback()
        return visits

    def write(self, vals):
        if vals.get("state") != "done":
            return super().write(vals)
        closing = self.filtered(lambda visit: visit.state != "done")
        res = super().write(vals)
        closing._plan_feedback()
        return res

    def _plan_feedback(self):
        """A closed visit with a customer gets their satisfaction survey (sent after the setting's delay)."""
        done = self.filtered(lambda visit: visit.state == "done" and visit.partner_id)
        if done:
            self.env["dealer.feedback"].sudo()._plan_for_visits(done)
