from odoo import models

from .dealer_feedback import SURVEY_LINK


class DealerDispatch(models.Model):
    _inherit = "dealer.dispatch"

    def _text_to_send(self):
        """A survey invitation gets the customer's personal link only now, in the message that leaves:
        the stored text (read by every dealer user) keeps its mark."""
        text = super()._text_to_send()
        if self.res_model == "dealer.feedback" and self.res_id and SURVEY_LINK in text:
            feedback = self.env["dealer.feedback"].sudo().browse(self.res_id).exists()
            # only the row's own customer's survey: a row pointed at another customer's feedback, or a feedback
            # pointed at another customer's answer or another survey, sends no link
            answer = feedback.user_input_id
            if (
                answer
                and feedback.partner_id == self.partner_id
                and answer.partner_id == feedback.partner_id
                and answer.survey_id == feedback._survey()
            ):
                text = text.replace(SURVEY_LINK, feedback._survey_url())
        return text
