from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields

from .crm_lead import SERVICE_LINK_GROUPS


class DealerVisitLine(models.Model):
    _inherit = "dealer.visit.line"

    loss_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Decline reason",
        groups=SERVICE_LINK_GROUPS,
        help="Why the customer declined this job; the loss ledger reports lost revenue by it.",
    )
    service_opportunity_id = fields.Many2one(
        "crm.lead",
        string="Follow-up opportunity",
        index="btree_not_null",
        copy=False,
        ondelete="set null",
        readonly=True,
        check_company=True,
        help="The service opportunity an automation rule opened to win this declined job back.",
    )

    @api.constrains("service_opportunity_id")
    def _check_service_opportunity_company(self):
        """An opportunity of the visit's showroom (or of none): another showroom's would show its name here,
        and be taken for this job's follow-up."""
        self._check_company(["service_opportunity_id"])

    @api.model_create_multi
    def create(self, vals_list):
        # the follow-up opportunity of a line is the application's (a line tied by hand to a won win-back deal would
        # have its loss counted as recovered, and would never get its follow-up)
        refuse_system_fields(self, vals_list, ["service_opportunity_id"])
        lines = super().create(vals_list)
        lines._dealer_sync_declined_losses()
        return lines

    def write(self, vals):
        refuse_system_fields(self, [vals], ["service_opportunity_id"])
        res = super().write(vals)
        if {"status", "amount", "visit_id"} & set(vals):
            self._dealer_sync_declined_losses()
        if "loss_reason_id" in vals:
            # a reason entered after the visit was closed reaches the ledger entry already written
            self.env["dealer.loss.event"].sudo().search([("visit_line_id", "in", self.ids)]).write(
                {"reason_id": vals["loss_reason_id"] or False}
            )
        return res

    def unlink(self):
        self.env["dealer.visit"]._dealer_forget_declined_lines(self)
        return super().unlink()

    def _dealer_sync_declined_losses(self):
        """The ledger follows the lines of a closed visit as they are edited: a line no longer declined is not lost,
        a declined line's loss is its amount, a line declined afterwards is lost (lines of open visits are
        recorded when the visit is closed). A loss won back stays as it was."""
        closed = self.sudo().filtered(lambda line: line.visit_id.state == "done")
        if not closed:
            return
        Visit = self.env["dealer.visit"]
        Visit._dealer_forget_declined_lines(closed.filtered(lambda line: line.status != "declined"))
        declined = closed.filtered(lambda line: line.status == "declined")
        if not declined:
            return
        for event in (
            self.env["dealer.loss.event"]
            .sudo()
            .search([("visit_line_id", "in", declined.ids), ("kind", "=", "line_declined"), ("recovered", "=", False)])
        ):
            if event.amount != event.visit_line_id.amount:
                event.amount = event.visit_line_id.amount
        declined.visit_id._dealer_record_declined_lines(declined)

    def _dealer_create_service_opportunity(self, days=0, summary=None):
        """Win declined or deferred work back: one service opportunity per visit for its lines at
        hand, due in ``days`` days, for the visit's advisor. A line followed up once is never again.

        :returns: the created opportunities
        """
        lines = self.search(
            [("id", "in", self.ids), ("status", "in", ("declined", "deferred")), ("service_opportunity_id", "=", False)]
        )
        Lead = self.env["crm.lead"]
        due = fields.Date.context_today(self) + timedelta(days=days or 0)
        by_visit = lines.grouped("visit_id")
        # One read for all lines: the amount is a restricted field, which Odoo never prefetches.
        job = {row["id"]: row for row in lines.sudo().read(["name", "code", "amount"])}
        vals_list = []
        for visit, visit_lines in by_visit.items():
            vals = Lead._dealer_service_opportunity_vals(
                visit.vehicle_id,
                summary or self.env._("Declined work from %(visit)s", visit=visit.name),
                "declined",
                lines=[
                    {
                        "name": job[line.id]["name"],
                        "code": job[line.id]["code"],
                        "product_id": line.product_id.id,
                        "amount": job[line.id]["amount"],
                        "state": "proposed",
                    }
                    for line in visit_lines
                ],
                partner_id=visit.partner_id.id,
                user_id=visit.advisor_id.id,
                company_id=visit.company_id.id,
            )
            vals["date_deadline"] = due
            vals_list.append(vals)
        leads = Lead.create(vals_list)
        for (_visit, visit_lines), lead in zip(by_visit.items(), leads, strict=True):
            visit_lines.sudo().write({"service_opportunity_id": lead.id})
        return leads
