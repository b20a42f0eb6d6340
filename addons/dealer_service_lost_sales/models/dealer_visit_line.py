from odoo import fields, models

from .crm_lead import SERVICE_LINK_GROUPS


class DealerVisitLine(models.Model):
    _inherit = "dealer.visit.line"

    loss_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Decline reason",
        groups=SERVICE_LINK_GROUPS,
        help="Why the customer declined this job; the loss ledger reports lost revenue by it.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "loss_reason_id" in vals:
            # a reason entered after the visit was closed reaches the ledger entry already written
            self.env["dealer.loss.event"].sudo().search([("visit_line_id", "in", self.ids)]).write(
                {"reason_id": vals["loss_reason_id"] or False}
            )
        return res
