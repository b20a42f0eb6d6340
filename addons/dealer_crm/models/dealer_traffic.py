from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.system_fields import check_access_after_move
from .crm_lead import DEALER_CHANNELS


class DealerTraffic(models.Model):
    """Counted traffic of a day and channel: ad views (NV) and visitors (NG).

    Entered by hand or imported (e.g. from web analytics or the call tracker); showroom
    walk-ins are counted on their own records and added to NG by the funnel report.
    """

    _name = "dealer.traffic"
    _description = "Traffic count"
    _order = "date desc, channel"
    _check_company_auto = True

    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    channel = fields.Selection(DEALER_CHANNELS, required=True, default="web", index=True)
    team_id = fields.Many2one("crm.team", string="Sales team", required=True, index=True, check_company=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True, index=True)
    views_count = fields.Integer(string="Views (NV)", help="How many people saw the advertising.")
    visitors_count = fields.Integer(
        string="Visitors (NG)", help="Site visitors, incoming calls or guests counted for this day and channel."
    )
    note = fields.Char()

    _day_channel_uniq = models.UniqueIndex(
        "(company_id, team_id, date, channel)", "Traffic of this day, channel and team is already entered."
    )

    def write(self, vals):
        result = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        return result

    @api.constrains("views_count", "visitors_count")
    def _check_counts(self):
        for traffic in self:
            if traffic.views_count < 0 or traffic.visitors_count < 0:
                raise ValidationError(self.env._("Views (NV) and Visitors (NG) cannot be negative."))
