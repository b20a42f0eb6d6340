from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.addons.dealer_crm.tools import api_input as inp
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .crm_lead import SERVICE_LINK_GROUPS
from .res_config_settings import service_param

# Stages where the car is at the dealership: an open opportunity there is the job the visit carries out,
# if it entered that stage at most the "workshop" setting's days before the visit.
IN_WORKSHOP_STEPS = ("reception", "in_progress", "completed", "quality", "delivery")


class DealerVisit(models.Model):
    _inherit = "dealer.visit"

    service_lead_id = fields.Many2one(
        "crm.lead",
        string="Service opportunity",
        index="btree_not_null",
        copy=False,
        check_company=True,
        groups=SERVICE_LINK_GROUPS,
        domain="[('dealer_interest', '=', 'service'), ('vehicle_id', '=', vehicle_id)]",
        help="The booking or service opportunity this visit carries out. Set when the visit is recorded "
        "(an opportunity of the same car planned within the booking window of the visit, 3 days unless set "
        "otherwise in Settings, or already in the workshop). "
        "Once the visit is closed, its done lines are the job's realised revenue and the opportunity's "
        "accepted amount no longer counts a second time.",
    )

    @api.constrains("service_lead_id")
    def _check_service_lead(self):
        for visit in self.sudo().filtered("service_lead_id"):
            lead = visit.service_lead_id
            if lead.dealer_interest != SERVICE_INTEREST or lead.vehicle_id != visit.vehicle_id:
                raise ValidationError(
                    self.env._(
                        "Service opportunity: choose a service opportunity of the visit's car (%(vehicle)s).",
                        vehicle=visit.vehicle_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        visits._dealer_link_service_leads()
        visits._dealer_advance_service_leads()
        visits.filtered(lambda visit: visit.state == "done")._dealer_follow_up_lines()
        return visits

    def write(self, vals):
        keys = {"state", "vehicle_id", "service_lead_id"} & set(vals)
        before = {visit.id: (visit.state, visit.service_lead_id) for visit in self.sudo()} if keys else {}
        if "vehicle_id" in vals and "service_lead_id" not in vals:
            # another car: the booking of the old one is not this visit's job any more
            moved = self.sudo().filtered(lambda v: v.service_lead_id and v.vehicle_id.id != vals["vehicle_id"])
            moved._dealer_set_service_leads(dict.fromkeys(moved.ids))
        res = super().write(vals)
        if vals.get("state") in ("open", "cancelled"):
            # a closed visit reopened or cancelled: its declined lines are not lost (yet); closing it again
            # records them as they are then
            self._dealer_forget_declined_lines(self.line_ids)
        if vals.get("state") == "cancelled":
            linked = self.sudo().filtered("service_lead_id")
            linked._dealer_set_service_leads(dict.fromkeys(linked.ids))
        if vals.get("state") == "done" or "vehicle_id" in vals:
            self._dealer_link_service_leads()
        if keys:
            # only real transitions move a booking: a new link, or the visit closed now (not a replay)
            self.sudo().filtered(
                lambda v: v.service_lead_id
                and (v.service_lead_id != before[v.id][1] or (v.state == "done" and before[v.id][0] != "done"))
            )._dealer_advance_service_leads()
            released = self.env["crm.lead"].sudo().union(*(lead for _state, lead in before.values()))
            self._dealer_release_service_leads(released - self.sudo().service_lead_id)
        if vals.get("state") == "done":
            self._dealer_follow_up_lines()
        return res

    def _dealer_release_service_leads(self, leads):
        """Bookings no visit carries out any more (visit cancelled, another car or booking chosen)
        go back from Reception to Scheduling, where the no-show check sees them again."""
        if not leads:
            return
        still = set(
            self.sudo().search([("service_lead_id", "in", leads.ids), ("state", "!=", "cancelled")]).service_lead_id.ids
        )
        back = leads.filtered(
            lambda lead: lead.id not in still
            and lead.won_status == "pending"
            and lead.stage_id.dealer_service_step == "reception"
        )
        if back:
            back.write({"stage_id": self.env["crm.lead"]._dealer_service_stage("scheduling").id})

    def _dealer_advance_service_leads(self):
        """The booking follows the workshop: a visit means the car came in (Reception), a closed
        visit that its work is finished (Work completed).  Open opportunities only, never backwards;
        the advisor still hands the car over (Delivery, won).  One write per target stage."""
        visits = self.sudo().filtered(lambda v: v.service_lead_id and v.state != "cancelled")
        leads = visits.service_lead_id.filtered(lambda lead: lead.won_status == "pending")
        if not leads:
            return
        Lead = self.env["crm.lead"].sudo()
        finished = visits.filtered(lambda v: v.state == "done").service_lead_id & leads
        moves = (
            (finished, ("scheduling", "reception", "in_progress"), "completed"),
            (leads - finished, ("scheduling",), "reception"),
        )
        for group, before, step in moves:
            behind = group.filtered(lambda lead, before=before: lead.stage_id.dealer_service_step in before)
            if behind:
                behind.write({"stage_id": Lead._dealer_service_stage(step).id})

    @api.model
    def _api_line_vals(self, line):
        """A declined line may name why: ``reason``, the code of a loss reason (``price``, ``competitor``…)."""
        vals = super()._api_line_vals(line)
        code = inp.text(line, "reason", max_len=64)
        if code:
            if vals["status"] != "declined":
                raise inp.ApiInputError("reason", "reason is given for declined lines only")
            reason = self.env["crm.lost.reason"].sudo()._dealer_by_code(code)
            if not reason:
                raise inp.ApiInputError("reason", f"reason {code} is not a known loss reason code")
            vals["loss_reason_id"] = reason.id
        return vals

    def _dealer_set_service_leads(self, links):
        """Write ``{visit id: lead id or None}`` in ONE statement (no per-visit write cycle)."""
        if not links:
            return
        self.flush_model(["service_lead_id"])
        rows = SQL(", ").join(SQL("(%s, %s::int)", visit_id, lead_id) for visit_id, lead_id in links.items())
        self.env.cr.execute(
            SQL(
                "UPDATE dealer_visit v SET service_lead_id = m.lead FROM (VALUES %s) AS m(visit, lead)"
                " WHERE v.id = m.visit",
                rows,
            )
        )
        self.browse(list(links)).invalidate_recordset(["service_lead_id"])
        self.env["crm.lead"].invalidate_model(["service_work_visit_ids"])
        self.browse([visit_id for visit_id, lead_id in links.items() if lead_id])._dealer_service_leads_linked()

    def _dealer_service_leads_linked(self):
        """These visits were just linked to the booking they carry out (in SQL, without a write): a hook
        for the addons that copy something of the booking onto its visit (the workshop: bay, promised time)."""
        return None

    def _dealer_link_service_leads(self):
        """Link each unlinked visit to the service opportunity it carries out, found by car and date.

        Two searches for every car of the batch and one UPDATE.  A candidate is a service
        opportunity of the visit's car and company, not the follow-up of this very visit and
        not carried out by another (not cancelled) visit, that is open and planned within
        the booking window of the visit date (setting, 3 days by default; or in a workshop
        stage it entered at most the workshop setting's days before, 30 by default), or won
        within the booking window.  The nearest date wins.
        """
        visits = self.sudo().filtered(lambda v: v.vehicle_id and not v.service_lead_id and v.state != "cancelled")
        if not visits:
            return
        link_days = service_param(self.env, "booking_link_days")
        workshop_days = service_param(self.env, "workshop_link_days")
        window = timedelta(days=link_days)
        first, last = min(visits.mapped("date")) - window, max(visits.mapped("date")) + window + timedelta(days=1)
        Lead = self.env["crm.lead"].sudo()
        base = [("dealer_interest", "=", SERVICE_INTEREST), ("vehicle_id", "in", visits.vehicle_id.ids)]
        # two plain searches: an OR of date ranges cost PostgreSQL more to plan than to run
        leads = Lead.search([*base, ("won_status", "=", "pending")]) | Lead.search(
            [
                *base,
                ("won_status", "=", "won"),
                ("date_closed", ">=", fields.Datetime.to_datetime(first)),
                ("date_closed", "<", fields.Datetime.to_datetime(last)),
            ]
        )
        if not leads:
            return
        taken = set(
            self.sudo().search([("service_lead_id", "in", leads.ids), ("state", "!=", "cancelled")]).service_lead_id.ids
        )
        by_vehicle = {}
        for lead in leads.filtered(lambda lead: lead.id not in taken):
            by_vehicle.setdefault(lead.vehicle_id.id, []).append(lead)

        def local_date(when):
            return fields.Datetime.context_timestamp(self, when).date() if when else None

        def match(lead, visit):
            """How many days the lead's date is from the visit's; ``None`` when it is not the visit's job."""
            if lead.id in taken or lead.service_visit_id == visit:
                return None
            if lead.company_id and lead.company_id != visit.company_id:
                return None
            day = local_date(lead.date_closed if lead.won_status == "won" else lead.service_planned_at)
            days = abs((day - visit.date).days) if day else None
            if days is not None and days <= link_days:
                return days
            if lead.won_status == "won":
                return None
            moved = local_date(lead.date_last_stage_update)
            if (
                lead.stage_id.dealer_service_step in IN_WORKSHOP_STEPS
                and moved
                and -link_days <= (visit.date - moved).days <= workshop_days
            ):
                return link_days + 1  # in the workshop: after any booking of that day
            return None

        links = {}
        for visit in visits.sorted("date"):
            scored = [
                (days, -lead.id, lead)
                for lead in by_vehicle.get(visit.vehicle_id.id, [])
                if (days := match(lead, visit)) is not None
            ]
            if scored:
                lead = min(scored, key=lambda item: item[:2])[2]
                links[visit.id] = lead.id
                taken.add(lead.id)
        visits._dealer_set_service_leads(links)

    @api.model
    def _dealer_backfill_service_links(self, batch_size=1000):
        """Link the visits recorded before the link existed (the upgrade runs it), car by car in batches."""
        self.env.cr.execute(
            "SELECT DISTINCT vehicle_id FROM crm_lead"
            " WHERE dealer_interest = 'service' AND won_status IN ('pending', 'won') AND vehicle_id IS NOT NULL"
        )
        vehicle_ids = [row[0] for row in self.env.cr.fetchall()]
        Visit = self.sudo().with_context(active_test=False)
        for start in range(0, len(vehicle_ids), batch_size):
            chunk = vehicle_ids[start : start + batch_size]
            Visit.search([("vehicle_id", "in", chunk), ("service_lead_id", "=", False)])._dealer_link_service_leads()
            self.env.invalidate_all()

    def _dealer_create_service_opportunity(self, days=0, summary=None):
        """A visit's declined lines become one service opportunity (see dealer.visit.line)."""
        declined = self.env["dealer.visit.line"].search([("visit_id", "in", self.ids), ("status", "=", "declined")])
        return declined._dealer_create_service_opportunity(days=days, summary=summary)

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

    def _dealer_forget_declined_lines(self, lines):
        """Take ``lines``' declined-line losses out of the ledger (those not won back): the visit reopened or
        cancelled, a line no longer declined or deleted. sudo: the ledger is the application's."""
        if lines:
            self.env["dealer.loss.event"].sudo().search(
                [("visit_line_id", "in", lines.ids), ("kind", "=", "line_declined"), ("recovered", "=", False)]
            ).unlink()

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
                    "reason_id": line.sudo().loss_reason_id.id,
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
                    {
                        "name": line.name,
                        "code": line.code,
                        "product_id": line.product_id.id,
                        "amount": line.amount,
                        "state": "proposed",
                    }
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
