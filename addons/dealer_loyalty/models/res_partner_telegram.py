import secrets

from odoo import api, fields, models
from odoo.tools import SQL


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
        default=lambda self: secrets.token_urlsafe(12),
        groups="base.group_user",
        help="Secret in the customer's t.me/<bot>?start=<token> link that identifies them to the bot.",
    )
    telegram_optin_url = fields.Char(
        string="Telegram opt-in link",
        compute="_compute_telegram_optin_url",
        help="Send this link to the customer: opening it in Telegram subscribes them to the dealership's bot.",
    )

    def init(self):
        """Give every existing contact an opt-in token in one statement (new contacts get one by default)."""
        res = super().init()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET telegram_optin_token = md5(random()::text || id::text) "
                "WHERE telegram_optin_token IS NULL"
            )
        )
        return res

    @api.depends("telegram_optin_token", "company_id")
    def _compute_telegram_optin_url(self):
        for partner in self:
            bot = (partner.company_id or self.env.company).dealer_telegram_bot_username
            token = partner.sudo().telegram_optin_token
            partner.telegram_optin_url = f"https://t.me/{bot}?start={token}" if bot and token else False

    def _dealer_telegram_link(self, chat_id):
        """Link a Telegram chat to this contact and record the consent the customer gave by opening the bot."""
        self.ensure_one()
        vals = {"telegram_chat_id": str(chat_id)}
        if "consent_telegram" in self._fields:
            vals["consent_telegram"] = True
        self.write(vals)

    @api.model
    def _dealer_telegram_handle_update(self, company, update):
        """Handle one Telegram update; return the partner linked by a ``/start <token>`` message, if any."""
        message = (update or {}).get("message") or {}
        text = (message.get("text") or "").strip()
        chat_id = (message.get("chat") or {}).get("id")
        if not chat_id or not text.startswith("/start "):
            return self.browse()
        token = text.split(maxsplit=1)[1].strip()
        partner = self.sudo().search(
            [("telegram_optin_token", "=", token), ("company_id", "in", [company.id, False])], limit=1
        )
        if partner:
            partner._dealer_telegram_link(chat_id)
        return partner
