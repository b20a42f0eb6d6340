"""Dispatch log: one row per message (or activity) a campaign step owes one customer.

Exactly-once design (why the send loop looks the way it does):

* Planning inserts rows with ON CONFLICT DO NOTHING on a unique index over
  (step, partner, vehicle, occurrence): a row can exist only once.
* E-mail, SMS and activities are *handed to Odoo's own outbox* (``mail.mail`` with its
  message and notification, as ``message_notify`` makes them; ``sms.sms`` with its chatter
  message and notification, as ``_message_sms(put_in_queue=True)`` makes them; each for a
  whole batch at once) in the same transaction that marks the row ``sent``.  No provider is
  called before commit, so a crash rolls back both the row and the queued message: the rerun
  sends it once.
  Odoo's mail/SMS queue crons then talk to the providers; their outcome comes back
  through ``mail.notification`` in ``_cron_sync_delivery``.
* Telegram is called by us over HTTP and cannot be rolled back, so each Telegram row is
  first marked ``sending`` and committed, then sent, then marked sent and committed
  (at-most-once).  A row left in ``sending`` by a crash is never resent; after
  SENDING_TIMEOUT it is marked failed "interrupted" so a person can check.
"""

import logging
import re
import uuid
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup, escape

from odoo import Command, api, fields, models, tools
from odoo.addons.base.models.res_partner import _lang_get
from odoo.addons.dealer_crm.models.dealer_call import CALL_OUTCOMES
from odoo.addons.dealer_crm.models.mail_thread import AUTOMATED_POST_KEYS
from odoo.addons.dealer_crm.tools.settings import int_param
from odoo.addons.dealer_crm.tools.tokens import same_token
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, clean_context
from odoo.tools.mail import html2plaintext

from .dealer_campaign_step import DEFAULT_QUIET_END, DEFAULT_QUIET_START, DISPATCH_CHANNELS
from .dealer_telegram import DealerTelegramError, scrub_bot_token
from .mail_mail import DISPATCH_KEY, DispatchMail
from .res_config_settings import INT_SETTINGS, param_name
from .res_partner import TELEGRAM_TEXT_LIMIT

DISPATCH_STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
    ("skipped", "Skipped"),
    ("cancelled", "Cancelled"),
]
SKIP_REASONS = [
    ("consent", "No consent"),
    ("no_address", "No address"),
    ("cap", "Frequency cap"),
    ("booked", "Booked a visit"),
    ("renewed", "Policy renewed"),
    ("opt_out", "Opted out"),
    ("stopped", "Campaign stopped"),
    ("blocked", "Loyalty blocked"),
    ("superseded", "Replaced by a later message"),
    ("not_owner", "No longer the car's owner"),
    ("passed", "Its date has passed"),
]
MAX_ATTEMPTS = 5
SENDING_TIMEOUT = timedelta(minutes=15)
# mail.notification failure types a later attempt may overcome: for e-mail, the SMTP server's trouble; for SMS,
# only a refusal of the provider's account (no credit, no account), which sends nothing. Not "sms_server": Odoo's
# SMS queue reports any exception of the provider's call so, a read timeout after the provider took the batch
# included, so the customer may have the text already (the Telegram path does not retry such a case either); not
# "unknown" for SMS: statuses Odoo does not know, some reported after the provider took the text.
TRANSIENT_FAILURES = ("mail_smtp", "unknown")
SMS_TRANSIENT_FAILURES = ("sms_credit", "sms_acc")
COUNTED_STATES = ("sending", "sent", "delivered")
# context key naming what the rows of one batch share while they are sent (see _process)
SEND_MEMO = "dealer_send_memo"

_logger = logging.getLogger(__name__)


# the precommit memo of the customers Odoo's composers left out in this transaction (_tell_composer_sender)
COMPOSER_REFUSED = "dealer.dispatch.composer_refused"


