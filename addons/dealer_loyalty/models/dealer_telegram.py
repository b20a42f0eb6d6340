import logging
import re

import requests
from urllib3.exceptions import NewConnectionError

from odoo import api, models

_logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot%s/%s"
TELEGRAM_TIMEOUT = 10
# A bot token as it appears in a request URL (``/bot<id>:<secret>/``), whichever bot it is.
BOT_TOKEN_RE = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
BOT_TOKEN_MASK = "bot<token>"


def scrub_bot_token(text, token=None):
    """``text`` without the bot token: requests' errors and urllib3's debug lines carry the request URL."""
    text = str(text)
    if token:
        text = text.replace(token, "<token>")
    return BOT_TOKEN_RE.sub(BOT_TOKEN_MASK, text)


class _ScrubBotTokenFilter(logging.Filter):
    """urllib3 logs the request line (with the token in its path) at DEBUG level: mask it."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if BOT_TOKEN_RE.search(message):
            record.msg, record.args = scrub_bot_token(message), ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_ScrubBotTokenFilter())


class DealerTelegramError(Exception):
    """A Telegram Bot API failure, its text free of the bot token.

    ``transient``: the message was certainly not delivered and a later attempt may succeed
    (connection refused or timed out before anything was sent, 429 Too Many Requests).
    ``ambiguous``: Telegram may have received the message (read timeout, connection dropped
    after sending, 5xx): at-most-once delivery means it is never sent again.
    ``retry_after``: seconds Telegram asked to wait (429).
    """

    def __init__(self, message, transient, ambiguous=False, retry_after=0):
        super().__init__(message)
        self.transient = transient
        self.ambiguous = ambiguous
        self.retry_after = retry_after


def _nothing_sent(error):
    """True when a requests error proves the request never left: no connection was established."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError) and not isinstance(error, requests.exceptions.SSLError):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, NewConnectionError)
    return False


class DealerTelegram(models.AbstractModel):
    _name = "dealer.telegram"
    _description = "Telegram Bot API client"

    @api.model
    def _telegram_post(self, token, method, payload):
        """The only place that talks to Telegram: tests patch it (or requests.post) at the HTTP boundary."""
        return requests.post(TELEGRAM_API % (token, method), json=payload, timeout=TELEGRAM_TIMEOUT)

    @api.model
    def _telegram_call(self, token, method, payload):
        """Call ``method``; network errors come back as DealerTelegramError without the token."""
        try:
            return self._telegram_post(token, method, payload)
        except requests.RequestException as error:
            detail = scrub_bot_token(error, token)
            _logger.info("Telegram %s failed: %s", method, detail)
            if _nothing_sent(error):
                message = self.env._("Telegram could not be reached (nothing was sent): %(error)s", error=detail)
                raise DealerTelegramError(message, transient=True) from None
            message = self.env._(
                "No answer from Telegram; the message may have been delivered, so it is not sent again: %(error)s",
                error=detail,
            )
            raise DealerTelegramError(message, transient=False, ambiguous=True) from None

    @api.model
    def _send_message(self, company, chat_id, text):
        """Send ``text`` to ``chat_id`` with ``company``'s bot; return Telegram's message id.

        At most once: only an outcome that proves nothing was delivered (no connection, 429)
        is transient; a timeout, a dropped connection or a 5xx is ambiguous and never retried;
        the other refusals (bot blocked, chat not found, no token) are permanent.
        """
        token = company.sudo().dealer_telegram_bot_token
        if not token:
            raise DealerTelegramError(
                self.env._("Company %(company)s has no Telegram bot token.", company=company.name), transient=False
            )
        response = self._telegram_call(token, "sendMessage", {"chat_id": chat_id, "text": text})
        try:
            data = response.json()
        except ValueError:
            data = {}
        status = response.status_code
        if status == 200 and data.get("ok"):
            return str(data.get("result", {}).get("message_id", ""))
        description = scrub_bot_token(data.get("description") or f"HTTP {status}", token)
        if status == 429:
            retry_after = int((data.get("parameters") or {}).get("retry_after") or 0)
            raise DealerTelegramError(description, transient=True, retry_after=retry_after)
        if status >= 500 or status == 200:
            message = self.env._(
                "Telegram answered %(error)s; the message may have been delivered, so it is not sent again.",
                error=description,
            )
            raise DealerTelegramError(message, transient=False, ambiguous=True)
        raise DealerTelegramError(description, transient=False)
