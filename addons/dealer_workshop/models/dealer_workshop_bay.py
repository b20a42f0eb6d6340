import bisect
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from ..tools import capacity
from .res_config_settings import workshop_param

BAY_KINDS = [
    ("mechanical", "Mechanical"),
    ("body", "Body and paint"),
    ("tyres", "Tyre fitting"),
    ("washing", "Washing"),
    ("diagnostics", "Diagnostics"),
]


class DealerWorkshopBay(models.Model):
    """A workshop post (lift, body booth, tyre machine, wash): its kind, showroom and working hours.

    Working hours and holidays are the bay's ``resource.calendar`` (Odoo's working times and its
    global time off); a booking (a service opportunity) reserves bay time, a visit occupies it.
    """

    _name = "dealer.workshop.bay"
    _description = "Workshop bay"
    _order = "company_id, kind, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="Showroom", required=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(BAY_KINDS, required=True, default="mechanical", index=True)
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working hours",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="When the bay works; the calendar's time off (holidays) closes it.",
    )
    # read with the reader's rights: a working calendar shared by the showrooms holds each showroom's closures,
    # of which the bay shows those of its reader's showrooms (another's never close it: ``_free_hours``)
    calendar_leave_ids = fields.One2many(
        related="calendar_id.global_leave_ids",
        string="Holidays",
        readonly=False,
        compute_sudo=False,
        help="Time off of the working hours: it closes every bay on these hours.",
    )
    note = fields.Text()

    def write(self, vals):
        """A bay with bookings still to come is not taken out of service: its customers would come to a bay
        nobody plans; the refusal names the bay and its next booking, to be moved first."""
        if "active" in vals and not vals["active"]:
            self._workshop_check_no_future_bookings()
        result = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        return result

    def _workshop_check_no_future_bookings(self):
        Lead = self.env["crm.lead"].sudo()
        for bay in self.filtered("active"):
            domain = [
                ("workshop_bay_id", "=", bay.id),
                ("won_status", "=", "pending"),
                ("service_planned_at", ">", fields.Datetime.now()),
            ]
            count = Lead.search_count(domain)
            if count:
                first = Lead.search(domain, order="service_planned_at", limit=1)
                raise UserError(
                    self.env._(
                        "%(bay)s has %(count)s bookings still to come (the next: %(booking)s on %(when)s). Move them "
                        "to another bay before taking it out of service.",
                        bay=bay.display_name,
                        count=count,
                        booking=first.display_name,
                        when=format_datetime(
                            self.env, first.service_planned_at, tz=bay.company_id._dealer_tz(), dt_format="short"
                        ),
                    )
                )

    # ------------------------------------------------------------
    # Capacity: working time, reservations, free hours and slots
    # ------------------------------------------------------------

    @api.model
    def _free_hours(self, date_from, date_to, kinds=None, companies=None):
        """``{bay id: free hours}`` of the active bays between two datetimes (UTC, naive).

        Free = working hours of the bay's calendar (holidays excluded) minus the hours reserved by
        active bookings and occupied by open visits; never below 0. Set-based (one query for the
        reservations). The contract shared by the planner, the booking page and campaign pacing.
        Only the bays the user may read count (``sudo()`` it for a public page).
        """
        bays = self.search(self._workshop_bay_domain(kinds=kinds, companies=companies))
        work = bays._workshop_work_intervals(date_from, date_to)
        busy = bays._workshop_reservations(date_from, date_to)
        return {bay.id: max(0.0, capacity.hours(capacity.subtract(work[bay.id], busy.get(bay.id, [])))) for bay in bays}

    @api.model
    def _free_slots(self, kind, hours, date_from, date_to, company=None, exclude_lead=None):
        """Start times (UTC naive datetimes, sorted) at which a job of ``hours`` fits a bay of ``kind``.

        Returns a list of ``(start, bay)``, one per start time (the first free bay in the bays'
        order); a slot is free on a bay when the whole job fits its working hours that day without
        overlapping a booking or a visit. ``exclude_lead`` is the booking being rescheduled (its own
        time is free for it). Starts lie on the grid of the ``slot_minutes`` setting counted from
        local midnight of the bay's calendar, and in the future only.

        Advisors' reception: a start is offered only while fewer bookings of the showroom start in
        that slot than it has service advisors (users of ``dealer_crm.group_service_advisor``); a
        showroom without service advisors has no reception limit.
        """
        step = timedelta(minutes=workshop_param(self.env, "slot_minutes"))
        date_from = max(date_from, fields.Datetime.now())
        if date_from >= date_to or hours <= 0:
            return []
        bays = self.search(self._workshop_bay_domain(kinds=[kind], companies=company))
        # whole local days around the range: a job starting near an end is measured on its full day
        work = bays._workshop_work_intervals(date_from - timedelta(days=1), date_to + timedelta(days=1), by_day=True)
        busy = bays._workshop_reservations(date_from, date_to + timedelta(days=1), exclude_lead=exclude_lead)
        found = {}
        for bay in bays:
            bay_busy = busy.get(bay.id, [])
            for day_work in work[bay.id].values():
                for start in bay._workshop_grid(day_work, step):
                    if start < date_from or start >= date_to or start in found:
                        continue
                    end = capacity.job_end(day_work, start, hours)
                    if end and not capacity.intersect(capacity.intersect([(start, end)], day_work), bay_busy):
                        found[start] = bay
        slots = sorted(found.items(), key=lambda item: item[0])
        return self._workshop_reception_filter(slots, step, exclude_lead)

    @api.model
    def _workshop_bay_domain(self, kinds=None, companies=None):
        domain = [("active", "=", True)]
        if kinds:
            domain.append(("kind", "in", list(kinds)))
        if companies:
            domain.append(("company_id", "in", companies.ids if hasattr(companies, "ids") else list(companies)))
        return domain

    def _workshop_work_intervals(self, date_from, date_to, by_day=False):
        """Working intervals of each bay in the range (UTC naive), its calendar's time off removed.

        ``{bay id: [(start, end)]}``, or with ``by_day`` ``{bay id: {local day: [(start, end)]}}``,
        the day being the calendar's (its time zone). One calendar computation per calendar and showroom:
        a bay is closed by its calendar's time off and the time off of its showroom for every calendar,
        never by another showroom's.
        """
        result = {}
        start, end = pytz.utc.localize(date_from), pytz.utc.localize(date_to)
        groups = defaultdict(lambda: self.browse())
        for bay in self:
            groups[bay.calendar_id, bay.company_id] |= bay
        for (calendar, company), bays in groups.items():
            tz = pytz.timezone(calendar.tz or "UTC")
            per_day = defaultdict(list)
            # the holidays of the bay's showroom (or of no showroom), whoever asks: sudo, as the booking
            # page and the advisors must see the same free time (the user's companies do not matter)
            leaves = [("time_type", "=", "leave"), ("company_id", "in", [False, company.id])]
            intervals = calendar.sudo()._work_intervals_batch(start, end, domain=leaves, tz=tz)[False]
            for w_start, w_end, _records in intervals:
                if w_end > w_start:
                    day = w_start.astimezone(tz).date()
                    per_day[day].append((self._workshop_naive(w_start), self._workshop_naive(w_end)))
            per_day = {day: capacity.merge(spans) for day, spans in sorted(per_day.items())}
            value = per_day if by_day else capacity.merge([span for spans in per_day.values() for span in spans])
            for bay in bays:
                result[bay.id] = value
        return result

    @staticmethod
    def _workshop_naive(value):
        return value.astimezone(pytz.utc).replace(tzinfo=None)

    def _workshop_grid(self, day_work, step):
        """The grid's start times (UTC naive) inside one day's working intervals of the bay."""
        if not day_work:
            return
        tz = pytz.timezone(self.calendar_id.tz or "UTC")
        day = pytz.utc.localize(day_work[0][0]).astimezone(tz).date()
        midnight = tz.localize(datetime.combine(day, time.min))
        for w_start, w_end in day_work:
            local = pytz.utc.localize(w_start).astimezone(tz)
            index = -(-(local - midnight) // step)  # ceiling: the first grid point in the interval
            start = self._workshop_naive(midnight + index * step)
            while start < w_end:
                yield start
                index += 1
                start = self._workshop_naive(midnight + index * step)

    def _workshop_reservations(self, date_from, date_to, exclude_lead=None):
        """``{bay id: merged [(start, end)]}``: the time active bookings reserve and open visits occupy.

        One query. A booking (a pending, active opportunity with a bay, a start and an end) reserves
        its span until the car is in: once a visit carries it out on a bay, or the visit is closed,
        the visit counts instead (a closed visit frees the bay). An open visit on a bay occupies it
        from its booking's start (else from the start of the visit's day) until the promised time
        (else the booking's end, else the end of the visit's day), in the bay calendar's time zone.
        Lost, won and archived bookings and closed or cancelled visits free their time.
        """
        if not self:
            return {}
        self.env["crm.lead"].flush_model(
            ["workshop_bay_id", "service_planned_at", "workshop_end_at", "active", "won_status", "dealer_interest"]
        )
        self.env["dealer.visit"].flush_model(["workshop_bay_id", "service_lead_id", "state", "date", "promised_at"])
        exclude_id = exclude_lead.id if exclude_lead else 0
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.workshop_bay_id, l.service_planned_at, l.workshop_end_at, NULL::date, NULL::timestamp
              FROM crm_lead l
             WHERE l.workshop_bay_id = ANY(%(bays)s) AND l.active AND l.won_status = 'pending'
               AND l.dealer_interest = 'service'
               AND l.service_planned_at < %(to)s AND l.workshop_end_at > %(from)s AND l.id != %(exclude)s
               AND NOT EXISTS (
                   SELECT 1 FROM dealer_visit v
                    WHERE v.service_lead_id = l.id
                      AND (v.state = 'done' OR (v.state = 'open' AND v.workshop_bay_id IS NOT NULL)))
            UNION ALL
            SELECT v.workshop_bay_id, l.service_planned_at, l.workshop_end_at, v.date, v.promised_at
              FROM dealer_visit v
              LEFT JOIN crm_lead l ON l.id = v.service_lead_id
             WHERE v.workshop_bay_id = ANY(%(bays)s) AND v.state = 'open'
               AND v.service_lead_id IS DISTINCT FROM %(exclude)s
               AND COALESCE(l.service_planned_at, v.date - 1) < %(to)s
               AND GREATEST(v.promised_at, l.workshop_end_at, v.date + 2) > %(from)s
                """,
                bays=self.ids,
                to=date_to,
                exclude=exclude_id,
                **{"from": date_from},
            )
        )
        tzs = {bay.id: pytz.timezone(bay.calendar_id.tz or "UTC") for bay in self}
        busy = defaultdict(list)
        for bay_id, row_start, row_end, visit_day, promised_at in rows:
            start, end = row_start, row_end
            if visit_day:
                start, end = self._workshop_visit_span(tzs[bay_id], row_start, row_end, visit_day, promised_at)
            if start and end and start < date_to and end > date_from:
                busy[bay_id].append((start, end))
        return {bay_id: capacity.merge(spans) for bay_id, spans in busy.items()}

    def _workshop_visit_span(self, tz, booked_start, booked_end, visit_day, promised_at):
        midnight = tz.localize(datetime.combine(visit_day, time.min))
        start = booked_start or self._workshop_naive(midnight)
        ends = [value for value in (promised_at, booked_end) if value]
        end = max(ends) if ends else self._workshop_naive(midnight + timedelta(days=1))
        return start, end

    @api.model
    def _workshop_reception_filter(self, slots, step, exclude_lead=None):
        """Drop the starts whose slot already has as many bookings starting as the showroom has advisors."""
        if not slots:
            return slots
        companies = self.env["res.company"].union(*(bay.company_id for _start, bay in slots))
        advisors = self._workshop_advisor_counts(companies)
        if not any(advisors.values()):
            return slots
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search_fetch(
                [
                    ("dealer_interest", "=", "service"),
                    ("won_status", "=", "pending"),
                    ("company_id", "in", companies.ids),
                    ("service_planned_at", ">=", slots[0][0]),
                    ("service_planned_at", "<", slots[-1][0] + step),
                    ("id", "!=", exclude_lead.id if exclude_lead else 0),
                ],
                ["company_id", "service_planned_at"],
            )
        )
        starts = defaultdict(list)
        for lead in leads:
            starts[lead.company_id.id].append(lead.service_planned_at)
        for values in starts.values():
            values.sort()
        kept = []
        for start, bay in slots:
            limit = advisors.get(bay.company_id.id)
            planned = starts[bay.company_id.id]
            taken = bisect.bisect_left(planned, start + step) - bisect.bisect_left(planned, start)
            if not limit or taken < limit:
                kept.append((start, bay))
        return kept

    @api.model
    def _workshop_advisor_counts(self, companies):
        """``{company id: number of service advisors}`` (explicit members of the role's group)."""
        group = self.env.ref("dealer_crm.group_service_advisor")
        users = (
            self.env["res.users"]
            .sudo()
            .search_fetch([("group_ids", "in", group.id), ("company_ids", "in", companies.ids)], ["company_ids"])
        )
        return {company.id: len(users.filtered(lambda u, c=company: c in u.company_ids)) for company in companies}

    def _workshop_job_end(self, start, job_hours):
        """When a job started at ``start`` ends, counted in the bay's working hours (``start + hours`` outside them)."""
        self.ensure_one()
        work = self._workshop_work_intervals(start, start + timedelta(days=15))[self.id]
        return capacity.job_end(work, start, job_hours) or start + timedelta(hours=job_hours)

    def _workshop_serialize(self):
        """Bookings checked against these bays at the same moment are made one after the other.

        Touching the bays' rows makes a second transaction that checks the same bay fail to serialize
        (Odoo replays it, and the replay sees the first booking and refuses the time); a row lock alone
        would not do: the second transaction's snapshot would still miss the first booking. Called
        before reading a bay's reservations to give it to a booking (staff, API, booking page alike).
        """
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE dealer_workshop_bay SET write_date = write_date WHERE id IN %s",
                    tuple(sorted(self.ids)),
                )
            )

    def _workshop_fit(self, start, job_hours, exclude_lead=None):
        """Whether a job of ``job_hours`` starting at ``start`` fits this bay: ``(end, problem, busy)``.

        ``problem`` is ``None`` (it fits), ``"closed"`` (not within the working hours of the start's
        day) or ``"busy"`` (it overlaps another reservation: ``busy`` is the overlapping span).
        ``end`` is where the working hours bring the job (the next working days for a job longer
        than the day), else ``start + job_hours``.
        """
        self.ensure_one()
        tz = pytz.timezone(self.calendar_id.tz or "UTC")
        local_day = pytz.utc.localize(start).astimezone(tz).date()
        midnight = self._workshop_naive(tz.localize(datetime.combine(local_day, time.min)))
        work = self._workshop_work_intervals(midnight, midnight + timedelta(days=15), by_day=True)[self.id]
        day_work = work.get(local_day, [])
        all_work = [span for spans in work.values() for span in spans]
        end = capacity.job_end(day_work, start, job_hours)
        if not end:
            return capacity.job_end(all_work, start, job_hours) or start + timedelta(hours=job_hours), "closed", None
        busy = self._workshop_reservations(start, end, exclude_lead=exclude_lead).get(self.id, [])
        overlap = capacity.intersect(capacity.intersect([(start, end)], day_work), busy)
        if overlap:
            return end, "busy", next(span for span in busy if span[1] > overlap[0][0])
        return end, None, None
