from odoo import api, models
from odoo.tools import SQL

PURGE_BATCH = 10000


class DealerDataRetention(models.AbstractModel):
    _inherit = "dealer.data.retention"

    @api.model
    def _purge_personal_data(self, cutoff):
        """Also forget when a customer opened or clicked a campaign message, and from which IP address a
        tracked link was clicked, once older than the retention setting (a campaign's old open and click
        rates go with them)."""
        res = super()._purge_personal_data(cutoff)
        self._dealer_purge_in_batches(
            SQL(
                """
            UPDATE dealer_dispatch SET opened_at = NULL, clicked_at = NULL
             WHERE id IN (SELECT id FROM dealer_dispatch
                           WHERE opened_at < %(cutoff)s OR clicked_at < %(cutoff)s
                           ORDER BY id LIMIT %(batch)s)
                """,
                cutoff=cutoff,
                batch=PURGE_BATCH,
            )
        )
        self._dealer_purge_in_batches(
            SQL(
                """
            UPDATE link_tracker_click SET ip = NULL
             WHERE id IN (SELECT id FROM link_tracker_click
                           WHERE create_date < %(cutoff)s AND ip IS NOT NULL
                           ORDER BY id LIMIT %(batch)s)
                """,
                cutoff=cutoff,
                batch=PURGE_BATCH,
            )
        )
        # not personal data, but the same daily clean-up: the bot's processed update ids older than a week
        self.env["dealer.telegram.update"].sudo()._purge_old()
        self.env.invalidate_all()
        return res

    @api.model
    def _dealer_purge_in_batches(self, query):
        """Run ``query`` (one batch of at most ``PURGE_BATCH`` rows) until it touches fewer, committing each."""
        while True:
            self.env.cr.execute(query)
            done = self.env.cr.rowcount
            self.env["ir.cron"]._commit_progress(done)
            if done < PURGE_BATCH:
                break
