from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.roles import DEALER_ROLES
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move, refuse_system_fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .dealer_campaign import PLAN_AHEAD_DAYS, PLAN_GRACE_DAYS

DISPATCH_CHANNELS = [
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("telegram", "Telegram"),
    ("activity", "Activity for a role"),
]
# "preferred" resolves, per customer at planning, to their preferred message channel (e-mail by default).
STEP_CHANNELS = [*DISPATCH_CHANNELS, ("preferred", "Customer's preferred channel")]
MESSAGE_CHANNELS = ("email", "sms", "telegram")
# Quiet hours of a new step, and of messages without a step (automation rules).
DEFAULT_QUIET_START = 21.0
DEFAULT_QUIET_END = 9.0
# Timezone names PostgreSQL knows, read once per process: joining pg_timezone_names in every
# planning statement costs ~0.2 s (it reads the tz database), a hash join on this array ~0.
_PG_TIMEZONES = []


class DealerCampaignStep(models.Model):
    _name = "dealer.campaign.step"
    _description = "Campaign step"
    _order = "campaign_id, offset_days, sequence, id"
    _check_company_auto = True

    campaign_id = fields.Many2one("dealer.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    audience_model = fields.Selection(related="campaign_id.audience_model")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    offset_days = fields.Integer(
        string="Offset (days)",
        required=True,
        default=0,
        help="Days relative to the trigger date: -7 = a week before the policy ends / the booking window closes, "
        "1 = the day after delivery.",
    )
    send_hour = fields.Float(
        default=10.0, help="Local time of day (the customer's, else the company's timezone) the message is planned for."
    )
    channel = fields.Selection(STEP_CHANNELS, required=True, default="email")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail template",
        domain="[('model', '=', audience_model)]",
        help="Rendered on the vehicle (or the customer) of each enrolment.",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        domain="[('model', '=', audience_model)]",
    )
    telegram_text = fields.Text(
        translate=True,
        help="Message text; placeholders like {{ object.name }} are filled from the vehicle (or the customer).",
    )
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity type")
    activity_role = fields.Selection(
        DEALER_ROLES,
        string="Role",
        help="The activity goes to the person of this role for the car or customer (e.g. the F&I manager of the "
        "deal that sold the car), else to a user of the role in the company.",
    )
    activity_user_id = fields.Many2one(
        "res.users", string="Responsible", check_company=True, help="Overrides the role when set."
    )
    activity_summary = fields.Char(translate=True)
    quiet_start = fields.Float(
        default=DEFAULT_QUIET_START,
        help="No message leaves between this hour and the end of quiet hours (customer's local time); "
        "it is deferred to the next allowed time, not dropped.",
    )
    quiet_end = fields.Float(default=DEFAULT_QUIET_END)
    dispatch_ids = fields.One2many("dealer.dispatch", "step_id")

    @api.constrains(
        "channel",
        "mail_template_id",
        "sms_template_id",
        "telegram_text",
        "activity_role",
        "activity_user_id",
        "quiet_start",
        "quiet_end",
        "send_hour",
    )
    def _check_channel_content(self):
        required = {"email": "mail_template_id", "sms": "sms_template_id", "telegram": "telegram_text"}
        for step in self:
            needed = required.values() if step.channel == "preferred" else [required.get(step.channel)]
            for fname in needed:
                if fname and not step[fname]:
                    raise ValidationError(
                        self.env._(
                            "Step %(step)s: the field %(field)s is required for this channel.",
                            step=step.name,
                            field=self._fields[fname]._description_string(self.env),
                        )
                    )
            if step.channel == "activity" and not (step.activity_role or step.activity_user_id):
                raise ValidationError(
                    self.env._("Step %(step)s: set a Role or a Responsible for the activity.", step=step.name)
                )
            for hour in (step.quiet_start, step.quiet_end, step.send_hour):
                if not 0 <= hour <= 24:
                    raise ValidationError(self.env._("Step %(step)s: hours must be between 0 and 24.", step=step.name))

    # ------------------------------------------------------------
    # Telegram text: written by marketers, so checked on save and at rendering
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps.campaign_id._dealer_check_shared()
        steps._check_telegram_text()
        return steps

    def write(self, vals):
        # a step of a campaign of every showroom is that campaign's: the same people change it
        self.campaign_id._dealer_check_shared()
        refuse_system_fields(self, [vals], ["company_id"])  # its campaign's, which the showroom rule reads
        res = super().write(vals)
        if "campaign_id" in vals:
            self.campaign_id._dealer_check_shared()
        # a step moved into another showroom's running campaign would message that showroom's customers
        check_access_after_move(self, vals, ["campaign_id"])
        self._check_telegram_text()
        return res

    def unlink(self):
        self.campaign_id._dealer_check_shared()
        return super().unlink()

    @api.model
    def _dealer_check_template_change(self, fname, templates):
        """A template a campaign's step sends (``fname``: ``mail_template_id`` or ``sms_template_id``) is that
        campaign's text: changed or deleted only by whoever may change the campaign — a group campaign's by
        someone of every showroom, a showroom's by its marketers — not by any template editor of any showroom."""
        if self.env.su or self.env.user._is_system() or not templates.ids:
            return
        campaigns = self.sudo().search([(fname, "in", templates.ids)]).campaign_id
        if campaigns:
            campaigns = self.env["dealer.campaign"].browse(campaigns.ids)
            campaigns._dealer_check_shared()
            campaigns.check_access("write")

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=""):
        self.campaign_id._dealer_check_shared()
        res = super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)
        self._check_telegram_text()
        return res

    def _telegram_texts(self):
        """Every translation of each step's Telegram text: ``{step: [text, …]}``."""
        self.flush_recordset(["telegram_text"])
        self.env.cr.execute(SQL("SELECT id, telegram_text FROM dealer_campaign_step WHERE id IN %s", tuple(self.ids)))
        return {
            self.browse(step_id): [text for text in (texts or {}).values() if text]
            for step_id, texts in self.env.cr.fetchall()
        }

    def _has_unsafe_text(self):
        """True when a translation of the Telegram text holds more than the placeholders Odoo lets anyone use.

        Odoo's ``mail.render.mixin`` evaluates such expressions as Python; only a Mail Template
        Editor may write them (``mail.template`` applies the same rule on save).
        """
        self.ensure_one()
        render = self.env["mail.render.mixin"]
        model = self.sudo().audience_model or "dealer.vehicle"
        return any(
            render._has_unsafe_expression_template_inline_template(text, model)
            for text in self._telegram_texts().get(self, [])
        )

    def _check_telegram_text(self):
        """A Marketer may use the allowed placeholders ({{ object.plate }} …), never code."""
        if not self or self.env.su or self.env.user.has_group("mail.group_mail_template_editor"):
            return
        for step in self:
            if step._has_unsafe_text():
                raise AccessError(
                    self.env._(
                        "Step %(step)s: the Telegram text may only use the placeholders of the vehicle or customer "
                        "(for example {{ object.name }}); only a Mail Template Editor may write other expressions.",
                        step=step.name,
                    )
                )

    def _render_telegram_text(self, record):
        """The Telegram text of this step for ``record``, never evaluated with more rights than its author.

        Expressions beyond the allowed placeholders are evaluated only when the last person who
        wrote the step is a Mail Template Editor (the save check keeps others from writing them;
        this also covers steps written before that check existed). The sending cron runs as
        superuser, which Odoo's renderer treats as an administrator: hence the explicit check.
        """
        self.ensure_one()
        # the customer's translation (``record``'s language), checked as it is; errors stay in the staff's
        render = self.env["mail.render.mixin"].with_context(lang=record.env.lang)
        text = self.with_context(lang=record.env.lang).telegram_text
        if render._has_unsafe_expression_template_inline_template(text or "", record._name):
            author = self.sudo().write_uid
            if not (author._is_superuser() or author.has_group("mail.group_mail_template_editor")):
                raise UserError(
                    self.env._(
                        "Step %(step)s: the Telegram text holds expressions its author may not use; not sent.",
                        step=self.name,
                    )
                )
        return render._render_template(text, record._name, record.ids, engine="inline_template")[record.id]

    # ------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------

    def _plan_dispatch_sql(self, today=None):
        """Plan this step for every active enrolment whose step day is near: ONE INSERT … SELECT … ON CONFLICT.

        The unique index on (step, partner, vehicle, occurrence) makes reruns insert nothing.
        Rows of customers without consent (or without an address) are written as skipped at once
        so the log shows why they got nothing.  Returns the number of new rows.
        """
        self.ensure_one()
        today = fields.Date.to_date(today) or fields.Date.context_today(self)
        dispatch = self.env["dealer.dispatch"]
        channel = self._channel_sql()
        # a call task contacts the customer on their phone: it needs the consent an SMS needs
        call_consent = dispatch._consent_sql("sms") if self._is_call() else SQL("TRUE")
        consent = SQL(
            "(CASE %s WHEN 'email' THEN %s WHEN 'sms' THEN %s WHEN 'telegram' THEN %s ELSE %s END)",
            channel,
            *(dispatch._consent_sql(name) for name in MESSAGE_CHANNELS),
            call_consent,
        )
        address = SQL(
            "(CASE %s WHEN 'email' THEN %s WHEN 'sms' THEN %s WHEN 'telegram' THEN %s ELSE TRUE END)",
            channel,
            *(dispatch._address_sql(name) for name in MESSAGE_CHANNELS),
        )
        # a customer without a time zone of their own gets the local time of the showroom of their row (a campaign of
        # every showroom writes to each customer from their showroom), else of the campaign's
        known = set(self._pg_timezones())
        company_tz = (self.campaign_id.company_id or self.env.company)._dealer_tz()
        company_tz = company_tz if company_tz in known else "UTC"
        companies = self.env["res.company"].sudo().search([])
        company_tzs = [tz if (tz := company._dealer_tz()) in known else None for company in companies]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO dealer_dispatch
                   (campaign_id, step_id, enrolment_id, company_id, partner_id, vehicle_id, occurrence_date,
                    channel, scheduled_at, state, skip_reason, attempts,
                    create_uid, create_date, write_uid, write_date)
            SELECT e.campaign_id, s.id, e.id, e.company_id, e.partner_id, e.vehicle_id, e.occurrence_date,
                   %(channel)s,
                   ((e.occurrence_date + s.offset_days)::timestamp + make_interval(mins => (s.send_hour * 60)::int))
                       AT TIME ZONE COALESCE(tz.name, ctz.name, %(company_tz)s) AT TIME ZONE 'UTC',
                   CASE WHEN %(consent)s AND %(address)s THEN 'queued' ELSE 'skipped' END,
                   CASE WHEN NOT %(consent)s THEN 'consent' WHEN NOT %(address)s THEN 'no_address' END,
                   0, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM dealer_campaign_enrolment e
              JOIN dealer_campaign_step s ON s.id = %(step)s AND s.campaign_id = e.campaign_id
              JOIN res_partner p ON p.id = e.partner_id
         LEFT JOIN unnest(%(timezones)s::text[]) AS tz(name) ON tz.name = p.tz
         LEFT JOIN unnest(%(company_ids)s::int[], %(company_tzs)s::text[]) AS ctz(id, name) ON ctz.id = e.company_id
             WHERE e.state = 'active' AND e.campaign_id = %(campaign)s AND e.control IS NOT TRUE
               AND e.occurrence_date BETWEEN %(first)s AND %(last)s
            ON CONFLICT DO NOTHING
            """,
                company_tz=company_tz,
                company_ids=companies.ids,
                company_tzs=company_tzs,
                timezones=self._pg_timezones(),
                channel=channel,
                consent=consent,
                address=address,
                uid=self.env.uid,
                step=self.id,
                campaign=self.campaign_id.id,
                # the step's day (occurrence + offset) is due: a range on the occurrence, which the
                # enrolments' (campaign, occurrence) index answers; a step not due reads nothing
                first=fields.Date.subtract(today, days=PLAN_GRACE_DAYS + self.offset_days),
                last=fields.Date.add(today, days=PLAN_AHEAD_DAYS - self.offset_days),
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_recordset(["dispatch_ids"])
        self.campaign_id.invalidate_recordset()
        return count

    def _is_call(self):
        """An activity step whose task is to phone the customer (its type, else the default, is a call)."""
        self.ensure_one()
        if self.channel != "activity":
            return False
        activity_type = self.sudo().activity_type_id or self.env.ref("mail.mail_activity_data_call")
        return activity_type.category == "phonecall"

    def _channel_sql(self):
        """The channel of each planned row: the step's, or the customer's preferred one (alias ``p``)."""
        if self.channel != "preferred":
            return SQL("%s", self.channel)
        return SQL(
            "(CASE WHEN p.dealer_preferred_channel IN ('sms', 'telegram') THEN p.dealer_preferred_channel"
            " ELSE 'email' END)"
        )

    def _pg_timezones(self):
        """Customers' tz values outside this list (or empty) fall back to the company's timezone."""
        if not _PG_TIMEZONES:
            self.env.cr.execute(SQL("SELECT name FROM pg_timezone_names"))
            _PG_TIMEZONES.extend(sorted(name for (name,) in self.env.cr.fetchall()))
        return _PG_TIMEZONES
