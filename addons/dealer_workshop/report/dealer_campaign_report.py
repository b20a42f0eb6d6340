from odoo import models
from odoo.tools import SQL


class DealerCampaignReport(models.Model):
    _inherit = "dealer.campaign.report"

    def _credited_bookings_sql(self):
        """A booking made with a message's personal link is that message's, before any call that names it.

        Bookings count when made, even if later cancelled (as a booked call does); only their visits earn revenue.
        """
        return SQL(
            """%s
             UNION ALL
            SELECT l.dealer_dispatch_id, l.id, 1, l.create_date
              FROM crm_lead l
             WHERE l.dealer_dispatch_id IS NOT NULL
            """,
            super()._credited_bookings_sql(),
        )
