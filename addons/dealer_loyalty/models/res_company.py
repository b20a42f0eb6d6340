import secrets

import requests

from odoo import fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _inherit = "res.company"

    dealer_telegram_bot_token = fields.Char(
        string="Telegram bot token",
        groups="base.group_system",
        copy=False,
        help="The token @BotFather gave for this company's bot; messages to customers are sent with it.",
    )
    dealer_telegram_bot_username = fields.Char(
        string="Telegram bot username",
        help="The bot's @username without the @; used to build the customers' opt-in links t.me/<bot>?start=<token>.",
    )
    dealer_telegram_webhook_secret = fields.Char(
        string="Telegram webhook secret",
        groups="base.group_system",
        copy=False,
        default=lambda self: secrets.token_urlsafe(24),
        help="Secret part of the webhook URL /dealer/telegram/webhook/<secret> registered with Telegram's setWebhook.",
    )
    dealer_msg_cap_count = fields.Integer(
        string="Messages per customer (cap)",
        default=3,
        help="At most this many campaign messages reach one customer within the cap period, across all campaigns. "
        "Messages over the cap are skipped with the reason 'cap'. 0 = no cap.",
    )
    dealer_msg_cap_days = fields.Integer(string="Cap period (days)", default=7)

    def action_dealer_telegram_set_webhook(self):
        """Register this company's webhook URL with Telegram so opt-ins reach Odoo."""
        self.ensure_one()
        if not self.dealer_telegram_bot_token:
            raise UserError(self.env._("Set the Telegram bot token of %(company)s first.", company=self.name))
        url = f"{self.get_base_url()}/dealer/telegram/webhook/{self.dealer_telegram_webhook_secret}"
        try:
            response = self.env["dealer.telegram"]._dealer_telegram_post(
                self.dealer_telegram_bot_token, "setWebhook", {"url": url, "allowed_updates": ["message"]}
            )
            data = response.json()
        except (requests.RequestException, ValueError) as error:
            raise UserError(self.env._("Telegram could not be reached: %(error)s", error=error)) from error
        if not data.get("ok"):
            raise UserError(
                self.env._("Telegram refused the webhook: %(error)s", error=data.get("description") or data)
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": self.env._("Telegram webhook registered: %(url)s", url=url)},
        }
