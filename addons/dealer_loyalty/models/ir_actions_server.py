"""Automation steps of this addon (the "Dealership step" server actions, see dealer_crm)."""

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.translated import Translated

from .mail_mail import EMAIL_CONSENT_KEY


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    dealer_step = fields.Selection(
        selection_add=[
            ("enrol_campaign", "Any record with a customer: enrol in a reminder campaign"),
            ("recompute_segments", "Customers: recompute segments"),
            ("post_to_customer", "Any record: message to the customer on their preferred channel"),
        ],
        ondelete={"enrol_campaign": "set null", "recompute_segments": "set null", "post_to_customer": "set null"},
    )
    dealer_campaign_id = fields.Many2one(
        "dealer.campaign", string="Campaign", ondelete="cascade", help="Running reminder campaign to enrol in."
    )

    @api.model
    def _dealer_step_specs(self):
        return {
            **super()._dealer_step_specs(),
            "enrol_campaign": ("_dealer_enrol_in_campaign", ("campaign",)),
            "recompute_segments": ("_dealer_recompute_segments", ()),
            "post_to_customer": ("_dealer_post_to_customer", ("message", "subject", "action")),
        }

    @api.model
    def _dealer_step_required_fields(self):
        return {**super()._dealer_step_required_fields(), "campaign": "dealer_campaign_id"}

    @api.depends("dealer_step")
    def _compute_dealer_step_params(self):
        """The subject of a message to the customer is written in the "Title or subject" field."""
        res = super()._compute_dealer_step_params()
        for action in self.filtered(lambda a: "subject" in (a.dealer_step_params or [])):
            action.dealer_step_params = [*action.dealer_step_params, "summary"]
        return res

    def _dealer_step_value(self, param):
        if param == "subject":
            return Translated.of_field(self, "dealer_summary") if self.dealer_summary else None
        if param == "action":
            return self
        return super()._dealer_step_value(param)

    def _run_action_mail_post_multi(self, eval_context=None):
        """Odoo's *Send email* action (of an automation rule, a scheduled action or the *Action* menu) on a
        dealership customer's card, a dealership deal or a dealership record e-mails only the customers who
        agreed to e-mails and whose address is not blacklisted, however it sends (an e-mail, a message or a
        note): the others are left out, colleagues and vendors still get theirs, and nothing is refused (the
        change that triggered the rule stands). Other records (another team's lead, a contact the dealership
        never served) e-mail as in Odoo (``dealer.dispatch._consent_record_ids``).
        """
        action = self
        if self.env["dealer.dispatch"]._needs_consent(self.model_name):
            action = self.with_context(**{EMAIL_CONSENT_KEY: True})
        return super(IrActionsServer, action)._run_action_mail_post_multi(eval_context=eval_context)
