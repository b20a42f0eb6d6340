from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.addons.dealer_crm.tools.checks import check_not_negative
from odoo.addons.dealer_crm.tools.marks import Mark, marked
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields
from odoo.addons.dealer_service_lost_sales.models.crm_lead import ServiceSlotTaken
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.misc import format_date

from ..tools import capacity
from ..tools.links import link_expired, link_key_field, renew_link_keys

# a change of one of these may move, lengthen, re-open or free a booking's bay time
CAPACITY_FIELDS = {
    "service_planned_at",
    "workshop_bay_id",
    "workshop_hours",
    "workshop_end_at",
    "workshop_override",
    "service_line_ids",
    "active",
    "company_id",
}


# a change of one of these changes a booking's norm-hours
HOURS_FIELDS = {"service_line_ids", "vehicle_id", "dealer_interest"}

# a change of one of these by someone who is not a director ends an allowed over-booking
OVERRIDE_RESET_FIELDS = {"service_planned_at", "workshop_bay_id", "workshop_hours"}

# set while a booking is being saved: its own create/write counts the hours and checks the bay once
SAVING_KEY = "dealer_workshop_saving"


class CrmLead(models.Model):
    """A service booking reserves bay time: bay, hours, end, promised time, the reminder it came from.

    The capacity rule lives in ``_workshop_reserve`` (called after every create and write that
    touches a booking's time): a booking with a start and no bay gets a free bay of the kind its
    operations need when its showroom has bays of that kind (a showroom without bays does not
    manage capacity: nothing is refused); a booking whose bay is taken at that time, closed, or
    too short a day for the job is refused, naming the bay and the day, unless a director allowed
    over-booking on it. Lost, won and archived bookings free their time. Bookings that started
    in the past are history: neither given a bay nor refused.
    """

    _inherit = "crm.lead"

    service_source = fields.Selection(selection_add=[("portal", "Customer booking page")])
    workshop_bay_id = fields.Many2one(
        "dealer.workshop.bay", string="Bay", index="btree_not_null", check_company=True, tracking=True
    )
    workshop_hours = fields.Float(
        string="Bay hours",
        digits=(6, 2),
        help="Bay time the booking reserves: the norm-hours of its operations for the car's model, "
        "counted again when its operations or car change; may be corrected by hand.",
    )
    workshop_end_at = fields.Datetime(
        string="Reserved until",
        compute="_compute_workshop_end_at",
        store=True,
        help="End of the bay time the booking reserves: its start plus its hours, counted in the bay's working "
        "hours. To lengthen or shorten the job, change its hours (or resize it in the planner).",
    )
    workshop_override = fields.Boolean(
        string="Over-booking allowed",
        copy=False,
        tracking=True,
        help="Set by a director: this booking may go beyond the bay's free time or working hours. "
        "It holds for the time, bay and hours the director saw: when someone else moves the booking, "
        "changes its bay or its hours, the permission ends and the booking must fit the bay again.",
    )
    service_promised_at = fields.Datetime(string="Promised for", help="When the car was promised to be ready.")
    workshop_online_moves = fields.Integer(
        string="Moves on the booking page",
        readonly=True,
        copy=False,
        help="How often the customer moved this booking on the booking page; past a few, the page asks them to "
        "call the service desk.",
    )
    dealer_link_key = link_key_field()
    dealer_dispatch_id = fields.Many2one(
        "dealer.dispatch",
        string="Booked from message",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The reminder whose personal booking link the customer used: the booking is that campaign's exactly.",
    )

    @api.constrains("workshop_hours")
    def _check_workshop_hours(self):
        """Negative hours would end the job before it starts: the bay's time free for another booking."""
        check_not_negative(self, "workshop_hours")

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("service_planned_at", "workshop_hours", "workshop_bay_id")
    def _compute_workshop_end_at(self):
        for lead in self:
            start, hours = lead.service_planned_at, lead.workshop_hours
            if not start or not hours:
                lead.workshop_end_at = start or False
            elif lead.workshop_bay_id:
                lead.workshop_end_at = lead.workshop_bay_id._workshop_job_end(start, hours)
            else:
                lead.workshop_end_at = start + timedelta(hours=hours)

    def _dealer_manage_link_expired(self, now=None):
        """Whether this booking's signed manage link (view, move, cancel) stopped working: some weeks
        after the visit it was booked for (``link_expired``)."""
        self.ensure_one()
        return link_expired(self.service_planned_at or self.create_date, now)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # the message a booking came from: the booking page's (as the application), never named by a person
        refuse_system_fields(self, vals_list, ["dealer_dispatch_id", "workshop_online_moves"])
        # Odoo applies the context's defaults after this: a default override is an override too
        if any(vals.get("workshop_override") for vals in vals_list) or self.env.context.get(
            "default_workshop_override"
        ):
            self._workshop_check_override_right()
        for vals in vals_list:
            self._workshop_check_bay_in_service(
                vals.get("workshop_bay_id") or self.env.context.get("default_workshop_bay_id")
            )
        # the end follows from the start and the hours, never given
        vals_list = [{key: value for key, value in vals.items() if key != "workshop_end_at"} for vals in vals_list]
        leads = super(CrmLead, self.with_context(**{SAVING_KEY: Mark()})).create(vals_list).with_env(self.env)
        leads.filtered(lambda lead: not lead.workshop_hours)._workshop_fill_hours()
        leads._workshop_reserve()
        return leads

    def write(self, vals):
        # the message the booking came from, and how often the customer moved it on the booking page (the page's
        # limit): the application's
        refuse_system_fields(self, [vals], ["dealer_dispatch_id", "workshop_online_moves"])
        if vals.get("workshop_bay_id"):
            self._workshop_check_bay_in_service(vals["workshop_bay_id"])
        if "workshop_override" in vals and any(
            lead.workshop_override != bool(vals["workshop_override"]) for lead in self
        ):
            self._workshop_check_override_right()
        if "workshop_end_at" in vals:
            vals = self._workshop_end_to_hours(vals)
        if (
            OVERRIDE_RESET_FIELDS & set(vals)
            and "workshop_override" not in vals
            and any(self.mapped("workshop_override"))
            and not self.env.user.has_group("dealer_crm.group_dealer_manager")
        ):
            vals = {**vals, "workshop_override": False}  # the director allowed the old time, not this one
        if (
            "workshop_hours" in vals
            and not vals["workshop_hours"]
            and not marked(self.env, "dealer_workshop_reserving")
        ):
            # no hours is the operations' norm-hours, as the capacity check reads it: the booking then reserves them
            # (a booking of no hours would end where it starts and leave its bay free to a second booking)
            vals = {key: value for key, value in vals.items() if key != "workshop_hours"}
            refill = True
        else:
            refill = False
        customers = {lead.id: lead.partner_id for lead in self} if "partner_id" in vals else None
        res = super(CrmLead, self.with_context(**{SAVING_KEY: Mark()})).write(vals)
        if customers:
            renew_link_keys(self, customers)
        if refill or (HOURS_FIELDS & set(vals) and "workshop_hours" not in vals):
            self._workshop_fill_hours()
        # the bay's own writes (its hours filled in, a free bay given) are checked by the reservation that makes
        # them; a person's request saying so in its context is checked like any other
        reserving = marked(self.env, "dealer_workshop_reserving")
        if (refill or (CAPACITY_FIELDS | HOURS_FIELDS) & set(vals)) and not reserving:
            self._workshop_reserve()
        return res

    def _workshop_end_to_hours(self, vals):
        """A booking's end is its start plus its hours: a new end alone (the planner's event resized) becomes
        the hours the bay works from the start to it; with a new start (the event moved) the hours stay."""
        vals = dict(vals)
        end = fields.Datetime.to_datetime(vals.pop("workshop_end_at"))
        if "service_planned_at" in vals or "workshop_hours" in vals or not end or len(self) != 1:
            return vals
        start = self.service_planned_at
        if not start or end <= start:
            raise ValidationError(self.env._("The booking's end (Reserved until) must be after its start."))
        span = [(start, end)]
        if self.workshop_bay_id:
            bay = self.workshop_bay_id.sudo()
            span = capacity.intersect(span, bay._workshop_work_intervals(start, end)[bay.id])
        vals["workshop_hours"] = round(capacity.hours(span), 2)
        return vals

    def _dealer_service_lines_changed(self):
        """Operations added, changed or removed outside the booking's own save: count its hours again and
        check its bay (the booking's create/write does both itself once its operations are saved)."""
        if marked(self.env, SAVING_KEY):  # the booking's own save (a request's context cannot say so)
            return
        leads = self.exists()
        leads._workshop_fill_hours()
        leads._workshop_reserve()

    # ------------------------------------------------------------
    # Capacity
    # ------------------------------------------------------------

    def _dealer_workshop_needs(self, computed=False):
        """``(bay kind, hours)`` of the booking: its operations' kind and norm-hours for the car's model.

        The hours written on the booking win unless ``computed`` (the norm-hours whatever was typed).
        """
        self.ensure_one()
        # sudo: operations are a field of the service roles; the call centre books visits too
        lines = self.sudo().service_line_ids.filtered(
            lambda line: line.product_id and line.state in ("proposed", "accepted")
        )
        kind, hours = self.env["product.template"]._dealer_workshop_needs(
            lines.product_id.product_tmpl_id.browse([line.product_id.product_tmpl_id.id for line in lines]),
            self.vehicle_id.model_id,
        )
        return kind, (hours if computed or not self.workshop_hours else self.workshop_hours)

    def _workshop_fill_hours(self):
        """Write the norm-hours of service bookings (at create/write, not in the form's onchange: the
        operations list stays responsive while it is being edited)."""
        for lead in self.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST):
            hours = lead._dealer_workshop_needs(computed=True)[1]
            if round(hours - lead.workshop_hours, 2):
                lead.sudo().with_context(dealer_workshop_reserving=Mark()).workshop_hours = hours

    def _workshop_check_bay_in_service(self, bay_id):
        """A booking is not put on an archived bay (one already on it keeps it until it is moved)."""
        bay = self.env["dealer.workshop.bay"].sudo().browse(bay_id).exists()
        if bay and not bay.active and (not self or any(lead.workshop_bay_id != bay for lead in self)):
            # another showroom's bay is not named (its id typed over RPC would tell its name)
            name = bay.name if self.env.su or self._dealer_readable(bay) else bay_id
            raise ValidationError(
                self.env._(
                    'Bay "%(bay)s" is out of service (archived): choose another bay, or leave Bay empty to get a free '
                    "one.",
                    bay=name,
                )
            )

    def _workshop_check_override_right(self):
        if not self.env.user.has_group("dealer_crm.group_dealer_manager") and not self.env.su:
            raise AccessError(self.env._("Only a director may allow over-booking of a workshop bay."))

    def _workshop_bookings(self):
        """The records among these that book bay time: active, undecided service opportunities starting from now,
        or started and reserving the bay beyond now (a booking entered as started a minute ago holds the bay's
        time ahead as any other, so it is checked as any other)."""
        now = fields.Datetime.now()
        return self.filtered(
            lambda lead: lead.dealer_interest == SERVICE_INTEREST
            and lead.active
            and lead.won_status == "pending"
            and lead.service_planned_at
            and (lead.service_planned_at >= now or (lead.workshop_end_at and lead.workshop_end_at > now))
        )

    def _workshop_reserve(self):
        """Give bookings without a bay a free one of their kind; refuse those that do not fit their bay.

        Bookings are handled in start order so that bookings made together compete for bays as
        if made one after the other. Raises ``ServiceSlotTaken`` (a ``ValidationError``) naming the bay and the day.
        """
        Bay = self.env["dealer.workshop.bay"].sudo()
        for lead in self._workshop_bookings().sorted("service_planned_at"):
            if lead.workshop_override:
                continue
            kind, hours = lead._dealer_workshop_needs()
            if lead.workshop_bay_id:
                lead._workshop_check_bay(lead.workshop_bay_id.sudo(), hours)
                continue
            # archived bays are out of service, whatever the request's context says about active records
            bays = Bay.search([("company_id", "=", lead.company_id.id), ("kind", "=", kind), ("active", "=", True)])
            if not bays:
                continue  # the showroom does not manage this kind of bay
            bays._workshop_serialize()
            problems = {}
            for bay in bays:
                _end, problem, busy = bay._workshop_fit(lead.service_planned_at, hours, exclude_lead=lead)
                if not problem:
                    lead.sudo().with_context(dealer_workshop_reserving=Mark()).workshop_bay_id = bay
                    break
                problems[bay] = (problem, busy)
            else:
                raise ServiceSlotTaken(lead._workshop_refusal(problems, hours))

    def _workshop_check_bay(self, bay, hours):
        bay._workshop_serialize()
        _end, problem, busy = bay._workshop_fit(self.service_planned_at, hours, exclude_lead=self)
        if problem:
            raise ServiceSlotTaken(self._workshop_refusal({bay: (problem, busy)}, hours))

    def _workshop_refusal(self, problems, hours):
        """The message of a refused booking: every bay tried, why, on which day (user's language and time zone)."""
        tz_name = self.env.user.tz or next(iter(problems)).calendar_id.tz or "UTC"
        tz = pytz.timezone(tz_name)

        def local(value):
            return pytz.utc.localize(value).astimezone(tz)

        start = local(self.service_planned_at)
        day = format_date(self.env, start.date())
        reasons = []
        for bay, (problem, busy) in problems.items():
            if problem == "busy":
                reasons.append(
                    self.env._(
                        'Bay "%(bay)s" is fully booked on %(day)s from %(start)s to %(end)s.',
                        bay=bay.name,
                        day=format_date(self.env, local(busy[0]).date()),
                        start=local(busy[0]).strftime("%H:%M"),
                        end=local(busy[1]).strftime("%H:%M"),
                    )
                )
            else:
                reasons.append(
                    self.env._(
                        'Bay "%(bay)s" cannot take a %(hours)s-hour job starting on %(day)s at %(time)s: '
                        "it is outside its working hours, a holiday, or the job runs past the end of its day.",
                        bay=bay.name,
                        hours=f"{hours:g}",
                        day=day,
                        time=start.strftime("%H:%M"),
                    )
                )
        reasons.append(
            self.env._(
                "Choose another time or bay%(override)s.",
                override=self.env._(", or ask a director to allow over-booking")
                if not self.env.user.has_group("dealer_crm.group_dealer_manager")
                else self.env._(", or tick Over-booking allowed"),
            )
        )
        return "\n".join(reasons)

    # ------------------------------------------------------------
    # Reminder links: the booking is the campaign's exactly
    # ------------------------------------------------------------

    @api.model
    def _dealer_credit_reminders(self, vals_list):
        """A booking made with a reminder's personal link is that reminder's campaign's, not the time window's."""
        # sudo: which message brought a booking is bookkeeping, whoever records it (the public booking page)
        dispatches = self.env["dealer.dispatch"].sudo()
        for vals in vals_list:
            dispatch = dispatches.browse(vals.get("dealer_dispatch_id") or []).exists()
            if dispatch and dispatch.company_id.id != (vals.get("company_id") or self.env.company.id):
                # another showroom's message did not bring this booking: nothing is credited to it
                vals["dealer_dispatch_id"] = False
                continue
            if dispatch.campaign_id and not vals.get("campaign_id"):
                vals.setdefault("dealer_enrolment_id", dispatch.enrolment_id.id)
                vals["campaign_id"] = dispatch.campaign_id._dealer_utm_campaign().id
        return super()._dealer_credit_reminders(vals_list)
