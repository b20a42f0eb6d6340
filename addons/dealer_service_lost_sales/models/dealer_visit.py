from odoo import api, fields, models
from odoo.exceptions import ValidationError

# A booking matches a visit of the same car when it was planned (or won) this many days around the visit date.
LINK_WINDOW_DAYS = 3
# Stages where the car is at the dealership: an open opportunity there is the job the visit carries out.
IN_WORKSHOP_STEPS = ("reception", "in_progress", "completed", "quality", "delivery")
LINK_GROUPS = (
    "dealer_crm.group_service_advisor,dealer_crm.group_service_client_manager,"
    "dealer_crm.group_sales_head,dealer_crm.group_dealer_manager,dealer_crm.group_integration"
)


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    service_lead_id = fields.Many2one(
        "crm.lead",
        string="Service opportunity",
        index="btree_not_null",
        copy=False,
        tracking=True,
        groups=LINK_GROUPS,
        domain="[('dealer_kind', '=', 'service'), ('vehicle_id', '=', vehicle_id)]",
        help="The booking or service opportunity this visit carries out. Set when the visit is recorded "
        "(an opportunity of the same car planned within 3 days of the visit, or already in the workshop). "
        "Once the visit is closed, its done lines are the job's realised revenue and the opportunity's "
        "accepted amount no longer counts a second time.",
    )

    @api.constrains("service_lead_id", "vehicle_id")
    def _check_service_lead(self):
        for visit in self.sudo().filtered("service_lead_id"):
            lead = visit.service_lead_id
            if lead.dealer_kind != "service" or lead.vehicle_id != visit.vehicle_id:
                raise ValidationError(
                    self.env._(
                        "Service opportunity: %(lead)s is not a service opportunity of %(vehicle)s.",
                        lead=lead.display_name,
                        vehicle=visit.vehicle_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        visits.filtered(lambda visit: not visit.sudo().service_lead_id)._dealer_link_service_leads()
        visits.filtered(lambda visit: visit.state == "done")._dealer_follow_up_lines()
        return visits

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "done":
            self.filtered(lambda visit: not visit.sudo().service_lead_id)._dealer_link_service_leads()
            self._dealer_follow_up_lines()
        return res

    def _dealer_link_service_leads(self):
        """Link each visit to the service opportunity it carries out, found by car and date.

        One search for every car of the batch.  A candidate is a service opportunity of the
        same car, not lost, not the follow-up of this very visit and not linked to another
        visit, that is open and planned within LINK_WINDOW_DAYS of the visit date or already in
        a workshop stage, or won within LINK_WINDOW_DAYS of it.  The nearest planned date wins.
        """
        visits = self.sudo().filtered("vehicle_id")
        if not visits:
            return
        # the car's open and won service opportunities (a few per car): the dates are checked
        # below; an OR of date ranges in SQL cost more to plan than to run
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(
                [
                    ("dealer_kind", "=", "service"),
                    ("vehicle_id", "in", visits.vehicle_id.ids),
                    ("won_status", "in", ("pending", "won")),
                ]
            )
        )
        if not leads:
            return
        taken = set(self.sudo().search([("service_lead_id", "in", leads.ids)]).service_lead_id.ids)
        by_vehicle = {}
        for lead in leads.filtered(lambda lead: lead.id not in taken):
            by_vehicle.setdefault(lead.vehicle_id.id, []).append(lead)

        def days_from(when, day):
            return abs((when.date() - day).days) if when else None

        def match(lead, visit):
            """(is it this visit's job, how far its date is): ``None`` when it is not."""
            if lead.id in taken or lead.service_visit_id == visit:
                return None
            if lead.won_status == "won":
                days = days_from(lead.date_closed, visit.date)
                return days if days is not None and days <= LINK_WINDOW_DAYS else None
            days = days_from(lead.service_planned_at, visit.date)
            if days is not None and days <= LINK_WINDOW_DAYS:
                return days
            if lead.stage_id.dealer_service_step in IN_WORKSHOP_STEPS:
                return LINK_WINDOW_DAYS + 1  # in the workshop: after any booking of that day
            return None

        for visit in visits.sorted("date"):
            scored = [
                (days, -lead.id, lead)
                for lead in by_vehicle.get(visit.vehicle_id.id, [])
                if (days := match(lead, visit)) is not None
            ]
            if scored:
                lead = min(scored, key=lambda item: item[:2])[2]
                visit.service_lead_id = lead
                taken.add(lead.id)

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
