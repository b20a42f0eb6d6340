from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Telegram keeps an undelivered update for at most 24 hours: a week covers every replay.
KEEP_UPDATE_IDS = timedelta(days=7)


class DealerTelegramUpdate(models.Model):
    """The update ids a company's bot has processed: a replayed update changes nothing.

    Telegram resends an update until the webhook answers 200, and anybody holding the secret
    could replay one; the unique index makes the claim atomic, so two deliveries of one update
    racing each other process it once.
    """

    _name = "dealer.telegram.update"
    _description = "Processed Telegram update"
    _order = "id desc"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    # Telegram's ids are 64-bit integers: kept as text, compared for equality only
    update_id = fields.Char(string="Update id", required=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, index=True)

    _once_per_company = models.UniqueIndex("(company_id, update_id)", "This Telegram update was already processed.")

    @api.model
    def _claim(self, company, update_id):
        """Record ``update_id`` as processed for ``company``; False when it already was (a replay)."""
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO dealer_telegram_update (company_id, update_id, received_at)
                VALUES (%s, %s, %s)
                ON CONFLICT (company_id, update_id) DO NOTHING
                RETURNING id
                """,
                company.id,
                str(update_id),
                fields.Datetime.now(),
            )
        )
        return bool(rows)

    @api.model
    def _purge_old(self, now=None):
        """Forget the ids older than a week (one DELETE); returns how many were forgotten."""
        cutoff = (now or fields.Datetime.now()) - KEEP_UPDATE_IDS
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM dealer_telegram_update WHERE received_at < %s", cutoff))
        self.invalidate_model()
        return self.env.cr.rowcount
