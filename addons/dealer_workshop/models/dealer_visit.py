from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields
from odoo.addons.dealer_crm.tools.tokens import same_token
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

from ..tools.links import link_expired, link_key_field, link_token, renew_link_keys
from .res_config_settings import workshop_param

WORKSHOP_STAGES = [
    ("received", "Received"),
    ("in_work", "In work"),
    ("quality", "Quality control"),
    ("ready", "Ready"),
]
# Stages in which a car can still be warned about as late: quality control means it is nearly done.
WARNABLE_STAGES = ("received", "in_work")
# The channels a service notice goes on, in this order when the customer prefers none of them.
NOTICE_CHANNELS = ("sms", "telegram", "email")
STATUS_SCOPE = "dealer_workshop-visit-status"
# The mark of the status link in a stored notice: the link itself is put in only in the message that
# leaves, so the dispatch log (read by every dealer user) holds no key to the customer's page.
STATUS_LINK = "[status link]"
LATE_BATCH = 2000
# when the car was ready, the on-time figures and the notices sent: the application's, never typed in
# (``refuse_system_fields``); the advisor moves the car through its stages
WORKSHOP_MEASURES = (
    "ready_at",
    "workshop_late",
    "workshop_measured",
    "workshop_on_time",
    "workshop_late_warned_at",
    "workshop_late_warned_for",
    "workshop_received_notified",
    "workshop_ready_notified",
)
# who may open a customer's status page from the visit (the view's button names the same groups)
STATUS_PAGE_GROUPS = (
    "dealer_crm.group_service_advisor",
    "dealer_crm.group_service_client_manager",
    "dealer_crm.group_dealer_manager",
)


