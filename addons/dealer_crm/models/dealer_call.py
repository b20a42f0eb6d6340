from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import str2bool

from ..tools.settings import int_param
from ..tools.system_fields import refuse_system_fields
from .crm_lead import CALL_LINES, MAX_DURATION_SECONDS, MAX_RING_SECONDS, SERVICE_INTEREST
from .res_config_settings import CLOCK_TELEPHONY_ONLY, INT_SETTINGS, param_name

CALL_LINE_LABELS = {"sales": "Sales", "service": "Service"}
CALL_OUTCOMES = [
    ("talked", "Talked"),
    ("booked", "Booked"),
    ("call_later", "Call later"),
    ("refused", "Refused"),
    ("no_answer", "No answer"),
    ("wrong_number", "Wrong number"),
]
# fallback of the "human contact" threshold while its setting is not declared in INT_SETTINGS
HUMAN_CONTACT_SPEC = (20, 0, 3600)
# the telephony's user: only it (and the system) reports calls as the telephony's and corrects them
INTEGRATION_GROUP = "dealer_crm.group_integration"
# who listens to calls' recordings: the roles that take and score calls (the director holds them all), and the
# telephony that reports them; a recording is the customer's conversation, not every colleague's reading
RECORDING_GROUPS = ",".join(
    f"dealer_crm.{group}"
    for group in (
        "group_call_center",
        "group_receptionist",
        "group_sales_manager",
        "group_service_client_manager",
        "group_service_advisor",
        "group_integration",
    )
)
# what the telephony measured about a call: fixed once the call is in the journal (only the telephony's
# integration user and the system may correct it), so that the answering figures cannot be rewritten
CALL_FACTS = (
    "started_at",
    "ring_seconds",
    "duration_seconds",
    "duration_text",
    "user_id",
    "direction",
    "status",
    "phone",
    "source",
    "call_ref",
)
# what the journal works out from those facts (answered in the norm, called back by which call and when):
# nobody types them in, not even the telephony
CALL_MEASURES = (
    "logged_at",
    "score_percent",
    "reviewed",
    "answered_in_norm",
    "callback_call_id",
    "callback_minutes",
    "missed_percent",
    "in_norm_percent",
    "hour",
)
# a missed call is called back by an answered outbound call to the customer within these days
CALLBACK_WINDOW_DAYS = 7


