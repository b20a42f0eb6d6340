import secrets

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.settings import check_int_settings
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .dealer_telegram import DealerTelegramError

# Default lifetime of a customer's Telegram opt-in link (company setting "Telegram link valid (days)").
TELEGRAM_LINK_DAYS = 30


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
        help="Telegram sends it in the X-Telegram-Bot-Api-Secret-Token header of every update (registered by "
        "Register webhook); updates without it are refused. Never part of a URL.",
    )
    dealer_telegram_link_days = fields.Integer(
        string="Telegram link valid (days)",
        default=TELEGRAM_LINK_DAYS,
        help="A customer's Telegram opt-in link works this many days after it was issued, and only once.",
    )
    dealer_msg_cap_count = fields.Integer(
        string="Messages per customer (cap)",
        default=3,
        help="At most this many campaign messages reach one customer within the cap period, across all campaigns. "
        "Messages over the cap are skipped with the reason 'cap'. 0 = no cap.",
    )
    dealer_msg_cap_days = fields.Integer(
        string="Cap period (days)",
        default=7,
        help="The number of days over which the cap counts a customer's campaign messages.",
    )

    @api.constrains("dealer_msg_cap_count", "dealer_msg_cap_days")
    def _check_dealer_msg_cap(self):
        """A negative cap would skip every message as over it, a period under a day would count none."""
        check_int_settings(self, {"dealer_msg_cap_count": (3, 0, 1000), "dealer_msg_cap_days": (7, 1, 366)})

    @api.constrains("dealer_telegram_link_days")
    def _check_dealer_telegram_link_days(self):
        if any(company.dealer_telegram_link_days < 1 for company in self):
            raise ValidationError(self.env._("Telegram link valid (days) must be at least 1."))

    def action_dealer_telegram_set_webhook(self):
        """Register this company's webhook with Telegram so opt-ins reach Odoo.

        The URL names the company only; the secret travels as ``secret_token``, which Telegram
        sends back in the X-Telegram-Bot-Api-Secret-Token header (so it stays out of access logs).
        """
        self.ensure_one()
        if not self.dealer_telegram_bot_token:
            raise UserError(self.env._("Set the Telegram bot token of %(company)s first.", company=self.name))
        if not self.dealer_telegram_webhook_secret:
            self.dealer_telegram_webhook_secret = secrets.token_urlsafe(24)
        url = f"{self.get_base_url()}/dealer/telegram/webhook/{self.id}"
        payload = {"url": url, "allowed_updates": ["message"], "secret_token": self.dealer_telegram_webhook_secret}
        try:
            response = self.env["dealer.telegram"]._telegram_call(self.dealer_telegram_bot_token, "setWebhook", payload)
            data = response.json()
        except (DealerTelegramError, ValueError) as error:
            raise UserError(self.env._("Telegram could not be reached: %(error)s", error=error)) from None
        if not data.get("ok"):
            raise UserError(
                self.env._("Telegram refused the webhook: %(error)s", error=data.get("description") or data)
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": self.env._("Telegram webhook registered: %(url)s", url=url)},
        }

    def _dealer_telegram_rotate_shared_secrets(self):
        """Give a new random webhook secret to every company sharing its secret with another (or having none).

        A column default is computed once for the rows that exist when the column is added:
        every company then had the same secret. Run by the install hook and the 19.0.1.3.0 migration.
        """
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM res_company c
                 WHERE c.dealer_telegram_webhook_secret IS NULL
                    OR EXISTS (SELECT 1 FROM res_company o
                                WHERE o.id != c.id
                                  AND o.dealer_telegram_webhook_secret = c.dealer_telegram_webhook_secret)
                """
            )
        )
        companies = self.sudo().browse(row[0] for row in self.env.cr.fetchall())
        for company in companies:  # a handful of showrooms, not customers
            company.dealer_telegram_webhook_secret = secrets.token_urlsafe(24)
        return companies
