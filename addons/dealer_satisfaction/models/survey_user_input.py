from odoo import models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    def _mark_done(self):
        """A completed satisfaction survey lands on its feedback (score, comment, issue for a detractor)."""
        res = super()._mark_done()
        feedback = self.env["dealer.feedback"].sudo().search([("user_input_id", "in", self.ids)])
        # an answer counts for the feedback it was made for: its own customer's, on its own survey
        feedback.filtered(
            lambda f: f.user_input_id.partner_id == f.partner_id and f.user_input_id.survey_id == f._survey()
        )._register_answers()
        return res
