from odoo import api, models


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        visits.filtered(lambda visit: visit.state == "done")._dealer_follow_up_lines()
        return visits

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "done":
            self._dealer_follow_up_lines()
        return res

    def _dealer_follow_up_lines(self):
        """A closed visit: declined lines are lost revenue, deferred lines a new service opportunity.

        Set-based and idempotent: a line already in the ledger and a visit already followed up
        are skipped, so closing a visit twice (or a DMS replay) changes nothing.
        """
        lines = self.line_ids
        declined = lines.filtered(lambda line: line.status == "declined")
        if declined:
            self._dealer_record_declined_lines(declined)
        deferred_visits = lines.filtered(lambda line: line.status == "deferred").visit_id
        if deferred_visits:
            self._dealer_open_deferred_opportunities(deferred_visits)

    def _dealer_record_declined_lines(self, declined):
        Event = self.env["dealer.loss.event"].sudo()
        done = set(Event.search([("visit_line_id", "in", declined.ids)]).visit_line_id.ids)
        stage = self.env["crm.lead"]._dealer_service_stage("reception")
        Event.create(
            [
                {
                    "kind": "line_declined",
                    "date": line.visit_id.date,
                    "company_id": line.visit_id.company_id.id,
                    "visit_id": line.visit_id.id,
                    "visit_line_id": line.id,
                    "stage_id": stage.id,
                    "amount": line.amount,
                    "advisor_id": line.visit_id.advisor_id.id,
                    "partner_id": line.visit_id.partner_id.id,
                    "vehicle_id": line.visit_id.vehicle_id.id,
                }
                for line in declined
                if line.id not in done
            ]
        )

    def _dealer_open_deferred_opportunities(self, visits):
        Lead = self.env["crm.lead"].sudo()
        followed = set(
            Lead.with_context(active_test=False).search([("service_visit_id", "in", visits.ids)]).service_visit_id.ids
        )
        vals_list = []
        for visit in visits.filtered(lambda v: v.id not in followed):
            deferred = visit.line_ids.filtered(lambda line: line.status == "deferred")
            due = min((d for d in deferred.mapped("deferred_until") if d), default=False)
            vals = Lead._dealer_service_opportunity_vals(
                visit.vehicle_id,
                self.env._("Deferred work from %(visit)s", visit=visit.name),
                "visit",
                lines=[
                    {"name": line.name, "code": line.code, "amount": line.amount, "state": "proposed"}
                    for line in deferred
                ],
                service_visit_id=visit.id,
                partner_id=visit.partner_id.id,
                user_id=visit.advisor_id.id,
                company_id=visit.company_id.id,
            )
            vals["date_deadline"] = due
            vals_list.append(vals)
        return Lead.create(vals_list)
