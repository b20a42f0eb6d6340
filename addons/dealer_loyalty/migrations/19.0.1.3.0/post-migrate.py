"""Telegram secrets per row, for databases installed before the install hook existed.

Every contact present when dealer_loyalty was installed got the same opt-in token and every
company the same webhook secret (a column default is computed once for the existing rows):
anyone holding one customer's link could bind their chat to another card. The shared ones are
replaced by random ones; a token that was already unique keeps working. The webhook now sends its
secret in a header to /dealer/telegram/webhook/<company id>: press *Register webhook* again.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    tokens = env["res.partner"]._dealer_telegram_reissue_shared_tokens()
    companies = env["res.company"]._dealer_telegram_rotate_shared_secrets()
    _logger.info(
        "Telegram: %s contacts got their own opt-in token, %s companies their own webhook secret "
        "(register their webhooks again)",
        tokens,
        len(companies),
    )
