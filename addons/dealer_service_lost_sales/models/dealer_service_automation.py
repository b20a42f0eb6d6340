"""Aftersales building blocks for automation rules (see dealer_crm/models/dealer_automation.py)."""

from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    service_source = fields.Selection(
        selection_add=[("declined", "Visit (declined work)"), ("automation", "Automation rule")],
        ondelete={"declined": "set null", "automation": "set null"},
    )

    def _dealer_role_own_users(self, role):
        """A service opportunity's responsible person is its service advisor."""
        if role == "service_advisor":
            users = {lead.id: lead.user_id for lead in self if lead.dealer_kind == "service" and lead.user_id}
            rest = self.filtered(lambda lead: lead.id not in users)
            users.update(super(CrmLead, rest)._dealer_role_own_users(role))
            return users
        return super()._dealer_role_own_users(role)

    def _dealer_loss_event_vals(self, kind, amount, reason, line=None):
        """A win-back opportunity of declined work is already lost revenue (its declined visit lines
        are in the ledger): losing it again records the reason and stage at zero amount."""
        if self.service_source == "declined":
            amount = 0.0
        return super()._dealer_loss_event_vals(kind, amount, reason, line=line)

    def _dealer_mark_recovered(self):
        """Winning a win-back opportunity recovers the declined visit lines it was opened for."""
        res = super()._dealer_mark_recovered()
        won = self.filtered(lambda lead: lead.service_source == "declined" and lead.won_status == "won")
        if won:
            lines = self.env["dealer.visit.line"].sudo().search([("service_opportunity_id", "in", won.ids)])
            events = (
                self.env["dealer.loss.event"]
                .sudo()
                .search([("visit_line_id", "in", lines.ids), ("recovered", "=", False)])
            )
            events.write({"recovered": True})
        return res

    def _dealer_record_lost(self, reason):
        """Mark the open opportunities lost with ``reason``: service ones write their lost event
        (no-show, appointment or order cancelled, quote declined) into the lost-revenue ledger.

        :param reason: a ``crm.lost.reason`` record or its code (``no_show``, ``price`` …)
        :returns: the leads marked lost
        """
        if isinstance(reason, str):
            code, reason = reason, self.env["crm.lost.reason"]._dealer_by_code(reason)
            if not reason:
                raise UserError(self.env._("%(code)s is not the code of a Lost Reason.", code=code))
        if not reason:
            raise UserError(self.env._("Choose the Lost Reason."))
        leads = self.filtered(lambda lead: lead.active and lead.won_status == "pending")
        if leads:
            kind = "no_show" if reason.dealer_code == "no_show" else None
            leads.with_context(dealer_loss_kind=kind).action_set_lost(lost_reason_id=reason.id)
        return leads


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    def _dealer_create_service_opportunity(self, days=0, summary=None):
        """One service opportunity per car, due in ``days`` days, for the owner's service advisor;
        cars that already have an open service opportunity get none (one create for all).

        :returns: the created opportunities
        """
        Lead = self.env["crm.lead"]
        busy = {
            vehicle.id
            for [vehicle] in Lead._read_group(
                [("vehicle_id", "in", self.ids), ("dealer_kind", "=", "service"), ("won_status", "=", "pending")],
                ["vehicle_id"],
            )
        }
        due = fields.Date.context_today(self) + timedelta(days=days or 0)
        advisors = self._dealer_role_users("service_advisor")
        vals_list = []
        for vehicle in self.search([("id", "in", self.ids), ("id", "not in", list(busy)), ("partner_id", "!=", False)]):
            vals = Lead._dealer_service_opportunity_vals(
                vehicle,
                summary or self.env._("Service: %(vehicle)s", vehicle=vehicle.display_name),
                "automation",
            )
            vals.update(date_deadline=due, user_id=advisors[vehicle.id].id if vehicle.id in advisors else False)
            vals_list.append(vals)
        return Lead.create(vals_list)


class DealerVisitLine(models.Model):
    _inherit = "dealer.visit.line"

    service_opportunity_id = fields.Many2one(
        "crm.lead",
        string="Follow-up opportunity",
        index="btree_not_null",
        copy=False,
        ondelete="set null",
        readonly=True,
        help="The service opportunity an automation rule opened to win this declined job back.",
    )

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
            visit_lines.write({"service_opportunity_id": lead.id})
        return leads


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    def _dealer_create_service_opportunity(self, days=0, summary=None):
        """A visit's declined lines become one service opportunity (see dealer.visit.line)."""
        declined = self.env["dealer.visit.line"].search([("visit_id", "in", self.ids), ("status", "=", "declined")])
        return declined._dealer_create_service_opportunity(days=days, summary=summary)
