"""Loyalty building blocks of automation rules on any record with a chatter (see dealer_crm's "Dealership step"),
and the replies a person sends from a customer's chatter to the customer's Telegram."""

from datetime import timedelta

from odoo import fields, models
from odoo.addons.dealer_crm.tools.translated import Translated, in_lang
from odoo.exceptions import UserError

from .mail_mail import EMAIL_CONSENT_KEY

# Records whose chatter talks with their customer in Telegram: the customer card and deals or bookings.
TELEGRAM_CONVERSATION_MODELS = ("res.partner", "crm.lead")
# A customer who wrote to the bot within these days is in a Telegram conversation even once unlinked:
# a reply to them is then refused visibly (no consent) rather than silently not sent.
TELEGRAM_CONVERSATION_DAYS = 30


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_post(self, **kwargs):
        """A message a person sends from the chatter of a customer or their deal to the customer also goes
        to the customer's Telegram.

        See ``_dealer_telegram_reply_to`` for which messages do.
        """
        message = super().message_post(**kwargs)
        if self._name in TELEGRAM_CONVERSATION_MODELS and self._dealer_written_by_person(message):
            customer = self._dealer_telegram_reply_to(message)
            if customer:
                self.env["dealer.dispatch"].sudo()._queue_telegram_reply(customer, self, message)
        return message

    def _dealer_message_reached_customer(self, message, customer, email=None):
        """A chatter message that went to the customer's Telegram (queued, not refused) reached them too."""
        return super()._dealer_message_reached_customer(message, customer, email=email) or bool(
            customer
            and self.env["dealer.dispatch"]
            .sudo()
            .search_count(
                [("reply_message_id", "=", message.id), ("partner_id", "=", customer.id), ("state", "!=", "skipped")],
                limit=1,
            )
        )

    def _dealer_written_by_person(self, message):
        """True for a message an employee sent (*Send message*, not *Log note*) in their own name.

        Not a note or a log, not a message of an automation rule, a scheduled action or the system:
        dealer_crm's ``_dealer_is_human_message``, the rule the response clock of leads uses too.
        """
        return message.subtype_id == self.env.ref("mail.mt_comment") and self._dealer_is_human_message(message)

    def _dealer_telegram_reply_to(self, message):
        """The customer a person's chatter message goes to in Telegram, or an empty recordset.

        The record is the customer's card or a deal/booking of theirs; the message is addressed
        to the customer: they are among its recipients, or they follow the record for messages
        (Discussions); a message among the staff, without the customer, stays in the chatter.
        And the customer talks with the dealership in Telegram (their card is linked to a chat,
        or they wrote to the bot in the last 30 days): Telegram then takes the message instead of
        Odoo's e-mail (``_notify_get_recipients``): never the same text twice.
        """
        self.ensure_one()
        customer = self if self._name == "res.partner" else self.partner_id
        customer = customer.sudo()
        if not customer:
            return customer
        if message.sudo().attachment_ids:
            # the Telegram reply carries the text only: a document goes by Odoo's e-mail, as without Telegram
            return customer.browse()
        recent = fields.Datetime.now() - timedelta(days=TELEGRAM_CONVERSATION_DAYS)
        last = customer.telegram_last_message_date
        if not (customer.telegram_chat_id or (last and last >= recent)):
            return customer.browse()
        if customer in message.sudo().partner_ids:
            return customer
        discussion = self.env.ref("mail.mt_comment")
        following = self.sudo().message_follower_ids.filtered(
            lambda f: f.partner_id == customer and discussion in f.subtype_ids
        )
        return customer if following else customer.browse()

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """A customer who gets a person's chatter message in Telegram is not e-mailed it as well; the
        message of Odoo's *Send email* action (``EMAIL_CONSENT_KEY``) is e-mailed to no customer without
        e-mail consent, nor to a blacklisted address (followers and recipients alike)."""
        recipients = super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        dispatch = self.env["dealer.dispatch"].sudo()
        if self.env.context.get(EMAIL_CONSENT_KEY) and self and dispatch._consent_record_ids(self._name, self.ids):
            emailed = [r for r in recipients if r["notif"] == "email"]
            allowed_ids, allowed_addresses = dispatch._consented(
                "email",
                [r["id"] for r in emailed if r["id"]],
                [r["email_normalized"] for r in emailed if not r["id"] and r["email_normalized"]],
                self,
            )

            def refused(r):
                if r["notif"] != "email":
                    return False
                return r["id"] not in allowed_ids if r["id"] else r["email_normalized"] not in allowed_addresses

            dispatch._tell_composer_sender("email", [r["name"] for r in recipients if refused(r)])
            recipients = [r for r in recipients if not refused(r)]
        if (
            len(self) == 1
            and self._name in TELEGRAM_CONVERSATION_MODELS
            and message
            and self._dealer_written_by_person(message)
        ):
            customer = self._dealer_telegram_reply_to(message)
            if customer:
                recipients = [r for r in recipients if r["id"] != customer.id]
        return recipients

    def _dealer_customers(self):
        """``{record id: res.partner}``: the record itself for a contact, else its ``partner_id``."""
        if self._name == "res.partner":
            return {partner.id: partner for partner in self}
        field = self._fields.get("partner_id")
        if not field or field.comodel_name != "res.partner":
            raise UserError(self.env._("%(model)s has no customer.", model=self._description))
        return {record.id: record.partner_id for record in self if record.partner_id}

    def _dealer_enrol_in_campaign(self, campaign):
        """Enrol the customers (or their cars) of these records in a running reminder ``campaign``.

        The campaign's own rules apply: only those whose trigger date (policy end, maintenance
        due …) puts a step within the planning window are enrolled, never twice for the same
        date, and their first reminders are planned at once. Set-based: one INSERT … SELECT.

        :returns: the number of new enrolments
        """
        if not campaign:
            raise UserError(self.env._("Choose the Campaign to enrol the customers in."))
        if campaign.state != "running":
            raise UserError(self.env._("Campaign %(name)s is not running: start it first.", name=campaign.name))
        partners = self.env["res.partner"].union(*self._dealer_customers().values())
        if campaign.audience_model == self._name:
            ids = self.ids
        elif campaign.audience_model == "res.partner":
            ids = partners.ids
        else:
            ids = self.env["dealer.vehicle"].search([("partner_id", "in", partners.ids)]).ids
        before = campaign.enrolment_count
        campaign.with_context(dealer_enrol_ids=ids)._plan()
        campaign.invalidate_recordset(["enrolment_count"])
        return campaign.enrolment_count - before

    def _dealer_post_to_customer(self, message, subject=None, action=None):
        """Queue ``message`` to each record's customer on the customer's preferred channel (e-mail
        by default, SMS, Telegram) in the dispatch log; a customer who prefers phone calls gives the
        record's responsible person a call task when they may be phoned (SMS consent, number not
        blacklisted).

        Nothing leaves in the caller's transaction: the sending cron sends the queued rows with
        the same consent and blacklist check, quiet hours, frequency cap and log as campaign
        messages. A rule that fires twice on one record in a day queues its text once.

        :param action: the automation rule's server action, recorded on the rows
        :returns: ``{channel: number of records}``; ``skipped`` for records without a customer or
            a customer who prefers calls but may not be phoned
        """
        if not message:
            raise UserError(self.env._("Enter the Message to send."))
        customers = self._dealer_customers()
        counts = {}
        calls = self.browse()
        vals_list = []
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        texts = {}  # {language: message}: the rule's message in each customer's language
        langs = {}  # {(customer's language, showroom): the language they are written to in}
        Dispatch = self.env["dealer.dispatch"].sudo()

        def in_language(partner, company):
            # the language of every message to the customer: theirs, else their showroom's (never the
            # language of whoever, or whichever scheduled action, triggered the rule)
            if (partner.lang, company) not in langs:
                row = Dispatch.new({"partner_id": partner.id, "company_id": company.id})
                langs[partner.lang, company] = row._lang()
            lang = langs[partner.lang, company]
            if lang not in texts:
                texts[lang] = (
                    message.in_lang(lang)
                    if isinstance(message, Translated)
                    else (action and action.with_context(lang=lang).dealer_message) or message
                )
            return texts[lang]

        for record in self:
            partner = customers.get(record.id)
            channel = partner._dealer_message_channel() if partner else None
            if channel == "phone":
                calls |= record
            elif channel:
                company = record._dealer_message_company(partner)
                body = in_language(partner, company)
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "vehicle_id": record.id if record._name == "dealer.vehicle" else False,
                        "company_id": company.id,
                        "channel": channel,
                        "occurrence_date": today,
                        "scheduled_at": now,
                        "action_id": action.id if action else False,
                        "res_model": record._name,
                        "res_id": record.id,
                        "subject": in_lang(subject, langs[partner.lang, company]) or False,
                        "body": body,
                        "lang": langs[partner.lang, company],
                    }
                )
            channel = channel or "skipped"
            counts[channel] = counts.get(channel, 0) + 1
        self.env["dealer.dispatch"].sudo()._queue_messages(vals_list)
        if calls:
            # in the assignee's language (the rule's message too, when it knows its translations)
            calls._dealer_schedule_role_activity(
                "responsible",
                summary=Translated.of_text(self.env, lambda env: env._("Call the customer")),
                note=message,
                activity_type=self.env.ref("mail.mail_activity_data_call"),
            )
        return counts

    def _dealer_message_company(self, partner):
        company = self._fields.get("company_id") and self.company_id
        return company or partner.company_id or self.env.company
