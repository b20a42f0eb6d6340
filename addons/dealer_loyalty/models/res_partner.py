import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.settings import int_param
from odoo.addons.dealer_crm.tools.system_fields import may_write_system_fields, refuse_system_fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.mail import plaintext2html

from .res_company import TELEGRAM_LINK_DAYS
from .res_config_settings import (
    INT_SETTINGS,
    TEXT_SETTINGS,
    THRESHOLD_KEYS,
    LoyaltySettingError,
    param_name,
    parse_rfm_thresholds,
)

LOYALTY_STATUSES = [
    ("new", "New"),
    ("active", "Active"),
    ("loyal", "Loyal"),
    ("returned", "Returned"),
    ("sleeping", "Sleeping"),
    ("blocked", "Blocked"),
]

RISK_LEVELS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]

# Where the chain broke (docs/DOMAIN.md §2), derived from the customer's last event, and the role
# (a key of dealer_crm's DEALER_ROLES) that owned the next step of the chain.
BREAK_STAGES = [
    ("after_delivery", "Follow-up after delivery"),
    ("maintenance", "Next maintenance (TO)"),
    ("tyre_change", "Seasonal tyre change"),
    ("insurance_renewal", "Insurance renewal"),
    ("repair", "After a repair"),
]
STAGE_ROLE = {
    "after_delivery": "sales_manager",
    "maintenance": "service_advisor",
    "tyre_change": "call_center",
    "insurance_renewal": "fi_manager",
    "repair": "service_advisor",
}
# Customer fields showing the figures of dealer.customer.score.
RFM_FIELDS = ["rfm_r", "rfm_f", "rfm_m", "rfm_score", "recency_days", "frequency", "monetary", "segment_id", "rfm_date"]
# The address field of each channel a message of an automation rule may take.
CHANNEL_ADDRESS = {"email": "email", "sms": "phone", "telegram": "telegram_chat_id"}
# What a customer may send the bot to stop its messages (Telegram commands are Latin; the
# Russian words are accepted as plain text).
STOP_WORDS = ("/stop", "стоп", "отписаться", "/unsubscribe")
# Set by the application only (``refuse_system_fields``): blocking goes through the marketers' buttons,
# the retention strategy, its offer and its control group, the loyalty status, its dates and cohort, the churn
# risk and the RFM figures through the nightly run (a status typed in would log a chain break against a role,
# or hide one; a cohort or risk typed in would skew the reports and the audiences), the last Telegram message
# through the bot.
# what the nightly loyalty-status statement writes on each customer
LOYALTY_STATUS_FIELDS = (
    "loyalty_status",
    "loyalty_status_date",
    "loyalty_first_date",
    "loyalty_last_date",
    "loyalty_cohort_month",
    "loyalty_retained_12m",
)
LOYALTY_CONTROLS = (
    "loyalty_blocked",
    "retention_strategy_id",
    "retention_offer",
    "retention_since",
    "retention_control",
    "risk_high_since",
    *LOYALTY_STATUS_FIELDS,
    "risk_score",
    "risk_level",
    "rfm_id",
    "telegram_last_message_date",
    "telegram_optin_token",
    "telegram_optin_date",
)
# Set by the bot's webhook only (staff may clear them): the chat a card's messages go to, the chat confirming it.
TELEGRAM_CHAT_FIELDS = ("telegram_chat_id", "telegram_pending_chat_id", "telegram_company_id")
# Telegram's own limit of a message's text: longer input is cut there.
TELEGRAM_TEXT_LIMIT = 4096


