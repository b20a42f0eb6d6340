"""RFM figures moved from res_partner columns to dealer_customer_score.

The old columns (and their indexes, which every customer insert still maintained) are
dropped; the scores are computed again into the new table, as the nightly run would.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

OLD_COLUMNS = (
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_score",
    "recency_days",
    "frequency",
    "monetary",
    "segment_id",
    "rfm_date",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "ALTER TABLE res_partner %s",
            SQL(", ").join(SQL("DROP COLUMN IF EXISTS %s", SQL.identifier(name)) for name in OLD_COLUMNS),
        )
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.partner"]._dealer_update_rfm()
