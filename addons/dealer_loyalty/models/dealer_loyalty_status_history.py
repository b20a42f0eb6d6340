from odoo import fields, models
from odoo.addons.dealer_crm.models.res_partner import LIFECYCLE_STAGES
from odoo.addons.dealer_crm.tools.roles import DEALER_ROLES
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move

from .res_partner import BREAK_STAGES, LOYALTY_STATUSES


class DealerLoyaltyStatusHistory(models.Model):
    """One row per change of a customer's loyalty status, written set-based by the daily run.

    A change to *sleeping* is a chain break: it records the step of the customer's life cycle
    (dealer_crm's chain: delivery, maintenance, tyres, insurance …) that should have come next,
    the role that owned it, and the customer's life-cycle stage at that moment.
    """

    _name = "dealer.loyalty.status.history"
    _description = "Loyalty status change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", index=True)
    date = fields.Date(required=True, index=True)
    old_status = fields.Selection(LOYALTY_STATUSES, string="From")
    new_status = fields.Selection(LOYALTY_STATUSES, string="To", required=True, index=True)
    is_chain_break = fields.Boolean(
        string="Chain break", index=True, help="The customer became sleeping: the life-cycle chain broke here."
    )
    break_stage = fields.Selection(
        BREAK_STAGES,
        string="Broken at stage",
        index=True,
        help="The step of the life cycle that should have followed the customer's last event.",
    )
    break_role = fields.Selection(
        DEALER_ROLES, string="Responsible role", index=True, help="The role that owned that step."
    )
    ltv_stage = fields.Selection(
        LIFECYCLE_STAGES,
        string="LTV stage",
        index=True,
        help="The customer's stage in dealer CRM's life-cycle (LTV) chain when the chain broke.",
    )
    last_event_date = fields.Date(string="Last visit or purchase")
    revenue_at_risk = fields.Float(
        groups="dealer_crm.group_dealer_see_money",
        digits=(16, 2),
        aggregator="sum",
        help="What the customer spent in the RFM window before the last event: the yearly business now at risk.",
    )

    def write(self, vals):
        res = super().write(vals)
        # a chain break moved into another showroom would change its figures for good (the rows are not recomputed)
        check_access_after_move(self, vals, ["company_id"])
        return res
