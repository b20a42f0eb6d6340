import logging

import requests

from odoo import api, models

_logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot%s/%s"
TELEGRAM_TIMEOUT = 10


class DealerTelegramError(Exception):
    """A Telegram Bot API failure; ``transient`` tells whether a later retry may succeed."""

    def __init__(self, message, transient):
        super().__init__(message)
        self.transient = transient


class DealerTelegram(models.AbstractModel):
    _name = "dealer.telegram"
    _description = "Telegram Bot API client"

    @api.model
    def _dealer_telegram_post(self, token, method, payload):
        """The only place that talks to Telegram: tests patch it (or requests.post) at the HTTP boundary."""
        return requests.post(TELEGRAM_API % (token, method), json=payload, timeout=TELEGRAM_TIMEOUT)

    @api.model
    def _dealer_send_message(self, company, chat_id, text):
        """Send ``text`` to ``chat_id`` with ``company``'s bot; return Telegram's message id.

        Raises DealerTelegramError: transient for network errors, 429 and 5xx (retry later),
        permanent for the rest (bot blocked, chat not found, no token).
        """
        token = company.sudo().dealer_telegram_bot_token
        if not token:
            raise DealerTelegramError(
                self.env._("Company %(company)s has no Telegram bot token.", company=company.name), transient=False
            )
        try:
            response = self._dealer_telegram_post(token, "sendMessage", {"chat_id": chat_id, "text": text})
        except requests.RequestException as error:
            raise DealerTelegramError(str(error), transient=True) from error
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200 and data.get("ok"):
            return str(data.get("result", {}).get("message_id", ""))
        description = data.get("description") or f"HTTP {response.status_code}"
        raise DealerTelegramError(description, transient=response.status_code == 429 or response.status_code >= 500)
