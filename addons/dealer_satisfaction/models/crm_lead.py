from odoo import api, fields, models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST


class CrmLead(models.Model):
    _inherit = "crm.lead"

    dealer_feedback_ids = fields.One2many(
        "dealer.feedback", "lead_id", string="Customer feedback", groups="dealer_crm.group_dealer_user"
    )
    dealer_feedback_score = fields.Integer(
        string="Customer's score",
        compute="_compute_dealer_feedback_score",
        groups="dealer_crm.group_dealer_user",
        help="How likely the buyer is to recommend us (0–10), from the survey after delivery.",
    )
    # read with the reader's rights, as the score: the survey of a lead of no showroom is the delivering showroom's
    dealer_feedback_category = fields.Selection(
        related="dealer_feedback_ids.category",
        string="NPS category",
        groups="dealer_crm.group_dealer_user",
        compute_sudo=False,
    )

    @api.depends("dealer_feedback_ids.score", "dealer_feedback_ids.state")
    def _compute_dealer_feedback_score(self):
        for lead in self:
            answered = lead.dealer_feedback_ids.filtered(lambda f: f.state == "answered")[:1]
            lead.dealer_feedback_score = answered.score

    def _dealer_deliver(self):
        """A delivered car gets its buyer's satisfaction survey (sent after the setting's delay)."""
        res = super()._dealer_deliver()
        deals = self.filtered(lambda lead: lead.partner_id and lead.dealer_interest != SERVICE_INTEREST)
        if deals:
            self.env["dealer.feedback"].sudo()._plan_for_deals(deals)
        return res
