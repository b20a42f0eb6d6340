from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.system_fields import check_access_after_move


class DealerFunnelTarget(models.Model):
    """Monthly plan of a sales team for the funnel KPIs of docs/DOMAIN.md §2 (NV, NG, NL, NS, AC)."""

    _name = "dealer.funnel.target"
    _description = "Sales funnel plan"
    _order = "month desc, team_id"
    _check_company_auto = True

    month = fields.Date(required=True, index=True, help="Any day of the month; stored as its first day.")
    team_id = fields.Many2one("crm.team", string="Sales team", required=True, index=True, check_company=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    target_nv = fields.Integer(string="Plan views (NV)")
    target_ng = fields.Integer(string="Plan guests (NG)")
    target_nl = fields.Integer(string="Plan leads (NL)")
    target_ns = fields.Integer(string="Plan sales (NS)")
    target_ac = fields.Monetary(string="Plan average check (AC)", groups="dealer_crm.group_dealer_see_money")

    # per showroom: a team shared by the showrooms (the shipped showroom team) has each showroom's own plan
    _team_month_uniq = models.UniqueIndex(
        "(team_id, company_id, month)", "This team already has a plan for this month in this showroom."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("month"):
                vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("month"):
            vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
        result = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        return result

    @api.depends("month", "team_id")
    def _compute_display_name(self):
        for target in self:
            target.display_name = f"{target.team_id.name or ''} {target.month and target.month.strftime('%Y-%m') or ''}"

    @api.constrains("target_nv", "target_ng", "target_nl", "target_ns", "target_ac")
    def _check_targets(self):
        for target in self:
            if min(target.target_nv, target.target_ng, target.target_nl, target.target_ns, target.target_ac) < 0:
                raise ValidationError(self.env._("Plan values cannot be negative."))
