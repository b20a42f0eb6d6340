import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from .res_company import TELEGRAM_LINK_DAYS

# What a customer may send the bot to stop its messages (Telegram commands are Latin; the
# Russian words are accepted as plain text).
STOP_WORDS = ("/stop", "стоп", "отписаться", "/unsubscribe")


def _new_optin_token():
    return secrets.token_urlsafe(16)


class ResPartner(models.Model):
    _inherit = "res.partner"

    telegram_chat_id = fields.Char(
        string="Telegram chat",
        copy=False,
        index="btree_not_null",
        help="Set when the customer opened the company bot through their opt-in link; campaign messages go there.",
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
    telegram_optin_expires = fields.Datetime(
        string="Telegram link valid until",
        compute="_compute_telegram_optin_url",
        help="After this moment the bot refuses the link: issue a new one.",
    )
    telegram_optin_url = fields.Char(
        string="Telegram opt-in link",
        compute="_compute_telegram_optin_url",
        help="Send this link to the customer: opening it in Telegram subscribes them to the dealership's bot. "
        "It works once, until its expiry, and only while the card is not linked to a chat.",
    )

    @api.depends("telegram_optin_token", "telegram_optin_date", "telegram_chat_id", "company_id")
    def _compute_telegram_optin_url(self):
        now = fields.Datetime.now()
        for partner in self:
            company = partner.company_id or self.env.company
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
    # Actions of the staff
    # ------------------------------------------------------------

    def action_dealer_telegram_new_link(self):
        """Issue a fresh opt-in link (the old one stops working)."""
        self._dealer_telegram_new_token()
        return True

    def action_dealer_telegram_unlink(self):
        """Stop Telegram messages to this card (e.g. the customer changed phones) and allow a new link."""
        self.write({"telegram_chat_id": False, "consent_telegram": False})
        self._dealer_telegram_new_token()
        for partner in self:
            partner._message_log(body=Markup("<p>%s</p>") % self.env._("Telegram chat unlinked by staff."))
        return True

    def _dealer_telegram_new_token(self):
        for partner in self:
            partner.write({"telegram_optin_token": _new_optin_token(), "telegram_optin_date": fields.Datetime.now()})

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

        Returns ``(partners, reply)``: the contacts linked or unlinked, and the text to answer in
        the chat (None: say nothing).
        """
        message = (update or {}).get("message") or {}
        text = (message.get("text") or "").strip()
        chat_id = (message.get("chat") or {}).get("id")
        if not chat_id or not text:
            return self.browse(), None
        command, _sep, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        lang = self._dealer_telegram_lang(message)
        if command == "/start" and argument.strip():
            return self._dealer_telegram_start(company, str(chat_id), argument.strip(), lang)
        if command in STOP_WORDS:
            return self._dealer_telegram_stop(company, str(chat_id), lang)
        return self.browse(), None

    @api.model
    def _dealer_telegram_lang(self, message):
        """The installed language matching the Telegram user's interface language, if any."""
        code = ((message.get("from") or {}).get("language_code") or "").replace("-", "_").lower()
        if not code:
            return None
        for lang, _name in self.env["res.lang"].get_installed():
            if lang.lower() == code or lang.lower().startswith(f"{code}_"):
                return lang
        return None

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
        """``/start <token>``: link the chat to the card whose valid, unused link this is.

        Refused: an unknown, used or expired token, and a card already linked to another chat
        (staff unlink it first: a forwarded link must not take over someone's messages).
        """
        partner = self.search(
            [("telegram_optin_token", "=", token), ("company_id", "in", [company.id, False])], limit=1
        )
        if not partner:
            env = self._dealer_telegram_reply(lang, company)
            return self.browse(), env._("This link is not valid. Ask the dealership for a new one.")
        env = partner._dealer_telegram_reply(lang, company)
        expires = partner._dealer_telegram_token_expiry(company)[1]
        if not expires or expires <= fields.Datetime.now():
            return self.browse(), env._("This link has expired. Ask the dealership for a new one.")
        if partner.telegram_chat_id and partner.telegram_chat_id != chat_id:
            return self.browse(), env._(
                "This card already receives messages in another Telegram chat. "
                "Ask the dealership to unlink it and send you a new link."
            )
        partner.with_context(dealer_consent_source="telegram").write(
            {"telegram_chat_id": chat_id, "consent_telegram": True}
        )
        partner._dealer_telegram_new_token()  # the link works once
        note = self._dealer_telegram_note_env(company)._(
            "The customer opened their Telegram link and agreed to Telegram messages."
        )
        partner._message_log(body=Markup("<p>%s</p>") % note)
        return partner, env._(
            "You will now receive reminders from %(company)s here. Send /stop to unsubscribe.", company=company.name
        )

    @api.model
    def _dealer_telegram_stop(self, company, chat_id, lang):
        """``/stop``: the customer withdraws Telegram consent; every card linked to this chat is unlinked."""
        partners = self.search([("telegram_chat_id", "=", chat_id), ("company_id", "in", [company.id, False])])
        env = partners._dealer_telegram_reply(lang, company)
        if not partners:
            return partners, env._("You are not subscribed to messages from %(company)s.", company=company.name)
        partners.with_context(dealer_consent_source="telegram").write(
            {"telegram_chat_id": False, "consent_telegram": False}
        )
        note = self._dealer_telegram_note_env(company)._(
            "The customer sent /stop in Telegram: Telegram consent withdrawn."
        )
        for partner in partners:
            partner._message_log(body=Markup("<p>%s</p>") % note)
        return partners, env._(
            "You will no longer receive messages from %(company)s here. To subscribe again, ask the dealership "
            "for a new link.",
            company=company.name,
        )