class DealerVisit(models.Model):
    """Where the car is in the workshop, and whether it will be ready when promised (owner: repair status).

    The customer hears of it through the dispatch log (consent, quiet hours, cap, log) only when
    the visit has a promised time: a visit recorded after the fact (DMS, history) writes to no one.
    """

    _inherit = "dealer.visit"

    workshop_bay_id = fields.Many2one("dealer.workshop.bay", string="Bay", index="btree_not_null", check_company=True)
    workshop_stage = fields.Selection(WORKSHOP_STAGES, string="Workshop stage", tracking=True, copy=False)
    promised_at = fields.Datetime(
        string="Promised for",
        tracking=True,
        copy=False,
        help="When the car was promised to be ready; taken from its booking, else entered by the advisor.",
    )
    ready_at = fields.Datetime(string="Ready at", readonly=True, copy=False)
    workshop_expected_at = fields.Datetime(
        string="Now expected at",
        tracking=True,
        copy=False,
        help="Set when the car will be late: the customer is told the new time (once for each new time).",
    )
    workshop_late = fields.Boolean(
        string="Late",
        compute="_compute_workshop_late",
        store=True,
        help="Ready after the promised time, or not ready and the promised time has passed.",
    )
    workshop_measured = fields.Boolean(
        string="Counted in the on-time rate",
        compute="_compute_workshop_late",
        store=True,
        help="A visit with a promised time that is ready or already late.",
    )
    workshop_on_time = fields.Float(
        string="On-time rate (%)",
        compute="_compute_workshop_late",
        store=True,
        aggregator="avg",
        digits=(5, 1),
        help="100 for a car ready by its promised time, 0 for a late one; averaged in the on-time report.",
    )
    workshop_late_warned_at = fields.Datetime(string="Late notice sent", readonly=True, copy=False)
    workshop_late_warned_for = fields.Datetime(
        string="Late notice about", readonly=True, copy=False, help="The time the late notice gave the customer."
    )
    workshop_received_notified = fields.Boolean(string="Received notice sent", readonly=True, copy=False)
    workshop_ready_notified = fields.Boolean(string="Ready notice sent", readonly=True, copy=False)
    dealer_link_key = link_key_field()

    _workshop_late_idx = models.Index("(promised_at) WHERE state = 'open' AND ready_at IS NULL")

    @api.constrains("workshop_expected_at")
    def _check_workshop_expected_at(self):
        """The new time told to the customer of a late car is later than the one promised (a promise moved past
        it clears it: see ``write``)."""
        for visit in self:
            if visit.promised_at and visit.workshop_expected_at and visit.workshop_expected_at <= visit.promised_at:
                raise ValidationError(
                    self.env._(
                        "%(expected)s must be later than %(promised)s: it is the new time the customer is told.",
                        expected=self._fields["workshop_expected_at"]._description_string(self.env),
                        promised=self._fields["promised_at"]._description_string(self.env),
                    )
                )

    @api.depends("promised_at", "ready_at", "state")
    def _compute_workshop_late(self):
        now = fields.Datetime.now()
        for visit in self:
            promised = visit.promised_at
            if visit.ready_at:
                late = bool(promised) and visit.ready_at > promised
            else:
                late = bool(promised) and visit.state == "open" and promised < now
            visit.workshop_late = late
            visit.workshop_measured = bool(promised) and (bool(visit.ready_at) or late)
            visit.workshop_on_time = 100.0 if visit.workshop_measured and not late else 0.0

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, WORKSHOP_MEASURES)
        for vals in vals_list:
            if not vals.get("workshop_stage") and vals.get("state", "open") == "open":
                vals["workshop_stage"] = "received"
        visits = super().create(vals_list)
        visits._dealer_fill_from_booking()
        visits._dealer_stage_reached()
        return visits

    def write(self, vals):
        refuse_system_fields(self, [vals], WORKSHOP_MEASURES)
        if vals.get("promised_at") and "workshop_expected_at" not in vals:
            # a new promise at or after the late car's expected time replaces that time: nothing late to tell
            promised = fields.Datetime.to_datetime(vals["promised_at"])
            overtaken = self.filtered(lambda v: v.workshop_expected_at and v.workshop_expected_at <= promised)
            if overtaken:
                super(DealerVisit, overtaken).write({"workshop_expected_at": False})
        # a new car brings its owner (dealer_crm's _compute_partner_id)
        customers = {visit.id: visit.partner_id for visit in self} if {"partner_id", "vehicle_id"} & set(vals) else None
        res = super().write(vals)
        if customers:
            renew_link_keys(self, customers)
        if "service_lead_id" in vals:
            self._dealer_fill_from_booking()
        if vals.get("state") == "done":
            not_ready = self.filtered(lambda v: v.workshop_stage and v.workshop_stage != "ready")
            if not_ready:
                not_ready.write({"workshop_stage": "ready"})
        if "workshop_stage" in vals or "promised_at" in vals:
            self._dealer_stage_reached()
        return res

    def _dealer_service_leads_linked(self):
        """A booking linked to its visit afterwards (car changed, the re-link cron) gives it its bay and time too.

        Open visits only: a car already handed back is not announced as received or ready after the fact.
        """
        res = super()._dealer_service_leads_linked()
        self.filtered(lambda visit: visit.state == "open")._dealer_fill_from_booking()
        return res

    def _dealer_fill_from_booking(self):
        """Bay and promised time of the booking the visit carries out, where the visit has none yet.

        The booking link is written by lost sales in SQL after the visit is created, hence read here.
        One write per distinct (promised time, bay) of the batch, so the notices go out as usual.
        """
        groups = {}
        for visit in self.sudo().filtered("service_lead_id"):
            lead = visit.service_lead_id
            vals = {}
            if not visit.promised_at and lead.service_promised_at:
                vals["promised_at"] = lead.service_promised_at
            if not visit.workshop_bay_id and lead.workshop_bay_id:
                vals["workshop_bay_id"] = lead.workshop_bay_id.id
            if vals:
                groups.setdefault(tuple(sorted(vals.items())), []).append(visit.id)
        for vals, ids in groups.items():
            self.sudo().browse(ids).write(dict(vals))

    def _dealer_stage_reached(self):
        """Ready is stamped once; the customer is told of Received and Ready once each.

        Only while the visit is open: closing it hands the car back, so a visit closed before it was marked
        ready is stamped ready (the on-time figures) without telling the customer at the counter to come
        and collect it.
        """
        ready = self.filtered(lambda v: v.workshop_stage == "ready" and not v.ready_at)
        if ready:
            ready.sudo().write({"ready_at": fields.Datetime.now()})
        promised = self.filtered(lambda v: v.promised_at and v.state == "open")
        promised.filtered(lambda v: v.workshop_stage == "received" and not v.workshop_received_notified)._dealer_notify(
            "received"
        )
        promised.filtered(lambda v: v.workshop_stage == "ready" and not v.workshop_ready_notified)._dealer_notify(
            "ready"
        )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def _dealer_set_stage(self, stage):
        self.filtered(lambda v: v.state == "open").write({"workshop_stage": stage})
        return True

    def action_workshop_received(self):
        return self._dealer_set_stage("received")

    def action_workshop_in_work(self):
        return self._dealer_set_stage("in_work")

    def action_workshop_quality(self):
        return self._dealer_set_stage("quality")

    def action_workshop_ready(self):
        return self._dealer_set_stage("ready")

    def action_dealer_status_page(self):
        """The customer's repair-status page, as the customer sees it: for the service advisors, the service
        client managers and the director only (the link lets its holder book in the customer's name), for the
        visits they may read."""
        self.ensure_one()
        self.check_access("read")
        if not self.env.su and not any(self.env.user.has_group(group) for group in STATUS_PAGE_GROUPS):
            raise AccessError(
                self.env._(
                    "Only a service advisor, a service client manager or the director opens the customer's status page."
                )
            )
        return {"type": "ir.actions.act_url", "url": self._dealer_status_url(), "target": "new"}

    # ------------------------------------------------------------
    # Status link
    # ------------------------------------------------------------

    def _dealer_status_token(self):
        """The signature of this visit's repair-status link: the link sent before the visit's customer was
        corrected (to the wrong person) stops showing it (``tools.links.link_token``)."""
        self.ensure_one()
        return link_token(self, STATUS_SCOPE)

    def _dealer_status_url(self):
        self.ensure_one()
        base = self.get_base_url().rstrip("/")
        return f"{base}/service/status/{self.id}/{self._dealer_status_token()}"

    @api.model
    def _dealer_from_status_link(self, visit_id, token):
        """The visit a status link names, or an empty recordset when the link is forged or was sent to the
        visit's former customer."""
        if not isinstance(visit_id, int) or not isinstance(token, str):
            return self.browse()
        visit = self.sudo().browse(visit_id).exists()
        if not visit or not same_token(token, visit._dealer_status_token()):
            return self.browse()
        return visit

    def _dealer_status_link_expired(self, now=None):
        """Whether this visit's repair-status link stopped working: some weeks after the visit was
        closed (``link_expired``), never while the car is in the workshop, at once when it was cancelled
        (opened by mistake, for the wrong customer: nothing of it is shown, nothing booked from it)."""
        self.ensure_one()
        visit = self.sudo()
        if visit.state == "open":
            return False
        if visit.state == "cancelled":
            return True
        return link_expired(max(filter(None, (visit.ready_at, datetime.combine(visit.date, time.max)))), now)

    # ------------------------------------------------------------
    # Status page
    # ------------------------------------------------------------

    def _dealer_status_values(self):
        """What the customer's status page shows of this visit, in the current language (the customer's)."""
        self.ensure_one()
        visit = self.sudo()
        lang = self.env.lang
        stages = dict(self._fields["workshop_stage"]._description_selection(self.env))
        keys = [key for key, _label in WORKSHOP_STAGES]
        current = keys.index(visit.workshop_stage) if visit.workshop_stage in keys else 0
        declined = visit.line_ids.filtered(lambda line: line.status == "declined")
        return {
            "visit": visit,
            "car": visit.vehicle_id.display_name,
            "stages": [(key, stages[key], index <= current) for index, key in enumerate(keys)],
            "stage_label": stages[keys[current]],
            "ready": visit.workshop_stage == "ready",
            "progress": int(100 * (current + 1) / len(keys)),
            "promised": visit.promised_at and visit._dealer_local_time(visit.promised_at, lang),
            "expected": visit.workshop_expected_at and visit._dealer_local_time(visit.workshop_expected_at, lang),
            "late": visit.workshop_late or bool(visit.workshop_expected_at),
            "declined": [(line, line.amount) for line in declined],
            "currency": visit.currency_id,
        }

    @api.model
    def _dealer_portal_visits(self, partner):
        """The cars of ``partner`` (and of their company's contacts) in the workshop now, for their portal
        (a staff member's own only: ``res.partner._dealer_account_domain``)."""
        return (
            self.sudo()
            .search([*partner._dealer_account_domain(), ("state", "=", "open")], order="date desc, id desc")
            .filtered(lambda visit: partner._dealer_account_owns(visit.partner_id))
        )

    def _dealer_portal_rows(self):
        """One line per visit of the portal list: the visit, its car, stage and promised time."""
        stages = dict(self._fields["workshop_stage"]._description_selection(self.env))
        return [
            {
                "visit": visit,
                "car": visit.vehicle_id.display_name,
                "stage": stages.get(visit.workshop_stage, ""),
                "promised": visit.promised_at and visit._dealer_local_time(visit.promised_at, self.env.lang),
            }
            for visit in self.sudo()
        ]

    def _dealer_book_declined_later(self, line_id):
        """The customer's "Book it later" on a declined line of this visit: ONE service opportunity.

        The line is locked first, so a second click (or a second tab) waits and then finds the
        opportunity the first made. Returns it, or an empty recordset for a line that is not a
        declined line of this visit.
        """
        self.ensure_one()
        Line = self.env["dealer.visit.line"].sudo()
        line = Line.search([("id", "=", line_id), ("visit_id", "=", self.id), ("status", "=", "declined")])
        if not line or self.sudo().state == "cancelled":
            return self.env["crm.lead"]
        self.env.cr.execute(SQL("SELECT id FROM dealer_visit_line WHERE id = %s FOR UPDATE", line.id))
        line.invalidate_recordset(["service_opportunity_id"])
        if line.service_opportunity_id:
            return line.service_opportunity_id
        # the opportunity is the staff's: named in the advisor's language (else the showroom's), not in the
        # language of the customer's browser
        visit = self.sudo()
        lang = self.env["mail.thread"]._dealer_staff_lang(visit.company_id or self.env.company, visit.advisor_id)
        staff = self.with_context(lang=lang).env
        lead = line._dealer_create_service_opportunity(
            summary=staff._("%(work)s: booked later from the repair-status page", work=line.name)
        )
        lead._message_log(
            body=staff._("The customer asked on the repair-status page to book this declined work later.")
        )
        return lead

    # ------------------------------------------------------------
    # Customer notices
    # ------------------------------------------------------------

    @api.model
    def _dealer_notice_channel(self, partner):
        """The customer's preferred channel when consented and reachable, else the first one that is."""
        return self._dealer_notice_channels(partner).get(partner.id)

    @api.model
    def _dealer_notice_channels(self, partners):
        """``{partner id: channel or None}`` for a batch of customers, in ONE query: the preferred channel
        when consented (consent field and Odoo's blacklists, as the dispatch log checks them) and reachable,
        else the first of NOTICE_CHANNELS that is."""
        if not partners:
            return {}
        Dispatch = self.env["dealer.dispatch"].sudo()
        for model in ("res.partner", "mail.blacklist", "phone.blacklist"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT p.id, %s FROM res_partner p WHERE p.id IN %s",
                SQL(", ").join(
                    SQL("(%s AND %s)", Dispatch._consent_sql(channel), Dispatch._address_sql(channel))
                    for channel in NOTICE_CHANNELS
                ),
                tuple(partners.ids),
            )
        )
        open_channels = {
            row[0]: {ch for ch, ok in zip(NOTICE_CHANNELS, row[1:], strict=True) if ok}
            for row in self.env.cr.fetchall()
        }
        channels = {}
        for partner in partners:
            preferred = partner.dealer_preferred_channel
            ok = open_channels.get(partner.id, set())
            order = ((preferred,) if preferred in NOTICE_CHANNELS else ()) + NOTICE_CHANNELS
            channels[partner.id] = next((channel for channel in order if channel in ok), None)
        return channels

    @api.model
    def _dealer_notice_langs(self, visits):
        """``{visit id: language}`` the dispatch log would write each visit's customer in (``_lang`` without a
        template: the customer's, their company's, the default of new contacts), read once for the batch."""
        installed = dict(self.env["res.lang"].get_installed())
        default = self.env["ir.default"]._get("res.partner", "lang")
        fallback = self.env.lang or "en_US"
        return {
            visit.id: next(
                (
                    lang
                    for lang in (visit.partner_id.lang, (visit.company_id or self.env.company).partner_id.lang, default)
                    if lang in installed
                ),
                fallback,
            )
            for visit in visits
        }

    @api.model
    def _dealer_customer_tz(self, partner, bay=None, company=None):
        """The time zone a customer reads the workshop's times in: theirs, else the bay's working hours',
        else the showroom's local time where the car is repaired (``res.company._dealer_tz``)."""
        return (
            (partner and partner.tz)
            or (bay and bay.calendar_id.tz)
            or (company or self.env["res.company"])._dealer_tz()
        )

    def _dealer_local_time(self, value, lang):
        """``value`` (UTC) as the customer reads it: their time zone, their language."""
        self.ensure_one()
        tz = self._dealer_customer_tz(self.partner_id, self.workshop_bay_id, self.company_id)
        return format_datetime(self.env, value, tz=tz, dt_format="short", lang_code=lang)

    def _dealer_notice_text(self, kind, lang, url=STATUS_LINK):
        """Subject and text of a service notice in the customer's language ``lang``."""
        self.ensure_one()
        env = self.with_context(lang=lang).env
        car = self.vehicle_id.display_name
        company = self.company_id.name
        if kind == "received":
            subject = env._("Your car is at %(company)s", company=company)
            body = env._(
                "Your car %(car)s is in our workshop. We promised it for %(promised)s. Follow the repair: %(url)s",
                car=car,
                promised=self._dealer_local_time(self.promised_at, lang),
                url=url,
            )
        elif kind == "ready":
            subject = env._("Your car is ready")
            body = env._(
                "Your car %(car)s is ready, you can collect it at %(company)s. Details: %(url)s",
                car=car,
                company=company,
                url=url,
            )
        elif self.workshop_expected_at:
            subject = env._("Your car will be late")
            body = env._(
                "We are sorry: your car %(car)s will not be ready by %(promised)s as promised. "
                "We now expect it at %(expected)s. Follow the repair: %(url)s",
                car=car,
                promised=self._dealer_local_time(self.promised_at, lang),
                expected=self._dealer_local_time(self.workshop_expected_at, lang),
                url=url,
            )
        else:
            subject = env._("Your car will be late")
            body = env._(
                "We are sorry: your car %(car)s will not be ready by %(promised)s as promised. "
                "Your advisor will tell you the new time. Follow the repair: %(url)s",
                car=car,
                promised=self._dealer_local_time(self.promised_at, lang),
                url=url,
            )
        return subject, body

    def _dealer_notice_to_send(self, text):
        """A stored notice of this visit as it leaves: with the status link in place of its mark."""
        return text.replace(STATUS_LINK, self._dealer_status_url()) if self else text

    def _dealer_notify(self, kind):
        """Queue one service notice ``kind`` (received, ready, late) to each visit's customer.

        A service notice about the customer's own car, on their consented channel, through the
        dispatch log; customers who may not be written to get nothing. Marks the visits notified.
        """
        Dispatch = self.env["dealer.dispatch"].sudo()
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        vals_list = []
        visits = self.sudo().filtered("partner_id")
        channels = self._dealer_notice_channels(visits.partner_id)
        langs = self._dealer_notice_langs(visits)
        for visit in visits:
            channel = channels.get(visit.partner_id.id)
            if not channel:
                continue
            lang = langs[visit.id]
            subject, body = visit._dealer_notice_text(kind, lang)
            vals_list.append(
                {
                    "partner_id": visit.partner_id.id,
                    "vehicle_id": visit.vehicle_id.id,
                    "company_id": visit.company_id.id,
                    "channel": channel,
                    "occurrence_date": today,
                    "scheduled_at": now,
                    "action_id": False,
                    "res_model": self._name,
                    "res_id": visit.id,
                    "subject": subject,
                    "body": body,
                    "transactional": True,
                }
            )
        Dispatch._queue_messages(vals_list)
        visits = self.sudo()
        if kind == "received":
            visits.write({"workshop_received_notified": True})
        elif kind == "ready":
            visits.write({"workshop_ready_notified": True})
        elif visits:
            # one statement whatever the number of distinct times: each visit is warned about its own time
            visits.flush_recordset(["workshop_expected_at", "promised_at"])
            self.env.cr.execute(
                SQL(
                    "UPDATE dealer_visit SET workshop_late_warned_at = %s,"
                    " workshop_late_warned_for = COALESCE(workshop_expected_at, promised_at) WHERE id IN %s",
                    now,
                    tuple(visits.ids),
                )
            )
            visits.invalidate_recordset(["workshop_late_warned_at", "workshop_late_warned_for"])

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _dealer_flag_late(self, now):
        """Open visits not ready whose promised time has passed become late (one statement)."""
        self.flush_model(["promised_at", "ready_at", "state", "workshop_late"])
        self.env.cr.execute(
            SQL(
                "UPDATE dealer_visit SET workshop_late = TRUE, workshop_measured = TRUE, workshop_on_time = 0"
                " WHERE state = 'open' AND ready_at IS NULL AND promised_at < %s AND workshop_late IS NOT TRUE"
                " RETURNING id",
                now,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.browse(ids).invalidate_recordset(["workshop_late", "workshop_measured", "workshop_on_time"])
        return ids

    @api.model
    def _dealer_late_notice_due(self, now):
        """Open visits not in quality control yet that must be warned as late: promised within the
        notice setting and never warned, or given a new expected time not told yet."""
        limit = now + timedelta(minutes=workshop_param(self.env, "late_notice_minutes"))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM dealer_visit"
                " WHERE state = 'open' AND partner_id IS NOT NULL AND promised_at IS NOT NULL"
                " AND COALESCE(workshop_stage, 'received') IN %s"
                " AND ((workshop_late_warned_for IS NULL AND promised_at <= %s)"
                "      OR (workshop_expected_at IS NOT NULL"
                "          AND workshop_expected_at IS DISTINCT FROM workshop_late_warned_for))"
                " ORDER BY promised_at, id LIMIT %s",
                WARNABLE_STAGES,
                limit,
                LATE_BATCH,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _cron_workshop_status(self):
        """Flag late visits and warn their customers before the promised time passes."""
        visits = self.sudo()
        now = fields.Datetime.now()
        visits._dealer_flag_late(now)
        due = visits._dealer_late_notice_due(now)
        due._dealer_notify("late")
        if len(due) == LATE_BATCH:
            self.env.ref("dealer_workshop.ir_cron_dealer_workshop_status")._trigger()