class DealerDispatch(models.Model):
    _name = "dealer.dispatch"
    _description = "Campaign dispatch"
    _order = "scheduled_at desc, id desc"

    # ------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------

    campaign_id = fields.Many2one("dealer.campaign", ondelete="cascade", index=True, readonly=True)
    step_id = fields.Many2one("dealer.campaign.step", ondelete="cascade", index=True, readonly=True)
    # a message of an automation rule ("message to the customer") has no campaign: its own text and origin
    action_id = fields.Many2one(
        "ir.actions.server",
        string="Automation action",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="The automation rule's action that queued this message (no campaign).",
    )
    res_model = fields.Char(string="About model", readonly=True)
    res_id = fields.Many2oneReference(string="About record", model_field="res_model", readonly=True)
    subject = fields.Char(readonly=True)
    body = fields.Text(string="Message", readonly=True, help="The text of a message queued by an automation rule.")
    enrolment_id = fields.Many2one("dealer.campaign.enrolment", ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True, readonly=True
    )
    vehicle_id = fields.Many2one("dealer.vehicle", ondelete="cascade", index="btree_not_null", readonly=True)
    occurrence_date = fields.Date(
        string="Trigger date",
        required=True,
        readonly=True,
        help="Occurrence key: the trigger date this message belongs to.",
    )
    channel = fields.Selection(DISPATCH_CHANNELS, required=True, index=True, readonly=True)
    scheduled_at = fields.Datetime(
        required=True, index=True, readonly=True, help="Not before this time; quiet hours and retries move it later."
    )
    state = fields.Selection(DISPATCH_STATES, default="queued", required=True, index=True, readonly=True)
    skip_reason = fields.Selection(SKIP_REASONS, string="Reason", readonly=True)
    attempts = fields.Integer(readonly=True)
    failure_type = fields.Selection(
        selection="_failure_type_selection",
        string="Failure",
        readonly=True,
        help="Why the message failed or is retried, in the reader's language; Last Error keeps what the provider "
        "or the check said, as they said it.",
    )
    last_error = fields.Char(readonly=True)
    next_retry_at = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(index="btree_not_null", readonly=True)
    sending_since = fields.Datetime(readonly=True, help="When the Telegram call of this row started.")
    provider_message_id = fields.Char(string="Provider message id", readonly=True)
    mail_message_id = fields.Many2one("mail.message", index="btree_not_null", ondelete="set null", readonly=True)
    email_to = fields.Char(
        string="Sent to",
        readonly=True,
        help="The e-mail address the message was handed over for: its unsubscribe link stops this address, "
        "whatever the customer's address is by the time they click.",
    )
    lang = fields.Selection(
        _lang_get,
        string="Language",
        readonly=True,
        help="The language the message was written in: an e-mail's unsubscribe link, added when it leaves, speaks "
        "it too.",
    )
    # indexed: Odoo deletes an SMS once sent and a task once done, and each deletion looks up the rows naming it
    # (without an index, one scan of the whole message log per SMS sent or task done)
    sms_id = fields.Many2one("sms.sms", string="SMS", ondelete="set null", readonly=True, index="btree_not_null")
    activity_id = fields.Many2one("mail.activity", ondelete="set null", readonly=True, index="btree_not_null")
    opened_at = fields.Datetime(
        string="Opened", readonly=True, help="When the customer's mail program first showed the e-mail's images."
    )
    clicked_at = fields.Datetime(string="Clicked", readonly=True, help="The customer's first click on a link.")
    click_count = fields.Integer(string="Clicks", readonly=True)
    # a person's reply from the chatter of the customer or their deal, taken to the customer's Telegram
    conversation = fields.Boolean(
        string="Conversation reply",
        readonly=True,
        help="A message a person sent from the chatter to the customer's Telegram: no frequency cap, "
        "held during quiet hours.",
    )
    # a service message the customer needs whatever else they got (a booking's confirmation, a code, the
    # workshop's notices): consent (and quiet hours for what is queued) still apply, the frequency cap does not
    transactional = fields.Boolean(
        string="Service message",
        readonly=True,
        help="A message about the customer's own booking or repair (confirmation, code, car received or ready): "
        "it neither counts toward nor is stopped by the frequency cap.",
    )
    reply_message_id = fields.Many2one(
        "mail.message", string="Chatter message", index="btree_not_null", ondelete="set null", readonly=True
    )
    # a call task's outcome: the latest call that closed (or moved) it, written by the call outcome wizard
    call_id = fields.Many2one("dealer.call", string="Call", index="btree_not_null", ondelete="set null", readonly=True)
    call_outcome = fields.Selection(CALL_OUTCOMES, string="Call outcome", readonly=True)
    call_task_open = fields.Boolean(compute="_compute_call_task_open", string="Call task open")

    _once_per_occurrence = models.UniqueIndex(
        "(step_id, partner_id, COALESCE(vehicle_id, 0), occurrence_date)",
        "This message was already planned for this customer, vehicle and trigger date.",
    )
    _once_per_rule_message = models.UniqueIndex(
        "(COALESCE(action_id, 0), partner_id, res_model, res_id, occurrence_date, md5(body))"
        " WHERE step_id IS NULL AND conversation IS NOT TRUE AND transactional IS NOT TRUE",
        "This automation message was already queued for this customer and record today.",
    )
    _due_idx = models.Index("(scheduled_at, id) WHERE state = 'queued'")
    _cap_idx = models.Index("(partner_id, sent_at) WHERE state IN ('sending', 'sent', 'delivered')")

    @api.depends("campaign_id", "step_id", "action_id", "partner_id")
    def _compute_display_name(self):
        for row in self:
            origin = row.action_id.name or row.subject
            if row.step_id:
                origin = f"{row.campaign_id.name} / {row.step_id.name}"
            row.display_name = f"{origin or ''} / {row.partner_id.display_name}"

    # The fields a user (a marketer: no one else may write the log) changes from the screens: a queued
    # message cancelled (a campaign stopped). Everything else is written by the sending itself (sudo):
    # whoever could change a row's customer, record or text could have the send-time personal links
    # (status, survey, booking) of another customer's record mailed to a contact of their own.
    USER_WRITABLE = ("state", "skip_reason")

    def write(self, vals):
        if not self.env.su:
            # Rights and showroom rules first: a row the user cannot reach is refused as such.
            self.check_access("write")
            for fname in vals:
                if fname not in self.USER_WRITABLE:
                    raise UserError(
                        self.env._(
                            "The message log is written by the sending only: %(field)s cannot be changed.",
                            field=self._fields[fname]._description_string(self.env) if fname in self._fields else fname,
                        )
                    )
            if vals.get("state", "cancelled") != "cancelled":
                raise UserError(
                    self.env._(
                        "%(field)s: a message in the log can only be cancelled, not set to another status.",
                        field=self._fields["state"]._description_string(self.env),
                    )
                )
            # what was sent stays sent: cancelling it afterwards would take it out of the campaign's figures, hand
            # its visits to another message and free the customer's message cap; the reason goes with the cancel
            if vals.get("state") != "cancelled" or any(row.state not in ("queued", "cancelled") for row in self):
                raise UserError(
                    self.env._(
                        "%(field)s: only a message still waiting to be sent can be cancelled.",
                        field=self._fields["state"]._description_string(self.env),
                    )
                )
        return super().write(vals)

    # ------------------------------------------------------------
    # Consent and addresses (SQL for planning, Python for the last check)
    # ------------------------------------------------------------

    @api.model
    def _consent_field(self, channel):
        fname = f"consent_{channel}"
        field = self.env["res.partner"]._fields.get(fname)
        return fname if field and field.store else None

    @api.model
    def _consent_sql(self, channel):
        """Consent of partner ``p`` for ``channel``: the customer's consent and Odoo's blacklists.

        An address in ``mail.blacklist`` (e-mail) or ``phone.blacklist`` (SMS) gets nothing,
        whatever the consent field says: the blacklist is where Odoo records an unsubscribe or
        a "stop" and where staff block an address. Without dealer_crm's consent_* fields the
        blacklists alone decide, and Telegram counts as consented once the customer opened the bot.
        """
        fname = self._consent_field(channel)
        consent = SQL("COALESCE(%s, FALSE)", SQL.identifier("p", fname)) if fname else SQL("TRUE")
        if channel in ("email", "sms"):
            return SQL("(%s AND %s)", consent, self._blacklist_sql(channel))
        return consent if fname else SQL("p.telegram_chat_id IS NOT NULL")

    @api.model
    def _blacklist_sql(self, channel):
        """Partner ``p``'s address (e-mail or SMS) is not in Odoo's blacklist of the channel."""
        if channel == "email":
            return SQL("NOT EXISTS (SELECT 1 FROM mail_blacklist b WHERE b.active AND b.email = p.email_normalized)")
        return SQL("NOT EXISTS (SELECT 1 FROM phone_blacklist b WHERE b.active AND b.number = p.phone_sanitized)")

    @api.model
    def _needs_consent(self, model):
        """Whether Odoo's own e-mail and SMS composers check consent for messages about records of ``model``.

        The customer card, deals and leads, and the dealership's records (cars, visits,
        bookings …): their recipients are the dealership's customers. Other models keep Odoo's
        behaviour (their blacklists only).
        """
        return model in ("res.partner", "crm.lead") or bool(model and model.startswith("dealer."))

    @api.model
    def _consent_record_ids(self, model, res_ids):
        """Of the records ``res_ids`` of ``model``, those whose automated e-mails keep to the customers' consent
        (Odoo's *Send email* action): the dealership's records, its deals, and the cards of its customers (of a
        showroom, or with a car, a visit or a dealership deal, theirs or their company's). The rest of Odoo
        (another team's leads, a supplier's or a colleague's card) keeps Odoo's behaviour.
        """
        if not self._needs_consent(model) or not res_ids:
            return set()
        records = self.env[model].sudo().browse(res_ids).exists()
        if model == "crm.lead":
            return set(records._dealer_deals().ids)
        if model != "res.partner":
            return set(records.ids)
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id FROM res_partner p
                    WHERE p.id = ANY(%s)
                      AND (p.company_id IS NOT NULL
                           OR EXISTS (SELECT 1 FROM dealer_vehicle v
                                       WHERE v.partner_id IN (p.id, p.commercial_partner_id))
                           OR EXISTS (SELECT 1 FROM dealer_visit s
                                       WHERE s.partner_id IN (p.id, p.commercial_partner_id))
                           OR EXISTS (SELECT 1 FROM crm_lead l LEFT JOIN crm_team t ON t.id = l.team_id
                                       WHERE l.partner_id IN (p.id, p.commercial_partner_id)
                                         AND (t.dealer_is_dealership OR l.vehicle_id IS NOT NULL)))""",
                records.ids,
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _consented(self, channel, partner_ids=(), addresses=(), records=None):
        """Who of ``partner_ids`` and which of ``addresses`` may get a message on ``channel`` (e-mail, SMS).

        A contact with the channel's consent whose address is not blacklisted (``_consent_sql``,
        the same check as campaign messages), or someone who is no customer (consent concerns
        customers): a contact of an employee or of a showroom, or a vendor (with Odoo's invoicing:
        a contact the dealership buys from, never invoiced, with no car, visit or deal of theirs),
        whom Odoo's blacklists alone keep from messages. An address (a normalized e-mail, a sanitized
        number) without a contact of its own may get it when a contact with that address may, of
        the showrooms of the ``records`` messaged (a record of no showroom: the sender's showrooms,
        ``env.companies``; without records the sender's, or every showroom for Odoo's superuser) or of
        none: the consent given on another showroom's card is for that showroom's messages.

        :returns: ``(set of partner ids, set of addresses)``
        """
        field = {"email": "email_normalized", "sms": "phone_sanitized"}[channel]
        self.env.flush_all()
        no_customer = SQL("p.partner_share IS FALSE")
        partner_fields = self.env["res.partner"]._fields
        if all(fname in partner_fields and partner_fields[fname].store for fname in ("supplier_rank", "customer_rank")):
            # a supplier the dealership never sold to nor served: no car, visit or deal of theirs
            vendor = SQL(
                """COALESCE(p.supplier_rank, 0) > 0 AND COALESCE(p.customer_rank, 0) = 0
                   AND NOT EXISTS (SELECT 1 FROM dealer_vehicle v WHERE v.partner_id = p.id)
                   AND NOT EXISTS (SELECT 1 FROM dealer_visit s WHERE s.partner_id = p.id)
                   AND NOT EXISTS (SELECT 1 FROM crm_lead l WHERE l.partner_id = p.id)"""
            )
            no_customer = SQL("(%s OR (%s AND %s))", no_customer, vendor, self._blacklist_sql(channel))
        allowed = SQL("(%s OR %s)", no_customer, self._consent_sql(channel))
        ids, found = set(), set()
        if partner_ids:
            rows = self.env.execute_query(
                SQL("SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) AND %s", list(set(partner_ids)), allowed)
            )
            ids = {row[0] for row in rows}
        if addresses:
            showroom = SQL("TRUE")
            companies = None
            if records is not None and "company_id" in records._fields:
                companies = records.sudo().company_id
                if not all(record.company_id for record in records.sudo()):
                    companies |= self.env.companies
            elif not self.env.user._is_superuser():
                companies = self.env.companies
            if companies is not None:
                showroom = SQL("(p.company_id IS NULL OR p.company_id = ANY(%s))", companies.ids)
            rows = self.env.execute_query(
                SQL(
                    """SELECT DISTINCT %s FROM res_partner p
                        WHERE p.active AND %s = ANY(%s) AND %s AND %s""",
                    SQL.identifier("p", field),
                    SQL.identifier("p", field),
                    list(set(addresses)),
                    showroom,
                    allowed,
                )
            )
            found = {row[0] for row in rows}
        return ids, found

    @api.model
    def _tell_composer_sender(self, channel, refused):
        """The person who sent an e-mail or SMS to many from Odoo's composer learns whom it did not reach.

        Once per transaction and channel, however many batches the composer sends in; nobody is
        told when an automation rule or a scheduled action sent it (the log of the mails says it).
        """
        if not refused or any(key in self.env.context for key in AUTOMATED_POST_KEYS):
            return
        data = self.env.cr.precommit.data
        if COMPOSER_REFUSED not in data:
            data[COMPOSER_REFUSED] = {}
            user = self.env.user

            @self.env.cr.precommit.add
            def tell():
                for refused_channel, names in data.pop(COMPOSER_REFUSED, {}).items():
                    user._bus_send(
                        "simple_notification",
                        {"type": "warning", "sticky": True, "message": self._composer_refusal(refused_channel, names)},
                    )

        data[COMPOSER_REFUSED].setdefault(channel, []).extend(refused)

    @api.model
    def _composer_refusal(self, channel, refused):
        names = ", ".join(refused[:5]) + (", …" if len(refused) > 5 else "")
        if channel == "email":
            return self.env._(
                "%(count)s recipients get no e-mail: no e-mail consent on their card, or the address is "
                "blacklisted (%(names)s).",
                count=len(refused),
                names=names,
            )
        return self.env._(
            "%(count)s recipients get no SMS: no SMS consent on their card, or the number is blacklisted (%(names)s).",
            count=len(refused),
            names=names,
        )

    @api.model
    def _address_sql(self, channel):
        return {
            "email": SQL("COALESCE(p.email, '') != ''"),
            "sms": SQL("COALESCE(p.phone, '') != ''"),
            "telegram": SQL("p.telegram_chat_id IS NOT NULL"),
        }.get(channel, SQL("TRUE"))

    def _has_consent(self):
        """Last check right before sending: consent can be withdrawn (or the address blacklisted) after planning.

        A call task of a campaign (an activity step of the type "phone call") contacts the
        customer on their phone number, so it needs the same consent as an SMS.
        """
        self.ensure_one()
        partner = self.partner_id
        channel = "sms" if self.channel == "activity" else self.channel
        fname = self._consent_field(channel)
        if fname and not partner[fname]:
            return False
        if channel == "email":
            return not partner.is_blacklisted
        if channel == "sms":
            return partner.id not in self._phone_blocked_ids(partner)
        return bool(fname or partner.telegram_chat_id)

    def _phone_blocked_ids(self, partner):
        """The customers of the batch being sent whose number is on Odoo's phone blacklist, looked up
        once for the batch (``_send_memo``); outside a batch, ``partner`` alone."""
        memo = self._send_memo()
        checked, blocked = memo.get("phone blocked", (set(), set()))
        if partner.id not in checked:
            partners = (memo.get("rows") or self).partner_id | partner
            checked, blocked = set(partners.ids), partners._dealer_phone_blocked_ids()
            memo["phone blocked"] = (checked, blocked)
        return blocked

    def _has_address(self):
        self.ensure_one()
        partner = self.partner_id
        return bool(
            {"email": partner.email, "sms": partner.phone, "telegram": partner.telegram_chat_id}.get(self.channel, True)
        )

    # ------------------------------------------------------------
    # Quiet hours and frequency cap
    # ------------------------------------------------------------

    def _timezone(self):
        tz_name = self.partner_id.tz or (self.company_id or self.env.company)._dealer_tz()
        try:
            return pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    def _date_passed(self, now):
        """A campaign's message written for before or on its trigger date (a week before the policy ends, the
        day the booking window closes) that could not leave by then — held by the workshop's pacing, by quiet
        hours, by retries — would tell of a date gone by: it is not sent after that day (the customer's)."""
        self.ensure_one()
        if not self.step_id or self.transactional or self.step_id.offset_days > 0:
            return False
        return pytz.utc.localize(now).astimezone(self._timezone()).date() > self.occurrence_date

    def _quiet_until(self, now):
        """The next allowed UTC time when ``now`` falls in the step's quiet hours, else None."""
        self.ensure_one()
        step = self.step_id
        start, end = (step.quiet_start, step.quiet_end) if step else (DEFAULT_QUIET_START, DEFAULT_QUIET_END)
        if start == end:
            return None
        tz = self._timezone()
        local = pytz.utc.localize(now).astimezone(tz)
        hour = local.hour + local.minute / 60.0
        quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
        if not quiet:
            return None
        end_time = time(int(end) % 24, int(round((end % 1) * 60)) % 60)
        resume = tz.localize(datetime.combine(local.date(), end_time))
        if resume <= local:  # the quiet hours end tomorrow (e.g. 22:30 → 09:00 next day)
            resume = tz.localize(datetime.combine(local.date() + timedelta(days=1), end_time))
        return resume.astimezone(pytz.utc).replace(tzinfo=None)

    def _cap_usage(self, now):
        """Messages each partner of these rows got within their company's cap period, across all campaigns."""
        usage = {}
        for company, rows in self.grouped("company_id").items():
            days = (company or self.env.company).dealer_msg_cap_days or 0
            groups = self.sudo()._read_group(
                [
                    ("partner_id", "in", rows.partner_id.ids),
                    ("state", "in", COUNTED_STATES),
                    ("channel", "!=", "activity"),
                    ("conversation", "=", False),
                    ("transactional", "=", False),
                    ("sent_at", ">=", now - timedelta(days=days)),
                ],
                ["partner_id"],
                ["__count"],
            )
            usage.update({partner.id: count for partner, count in groups})
        return usage

    def _over_cap(self, usage):
        cap = (self.company_id or self.env.company).dealer_msg_cap_count
        return bool(cap) and usage.get(self.partner_id.id, 0) >= cap

    def _precheck(self, usage, now):
        """Why this row must not go out now: ('skipped', reason), ('defer', when) or None."""
        self.ensure_one()
        # a stopped campaign sends nothing more, also a message queued again after a failed attempt
        if self.campaign_id and not self.transactional and self.campaign_id.state != "running":
            return ("skipped", "stopped")
        # a customer whose loyalty is blocked gets no reminders of campaigns (blocked after the planning too)
        if self.campaign_id and not self.transactional and self.partner_id.loyalty_blocked:
            return ("skipped", "blocked")
        # a reminder about a car goes to whoever owns it now: a car sold, traded in or whose owner was corrected
        # since it was enrolled would tell the former owner of the new owner's dates (and their booking link)
        car = self.vehicle_id
        if (
            car
            and self.campaign_id
            and not self.transactional
            and (not car.active or car.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id)
        ):
            return ("skipped", "not_owner")
        if self.channel == "activity":
            if not self.step_id._is_call():
                return None
            if not self._has_consent():
                return ("skipped", "consent")
            return None if self.partner_id.phone else ("skipped", "no_address")
        if self._date_passed(now):
            return ("skipped", "passed")
        if not self._has_consent():
            return ("skipped", "consent")
        if not self._has_address():
            return ("skipped", "no_address")
        resume = self._quiet_until(now)
        if resume:
            return ("defer", resume)
        # a reply in a conversation and a service message are never capped
        if not self.conversation and not self.transactional and self._over_cap(usage):
            return ("skipped", "cap")
        return None

    # ------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------

    def _record(self):
        """The record the message is rendered on and logged in the chatter of: the vehicle, else the customer."""
        return self.vehicle_id or self.partner_id

    def _lang(self, template=None):
        """The language this row's customer is written to in (an installed language code).

        The template's own ``lang`` expression first (as Odoo's composer uses it), then the
        customer's language, the language of the row's company (its partner) and the language
        new contacts get in this database. The sending cron's own language never decides: it
        would send a Russian-speaking customer the English text.
        """
        self.ensure_one()
        installed = dict(self.env["res.lang"].get_installed())

        def candidates():  # each one only when the ones before it gave no installed language
            if template and template.lang:
                record = self._record().sudo()
                yield template.sudo()._render_lang(record.ids)[record.id]
            yield self.partner_id.lang
            yield (self.company_id or self.env.company).partner_id.lang
            yield self.env["ir.default"]._get("res.partner", "lang")

        return next((lang for lang in candidates() if lang in installed), self.env.lang or "en_US")

    def _sending_context(self):
        """What this row's message is rendered with, in the context (an addon adds a personal link)."""
        return {}

    def _send_one(self):
        """Hand one row to its channel; returns the values that mark it sent (same transaction).

        Messages are rendered in the customer's language (``_lang``); a staff activity
        created from the customer's record is written in its assignee's language. They go out as
        the row's showroom (the e-mail's company, sender domain and footer), not as the company the
        sending cron's user works in: a customer shared by the showrooms has no company of their own.
        """
        self.ensure_one()
        return self._as_sent()._send_in_context()

    def _as_sent(self):
        """This row in the environment its message is written in: its showroom, its ``_sending_context``."""
        self.ensure_one()
        row = self.with_company(self.company_id) if self.company_id else self
        return row.with_context(**row._sending_context())

    def _send_in_context(self):
        """``_send_one`` with the row's ``_sending_context``."""
        if self.channel == "sms":
            return self._hand_over_sms_batch([self._sms_entry()])[self.id]
        if not self.step_id:
            return self._send_text()
        step = self.step_id.sudo()
        if self.channel == "activity":
            return self._schedule_activity(self._record().sudo(), step)
        if self.channel == "email":
            record, lang, values = self._email_entry()[1:]
            # a message to the customer, not an internal note: the e-mail's preview line would
            # otherwise start with "Internal communication:" in the customer's inbox; its e-mail
            # names this row (tracking, unsubscribe link and headers when it leaves)
            with self._dispatch_mark().naming(self.id) as mark:
                message = record.with_context(**{DISPATCH_KEY: mark}).message_notify(
                    partner_ids=self.partner_id.ids, force_send=False, subtype_xmlid="mail.mt_comment", **values
                )
            return self._email_sent_values(message, lang)
        record = self._record().sudo()
        lang = self._lang()
        record = record.with_context(lang=lang)
        # telegram (the dispatch channels are e-mail, SMS, Telegram and activity)
        text = self._outgoing_text(step._render_telegram_text(record), lang)
        message_id = self._telegram_send_text(text)
        return {"state": "delivered", "provider_message_id": message_id}

    def _email_entry(self):
        """This campaign row's e-mail: ``(row, record, language, message values)``, the values being the
        subject, body, author, sender and reply-to that ``message_notify`` takes.

        The step's template rendered on the car or customer in the customer's language; its links
        made Odoo's tracked short links (``link_tracker``, whose links only administrators create:
        sudo), except the customer's own signed ones (``_unshortened_links``). The outgoing copy of
        each e-mail names this row in them and in an open pixel (``mail.mail._prepare_outgoing_body``).
        Called with the row's ``_sending_context``.
        """
        self.ensure_one()
        step = self.step_id.sudo()
        record = self._record().sudo()
        template = self._checked_template(step.mail_template_id, record)
        lang = self._lang(template)
        record, template = record.with_context(lang=lang), template.with_context(lang=lang)
        subject = template._render_field("subject", record.ids)[record.id]
        body = self._outgoing_text(template._render_field("body_html", record.ids)[record.id], lang, html=True)
        body = (
            self.env["mail.render.mixin"]
            .sudo()
            ._shorten_links(
                body, {"title": f"{self.campaign_id.name}: {step.name}"}, blacklist=self._unshortened_links()
            )
        )
        email_from = template.email_from and template._render_field("email_from", record.ids)[record.id]
        values = {"subject": subject, "body": body, **self._notify_values(record, email_from or None)}
        return (self, record, lang, values)

    def _email_sent_values(self, message, lang):
        """The values marking this e-mail row handed over with ``message``."""
        return {
            "state": "sent",
            "mail_message_id": message.id,
            "email_to": self.partner_id.email_normalized,
            "lang": lang,
        }

    def _telegram_send_text(self, text):
        """Send ``text`` to the customer's chat with the bot they started (Telegram lets no other bot write to
        them first): a customer of every showroom linked through one showroom's bot hears from the others
        through it too. Chats linked before the bot was recorded, or whose bot was since removed: the row's
        showroom's bot."""
        partner = self.partner_id
        company = self.company_id or self.env.company
        linked = partner.sudo().telegram_company_id
        if linked and linked.dealer_telegram_bot_token:
            company = linked
        return self.env["dealer.telegram"]._send_message(company, partner.telegram_chat_id, text)

    def _sms_entry(self):
        """This row's SMS: ``(row, record, chatter text, SMS text or None for the chatter text)``.

        A campaign step's template rendered on the car or customer in the customer's language, whose
        chatter copy is ``_stored_copy``; an automation rule's stored text, whose SMS leaves with what
        ``_text_to_send`` adds to it.
        Called with the row's ``_sending_context``.
        """
        self.ensure_one()
        if not self.step_id:
            return (self, self._text_record(), self.body, self._text_to_send())
        record = self._record().sudo()
        template = self._checked_template(self.step_id.sudo().sms_template_id, record)
        lang = self._lang(template)
        text = self._outgoing_text(template.with_context(lang=lang)._render_field("body", record.ids)[record.id], lang)
        stored = self._stored_copy(text)
        return (self, record, stored, None if stored == text else html2plaintext(escape(text)))

    def _stored_copy(self, text):
        """The chatter copy of an outgoing text, which every user who reads the car or customer reads: an
        addon puts a mark where the text holds what is the customer's alone (a personal link)."""
        return text

    @api.model
    def _hand_over_sms_batch(self, entries):
        """Queue the SMS of ``entries`` (row, record, chatter text, SMS text or None for the chatter text) in
        Odoo's SMS queue at once.

        What Odoo's ``_message_sms(put_in_queue=True)`` makes for one SMS, made for all of them in one
        go: a chatter message of type SMS on each record, addressed to the row's customer (the text
        escaped: it carries no markup), an ``sms.sms`` to the customer's number and the message's SMS
        notification with its delivery tracker, whose outcome ``_cron_sync_delivery`` copies back.
        Creating the SMS starts the SMS queue once for the batch.

        :returns: ``{row id: values marking the row sent}``
        """
        if not entries:
            return {}
        thread = self.env["mail.thread"].sudo()
        author_id, email_from = thread._message_compute_author()
        reply_to = thread._notify_get_reply_to(default=email_from, author_id=author_id)[False]
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        by_model = {}
        for index, (row, record, text, _sms_text) in enumerate(entries):
            by_model.setdefault(record._name, []).append((index, record, row, text))
        messages = [None] * len(entries)
        for model, items in by_model.items():
            created = (
                self.env[model]
                .sudo()
                ._message_create(
                    [
                        {
                            "author_id": author_id,
                            "email_from": email_from,
                            "reply_to": reply_to,
                            "model": model,
                            "res_id": record.id,
                            "body": escape(text),
                            "message_type": "sms",
                            "subtype_id": note,
                            "is_internal": True,
                            "message_id": tools.mail.generate_tracking_message_id("message-notify"),
                            "partner_ids": row.partner_id.ids,
                        }
                        for _index, record, row, text in items
                    ]
                )
            )
            for (index, *_rest), message in zip(items, created, strict=True):
                messages[index] = message
        sms_list = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        # Odoo's plain text of the chatter copy, unless the SMS has its own text
                        "body": html2plaintext(escape(text)) if sms_text is None else sms_text,
                        "mail_message_id": message.id,
                        "partner_id": row.partner_id.id,
                        # the number as Odoo's SMS notification formats it (stored on the contact)
                        "number": row.partner_id.phone_sanitized
                        or row.partner_id._phone_format(number=row.partner_id.phone)
                        or row.partner_id.phone,
                        "state": "outgoing",
                    }
                    for (row, _record, text, sms_text), message in zip(entries, messages, strict=True)
                ]
            )
        )
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": author_id,
                    "mail_message_id": sms.mail_message_id.id,
                    "res_partner_id": sms.partner_id.id,
                    "sms_number": sms.number,
                    "notification_type": "sms",
                    "sms_id_int": sms.id,
                    "sms_tracker_ids": [Command.create({"sms_uuid": sms.uuid})],
                    "is_read": True,
                    "notification_status": "ready",
                }
                for sms in sms_list
            ]
        )
        return {
            row.id: {"state": "sent", "mail_message_id": sms.mail_message_id.id, "sms_id": sms.id}
            for (row, *_rest), sms in zip(entries, sms_list, strict=True)
        }

    @api.model
    def _unshortened_links(self):
        """Paths of the e-mail's links that must not become public short links (``link.tracker``):
        a short code can be guessed and every user reads the link it stands for, so a customer's
        signed personal link stays as it is. Regular expressions, as Odoo's ``_shorten_links`` takes them."""
        return []

    def _outgoing_text(self, text, lang, html=False):
        """The rendered text of this campaign message as it goes out in ``lang``: bridges add to it here."""
        return text

    @api.model
    def _queue_messages(self, vals_list):
        """Create the rows not queued yet today for the same rule, customer, record and text.

        A service message (``transactional``: a booking's confirmation, a code, the workshop's
        notices) tells the state of the customer's own booking or repair: it is left out only when
        the last service message about the same record said the same. A booking moved A → B → A
        on one day gets its third confirmation (the customer's last message names the time that
        holds), a double submit of the same confirmation gets one.
        """
        if not vals_list:
            return self
        todo = self._new_rule_messages([vals for vals in vals_list if not vals.get("transactional")])
        service = self._new_service_messages([vals for vals in vals_list if vals.get("transactional")])
        self._supersede_service_messages(service)
        return self.create(todo + service)

    @api.model
    def _supersede_service_messages(self, vals_list):
        """A new service message about a record replaces those about it still waiting (quiet hours): a
        booking made at night and moved or cancelled before morning sends only what holds."""
        keys = {(vals["partner_id"], vals["res_model"], vals["res_id"]) for vals in vals_list}
        if not keys:
            return
        about = Domain.OR(
            Domain("partner_id", "=", partner_id) & Domain("res_model", "=", model) & Domain("res_id", "=", res_id)
            for partner_id, model, res_id in keys
        )
        waiting = self.search(Domain("transactional", "=", True) & Domain("state", "=", "queued") & about)
        waiting.write({"state": "cancelled", "skip_reason": "superseded"})

    def _superseded_by_later(self):
        """Of these service messages, those with a later service message to the same customer about the same
        record (any state): what they said was replaced (see ``_supersede_service_messages``)."""
        service = self.filtered("transactional")
        if not service:
            return self.browse()
        about = Domain.OR(
            Domain("partner_id", "=", row.partner_id.id)
            & Domain("res_model", "=", row.res_model)
            & Domain("res_id", "=", row.res_id)
            for row in service
        )
        later = self.search_fetch(
            Domain("transactional", "=", True) & about,
            ["partner_id", "res_model", "res_id"],
        )
        newest = {}
        for row in later:
            key = (row.partner_id.id, row.res_model, row.res_id)
            newest[key] = max(newest.get(key, 0), row.id)
        return service.filtered(lambda row: newest.get((row.partner_id.id, row.res_model, row.res_id), 0) > row.id)

    @api.model
    def _new_rule_messages(self, vals_list):
        if not vals_list:
            return []
        key = ("action_id", "partner_id", "res_model", "res_id", "occurrence_date", "body")
        existing = self.search_fetch(
            [
                ("step_id", "=", False),
                ("conversation", "=", False),
                ("transactional", "=", False),
                ("occurrence_date", "in", list({vals["occurrence_date"] for vals in vals_list})),
                ("partner_id", "in", list({vals["partner_id"] for vals in vals_list})),
            ],
            list(key),
        )
        seen = {
            (row.action_id.id or False, row.partner_id.id, row.res_model, row.res_id, row.occurrence_date, row.body)
            for row in existing
        }
        todo = []
        for vals in vals_list:
            ident = tuple(vals[name] for name in key)
            if ident not in seen:
                seen.add(ident)
                todo.append(vals)
        return todo

    @api.model
    def _new_service_messages(self, vals_list):
        if not vals_list:
            return []
        self.flush_model(["partner_id", "res_model", "res_id", "body", "transactional"])
        keys = [(vals["partner_id"], vals["res_model"], vals["res_id"]) for vals in vals_list]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (d.partner_id, d.res_model, d.res_id) d.partner_id, d.res_model, d.res_id, d.body
                  FROM dealer_dispatch d
                  JOIN unnest(%s::int[], %s::varchar[], %s::int[]) AS k(partner_id, res_model, res_id)
                    ON d.partner_id = k.partner_id AND d.res_model = k.res_model AND d.res_id = k.res_id
                 WHERE d.transactional
              ORDER BY d.partner_id, d.res_model, d.res_id, d.id DESC
                """,
                [key[0] for key in keys],
                [key[1] for key in keys],
                [key[2] for key in keys],
            )
        )
        last = {(partner_id, model, res_id): body for partner_id, model, res_id, body in rows}
        todo = []
        for key, vals in zip(keys, vals_list, strict=True):
            if last.get(key) != vals["body"]:
                last[key] = vals["body"]
                todo.append(vals)
        return todo

    @api.model
    def _queue_telegram_reply(self, customer, record, message):
        """Queue a person's chatter ``message`` on ``record`` to ``customer``'s Telegram; returns the row.

        The same path as campaign messages: consent and the linked chat are checked now (and
        again when sent), quiet hours hold it until they end; no frequency cap (the customer
        is in a conversation). The sender is told at once when it cannot go, and the row (with
        its state) is in the customer's Telegram messages.
        """
        text = html2plaintext(message.body or "").strip()
        if not text:
            return self.browse()  # attachments alone do not go to Telegram
        author = message.author_id.name or ""
        now = fields.Datetime.now()
        row = self.create(
            {
                "partner_id": customer.id,
                "company_id": record._dealer_message_company(customer).id,
                "channel": "telegram",
                "conversation": True,
                "reply_message_id": message.id,
                "occurrence_date": fields.Date.context_today(self),
                "scheduled_at": now,
                "res_model": record._name,
                "res_id": record.id,
                "body": f"{author}:\n{text}"[:TELEGRAM_TEXT_LIMIT] if author else text[:TELEGRAM_TEXT_LIMIT],
            }
        )
        verdict = row._precheck({}, now)
        if verdict and verdict[0] == "skipped":
            row.write({"state": "skipped", "skip_reason": verdict[1]})
            row._tell_reply_sender()
        elif verdict:
            row.write({"scheduled_at": verdict[1]})
            row._tell_reply_sender()
        else:
            self.env.ref("dealer_loyalty.ir_cron_dealer_dispatch_send")._trigger()
        return row

    def _reply_problem(self):
        """Why this conversation reply did not (yet) reach the customer, in the current language; None if it did."""
        self.ensure_one()
        if self.state == "skipped":
            reasons = dict(self._fields["skip_reason"]._description_selection(self.env))
            if self.skip_reason == "consent":
                return self.env._(
                    "Not sent to Telegram: the customer has not agreed to Telegram messages (or sent /stop)."
                )
            return self.env._("Not sent to Telegram: %(reason)s.", reason=reasons.get(self.skip_reason, ""))
        if self.state == "failed":
            return self.env._("Telegram did not deliver the message: %(error)s", error=self.last_error or "")
        if self.state == "queued" and self.scheduled_at > fields.Datetime.now():
            return self.env._(
                "Quiet hours of the customer: the message goes to Telegram at %(when)s.",
                when=tools.format_datetime(self.env, self.scheduled_at, dt_format="short"),
            )
        return None

    def _tell_reply_sender(self):
        """A note on the record the reply was written on, and a notice on the sender's screen."""
        for row in self.filtered("conversation"):
            author = row.reply_message_id.author_id.user_ids[:1]
            lang = author.lang or self.env.lang
            problem = row.with_context(lang=lang)._reply_problem()
            if not problem:
                continue
            record = self.env[row.res_model].sudo().browse(row.res_id).exists() or row.partner_id.sudo()
            record.with_context(lang=lang)._message_log(body=Markup("<p>%s</p>") % problem)
            if author:
                author._bus_send("simple_notification", {"type": "warning", "title": "Telegram", "message": problem})

    def _text_to_send(self):
        """The text that leaves for the customer: the row's stored text, which an addon may complete
        at send time with what no staff member may read in the log (a personal answer link)."""
        self.ensure_one()
        return self.body or ""

    def _send_text(self):
        """A message of an automation rule: its plain text (never rendered) on the row's channel.

        It is logged in the chatter of the record the rule ran on when that record has one,
        else of the customer; the text is escaped, so it can carry no markup or code. What
        ``_text_to_send`` adds to the stored text is in the message that leaves only: the
        e-mail's message is a notification of the customer alone (staff cannot open it), and the
        SMS's chatter copy keeps the stored text (the SMS itself carries the full one).
        """
        text = self._text_to_send()
        record = self._text_record()
        if self.channel == "email":
            with self._dispatch_mark().naming(self.id) as mark:
                message = record.with_context(**{DISPATCH_KEY: mark}).message_notify(
                    partner_ids=self.partner_id.ids,
                    subject=self.subject or (self.company_id or self.env.company).name,
                    body=Markup("<p>%s</p>") % text,
                    force_send=False,
                    subtype_xmlid="mail.mt_comment",
                    # the showroom's message, whoever sends the queue (a message's author reads it)
                    author_id=(self.company_id or self.env.company).partner_id.id,
                )
            # the language its text was chosen in when it was queued
            return self._email_sent_values(message, self.lang or self._lang())
        if self.channel == "telegram":
            return {"state": "delivered", "provider_message_id": self._telegram_send_text(text)}
        raise UserError(self.env._("An automation message cannot go out as %(channel)s.", channel=self.channel))

    def _text_record(self):
        """The record an automation rule's message is logged on: the rule's record when it has a chatter,
        else the customer."""
        if self.res_model in self.env and self.res_id:
            origin = self.env[self.res_model].sudo().browse(self.res_id).exists()
            if origin and hasattr(origin, "_message_sms"):
                return origin
        return self.partner_id.sudo()

    def _checked_template(self, template, record):
        """A template renders one model: a vehicle template cannot write about a customer-only enrolment."""
        if template.model != record._name:
            raise UserError(
                self.env._(
                    "Template %(template)s is made for %(model)s, but this message is about %(record)s.",
                    template=template.display_name,
                    model=template.model,
                    record=record.display_name,
                )
            )
        return template

    def _schedule_activity(self, record, step):
        """A task for the staff through dealer_crm's role scheduler, due on the row's day.

        The step's fixed Responsible, else the person of its role for the car or customer, gets
        it, in their language (not the customer's). A record that still has the same task open
        gets no second one: the row then points at the open task.
        """
        # the step's fixed Responsible only when they work in the row's and the car's or customer's showroom
        user = step.activity_user_id.filtered(
            lambda user: record._dealer_works_in_showroom(user)
            and (not self.company_id or self.company_id in user.sudo().company_ids)
        )
        # a showroom's campaign: its people; the group's campaign: the record's own people
        user = user or record._dealer_role_users_in(step.activity_role, self.campaign_id.company_id).get(record.id)
        if not user:
            role = dict(step._fields["activity_role"]._description_selection(self.env)).get(step.activity_role)
            raise UserError(self.env._("Step %(step)s: no user has the role %(role)s.", step=step.name, role=role))
        lang = user.lang or self.env.lang
        step, record = step.with_context(lang=lang), record.with_context(lang=lang)
        summary = step.activity_summary or step.name
        activity = record._dealer_schedule_role_activity(
            step.activity_role or "responsible",
            days=(self.scheduled_at.date() - fields.Date.context_today(self)).days,
            summary=summary,
            activity_type=step.activity_type_id or self.env.ref("mail.mail_activity_data_call"),
            users={record.id: user},
            notify=True,
        )
        if not activity:
            activity = self.env["mail.activity"].search(
                [("res_model", "=", record._name), ("res_id", "=", record.id), ("summary", "=", summary)], limit=1
            )
        return {"state": "delivered", "activity_id": activity.id}

    @api.model
    def _failure_type_selection(self):
        """The sending's own failures, then Odoo's mail and SMS ones (its notifications' words and translations:
        a provider's code such as ``sms_credit`` is shown as *Insufficient Credit* in the reader's language)."""
        odoo = self.env["mail.notification"]._fields["failure_type"]._description_selection(self.env)
        prepare = self.env._("Could not be prepared")
        telegram = self.env._("Refused by Telegram")
        interrupted = self.env._("Interrupted while sending")
        return [("prepare", prepare), ("telegram", telegram), ("interrupted", interrupted), *odoo]

    def _failure_vals(self, error, transient, now, failure_type):
        """Transient errors retry at now + 2^attempts minutes up to MAX_ATTEMPTS; the rest fail for good."""
        vals = {"failure_type": failure_type, "last_error": error}
        if transient and self.attempts < MAX_ATTEMPTS:
            retry_at = now + timedelta(minutes=2**self.attempts)
            return {**vals, "state": "queued", "scheduled_at": retry_at, "next_retry_at": retry_at}
        return {**vals, "state": "failed", "next_retry_at": False}

    def _process(self, now):
        """Process rows locked by the caller; every outcome is written in the caller's transaction."""
        token = uuid.uuid4().hex
        rows = self.with_context(**{SEND_MEMO: token})
        self.env.cr.cache[SEND_MEMO, token] = {"rows": rows}
        sms_ids, email_ids = [], []
        pending = set()  # customers with a message of this batch that goes out together at its end
        try:
            usage = rows._cap_usage(now)
            for row in rows:
                if row.partner_id.id in pending and not row.transactional and row.channel != "activity":
                    # its cap depends on whether that message goes out: left due, for the next batch
                    continue
                # a row that failed was rolled back to its savepoint, which empties the cursor's cache and the
                # memo with it (Odoo's Transaction.clear): the next rows start a new one
                self.env.cr.cache.setdefault((SEND_MEMO, token), {"rows": rows})
                verdict = row._precheck(usage, now)
                if verdict and verdict[0] == "defer":
                    row.write({"scheduled_at": verdict[1]})
                elif verdict:
                    row.write({"state": "skipped", "skip_reason": verdict[1], "failure_type": False})
                    if verdict[1] == "not_owner" and row.enrolment_id.state == "active":
                        # the car's later reminders are not for them either: their enrolment ends here
                        row.enrolment_id.write({"state": "stopped", "stop_reason": "not_owner"})
                elif row.channel == "sms" or (row.channel == "email" and row.step_id):
                    # sent together below
                    (sms_ids if row.channel == "sms" else email_ids).append(row.id)
                    if not row.transactional:
                        pending.add(row.partner_id.id)
                elif row._deliver(now) and row.channel != "activity" and not row.transactional:
                    usage[row.partner_id.id] = usage.get(row.partner_id.id, 0) + 1
            rows.browse(email_ids)._deliver_emails(now)
            rows.browse(sms_ids)._deliver_sms(now)
        finally:
            self.env.cr.cache.pop((SEND_MEMO, token), None)

    def _deliver_sms(self, now):
        """Send these rows' SMS together: rendered, handed to Odoo's SMS queue at once (``_hand_over_sms_batch``)
        and marked sent (``_deliver_together``)."""
        self._deliver_together(now, "_sms_entry", "_hand_over_sms_batch", "SMS")

    def _deliver_emails(self, now):
        """Hand these campaign rows' e-mails to Odoo's mail queue together (``_hand_over_email_batch``) and mark
        them sent (``_deliver_together``). A row whose customer Odoo would notify otherwise than by a plain
        e-mail (a user of the database, an archived contact) goes alone through Odoo's ``message_notify``."""
        self._deliver_together(now, "_email_entry", "_hand_over_email_batch", "e-mails")

    def _deliver_together(self, now, entry, hand_over, what):
        """Hand these rows' messages over together and mark them sent, in one savepoint: each row's ``entry``
        (a method name, called in the row's ``_as_sent`` environment), all of them given to ``hand_over`` (a
        method name; it returns ``{row id: values marking the row sent}``). A row left out of that result, and
        every row when anything of the batch fails, goes alone, as any row does (``_deliver``): one bad message
        does not hold back the others."""
        if not self:
            return
        alone = self.browse()
        try:
            with self.env.cr.savepoint():
                entries = [getattr(row._as_sent(), entry)() for row in self]
                sent = getattr(self, hand_over)(entries)
                for row in self:
                    if row.id not in sent:
                        alone |= row
                        continue
                    row.write(
                        {
                            **sent[row.id],
                            "attempts": row.attempts + 1,
                            "sent_at": now,
                            "failure_type": False,
                            "last_error": False,
                            "next_retry_at": False,
                        }
                    )
        except Exception as error:
            _logger.info(
                "A batch of %s %s could not be handed over together (%s); sending them one by one",
                len(self),
                what,
                scrub_bot_token(repr(error)),
            )
            alone = self
        token = self.env.context.get(SEND_MEMO)
        for row in alone:
            if token:  # the batch's memo (the rows' shared look-ups) may have gone with the savepoint: a new one
                self.env.cr.cache.setdefault((SEND_MEMO, token), {"rows": self})
            row._deliver(now)

    @api.model
    def _hand_over_email_batch(self, entries):
        """Queue the e-mails of ``entries`` (``_email_entry``: row, record, language, message values) in Odoo's
        mail queue at once: what ``message_notify`` makes for each, made together.

        Each e-mail is a message to its customer on the car or customer (``mail.message`` of type user
        notification, as ``message_notify`` makes it), a ``mail.mail`` naming its row and the customer's
        e-mail notification, whose delivery ``_cron_sync_delivery`` copies back. The messages, the e-mails and
        the notifications are each created with one ``create`` per batch, and the customers' notification data
        read with one query; what each e-mail looks like is Odoo's own: its references and headers
        (``_notify_by_email_get_base_mail_values``), its recipient group and layout
        (``_notify_get_classified_recipients_iterator``, ``_notify_by_email_render_layout``), rendered on the
        record in the row's showroom and the customer's language, as ``message_notify`` renders it.

        Only customers Odoo notifies by a plain e-mail are handed over here: a contact with a user of the
        database (whom Odoo may notify in their inbox), an archived one or the showroom's own contact is left
        out of the result, for ``message_notify``. A customer has one message in a batch (``_process`` leaves
        their next one for the next batch), so the references of an e-mail (Odoo's thread of the record's
        messages) never name a message written after it.

        :returns: ``{row id: values marking the row sent}``
        """
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        by_model = {}
        for entry in entries:
            by_model.setdefault(entry[1]._name, []).append(entry)
        batch = []  # (row, record, lang, message values, recipient data)
        for model, items in by_model.items():
            records = self.env[model].sudo().browse({entry[1].id for entry in items})
            # one query for the batch: Odoo's own per message (``_notify_get_recipients``)
            data = self.env["mail.followers"]._get_recipient_data(
                records, "user_notification", comment, list({entry[0].partner_id.id for entry in items})
            )
            for row, record, lang, values in items:
                recipient = data.get(record.id, {}).get(row.partner_id.id)
                plain = (
                    recipient
                    and recipient["active"]
                    and recipient["notif"] == "email"
                    and recipient["type"] == "customer"
                    and recipient["id"] != record._message_compute_real_author(values["author_id"]).id
                )
                if plain:
                    batch.append((row, record, lang, values, recipient))
        if not batch:
            return {}
        message_values = []
        for row, record, _lang, values, _recipient in batch:
            company = record.env.company
            message_values.append(
                {
                    **values,
                    "model": record._name,
                    "res_id": record.id,
                    "body": escape(values["body"]),  # escaped if text, kept if markup
                    "is_internal": True,
                    "message_type": "user_notification",
                    "subtype_id": comment,
                    "message_id": tools.mail.generate_tracking_message_id("message-notify"),
                    "partner_ids": row.partner_id.ids,
                    "email_add_signature": True,
                    "record_alias_domain_id": record._mail_get_alias_domains(default_company=company)[record.id].id,
                    "record_company_id": record._mail_get_companies(default=company)[record.id].id,
                }
            )
        messages = self.env["mail.thread"].sudo()._message_create(message_values)
        mail_values, notified = [], []  # an e-mail per recipient group, and its notifications' values
        for (row, record, _lang, _values, recipient), message, msg_vals in zip(
            batch, messages, message_values, strict=True
        ):
            base = record._notify_by_email_get_base_mail_values(
                message, [recipient], additional_values={"auto_delete": True}
            )
            notification = record._notify_by_email_get_base_notification_values(message)
            groups = record._notify_get_classified_recipients_iterator(message, [recipient], msg_vals=msg_vals)
            for _group_lang, render_values, group in groups:
                body = record._notify_by_email_render_layout(
                    message, group, msg_vals=msg_vals, render_values=render_values
                )
                final = record._notify_by_email_get_final_mail_values(
                    group["recipients_ids"], base, additional_values={"body_html": body}
                )
                mail_values.append({**final, "dealer_dispatch_id": row.id})
                notified.append([{**notification, "res_partner_id": pid} for pid in group["recipients_ids"]])
        mails = self.env["mail.mail"].sudo().with_context(clean_context(self.env.context)).create(mail_values)
        self.env["mail.notification"].sudo().create(
            [
                {**values, "mail_mail_id": mail.id}
                for mail, group in zip(mails, notified, strict=True)
                for values in group
            ]
        )
        return {
            row.id: row._email_sent_values(message, lang)
            for (row, _record, lang, _values, _recipient), message in zip(batch, messages, strict=True)
        }

    def _send_memo(self):
        """What the rows of the batch being sent share, kept for the batch only (``_process``): the rows, the
        author of a sender address, the records' reply-tos, the short links, the e-mails' ``DispatchMail``,
        the customers whose number is on the phone blacklist.
        A row that fails is rolled back to its savepoint, which empties the cursor's cache and this memo with
        it (a short link made for the failed row is gone too): ``_process`` starts a new one for the next row.
        Outside a batch, a new empty memo every time."""
        token = self.env.context.get(SEND_MEMO)
        return self.env.cr.cache.get((SEND_MEMO, token), {}) if isinstance(token, str) else {}

    def _notify_values(self, record, email_from=None):
        """Author, sender and reply-to of this row's e-mail about ``record``, as ``message_notify`` would
        compute them for the showroom as author, found once for the batch being sent (``_send_memo``).

        Odoo looks them up for every message: the sender's contact (a search of the contacts for the
        address) and the record's reply-to (a search of the aliases). In a batch the author is found once
        per sender address and the reply-tos of all the batch's records of this model with one call of
        Odoo's ``_notify_get_reply_to_batch``, in the showroom the row is sent as (the default company
        of a record without one).
        """
        memo = self._send_memo()
        # the author is the showroom, never the person whose address the template sends from (nor whoever runs
        # the queue): Odoo lets a message's author read it, and the customer's copy carries their personal links
        showroom = self.company_id or self.env.company
        key = ("author", email_from, showroom.id)
        if key not in memo:
            memo[key] = record._message_compute_author(showroom.partner_id.id, email_from)
        author_id, email_from = memo[key]
        key = ("reply_to", record._name, email_from, author_id, self.env.company.id)
        if key not in memo or record.id not in memo[key]:
            # the batch's e-mails about records of this model sent as this showroom
            ids = {
                row._record().id
                for row in memo.get("rows", self.browse())
                if row.channel == "email"
                and row._record()._name == record._name
                and (row.company_id or row.env.company) == self.env.company
            } | {record.id}
            records = record.browse(sorted(ids))
            memo[key] = records._notify_get_reply_to_batch(
                defaults=dict.fromkeys(records.ids, email_from), author_ids=dict.fromkeys(records.ids, author_id)
            )
        return {"author_id": author_id, "email_from": email_from, "reply_to": memo[key][record.id]}

    def _dispatch_mark(self):
        """The ``DispatchMail`` of the batch being sent (one for all its rows, see there); a new one outside a batch."""
        return self._send_memo().setdefault("mark", DispatchMail())

    def _deliver(self, now):
        """Send one row and record the outcome on it; True when it went out."""
        self.ensure_one()
        self.attempts += 1
        try:
            with self.env.cr.savepoint():
                vals = self._send_one()
        except (UserError, ValidationError) as error:
            self.write(self._failure_vals(str(error), False, now, "prepare"))
            return False
        except DealerTelegramError as error:
            # at most once: only an error proving nothing was delivered is retried (see DealerTelegramError)
            vals = self._failure_vals(str(error), error.transient, now, "telegram")
            if vals["state"] == "queued" and error.retry_after:
                retry_at = max(vals["scheduled_at"], now + timedelta(seconds=error.retry_after))
                vals.update(scheduled_at=retry_at, next_retry_at=retry_at)
            self.write(vals)
            return False
        except Exception as error:  # one bad row must not block the queue
            _logger.exception("Campaign dispatch %s failed", self.id)
            # Telegram may have received the call already: never retry it; the outbox channels rolled back.
            self.write(self._failure_vals(scrub_bot_token(repr(error)), self.channel != "telegram", now, "unknown"))
            return False
        self.write({**vals, "sent_at": now, "failure_type": False, "last_error": False, "next_retry_at": False})
        return True

    @api.model
    def _due_domain(self, now):
        return Domain("state", "=", "queued") & Domain("scheduled_at", "<=", now)

    @api.model
    def _batch_size(self):
        return int_param(self.env, param_name("dispatch_batch_size"), INT_SETTINGS["dispatch_batch_size"])

    @api.model
    def _send_outbox(self, now):
        """E-mail, SMS and activities: batches locked with SKIP LOCKED, committed after each batch."""
        domain = self._due_domain(now) & Domain("channel", "!=", "telegram")
        batch_size = self._batch_size()
        while True:
            rows = self.search(domain, limit=batch_size, order="scheduled_at, id").try_lock_for_update()
            if not rows:
                return
            rows._process(now)
            rows._start_outbox_queues()
            remaining = self.search_count(domain)
            if not self.env["ir.cron"]._commit_progress(len(rows), remaining=remaining) or not remaining:
                return

    def _start_outbox_queues(self):
        """Start the jobs of the campaign e-mail queue that send the e-mails these rows just handed to Odoo's
        outbox (``mail.mail._dealer_start_queues``).

        Left to itself the queue runs hourly: a reminder would wait that long in the outbox (an
        SMS starts its own queue when it is created). A trigger, committed with the batch, makes
        the jobs due at once, so they run on free cron workers, of this server or others,
        while the next batch is rendered (as Odoo's events and our lead API start Odoo's queue).
        """
        rows = self.filtered(lambda row: row.channel == "email" and row.state == "sent")
        if rows:
            self.env["mail.mail"]._dealer_start_queues(rows.ids)

    @api.model
    def _send_telegram(self, now):
        """Telegram: claim one row (``sending``, committed) before the HTTP call, record the outcome, commit."""
        domain = self._due_domain(now) & Domain("channel", "=", "telegram")
        batch_size = self._batch_size()
        while True:
            rows = self.search(domain, limit=batch_size, order="scheduled_at, id")
            claimed = 0
            for row in rows:
                if not row.try_lock_for_update():
                    continue
                row.invalidate_recordset()
                if row.state != "queued":
                    continue
                claimed += 1
                if row._precheck(row._cap_usage(now), now):
                    row._process(now)
                else:
                    row.write({"state": "sending", "sending_since": now})
                    self.env["ir.cron"]._commit_progress(0)
                    row._deliver(now)
                if row.conversation and row.state in ("skipped", "failed"):
                    row._tell_reply_sender()
                self.env["ir.cron"]._commit_progress(1)
            if not claimed:
                return

    @api.model
    def _recover_interrupted(self, now):
        """Rows stuck in ``sending`` (a crash during a Telegram call) fail instead of risking a duplicate."""
        stuck = self.search([("state", "=", "sending"), ("sending_since", "<", now - SENDING_TIMEOUT)])
        stuck.write(
            {
                "state": "failed",
                "failure_type": "interrupted",
                "last_error": self.env._(
                    "Interrupted while sending; not retried because the message may already have been delivered."
                ),
            }
        )

    # ------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------

    @api.model
    def _cron_send_due(self):
        """Send every due message: stop conditions first, then outbox channels, then Telegram.

        Runs as superuser: the cron user may not belong to every company whose customers are due.
        """
        dispatch = self.sudo()
        now = fields.Datetime.now()
        dispatch._recover_interrupted(now)
        dispatch.env["dealer.campaign"]._apply_stop_conditions()
        dispatch._send_outbox(now)
        dispatch._send_telegram(now)

    @api.model
    def _cron_sync_delivery(self):
        """Copy the outcome Odoo's mail/SMS queues recorded on mail.notification (set-based).

        sent → delivered, bounce → bounced, canceled → cancelled; an exception retries with
        back-off when the failure is transient (provider/credit/SMTP), else fails for good.

        A retried row sends a new message when it is due again (consent, quiet hours and cap
        checked again): its failed e-mail or SMS is cancelled, so that nobody's *Resend* in the
        chatter sends it a second time, past those checks.
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            WITH n AS (
                SELECT x.id, mn.id AS notification_id, mn.notification_status AS status,
                       mn.failure_reason AS reason, COALESCE(mn.failure_type, 'unknown') AS failure_type,
                       (mn.notification_status = 'exception' AND x.attempts < %(max)s
                        AND CASE WHEN x.channel = 'sms'
                                 THEN COALESCE(mn.failure_type, 'unknown') IN %(sms_transient)s
                                 ELSE COALESCE(mn.failure_type, 'unknown') IN %(transient)s END) AS retry,
                       %(now)s::timestamp + make_interval(mins => power(2, x.attempts)::int) AS retry_at
                  FROM dealer_dispatch x
                  JOIN mail_notification mn
                    ON mn.mail_message_id = x.mail_message_id AND mn.res_partner_id = x.partner_id
                 WHERE x.state = 'sent' AND x.channel IN ('email', 'sms')
                   AND mn.notification_status IN ('sent', 'bounce', 'canceled', 'exception')
            ), synced AS (
                UPDATE dealer_dispatch d
                   SET state = CASE n.status
                                   WHEN 'sent' THEN 'delivered' WHEN 'bounce' THEN 'bounced'
                                   WHEN 'canceled' THEN 'cancelled' WHEN 'exception' THEN
                                       CASE WHEN n.retry THEN 'queued' ELSE 'failed' END
                               END,
                       scheduled_at = CASE WHEN n.retry THEN n.retry_at ELSE d.scheduled_at END,
                       next_retry_at = CASE WHEN n.retry THEN n.retry_at END,
                       failure_type = CASE WHEN n.status IN ('exception', 'bounce')
                                           THEN n.failure_type ELSE d.failure_type END,
                       last_error = CASE WHEN n.status IN ('exception', 'bounce') THEN n.reason ELSE d.last_error END,
                       write_date = now() AT TIME ZONE 'UTC'
                  FROM n
                 WHERE n.id = d.id
             RETURNING n.notification_id, n.retry
            )
            UPDATE mail_notification mn
               SET notification_status = 'canceled'
              FROM synced
             WHERE synced.retry AND mn.id = synced.notification_id
         RETURNING mn.mail_mail_id, mn.sms_id_int
            """,
                transient=TRANSIENT_FAILURES,
                sms_transient=SMS_TRANSIENT_FAILURES,
                max=MAX_ATTEMPTS,
                # the same clock as _failure_vals and the send cron, not the database's
                now=fields.Datetime.now(),
            )
        )
        mail_ids = [mail_id for mail_id, __ in rows if mail_id]
        sms_ids = [sms_id for __, sms_id in rows if sms_id]
        if mail_ids:
            self.env.cr.execute(
                SQL("UPDATE mail_mail SET state = 'cancel' WHERE id = ANY(%s) AND state = 'exception'", mail_ids)
            )
        if sms_ids:
            self.env.cr.execute(
                SQL("UPDATE sms_sms SET state = 'canceled' WHERE id = ANY(%s) AND state = 'error'", sms_ids)
            )
        self.env.invalidate_all()

    # ------------------------------------------------------------
    # Opens and clicks of e-mails
    # ------------------------------------------------------------

    @api.model
    def _tracking_token(self, dispatch_id):
        return tools.hmac(self.env(su=True), "dealer_loyalty-dispatch-tracking", dispatch_id)

    @api.model
    def _tracked(self, dispatch_id, token):
        """The e-mail row a tracking URL names, or an empty recordset when its token is wrong."""
        if not same_token(token, self._tracking_token(dispatch_id)):
            return self.browse()
        return self.sudo().browse(dispatch_id).exists().filtered(lambda row: row.channel == "email")

    def _track_outgoing_body(self, body):
        """The body of this row's outgoing e-mail: its short links and an open pixel name the row."""
        self.ensure_one()
        token = self._tracking_token(self.id)
        base = self.get_base_url().rstrip("/")
        suffix = f"/d/{self.id}/{token}"
        short_link = re.escape(base) + r"/r/[\w-]+(?=[\"'])"
        body = body.__class__(re.sub(short_link, lambda match: match.group(0) + suffix, body))
        pixel = Markup('<img src="%s" alt="" width="1" height="1"/>') % (
            f"{base}/dealer/loyalty/open/{self.id}/{token}/blank.gif"
        )
        return tools.mail.append_content_to_html(body, pixel, plaintext=False)

    # ------------------------------------------------------------
    # Unsubscribe (a link in each campaign e-mail, and RFC 8058 one-click headers)
    # ------------------------------------------------------------

    @api.model
    def _unsubscribe_token(self, dispatch_id):
        return tools.hmac(self.env(su=True), "dealer_loyalty-dispatch-unsubscribe", dispatch_id)

    @api.model
    def _unsubscribe_row(self, dispatch_id, token):
        """The e-mail row an unsubscribe URL names, or an empty recordset when its token is wrong."""
        if not same_token(token, self._unsubscribe_token(dispatch_id)):
            return self.browse()
        return self.sudo().browse(dispatch_id).exists().filtered(lambda row: row.channel == "email")

    def _unsubscribe_url(self):
        self.ensure_one()
        base = self.get_base_url().rstrip("/")
        return f"{base}/dealer/loyalty/unsubscribe/{self.id}/{self._unsubscribe_token(self.id)}"

    def _unsubscribe_footer(self, body):
        """The customer's copy ends with a link to stop the dealership's e-mails, in the language the e-mail was
        written in (rows handed over before it was recorded: the customer's language now)."""
        self.ensure_one()
        lang = self.lang or self._lang(self.step_id.sudo().mail_template_id)
        label = self.with_context(lang=lang).env._("Unsubscribe from these e-mails")
        footer = Markup('<p style="font-size: 12px; color: #888888;"><a href="%s">%s</a></p>') % (
            self._unsubscribe_url(),
            label,
        )
        return tools.mail.append_content_to_html(body, footer, plaintext=False)

    def _unsubscribe(self):
        """The customer asked to stop e-mails: Odoo's blacklist gets the address and e-mail consent is withdrawn.

        The address is the one the e-mail went to: an old or forwarded e-mail's link stops that
        address, not the one the customer has since given (whose consent stays). Both are honoured
        by the next planning and the next send (``_consent_sql``); the consent change is tracked on
        the customer with the source "unsubscribe link".
        """
        for row in self.sudo():
            partner = row.partner_id
            # a note for the staff, in the showroom's language (not the customer's browser's)
            company = row.company_id or partner.company_id or self.env.company
            staff = row.with_context(lang=self.env["mail.thread"]._dealer_staff_lang(company))
            note = staff.env._(
                "Unsubscribed from the campaign e-mail %(campaign)s.",
                campaign=staff.campaign_id.name or staff.action_id.name or row.subject or "",
            )
            address = row._unsubscribe_address()
            if address:
                self.env["mail.blacklist"].sudo()._add(address, message=note)
            # the consent is the customer's while the address is theirs (or they have none any more)
            if partner.consent_email and address in (partner.email_normalized or "", ""):
                partner.with_context(dealer_consent_source="unsubscribe").write({"consent_email": False})

    def _unsubscribe_address(self):
        """The address this e-mail went to (rows handed over before it was recorded: the customer's)."""
        self.ensure_one()
        return self.email_to or self.partner_id.email_normalized or ""

    def _register_open(self):
        """First open only; a click implies an open (images are often blocked)."""
        self.filtered(lambda row: not row.opened_at).sudo().write({"opened_at": fields.Datetime.now()})

    def _register_click(self):
        now = fields.Datetime.now()
        for row in self.sudo():
            vals = {"click_count": row.click_count + 1}
            if not row.clicked_at:
                vals["clicked_at"] = now
            if not row.opened_at:
                vals["opened_at"] = now
            row.write(vals)

    # ------------------------------------------------------------
    # Call tasks: closed with the call's outcome
    # ------------------------------------------------------------

    def _compute_call_task_open(self):
        for row in self:
            activity = row.activity_id
            row.call_task_open = bool(activity.active and activity.activity_category == "phonecall")

    def action_dealer_send_again(self):
        """Send failed messages again, when a person has checked why they failed (a provider's outage is over, an
        address corrected): queued at once, with every check of a first send (consent, blacklist, quiet hours,
        frequency cap, a stopped campaign). The failed e-mail or SMS is cancelled, so that nobody's *Resend* in
        the chatter sends it a second time. A message the provider may have sent although it failed (an SMS
        whose answer did not come, an interrupted Telegram message) may then reach the customer twice: that is
        the person's decision, which is why the dispatch itself does not retry those.
        """
        self.check_access("write")  # who may cancel the log's messages (marketers), of their showrooms
        rows = self.filtered(lambda row: row.state == "failed" and row.channel in ("email", "sms", "telegram"))
        if not rows:
            raise UserError(self.env._("Only failed e-mails, SMS and Telegram messages can be sent again."))
        rows = rows.sudo()
        # a service message replaced since it failed (a booking moved or cancelled, the car ready after "received")
        # would tell what no longer holds, with a link that still works: not sent again
        superseded = rows._superseded_by_later()
        if superseded == rows:
            raise UserError(self.env._("These messages were replaced by later ones about the same booking or visit."))
        if superseded:
            superseded.write({"state": "cancelled", "skip_reason": "superseded", "failure_type": False})
            rows -= superseded
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", rows.mail_message_id.ids),
                    ("res_partner_id", "in", rows.partner_id.ids),
                    ("notification_status", "=", "exception"),
                ]
            )
        )
        notifications.mail_mail_id.filtered(lambda mail: mail.state == "exception").write({"state": "cancel"})
        self.env["sms.sms"].sudo().browse(notifications.mapped("sms_id_int")).exists().filtered(
            lambda sms: sms.state == "error"
        ).write({"state": "canceled"})
        notifications.write({"notification_status": "canceled"})
        rows.write({"state": "queued", "scheduled_at": fields.Datetime.now(), "next_retry_at": False, "attempts": 0})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s messages queued again.", count=len(rows)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_dealer_call_outcome(self):
        """Close this row's call task with the outcome of the call."""
        self.ensure_one()
        return self.env["dealer.call.outcome.wizard"]._action_open(self.activity_id)