def _new_optin_token():
    return secrets.token_urlsafe(16)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------
    # Consent: the channels of this addon that change it
    # ------------------------------------------------------------

    consent_source = fields.Selection(
        selection_add=[("unsubscribe", "Unsubscribe link"), ("telegram", "Telegram bot")],
        ondelete={"unsubscribe": "set null", "telegram": "set null"},
    )

    # ------------------------------------------------------------
    # RFM
    # ------------------------------------------------------------

    # The figures live in dealer.customer.score (a narrow table rewritten every night); these
    # related fields search, group, sort and sum in SQL through the link.
    rfm_id = fields.Many2one(
        "dealer.customer.score", string="RFM figures", readonly=True, copy=False, index="btree_not_null"
    )
    rfm_r = fields.Integer(related="rfm_id.r")
    rfm_f = fields.Integer(related="rfm_id.f")
    rfm_m = fields.Integer(related="rfm_id.m")
    rfm_score = fields.Char(related="rfm_id.score")
    recency_days = fields.Integer(related="rfm_id.recency_days")
    frequency = fields.Integer(related="rfm_id.frequency")
    monetary = fields.Float(related="rfm_id.monetary", groups="dealer_crm.group_dealer_see_money")
    segment_id = fields.Many2one(related="rfm_id.segment_id")
    rfm_date = fields.Date(related="rfm_id.date")

    # ------------------------------------------------------------
    # Loyalty status
    # ------------------------------------------------------------

    loyalty_status = fields.Selection(
        LOYALTY_STATUSES,
        readonly=True,
        index="btree_not_null",
        help="New: first visit recently. Loyal: many visits in the window. Returned: came back after "
        "sleeping. Sleeping: no visit for a long time. Blocked: set by hand.",
    )
    loyalty_status_date = fields.Date(string="Status since", readonly=True)
    loyalty_blocked = fields.Boolean(
        string="Loyalty blocked",
        readonly=True,
        copy=False,
        help="Set by hand: the customer gets no loyalty offers or reminders.",
    )
    loyalty_first_date = fields.Date(string="First visit or purchase", readonly=True)
    loyalty_last_date = fields.Date(string="Last visit or purchase", readonly=True)
    loyalty_cohort_month = fields.Date(
        string="Cohort", readonly=True, index="btree_not_null", help="Month of the first visit or purchase."
    )
    loyalty_retained_12m = fields.Boolean(
        string="Retained after 12 months",
        readonly=True,
        help="Came back within 12 months after the first visit or purchase.",
    )
    loyalty_history_ids = fields.One2many("dealer.loyalty.status.history", "partner_id", string="Status history")

    # ------------------------------------------------------------
    # Churn risk
    # ------------------------------------------------------------

    risk_score = fields.Integer(
        readonly=True, aggregator="avg", help="Sum of the contributions of the customer's risk signals."
    )
    risk_level = fields.Selection(
        RISK_LEVELS,
        readonly=True,
        index="btree_not_null",
        help="Sum of the weights of the customer's churn-risk signals, against the thresholds of the settings.",
    )
    risk_high_since = fields.Datetime(
        string="At high risk since",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the customer's churn risk became high; empty while it is not. Automation rules react to it "
        "with the time trigger '0 days after At high risk since' (risk scores are written in bulk, which "
        "'on change' triggers do not see).",
    )

    risk_signal_ids = fields.One2many("dealer.risk.signal", "partner_id", string="Risk signals")
    retention_strategy_id = fields.Many2one(
        "dealer.retention.strategy", string="Retention strategy", readonly=True, copy=False, index="btree_not_null"
    )
    # the strategy's offer in the language it is read in: a campaign message reads it in the customer's
    retention_offer = fields.Text(string="Retention offer", compute="_compute_retention_offer", compute_sudo=True)
    retention_control = fields.Boolean(
        string="Strategy's control group",
        readonly=True,
        copy=False,
        help="The customer matches the strategy but is in its control group: no offer, task or campaign from it, "
        "so that its effect can be measured. Treat them as usual.",
    )
    retention_since = fields.Date(
        string="In the strategy since",
        readonly=True,
        copy=False,
        help="The day the customer began to match their retention strategy: the strategy's offer, task and "
        "campaign are applied once from this day until they no longer match it.",
    )

    # ------------------------------------------------------------
    # Telegram
    # ------------------------------------------------------------

    telegram_chat_id = fields.Char(
        string="Telegram chat",
        copy=False,
        index="btree_not_null",
        help="Set when the customer opened the company bot through their opt-in link; campaign messages go there.",
    )
    telegram_company_id = fields.Many2one(
        "res.company",
        string="Telegram bot of",
        copy=False,
        readonly=True,
        help="The showroom whose bot the customer opened: every showroom's Telegram messages to them go through that "
        "bot (Telegram lets a bot write only to whoever started it).",
    )
    telegram_optin_token = fields.Char(
        string="Telegram opt-in token",
        copy=False,
        index="btree_not_null",
        default=lambda self: _new_optin_token(),
        groups="base.group_user",
        help="Secret in the customer's t.me/<bot>?start=<token> link that identifies them to the bot. "
        "Each contact has its own; it is replaced once used.",
    )
    telegram_optin_date = fields.Datetime(
        string="Telegram link issued",
        copy=False,
        default=fields.Datetime.now,
        groups="base.group_user",
        help="The opt-in link works for the company's 'Telegram link valid (days)' from this moment.",
    )
    telegram_pending_chat_id = fields.Char(
        string="Telegram chat to confirm",
        copy=False,
        index="btree_not_null",
        readonly=True,
        groups="base.group_user",
        help="The chat that opened the card's link and has yet to share the phone number of the card. "
        "Only then is it linked: a link opened by someone else (forwarded, read off the card) links nothing.",
    )
    telegram_last_message_date = fields.Datetime(
        string="Last Telegram message",
        readonly=True,
        copy=False,
        help="When the customer last wrote to the dealership's bot. Messages sent from the chatter of the card "
        "or of their deal go to their Telegram while the card is linked to a chat or within 30 days of this.",
    )
    telegram_dispatch_ids = fields.One2many(
        "dealer.dispatch",
        "partner_id",
        string="Telegram messages",
        domain=[("channel", "=", "telegram")],
        readonly=True,
        help="Every Telegram message to this customer (campaigns, automation rules, replies from the chatter) "
        "with its delivery state.",
    )
    telegram_optin_expires = fields.Datetime(
        string="Telegram link valid until",
        compute="_compute_telegram_optin_url",
        groups="base.group_user",
        help="After this moment the bot refuses the link: issue a new one.",
    )
    telegram_optin_url = fields.Char(
        string="Telegram opt-in link",
        compute="_compute_telegram_optin_url",
        # it carries the token: whoever opens it links the customer's messages to their own chat
        groups="base.group_user",
        help="Send this link to the customer: opening it in Telegram and sharing the phone number of the card "
        "with the bot subscribes them to the dealership's bot. It works once, until its expiry, and only while "
        "the card is not linked to a chat.",
    )

    @api.depends("retention_strategy_id.offer", "retention_control")
    @api.depends_context("lang")
    def _compute_retention_offer(self):
        for partner in self:
            strategy = partner.retention_strategy_id
            partner.retention_offer = strategy.offer if strategy and not partner.retention_control else False

    def mail_allowed_qweb_expressions(self):
        """Placeholders anybody may put in a campaign text about a customer (read as fields, never evaluated)."""
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.company_id.name",
            "object.retention_offer",
            "object.dealer_next_offer_text",
        )

    # ------------------------------------------------------------
    # Reminder calls: the open call task of a retention strategy or a customer campaign
    # ------------------------------------------------------------

    dealer_reminder_call_id = fields.Many2one(
        "mail.activity",
        string="Reminder call task",
        compute="_compute_dealer_reminder_call_id",
        groups="dealer_crm.group_dealer_user",
        help="The open call task a retention strategy or a customer campaign gave (the user's own first).",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_dealer_reminder_call_id(self):
        calls = self.env["mail.activity"]._dealer_reminder_calls(self)
        for partner in self:
            partner.dealer_reminder_call_id = calls.get(partner._origin.id, False)

    def action_dealer_call_outcome(self):
        """From the customer's card: close the reminder call task with the outcome of the call."""
        self.ensure_one()
        return self.env["dealer.call.outcome.wizard"]._action_open(self.dealer_reminder_call_id)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_recompute_loyalty(self):
        """Button: recompute RFM, loyalty status and risk for every customer (not only the selection)."""
        if not self.env.user.has_group("dealer_crm.group_marketer"):
            raise AccessError(self.env._("Only marketers may recompute the loyalty figures."))
        self.sudo()._dealer_refresh_loyalty()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("Segments, statuses and risk scores are up to date."),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_loyalty_block(self):
        self._dealer_set_blocked(True)

    def action_loyalty_unblock(self):
        self._dealer_set_blocked(False)

    def _dealer_set_blocked(self, blocked):
        if not self.env.user.has_group("dealer_crm.group_marketer"):
            raise AccessError(self.env._("Only marketers may block or unblock a customer's loyalty."))
        # the field is read-only on screen, hence sudo; but only on customers the marketer may change
        self.check_access("write")
        self.sudo().write({"loyalty_blocked": blocked})
        self.sudo()._dealer_update_loyalty_status(partner_ids=self.ids)

    # ------------------------------------------------------------
    # Parameters
    # ------------------------------------------------------------

    @api.model
    def _dealer_loyalty_params(self):
        """The loyalty settings with their defaults; a bad value is reported by its parameter's name.

        Whole numbers go through dealer_crm's settings reader (``int_param``), the RFM thresholds
        through ``parse_rfm_thresholds``, as on the settings page.
        """
        icp = self.env["ir.config_parameter"].sudo()
        params = {key: int_param(self.env, param_name(key), spec) for key, spec in INT_SETTINGS.items()}
        params["rfm_method"] = icp.get_param(param_name("rfm_method")) or TEXT_SETTINGS["rfm_method"]
        try:
            params.update(parse_rfm_thresholds({key: icp.get_param(param_name(key)) for key in THRESHOLD_KEYS}))
        except LoyaltySettingError as error:
            if error.problem == "counts":
                raise UserError(
                    self.env._("The loyalty settings need as many recency, frequency and monetary thresholds.")
                ) from None
            key = param_name(error.key).removeprefix("dealer_loyalty.")
            raise UserError(
                self.env._("The loyalty setting %(key)s must be ascending numbers separated by commas.", key=key)
            ) from None
        return params

    # ------------------------------------------------------------
    # Set-based computations
    # ------------------------------------------------------------

    @api.model
    def _dealer_events_sql(self, partner_ids=None):
        """Every customer event that counts for loyalty: closed visits and won purchases.

        A purchase is a won dealership deal (a dealership team's, or one about a car, as
        ``crm.lead._dealer_deals`` decides): a deal won in Odoo's own CRM (another
        team's, without a car) is no car bought from the dealer and scores nobody.
        """
        visit_filter = SQL("AND partner_id = ANY(%s)", partner_ids) if partner_ids else SQL()
        return SQL(
            """
            SELECT partner_id, date AS day, COALESCE(revenue, 0) AS amount, kind::text AS kind, id AS ref_id
              FROM dealer_visit
             WHERE state = 'done' AND partner_id IS NOT NULL %(vf)s
             UNION ALL
            SELECT partner_id, date_closed::date, COALESCE(expected_revenue, 0), 'purchase', id
              FROM crm_lead
             WHERE won_status = 'won' AND partner_id IS NOT NULL AND date_closed IS NOT NULL %(vf)s
               AND (vehicle_id IS NOT NULL OR trade_in_vehicle_id IS NOT NULL
                    OR team_id IN (SELECT id FROM crm_team WHERE dealer_is_dealership))
            """,
            vf=visit_filter,
        )

    @api.model
    def _dealer_rfm_score_sql(self, column, params, higher_is_better):
        """Score expression of one RFM column, mirroring ``tools.rfm.quantile_scores``/``band_score``."""
        ident = SQL.identifier(column)
        if params["rfm_method"] == "bands":
            thresholds = params[f"rfm_{column.removesuffix('_days')}_thresholds"]
            bucket = SQL("width_bucket(%s::float8, %s::float8[])", ident, thresholds)
            if higher_is_better:
                return SQL("(1 + %s)", bucket)
            return SQL("(%s - %s)", len(thresholds) + 1, bucket)
        order = SQL("ASC") if higher_is_better else SQL("DESC")
        return SQL(
            "LEAST(%(b)s, 1 + ((rank() OVER (ORDER BY %(col)s %(order)s) - 1) * %(b)s)"
            " / GREATEST(count(*) OVER () - 1, 1))::int",
            b=params["rfm_bands"],
            col=ident,
            order=order,
        )

    @api.model
    def _dealer_rfm_sql(self, today=None, params=None):
        """The single statement that scores every customer and stores the recency, frequency and monetary
        scores and the segment.

        The figures go to ``dealer_customer_score`` (one row per customer, inserted or updated
        when they changed); customers who lost every event keep a row without scores. Kept in
        one method so that a benchmark can run it as it is.
        """
        params = params or self._dealer_loyalty_params()
        today = today or fields.Date.context_today(self)
        start = fields.Date.subtract(today, months=params["rfm_window_months"])
        return SQL(
            """
            WITH events AS (%(events)s),
            agg AS (
                SELECT partner_id,
                       %(today)s::date - max(day) AS recency_days,
                       count(*) FILTER (WHERE day > %(start)s) AS frequency,
                       COALESCE(sum(amount) FILTER (WHERE day > %(start)s), 0) AS monetary
                  FROM events WHERE day <= %(today)s
              GROUP BY partner_id
            ),
            scored AS (
                SELECT agg.*, %(recency)s AS r, %(frequency)s AS f, %(monetary)s AS m FROM agg
            ),
            combos AS (
                SELECT c.r, c.f, c.m,
                       (SELECT s.id FROM dealer_segment s
                         WHERE s.active AND c.r BETWEEN s.r_min AND s.r_max
                           AND c.f BETWEEN s.f_min AND s.f_max AND c.m BETWEEN s.m_min AND s.m_max
                      ORDER BY s.sequence, s.id LIMIT 1) AS segment_id
                  FROM (SELECT DISTINCT r, f, m FROM scored) c
            ),
            result AS (
                SELECT COALESCE(s.partner_id, old.partner_id) AS partner_id, s.recency_days, s.frequency,
                       s.monetary, s.r, s.f, s.m, combos.segment_id
                  FROM scored s
             FULL JOIN (SELECT partner_id FROM dealer_customer_score WHERE r IS NOT NULL) old
                    ON old.partner_id = s.partner_id
             LEFT JOIN combos ON combos.r = s.r AND combos.f = s.f AND combos.m = s.m
            )
            INSERT INTO dealer_customer_score AS cs
                   (partner_id, r, f, m, score, recency_days, frequency, monetary, segment_id, date)
            SELECT partner_id, r, f, m, r::text || f::text || m::text, recency_days, frequency, monetary,
                   segment_id, CASE WHEN r IS NULL THEN NULL ELSE %(today)s::date END
              FROM result
                ON CONFLICT (partner_id) DO UPDATE
               SET r = excluded.r, f = excluded.f, m = excluded.m, score = excluded.score,
                   recency_days = excluded.recency_days, frequency = excluded.frequency,
                   monetary = excluded.monetary, segment_id = excluded.segment_id, date = excluded.date
             WHERE (cs.r, cs.f, cs.m, cs.recency_days, cs.frequency, cs.monetary, cs.segment_id)
                   IS DISTINCT FROM (excluded.r, excluded.f, excluded.m, excluded.recency_days,
                                     excluded.frequency, excluded.monetary, excluded.segment_id)
            """,
            events=self._dealer_events_sql(),
            today=today,
            start=start,
            recency=self._dealer_rfm_score_sql("recency_days", params, higher_is_better=False),
            frequency=self._dealer_rfm_score_sql("frequency", params, higher_is_better=True),
            monetary=self._dealer_rfm_score_sql("monetary", params, higher_is_better=True),
        )

    @api.model
    def _dealer_prepare_bulk_sql(self):
        """Flush, and give this transaction's sorts of millions of visits enough memory to stay in RAM."""
        self.env.flush_all()
        self.env.cr.execute(SQL("SET LOCAL work_mem = '256MB'"))

    @api.model
    def _dealer_update_rfm(self, today=None):
        self._dealer_prepare_bulk_sql()
        self.env.cr.execute(self._dealer_rfm_sql(today=today))
        scores = self.env["dealer.customer.score"]
        scores.invalidate_model()
        scores._link_partners()
        self.invalidate_model(RFM_FIELDS)

    @api.model
    def _dealer_break_case_sql(self, today):
        """Stage of the chain where a customer fell asleep, and the role owning that stage."""
        stage = SQL(
            """CASE WHEN c.new_status <> 'sleeping' THEN NULL
                    WHEN EXISTS (SELECT 1 FROM dealer_vehicle v
                                  WHERE v.partner_id = c.id AND v.active
                                    AND v.insurance_end > c.last_day AND v.insurance_end <= %(today)s)
                         THEN 'insurance_renewal'
                    WHEN c.last_kind = 'purchase' THEN 'after_delivery'
                    WHEN c.last_kind = 'maintenance' THEN 'maintenance'
                    WHEN c.last_kind = 'tyres' THEN 'tyre_change'
                    ELSE 'repair' END""",
            today=today,
        )
        role = SQL(
            "CASE %s END",
            SQL(" ").join(SQL("WHEN stage = %s THEN %s", st, role) for st, role in STAGE_ROLE.items()),
        )
        return stage, role

    @api.model
    def _dealer_loyalty_status_sql(self, today=None, params=None, partner_ids=None):
        """One statement: new loyalty status of every customer, its transition logged in the history."""
        params = params or self._dealer_loyalty_params()
        today = today or fields.Date.context_today(self)
        stage, role = self._dealer_break_case_sql(today)
        only = SQL("AND p.id = ANY(%s)", partner_ids) if partner_ids else SQL()
        return SQL(
            """
            WITH events AS (%(events)s),
            ev AS (
                SELECT partner_id, day, amount, kind,
                       lag(day) OVER (PARTITION BY partner_id ORDER BY day, ref_id) AS prev_day,
                       min(day) OVER (PARTITION BY partner_id) AS first_day,
                       max(day) OVER (PARTITION BY partner_id) AS last_day
                  FROM events WHERE day <= %(today)s
            ),
            agg AS (
                SELECT partner_id, min(first_day) AS first_day, min(last_day) AS last_day,
                       count(*) FILTER (WHERE day > %(start)s) AS n_window,
                       bool_or(prev_day IS NOT NULL AND day > %(today)s::date - %(sleeping)s
                               AND day - prev_day > %(sleeping)s) AS returned,
                       bool_or(day > first_day AND day <= (first_day + interval '12 months')::date) AS came_back,
                       COALESCE(sum(amount) FILTER (
                           WHERE day > (last_day - make_interval(months => %(window)s))::date), 0) AS at_risk,
                       CASE WHEN bool_or(kind = 'purchase') FILTER (WHERE day = last_day) THEN 'purchase'
                            ELSE min(kind) FILTER (WHERE day = last_day) END AS last_kind
                  FROM ev GROUP BY partner_id
            ),
            calc AS (
                SELECT p.id, p.company_id, p.loyalty_status AS old_status, p.dealer_stage::text AS ltv_stage, agg.*,
                       CASE WHEN p.loyalty_blocked THEN 'blocked'
                            WHEN agg.partner_id IS NULL THEN NULL
                            WHEN %(today)s::date - agg.last_day > %(sleeping)s THEN 'sleeping'
                            WHEN %(today)s::date - agg.first_day <= %(new_days)s THEN 'new'
                            WHEN agg.returned THEN 'returned'
                            WHEN agg.n_window >= %(loyal)s THEN 'loyal'
                            ELSE 'active' END AS new_status,
                       CASE WHEN agg.came_back THEN TRUE
                            WHEN (agg.first_day + interval '12 months')::date <= %(today)s THEN FALSE END AS retained
                  FROM res_partner p
             LEFT JOIN agg ON agg.partner_id = p.id
                 WHERE (agg.partner_id IS NOT NULL OR p.loyalty_status IS NOT NULL OR p.loyalty_blocked) %(only)s
            ),
            breaks AS (
                SELECT c.*, %(stage)s AS stage FROM calc c
                 WHERE c.new_status IS NOT NULL AND c.new_status IS DISTINCT FROM c.old_status
            ),
            hist AS (
                INSERT INTO dealer_loyalty_status_history
                       (partner_id, company_id, date, old_status, new_status, is_chain_break, break_stage,
                        break_role, ltv_stage, revenue_at_risk, last_event_date,
                        create_uid, write_uid, create_date, write_date)
                SELECT id, company_id, %(today)s, old_status, new_status, new_status = 'sleeping', stage,
                       %(role)s, CASE WHEN stage IS NOT NULL THEN ltv_stage END,
                       CASE WHEN stage IS NOT NULL THEN at_risk ELSE 0 END, last_day,
                       %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                  FROM breaks
             RETURNING partner_id
            )
            UPDATE res_partner p
               SET loyalty_status = c.new_status,
                   loyalty_status_date = CASE WHEN c.new_status IS DISTINCT FROM c.old_status
                                              THEN %(today)s::date ELSE p.loyalty_status_date END,
                   loyalty_first_date = c.first_day,
                   loyalty_last_date = c.last_day,
                   loyalty_cohort_month = date_trunc('month', c.first_day)::date,
                   loyalty_retained_12m = c.retained
              FROM calc c
             WHERE p.id = c.id
               AND (p.loyalty_status, p.loyalty_first_date, p.loyalty_last_date, p.loyalty_retained_12m)
                   IS DISTINCT FROM (c.new_status, c.first_day, c.last_day, c.retained)
            """,
            events=self._dealer_events_sql(partner_ids),
            today=today,
            start=fields.Date.subtract(today, months=params["rfm_window_months"]),
            window=params["rfm_window_months"],
            sleeping=params["sleeping_days"],
            new_days=params["new_days"],
            loyal=params["loyal_min_events"],
            only=only,
            stage=stage,
            role=role,
            uid=self.env.uid,
        )

    @api.model
    def _dealer_update_loyalty_status(self, today=None, partner_ids=None):
        self._dealer_prepare_bulk_sql()
        self.env.cr.execute(self._dealer_loyalty_status_sql(today=today, partner_ids=partner_ids))
        self.invalidate_model([*LOYALTY_STATUS_FIELDS, "loyalty_history_ids"])
        self.env["dealer.loyalty.status.history"].invalidate_model()

    @api.model
    def _dealer_update_risk_score(self, params=None):
        """Risk score = sum of the signals' contributions; the level follows the configured thresholds."""
        params = params or self._dealer_loyalty_params()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH score AS (
                    SELECT p.id, COALESCE(s.total, 0) AS total
                      FROM res_partner p
                 LEFT JOIN (SELECT partner_id, sum(contribution) AS total
                              FROM dealer_risk_signal GROUP BY partner_id) s ON s.partner_id = p.id
                     WHERE s.partner_id IS NOT NULL OR p.risk_score <> 0 OR p.risk_level IS NOT NULL
                )
                UPDATE res_partner p
                   SET risk_score = score.total,
                       risk_level = CASE WHEN score.total >= %(high)s THEN 'high'
                                         WHEN score.total >= %(medium)s THEN 'medium'
                                         WHEN score.total > 0 THEN 'low' END
                  FROM score WHERE p.id = score.id
                   AND (p.risk_score, p.risk_level) IS DISTINCT FROM (score.total, CASE
                            WHEN score.total >= %(high)s THEN 'high' WHEN score.total >= %(medium)s THEN 'medium'
                            WHEN score.total > 0 THEN 'low' END)
                """,
                high=params["risk_high"],
                medium=params["risk_medium"],
            )
        )
        self.invalidate_model(["risk_score", "risk_level", "risk_signal_ids"])
        # when customers entered (or left) high risk, in one UPDATE
        self.env.cr.execute(
            SQL(
                """
            UPDATE res_partner
               SET risk_high_since = CASE WHEN risk_level = 'high' THEN %(now)s END
             WHERE COALESCE(risk_level = 'high', FALSE) <> (risk_high_since IS NOT NULL)
            """,
                now=fields.Datetime.now(),
            )
        )
        self.invalidate_model(["risk_high_since"])

    @api.model
    def _dealer_refresh_loyalty(self, today=None):
        """Everything the loyalty screens show, for all customers, in a handful of statements."""
        self._dealer_update_rfm(today=today)
        self._dealer_update_loyalty_status(today=today)
        self.env["dealer.risk.rule"]._compute_signals(today=today)

    @api.model
    def _cron_dealer_refresh_loyalty(self):
        self._dealer_refresh_loyalty()

    # ------------------------------------------------------------
    # Automation rules
    # ------------------------------------------------------------

    def _dealer_message_channel(self):
        """The channel of a message of an automation rule: the preferred one, e-mail by default."""
        self.ensure_one()
        channel = self.dealer_preferred_channel
        if channel == "phone":
            # a call needs what an SMS needs (see dealer.dispatch._has_consent)
            return "phone" if self._dealer_may_call() else None
        # the channel's consent, blacklist, quiet hours and cap are checked when the row is sent
        return channel if channel in CHANNEL_ADDRESS else "email"

    def _dealer_recompute_segments(self):
        """Recompute the RFM segment and loyalty status of these customers now.

        RFM scores are ranks over the whole customer base, so the scoring is the one set-based
        statement of the nightly run (every customer); the loyalty status is refreshed for the
        customers at hand only. Marketers only (an automation rule runs as the system).
        """
        if not (self.env.su or self.env.user.has_group("dealer_crm.group_marketer")):
            raise AccessError(self.env._("Only marketers may recompute the loyalty figures."))
        self.sudo()._dealer_update_rfm()
        if self:
            self.sudo()._dealer_update_loyalty_status(partner_ids=self.ids)
        return self

    @api.depends("telegram_optin_token", "telegram_optin_date", "telegram_chat_id", "company_id")
    def _compute_telegram_optin_url(self):
        now = fields.Datetime.now()
        for partner in self:
            # sudo: the showroom's bot and link lifetime, also of a parent company a branch's staff read the
            # customers of (Odoo's contact rule) but not the company itself
            company = (partner.company_id or self.env.company).sudo()
            token, expires = partner.sudo()._dealer_telegram_token_expiry(company)
            partner.telegram_optin_expires = expires
            valid = token and expires and expires > now and not partner.telegram_chat_id
            bot = company.dealer_telegram_bot_username
            partner.telegram_optin_url = f"https://t.me/{bot}?start={token}" if bot and valid else False

    def _dealer_telegram_token_expiry(self, company):
        self.ensure_one()
        if not (self.telegram_optin_token and self.telegram_optin_date):
            return self.telegram_optin_token, False
        days = company.dealer_telegram_link_days or TELEGRAM_LINK_DAYS
        return self.telegram_optin_token, self.telegram_optin_date + timedelta(days=days)

    # ------------------------------------------------------------
    # What the application writes; a chat is linked by its customer, never typed in
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, LOYALTY_CONTROLS)
        # Odoo applies the context's defaults after this: a default chat is a chat too
        for fname in TELEGRAM_CHAT_FIELDS:
            if any(vals.get(fname) for vals in vals_list) or self.env.context.get(f"default_{fname}"):
                self._dealer_check_telegram_chat_write(fname)
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], LOYALTY_CONTROLS)
        for fname in TELEGRAM_CHAT_FIELDS:
            chat = vals.get(fname)
            if chat and any(
                str(partner[fname].id if fname == "telegram_company_id" else partner[fname]) != str(chat)
                for partner in self
            ):
                self._dealer_check_telegram_chat_write(fname)
        return super().write(vals)

    def _dealer_check_telegram_chat_write(self, fname="telegram_chat_id"):
        """Refuse linking a card to a chat other than by the customer opening their link.

        Messages of the card go to its chat: whoever sets it to a chat of their own reads the
        customer's reminders and personal booking links. The bot's webhook (as superuser) links a
        chat; staff may only unlink one. An administrator may set one (an import from another
        system), and Odoo's merge of contacts keeps a merged card's (``may_write_system_fields``).
        The chat waiting to confirm the card's phone number is the bot's too: staff only clear it.
        """
        if may_write_system_fields(self.env):
            return
        raise AccessError(
            self.env._(
                "%(field)s is set only when the customer opens their Telegram link: send them a new link "
                "from the card.",
                field=self._fields[fname]._description_string(self.env),
            )
        )

    # ------------------------------------------------------------
    # Telegram: actions of the staff
    # ------------------------------------------------------------

    def action_dealer_telegram_new_link(self):
        """Issue a fresh opt-in link (the old one stops working)."""
        self._dealer_telegram_new_token()
        return True

    def action_dealer_telegram_unlink(self):
        """Stop Telegram messages to this card (e.g. the customer changed phones) and allow a new link."""
        self.write({"telegram_chat_id": False, "telegram_company_id": False, "consent_telegram": False})
        self._dealer_telegram_new_token()
        for partner in self:
            partner._message_log(body=Markup("<p>%s</p>") % self.env._("Telegram chat unlinked by staff."))
        return True

    def _dealer_telegram_new_token(self):
        # the opt-in link's token and date are the application's (a date typed ahead would keep a link valid
        # for good): drawn for a person who may change the card
        self.check_access("write")
        for partner in self.sudo():
            partner.write(
                {
                    "telegram_optin_token": _new_optin_token(),
                    "telegram_optin_date": fields.Datetime.now(),
                    "telegram_pending_chat_id": False,
                }
            )

    # ------------------------------------------------------------
    # Install and upgrade
    # ------------------------------------------------------------

    @api.model
    def _dealer_telegram_reissue_shared_tokens(self):
        """Give every contact whose token is missing or shared with another contact its own random token.

        A column default is computed once for the rows that exist when the column is added, so
        every contact present at install time had the same token. One statement for the whole
        base; ``gen_random_uuid()`` draws from PostgreSQL's cryptographic random source (13+).
        Returns the number of contacts given a new token.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner
                   SET telegram_optin_token = replace(gen_random_uuid()::text, '-', ''),
                       telegram_optin_date = now() AT TIME ZONE 'UTC'
                 WHERE telegram_optin_token IS NULL
                    OR telegram_optin_token IN (SELECT telegram_optin_token FROM res_partner
                                                 WHERE telegram_optin_token IS NOT NULL
                                                 GROUP BY telegram_optin_token HAVING count(*) > 1)
                """
            )
        )
        count = self.env.cr.rowcount
        self.env.invalidate_all()
        return count

    # ------------------------------------------------------------
    # The bot's webhook
    # ------------------------------------------------------------

    @api.model
    def _dealer_telegram_handle_update(self, company, update):
        """Handle one Telegram update of ``company``'s bot (superuser: called by the webhook).

        Returns ``(partners, reply)``: the contacts linked or unlinked, and the answer in the chat
        (None: say nothing), ``{"text": ..., "reply_markup": ...}`` of Telegram's ``sendMessage``.
        """
        # the update is Telegram's JSON: anything not of its shape (a list, a message that is no object, a
        # text that is no string) is not a message, rather than an error Telegram would send again and again
        message = update.get("message") if isinstance(update, dict) else None
        message = message if isinstance(message, dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        text, chat_id = text.strip(), chat.get("id")
        if not isinstance(chat_id, int | str) or isinstance(chat_id, bool) or not chat_id:
            return self.browse(), None
        # a card is linked in the private chat with its customer only (Telegram's deep links open one)
        private = chat.get("type", "private") == "private"
        lang = self._dealer_telegram_lang(message)
        if isinstance(message.get("contact"), dict):
            if not private:
                return self.browse(), None
            return self._dealer_telegram_confirm(company, str(chat_id), message, lang)
        if not text:
            return self.browse(), None
        command, _sep, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        if command == "/start" and argument.strip():
            if not private:
                env = self._dealer_telegram_reply(lang, company)
                return self.browse(), self._dealer_telegram_answer(
                    env._("Open the link in your private chat with the bot, not in a group.")
                )
            return self._dealer_telegram_start(company, str(chat_id), argument.strip(), lang)
        if command in STOP_WORDS:
            return self._dealer_telegram_stop(company, str(chat_id), lang)
        if command.startswith("/"):
            return self.browse(), None  # another command of the bot: not a message to the dealership
        return self._dealer_telegram_receive(company, str(chat_id), text, lang)

    @api.model
    def _dealer_telegram_lang(self, message):
        """The installed language matching the Telegram user's interface language, if any."""
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        code = sender.get("language_code") if isinstance(sender.get("language_code"), str) else ""
        code = code.replace("-", "_").lower()
        if not code:
            return None
        for lang, _name in self.env["res.lang"].get_installed():
            if lang.lower() == code or lang.lower().startswith(f"{code}_"):
                return lang
        return None

    @api.model
    def _dealer_telegram_answer(self, text, keyboard=None):
        """The bot's answer: ``text``, with a button asking for the user's own phone number or without buttons."""
        if keyboard:
            markup = {
                "keyboard": [[{"text": keyboard, "request_contact": True}]],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            }
        else:
            markup = {"remove_keyboard": True}
        return {"text": text, "reply_markup": markup}

    def _dealer_telegram_reply(self, lang, company):
        """An environment speaking the customer's language (their card's, else their Telegram's)."""
        lang = (self[:1].lang if self else None) or lang or company.partner_id.lang
        return self.with_context(lang=lang).env

    @api.model
    def _dealer_telegram_note_env(self, company):
        """Chatter notes are for the staff: in the company's language."""
        return self.with_context(lang=company.partner_id.lang).env

    @api.model
    def _dealer_telegram_start(self, company, chat_id, token, lang):
        """``/start <token>``: the card whose valid, unused link this is waits for its phone number from this chat.

        The link alone proves nothing: staff can read it on the card, a customer can forward it.
        The chat is linked once the Telegram user shares their own phone number and it is the
        card's (``_dealer_telegram_confirm``). Refused: an unknown, used or expired token, a card
        without a phone number, and a card already linked to another chat (staff unlink it first).
        """
        partner = self.search(
            [("telegram_optin_token", "=", token), ("company_id", "in", [company.id, False])], limit=1
        )
        if not partner:
            env = self._dealer_telegram_reply(lang, company)
            return self.browse(), self._dealer_telegram_answer(
                env._("This link is not valid. Ask the dealership for a new one.")
            )
        env = partner._dealer_telegram_reply(lang, company)
        refused = partner._dealer_telegram_refusal(company, chat_id, env)
        if refused:
            return self.browse(), self._dealer_telegram_answer(refused)
        if not partner._dealer_telegram_phones(company):
            return self.browse(), self._dealer_telegram_answer(
                env._(
                    "The dealership has no phone number of yours to confirm it is you. "
                    "Ask them to add it to your card and send you a new link."
                )
            )
        partner.write({"telegram_pending_chat_id": chat_id})
        return self.browse(), self._dealer_telegram_answer(
            env._(
                "To confirm it is you, tap «Share my phone number» below. "
                "It must be the number %(company)s has for you.",
                company=company.name,
            ),
            keyboard=env._("Share my phone number"),
        )

    def _dealer_telegram_refusal(self, company, chat_id, env):
        """Why this card's link may not link ``chat_id`` (expired, linked to another chat), or None."""
        self.ensure_one()
        expires = self._dealer_telegram_token_expiry(company)[1]
        if not expires or expires <= fields.Datetime.now():
            return env._("This link has expired. Ask the dealership for a new one.")
        if self.telegram_chat_id and self.telegram_chat_id != chat_id:
            return env._(
                "This card already receives messages in another Telegram chat. "
                "Ask the dealership to unlink it and send you a new link."
            )
        return None

    def _dealer_telegram_phones(self, company):
        """The card's phone number as Telegram gives a user's (``+`` and digits), however it was typed.

        Odoo's E.164 form of the card (read with the card's or the showroom's country when it was
        typed), the number typed read with the link's showroom's country, and the digits typed as
        an international number: a customer whose number is on the card is recognised.
        """
        self.ensure_one()
        typed = self.phone or ""
        country = self.country_id or company.country_id
        numbers = {
            self.phone_sanitized,
            typed and self._phone_format(number=typed, country=country, force_format="E164"),
            typed and "+" + "".join(char for char in typed if char.isdigit()),
        }
        return {number for number in numbers if number and len(number) > 7}

    @api.model
    def _dealer_telegram_confirm(self, company, chat_id, message, lang):
        """A shared contact in a chat that opened a card's link: link the chat if it is the card's phone number.

        Only the user's own number counts (Telegram's ``contact.user_id`` is the sender: the
        button shares it, a contact card from the address book carries someone else's id or
        none), in the private chat with them. A number that is not the card's links nothing and
        leaves a note on the card for the staff; the link stays usable by its customer. The note
        of a linked card names the number confirmed.
        """
        domain = [("company_id", "in", [company.id, False])]
        partners = self.search([("telegram_pending_chat_id", "=", chat_id), *domain])
        env = partners._dealer_telegram_reply(lang, company)
        if not partners:
            if self.search_count([("telegram_chat_id", "=", chat_id), *domain], limit=1):
                return partners, None  # a linked customer sent a contact card: not a message to link anything
            return partners, self._dealer_telegram_answer(
                env._("Open the Telegram link the dealership sent you first, then share your phone number.")
            )
        contact, sender = message["contact"], message.get("from")
        sender_id = sender.get("id") if isinstance(sender, dict) else None
        own = (
            type(sender_id) is int
            and type(contact.get("user_id")) is int
            and contact["user_id"] == sender_id
            and str(sender_id) == chat_id
        )
        if not own:
            return self.browse(), self._dealer_telegram_answer(
                env._("Share your own phone number with the button below, not another contact."),
                keyboard=env._("Share my phone number"),
            )
        number = contact.get("phone_number") if isinstance(contact.get("phone_number"), str) else ""
        number = "+" + "".join(char for char in number if char.isdigit())
        matched = partners.filtered(lambda partner: number in partner._dealer_telegram_phones(company))
        note_env = self._dealer_telegram_note_env(company)
        tried = note_env._(
            "Someone opened this card's Telegram link and shared another phone number (%(number)s): the chat was "
            "not linked. If the customer's number changed, correct it and send a new link.",
            number=number,
        )
        for partner in partners - matched:
            partner._message_log(body=Markup("<p>%s</p>") % tried)
        if not matched:
            partners.write({"telegram_pending_chat_id": False})
            return self.browse(), self._dealer_telegram_answer(
                env._(
                    "This is not the phone number %(company)s has for you, so this chat was not linked. "
                    "Ask the dealership to check your number.",
                    company=company.name,
                )
            )
        refusals = [partner._dealer_telegram_refusal(company, chat_id, env) for partner in matched]
        linked = matched.browse([partner.id for partner, refused in zip(matched, refusals, strict=True) if not refused])
        (partners - linked).write({"telegram_pending_chat_id": False})
        if not linked:
            return self.browse(), self._dealer_telegram_answer(refusals[0])
        linked.with_context(dealer_consent_source="telegram").write(
            {"telegram_chat_id": chat_id, "telegram_company_id": company.id, "consent_telegram": True}
        )
        linked._dealer_telegram_new_token()  # the link works once
        note = note_env._(
            "The customer opened their Telegram link, confirmed their phone number %(number)s and agreed to "
            "Telegram messages.",
            number=number,
        )
        for partner in linked:
            partner._message_log(body=Markup("<p>%s</p>") % note)
        return linked, self._dealer_telegram_answer(
            env._(
                "You will now receive reminders from %(company)s here. Send /stop to unsubscribe.",
                company=company.name,
            )
        )

    @api.model
    def _dealer_telegram_chat_domain(self, company, chat_id):
        """The cards linked to ``chat_id`` that ``company``'s bot answers for: those linked through this bot (the
        bot that writes to them, whatever showroom the card has since), and, for chats linked before the bot was
        recorded, its showroom's and the shared cards. A private chat's id is the same for every bot: a customer
        linked through another showroom's bot is not this one's to stop nor to write into."""
        return [
            ("telegram_chat_id", "=", chat_id),
            "|",
            ("telegram_company_id", "=", company.id),
            "&",
            ("telegram_company_id", "=", False),
            ("company_id", "in", [company.id, False]),
        ]

    @api.model
    def _dealer_telegram_stop(self, company, chat_id, lang):
        """``/stop``: the customer withdraws Telegram consent; every card linked to this chat is unlinked."""
        partners = self.search(self._dealer_telegram_chat_domain(company, chat_id))
        env = partners._dealer_telegram_reply(lang, company)
        if not partners:
            return partners, self._dealer_telegram_answer(
                env._("You are not subscribed to messages from %(company)s.", company=company.name)
            )
        partners.with_context(dealer_consent_source="telegram").write(
            {"telegram_chat_id": False, "telegram_company_id": False, "consent_telegram": False}
        )
        note = self._dealer_telegram_note_env(company)._(
            "The customer sent /stop in Telegram: Telegram consent withdrawn."
        )
        for partner in partners:
            partner._message_log(body=Markup("<p>%s</p>") % note)
        return partners, self._dealer_telegram_answer(
            env._(
                "You will no longer receive messages from %(company)s here. To subscribe again, ask the dealership "
                "for a new link.",
                company=company.name,
            )
        )

    @api.model
    def _dealer_telegram_receive(self, company, chat_id, text, lang):
        """A customer's text in a linked chat: into the chatter of their card and of their open deal or booking.

        The message is the customer's (author: their card), a comment shown as received in
        Telegram, stored as plain text (escaped, cut at Telegram's 4096 characters); the deal's
        salesperson, else the customer's responsible person, is notified in Odoo. A chat linked to
        no card gets the way to link it, and nothing is written.
        """
        partners = self.search(self._dealer_telegram_chat_domain(company, chat_id))
        if not partners:
            env = self._dealer_telegram_reply(lang, company)
            return partners, self._dealer_telegram_answer(
                env._(
                    "This chat is not linked to a customer of %(company)s. Open the Telegram link the dealership "
                    "sent you, then write again.",
                    company=company.name,
                )
            )
        partners.write({"telegram_last_message_date": fields.Datetime.now()})
        leads = partners._dealer_open_leads(company)
        label = self._dealer_telegram_note_env(company)._("Received in Telegram")
        body = Markup("<p><em>%s</em></p>%s") % (label, plaintext2html(text[:TELEGRAM_TEXT_LIMIT]))
        for partner in partners:
            partner._dealer_telegram_post_received(body, leads.get(partner.id))
        return partners, None

    def _dealer_open_leads(self, company):
        """``{partner id: crm.lead}``: each customer's most recent open deal or service booking (one search)."""
        leads = self.env["crm.lead"].search(
            [
                ("partner_id", "in", self.ids),
                ("won_status", "=", "pending"),
                ("company_id", "in", [company.id, False]),
            ],
            order="create_date desc, id desc",
        )
        open_leads = {}
        for lead in leads:
            open_leads.setdefault(lead.partner_id.id, lead)
        return open_leads

    def _dealer_telegram_post_received(self, body, lead):
        """Post the customer's message on their card and open ``lead``; notify whoever answers it."""
        self.ensure_one()
        responsible = lead.user_id if lead else self._dealer_role_users("responsible").get(self.id)
        notify = responsible.partner_id.ids if responsible else []
        values = {"body": body, "author_id": self.id, "message_type": "comment", "subtype_xmlid": "mail.mt_comment"}
        self.message_post(**values, partner_ids=[] if lead else notify)
        if lead:
            lead.message_post(**values, partner_ids=notify)
