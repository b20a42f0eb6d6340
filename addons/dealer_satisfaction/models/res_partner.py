from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    dealer_last_nps = fields.Integer(
        string="Last NPS score",
        compute="_compute_dealer_last_nps",
        groups="dealer_crm.group_dealer_user",
        help="The customer's last answer to 'How likely are you to recommend us?' (0–10).",
    )
    dealer_last_nps_date = fields.Datetime(
        string="Last survey answered", compute="_compute_dealer_last_nps", groups="dealer_crm.group_dealer_user"
    )
    dealer_last_nps_category = fields.Selection(
        [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")],
        string="NPS category",
        compute="_compute_dealer_last_nps",
        groups="dealer_crm.group_dealer_user",
    )

    dealer_feedback_count = fields.Integer(
        string="Feedback", compute="_compute_dealer_last_nps", groups="dealer_crm.group_dealer_user"
    )

    def _compute_dealer_last_nps(self):
        """The latest answered survey of each customer and the count of the answered ones: one
        search for all of them."""
        latest, counts = {}, {}
        answers = self.env["dealer.feedback"].search_fetch(
            [("partner_id", "in", self.ids), ("state", "=", "answered")],
            ["partner_id", "score", "category", "answer_date"],
            order="answer_date desc, id desc",
        )
        for feedback in answers:
            latest.setdefault(feedback.partner_id.id, feedback)
            counts[feedback.partner_id.id] = counts.get(feedback.partner_id.id, 0) + 1
        for partner in self:
            feedback = latest.get(partner._origin.id)
            partner.dealer_feedback_count = counts.get(partner._origin.id, 0)
            partner.dealer_last_nps = feedback.score if feedback else 0
            partner.dealer_last_nps_date = feedback.answer_date if feedback else False
            partner.dealer_last_nps_category = feedback.category if feedback else False

    def action_dealer_view_feedback(self):
        """The customer's satisfaction surveys, answered or not."""
        return self._dealer_action("dealer_satisfaction.dealer_feedback_action", [("partner_id", "=", self.id)], {})
