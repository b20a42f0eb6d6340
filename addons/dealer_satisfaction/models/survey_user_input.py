from odoo import models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    def _mark_done(self):
        """A completed satisfaction survey lands on its feedback (score, comment, issue for a detractor)."""
        res = super()._mark_done()
        feedback = self.env["dealer.feedback"].sudo().search([("user_input_id", "in", self.ids)])
        feedback._register_answers()
        return res
