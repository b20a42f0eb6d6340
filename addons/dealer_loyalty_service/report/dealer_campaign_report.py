from odoo import models
from odoo.tools import SQL


class DealerCampaignReport(models.Model):
    _inherit = "dealer.campaign.report"

    def _booked_visits_sql(self):
        """The workshop visits that carried out the booking of a booked call (``service_lead_id``)."""
        return SQL(
            """
            SELECT d.id AS dispatch_id, v.id AS visit_id, v.revenue
              FROM dealer_dispatch d
              JOIN dealer_call k ON k.id = d.call_id
              JOIN dealer_visit v ON v.service_lead_id = k.booking_id
             WHERE d.call_outcome = 'booked' AND v.state != 'cancelled'
            """
        )
