from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lead import DEALER_CHANNELS

SLA_CHANNELS = [*DEALER_CHANNELS, ("missed_call", "Missed call")]


class DealerSlaPolicy(models.Model):
    _name = "dealer.sla.policy"
    _inherit = ["dealer.shared.setting.mixin"]
    _description = "Response-time policy"
    _order = "channel, company_id"

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    channel = fields.Selection(
        SLA_CHANNELS,
        required=True,
        help="Leads of this channel (or a missed call) must be answered within the time below.",
    )
    minutes = fields.Integer(
        string="Respond within (min)",
        required=True,
        default=15,
        help="Minutes from the arrival of the request to the first real contact with the customer.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to apply the policy to every company without its own (changed only by someone who "
        "works in all of them).",
    )

    _channel_company_uniq = models.UniqueIndex(
        "(channel, COALESCE(company_id, 0)) WHERE active IS TRUE",
        "There is already a response-time policy for this channel and company.",
    )

    @api.depends("channel", "minutes")
    def _compute_name(self):
        for policy, label in zip(self, self._labels(), strict=True):
            policy.name = label

    @api.depends_context("lang")
    @api.depends("channel", "minutes")
    def _compute_display_name(self):
        """The policy as each reader says it (the stored name keeps the language it was saved in)."""
        for policy, label in zip(self, self._labels(), strict=True):
            policy.display_name = label

    def _labels(self):
        """Each policy as "<channel>: <minutes> min" in the current language."""
        channels = dict(self._fields["channel"]._description_selection(self.env))
        return [
            self.env._("%(channel)s: %(minutes)s min", channel=channels.get(policy.channel, ""), minutes=policy.minutes)
            for policy in self
        ]

    @api.constrains("minutes")
    def _check_minutes(self):
        for policy in self:
            if policy.minutes <= 0:
                raise ValidationError(self.env._("Respond within (min) must be a positive number of minutes."))

    @api.model
    def _minutes_for(self, channel, company):
        """Minutes allowed for a channel: the company's own policy wins over a shared one."""
        policies = self.sudo().search([("channel", "=", channel), ("company_id", "in", [company.id, False])])
        policies = policies.sorted(lambda p: not p.company_id)
        return policies[0].minutes if policies else None
