from odoo import api, fields, models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.exceptions import UserError


class CrmLeadLost(models.TransientModel):
    _inherit = "crm.lead.lost"

    dealer_is_service = fields.Boolean(compute="_compute_dealer_is_service")
    dealer_competitor = fields.Char(string="Competitor", help="Who won the job, when the reason is a competitor.")

    @api.depends("lead_ids")
    def _compute_dealer_is_service(self):
        for wizard in self:
            wizard.dealer_is_service = any(lead.dealer_interest == SERVICE_INTEREST for lead in wizard.lead_ids)

    def action_lost_reason_apply(self):
        """Service opportunities need a reason: the loss ledger is useless without one."""
        self.ensure_one()
        if self.dealer_is_service and not self.lost_reason_id:
            raise UserError(self.env._("Lost Reason: choose why the service opportunity was lost."))
        res = super().action_lost_reason_apply()
        if self.dealer_competitor:
            self.lead_ids.loss_event_ids.filtered(lambda e: not e.competitor and not e.is_partial).sudo().write(
                {"competitor": self.dealer_competitor}
            )
        return res