class DealerCall(models.Model):
    """One telephone call of the dealership: reported by the telephony (PBX) or logged by hand.

    The journal measures how the dealership answers: the time to answer against the ring norm
    (``dealer_crm.call_answer_norm_seconds``), missed calls and how fast they were called back
    (``callback_call_id``, ``callback_minutes``), calls per lead. Only real human contact
    (``_human_contacts``) stops a lead's response clock.
    """

    _name = "dealer.call"
    _description = "Call"
    _order = "started_at desc, id desc"
    _check_company_auto = True

    call_ref = fields.Char(string="Call ID", copy=False, help="The identifier the telephony gave the call.")
    source = fields.Selection(
        [("api", "Telephony"), ("manual", "Logged by hand")], required=True, default="manual", readonly=True
    )
    line = fields.Selection(
        [(line, CALL_LINE_LABELS[line]) for line in CALL_LINES], required=True, default="sales", index=True
    )
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], required=True, default="outbound", index=True
    )
    status = fields.Selection([("answered", "Answered"), ("missed", "Missed")], required=True, default="answered")
    phone = fields.Char(string="Number")
    partner_id = fields.Many2one("res.partner", string="Customer", index="btree_not_null", check_company=True)
    user_id = fields.Many2one(
        "res.users",
        string="Operator",
        index="btree_not_null",
        domain="[('share', '=', False)]",
        check_company=True,
        default=lambda self: self.env.user,
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Lead",
        index="btree_not_null",
        check_company=True,
        help="The deal or service booking the call concerns.",
    )
    started_at = fields.Datetime(string="Started", required=True, default=fields.Datetime.now, index=True)
    logged_at = fields.Datetime(
        string="Logged at",
        readonly=True,
        copy=False,
        help="When a call logged by hand was entered: the time to call back counts until then at the earliest.",
    )
    ring_seconds = fields.Integer(string="Time to answer", help="Seconds the customer waited before being answered.")
    duration_seconds = fields.Integer(string="Duration")
    duration_text = fields.Char(
        string="Duration (min:s)",
        compute="_compute_duration_text",
        inverse="_inverse_duration_text",
        help="How long the conversation lasted: minutes and seconds (4:30) or seconds (270).",
    )
    answered_in_norm = fields.Boolean(
        string="Answered within norm",
        compute="_compute_answered_in_norm",
        store=True,
        help="An inbound call answered within the ring norm of Settings → Dealership.",
    )
    outcome = fields.Selection(CALL_OUTCOMES)
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Reason of refusal")
    booking_id = fields.Many2one(
        "crm.lead",
        string="Booking",
        index="btree_not_null",
        check_company=True,
        help="The service booking or deal the call made.",
    )
    recording_url = fields.Char(
        string="Recording",
        groups=RECORDING_GROUPS,
        help="The telephony's link to the conversation: read by the staff who take and score calls.",
    )
    note = fields.Text()
    callback_call_id = fields.Many2one(
        "dealer.call",
        string="Called back by",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="On a missed call: the later answered call that reached the customer.",
    )
    callback_minutes = fields.Float(
        string="Time to call back (min)",
        compute="_compute_callback_minutes",
        store=True,
        aggregator="avg",
        digits=(16, 1),
    )
    hour = fields.Integer(
        string="Hour of day",
        compute="_compute_hour",
        store=True,
        aggregator=False,
        help="The hour the call started, in the showroom's time zone.",
    )
    missed_percent = fields.Float(
        string="Missed (%)", compute="_compute_rates", store=True, aggregator="avg", digits=(16, 1)
    )
    in_norm_percent = fields.Float(
        string="Answered within norm (%)", compute="_compute_rates", store=True, aggregator="avg", digits=(16, 1)
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True, index=True)

    _call_ref_uniq = models.UniqueIndex(
        "(company_id, call_ref) WHERE call_ref IS NOT NULL", "This call is already in the journal (same Call ID)."
    )

    @api.depends("direction", "status", "started_at", "partner_id")
    def _compute_display_name(self):
        directions = dict(self._fields["direction"]._description_selection(self.env))
        for call in self:
            parts = [directions.get(call.direction) or ""]
            if call.partner_id or call.phone:
                parts.append(call.partner_id.display_name or call.phone)
            if call.started_at:
                parts.append(fields.Datetime.to_string(fields.Datetime.context_timestamp(call, call.started_at))[:16])
            call.display_name = " · ".join(p for p in parts if p)

    @api.depends("duration_seconds")
    def _compute_duration_text(self):
        for call in self:
            call.duration_text = "%d:%02d" % divmod(call.duration_seconds, 60)

    def _inverse_duration_text(self):
        for call in self:
            call.duration_seconds = self._parse_duration(call.duration_text)

    @api.model
    def _parse_duration(self, text):
        """Seconds of a duration typed as ``m:ss`` or as seconds; a clear error naming the field otherwise."""
        text = (text or "").strip()
        if not text:
            return 0
        minutes, _sep, seconds = text.rpartition(":")
        try:
            total = int(minutes or 0) * 60 + int(seconds)
            valid = total >= 0 and int(seconds) >= 0 and (not minutes or int(seconds) < 60) and int(minutes or 0) >= 0
        except ValueError:
            valid = False
        if not valid:
            raise ValidationError(
                self.env._(
                    "Duration (min:s): “%(value)s” is not a duration; type minutes:seconds (4:30) or seconds (270).",
                    value=text,
                )
            )
        return total

    @api.depends("direction", "status", "ring_seconds")
    def _compute_answered_in_norm(self):
        norm = self._answer_norm_seconds()
        for call in self:
            call.answered_in_norm = (
                call.direction == "inbound" and call.status == "answered" and call.ring_seconds <= norm
            )

    @api.depends("callback_call_id.started_at", "callback_call_id.logged_at", "started_at")
    def _compute_callback_minutes(self):
        """From the missed call to the call-back. A call-back logged by hand counts from when it was logged at the
        earliest (the response clock does the same): its typed start, set a minute after the missed call, would
        show a call-back that nobody measured."""
        for call in self:
            callback = call.callback_call_id
            later = callback.started_at
            if later and callback.source != "api" and callback.logged_at:
                later = max(later, callback.logged_at)
            call.callback_minutes = (
                max(0.0, (later - call.started_at).total_seconds() / 60.0) if later and call.started_at else 0.0
            )

    @api.depends("started_at", "company_id")
    def _compute_hour(self):
        for call in self:
            if not call.started_at:
                call.hour = 0
                continue
            tz = pytz.timezone(call._showroom_tz())
            call.hour = pytz.utc.localize(call.started_at).astimezone(tz).hour

    @api.depends("status", "answered_in_norm")
    def _compute_rates(self):
        for call in self:
            call.missed_percent = 100.0 if call.status == "missed" else 0.0
            call.in_norm_percent = 100.0 if call.answered_in_norm else 0.0

    @api.constrains("ring_seconds", "duration_seconds")
    def _check_seconds(self):
        for call in self:
            if not 0 <= call.ring_seconds <= MAX_RING_SECONDS:
                raise ValidationError(
                    self.env._(
                        "Time to answer must be from 0 to %(max)s seconds, not %(value)s.",
                        max=MAX_RING_SECONDS,
                        value=call.ring_seconds,
                    )
                )
            if not 0 <= call.duration_seconds <= MAX_DURATION_SECONDS:
                raise ValidationError(
                    self.env._(
                        "Duration must be from 0 to %(max)s seconds (a day), not %(value)s.",
                        max=MAX_DURATION_SECONDS,
                        value=call.duration_seconds,
                    )
                )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id.phone:
            self.phone = self.partner_id.phone

    @api.onchange("lead_id")
    def _onchange_lead_id(self):
        if self.lead_id and not self.partner_id:
            self.partner_id = self.lead_id.partner_id
        if self.lead_id and not self.phone:
            self.phone = self.lead_id.phone or self.lead_id.partner_id.phone

    @api.model_create_multi
    def create(self, vals_list):
        """Only the telephony (its integration user) and the system report calls as the telephony's:
        any other call is logged by hand, whatever ``source`` says, so that a call typed in cannot
        pose as a measured one (``_human_contacts``, ``_dealer_register_calls``)."""
        refuse_system_fields(self, vals_list, CALL_MEASURES)
        telephony = self._dealer_may_rewrite_facts()
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            if not telephony:
                vals["source"] = "manual"
                vals["logged_at"] = fields.Datetime.now()  # a person's log: its start is their word
            if "duration_text" in vals:  # the inverse, done here: the call's facts are not written after creation
                vals["duration_seconds"] = self._parse_duration(vals.pop("duration_text"))
        calls = super().create(vals_list)
        calls._after_calls()
        return calls

    def write(self, vals):
        refuse_system_fields(self, [vals], CALL_MEASURES)
        self._check_facts_unchanged(vals)
        return super().write(vals)

    def _dealer_may_rewrite_facts(self):
        """The telephony's integration user and the system (superuser) report and correct what a call measured."""
        return self.env.su or self.env.user.has_group(INTEGRATION_GROUP)

    def _check_facts_unchanged(self, vals):
        """A clear error naming the field when a person changes what a call measured (``CALL_FACTS``):
        its time, time to answer, duration, operator, direction, status, number, source or Call ID."""
        if self._dealer_may_rewrite_facts():
            return
        for fname in CALL_FACTS:
            if fname not in vals:
                continue
            field = self._fields[fname]
            value = field.convert_to_record(field.convert_to_cache(vals[fname], self), self)
            if any((call[fname] or False) != (value or False) for call in self):
                raise UserError(
                    self.env._(
                        "%(field)s: what a call measured cannot be changed once it is in the call journal"
                        " (only the telephony corrects it). Add a note instead.",
                        field=field._description_string(self.env),
                    )
                )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    @api.model
    def _action_log_call(self, partner=None, lead=None):
        """The "Log a call" dialog (the lead, the customer card, the journal): a new call logged by hand,
        with the customer, their number, the lead and its line already filled in."""
        self.check_access("create")
        partner = partner or (lead.partner_id if lead else None)
        context = {"default_source": "manual", "default_direction": "outbound", "default_status": "answered"}
        if partner:
            context.update(default_partner_id=partner.id, default_phone=partner.phone or (lead and lead.phone))
        if lead:
            context.update(
                default_lead_id=lead.id,
                default_phone=lead.phone or partner.phone,
                default_line="service" if lead.dealer_interest == SERVICE_INTEREST else "sales",
                default_company_id=lead.company_id.id or self.env.company.id,
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a call"),
            "res_model": "dealer.call",
            "view_mode": "form",
            "views": [(self.env.ref("dealer_crm.dealer_call_view_form_log").id, "form")],
            "target": "new",
            "context": context,
        }

    def action_log_call(self):
        """The journal's "Log a call": a call with the customer of the selected call, or of the
        journal opened from a lead or a customer card."""
        context = self.env.context
        partner = self[:1].partner_id or self.env["res.partner"].browse(context.get("default_partner_id"))
        lead = self[:1].lead_id or self.env["crm.lead"].browse(context.get("default_lead_id"))
        return self._action_log_call(partner=partner.exists() or None, lead=lead.exists() or None)

    def action_save_logged_call(self):
        """The dialog's Save: the call is written (the dialog closes)."""
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _after_calls(self):
        """What new calls change elsewhere: earlier missed calls they called back, and the response
        clock of their leads (only real human contact stops it: ``_human_contacts``)."""
        self._link_callbacks()
        self.env["crm.lead"]._dealer_register_calls(self)

    def _link_callbacks(self):
        """Answered calls to a customer call back that customer's missed inbound calls of the week before.

        A call-back is an **outbound** call that was **answered** (``CALLBACK_WINDOW_DAYS``, 7 days, after
        the missed call at most): an attempt nobody answered has not reached the customer, who is still
        waiting. Its missed calls get it as ``callback_call_id`` (hence ``callback_minutes``) and the
        call-back tasks of their leads are marked done.

        An answered **inbound** re-call (the customer got through themselves) closes the call-back task,
        since the customer was reached, but is not the dealership's call-back: the missed call keeps no
        time to call back (it stays "not called back") unless the dealership calls within the week.

        One search for the whole batch finds the missed inbound calls of the same customers (by contact,
        else by number) not yet called back; matching is done in memory. Returns the called-back calls.
        """
        answered = self.filtered(lambda call: call.status == "answered" and (call.partner_id or call.phone))
        if not answered:
            return self.browse()
        window = timedelta(days=CALLBACK_WINDOW_DAYS)
        missed = self.sudo().search(
            [
                ("direction", "=", "inbound"),
                ("status", "=", "missed"),
                ("callback_call_id", "=", False),
                ("company_id", "in", answered.company_id.ids),
                ("started_at", "<", max(answered.mapped("started_at"))),
                ("started_at", ">=", min(answered.mapped("started_at")) - window),
                "|",
                ("partner_id", "in", answered.partner_id.ids),
                ("phone", "in", [phone for phone in answered.mapped("phone") if phone]),
            ],
            order="started_at, id",
        )
        ordered = answered.sorted(lambda call: (call.started_at, call.id))
        by_callback, recalled = {}, self.browse()
        for call in missed:
            later = [other for other in ordered if call._dealer_answered_by(other, window)]
            callback = next((other for other in later if other.direction == "outbound"), None)
            if callback:
                by_callback.setdefault(callback, []).append(call.id)
            elif later:
                recalled |= call
        called_back = self.browse()
        for callback, call_ids in by_callback.items():
            calls = self.sudo().browse(call_ids)
            calls.write({"callback_call_id": callback.id})
            called_back |= calls
        (called_back | recalled)._close_callback_tasks()
        return called_back

    def _dealer_answered_by(self, other, window):
        """Whether the answered call ``other`` reached the customer of this missed call within ``window``."""
        return (
            self.started_at < other.started_at <= self.started_at + window
            and other.company_id == self.company_id
            and (
                (self.partner_id and other.partner_id == self.partner_id) or (self.phone and other.phone == self.phone)
            )
        )

    def _close_callback_tasks(self):
        """Mark done the call-back tasks of the leads of these (called back) missed calls.

        Under sudo: recording the call that reached the customer is what closes the task, whoever
        made it (the task may be a colleague's); nothing else of the lead is touched.
        """
        leads = self.lead_id
        if not leads:
            return
        summaries = self.env["crm.lead"]._dealer_missed_call_summaries()
        tasks = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids), ("summary", "in", list(summaries))])
        )
        if tasks:
            tasks.action_feedback(feedback=self.env._("Called back."))

    def _answer_norm_seconds(self):
        key = "call_answer_norm_seconds"
        return int_param(self.env, param_name(key), INT_SETTINGS.get(key, (15, 1, 600)))

    def _human_contact_seconds(self):
        key = "human_contact_seconds"
        return int_param(self.env, param_name(key), INT_SETTINGS.get(key, HUMAN_CONTACT_SPEC))

    def _human_contacts(self):
        """The calls that count as real human contact for a lead's response clock: answered, and
        long enough (setting ``dealer_crm.human_contact_seconds``, default 20 s) not to be a hang-up,
        a voicemail or a robot.

        A call logged by hand is a person's word, not the telephony's: it counts unless the setting
        "Only telephony-reported calls stop the response clock" is on; the lead keeps the call that
        stopped its clock (``dealer_first_contact_call_id``), so which kind it was stays visible.
        """
        seconds = self._human_contact_seconds()
        telephony_only = str2bool(self.env["ir.config_parameter"].sudo().get_param(CLOCK_TELEPHONY_ONLY) or "0")
        return self.filtered(
            lambda call: call.status == "answered"
            and call.duration_seconds >= seconds
            and (call.source == "api" or not telephony_only)
        )

    def _showroom_tz(self):
        """The time zone of the call's showroom (its working calendar, else its address), else the user's."""
        return self.company_id._dealer_tz(fallback=self.env.user.tz or "UTC")

    # ------------------------------------------------------------
    # Call quality: the heads' reviews of the call
    # ------------------------------------------------------------

    # a call's score tells how its review went: for the heads; an operator reads their own reviews instead
    review_ids = fields.One2many("dealer.call.review", "call_id", string="Quality reviews")
    score_percent = fields.Float(
        string="Quality score (%)",
        compute="_compute_quality_score",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="The score of the latest review of the call against the call quality checklist.",
        groups="dealer_crm.group_sales_head,dealer_crm.group_service_advisor",
    )
    reviewed = fields.Boolean(
        compute="_compute_quality_score",
        store=True,
        index=True,
        groups="dealer_crm.group_sales_head,dealer_crm.group_service_advisor",
    )

    @api.depends("review_ids.score_percent", "review_ids.date")
    def _compute_quality_score(self):
        for call in self:
            latest = call.review_ids.sorted(lambda review: (review.date, review.id), reverse=True)[:1]
            call.score_percent = latest.score_percent
            call.reviewed = bool(latest)

    def _check_can_be_scored(self):
        """A missed call has no conversation to listen to: checked before a review is written."""
        if missed := self.filtered(lambda call: call.status != "answered"):
            raise ValidationError(
                self.env._(
                    "Call: only an answered call can be scored; %(call)s was missed.",
                    call=missed[0].display_name,
                )
            )

    def action_score_call(self):
        """The head's review of this call: theirs if they scored it already, else a new checklist."""
        self.ensure_one()
        self.env["dealer.call.review"].check_access("create")
        self._check_can_be_scored()
        mine = self.review_ids.filtered(lambda review: review.reviewer_id == self.env.user)[:1]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Score this call"),
            "res_model": "dealer.call.review",
            "view_mode": "form",
            "views": [(False, "form")],
            "res_id": mine.id or False,
            "context": {"default_call_id": self.id},
        }

    def action_open_reviews(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_crm.dealer_call_review_action")
        action.update(
            {
                "domain": [("call_id", "=", self.id)],
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
                "context": {"default_call_id": self.id},
            }
        )
        return action
