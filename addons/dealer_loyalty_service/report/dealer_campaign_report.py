from odoo import models
from odoo.tools import SQL


class DealerCampaignReport(models.Model):
    _inherit = "dealer.campaign.report"

    def _booked_visits_sql(self):
        """The workshop visits that carried out a booking (``service_lead_id``).

        The report joins them to the one message each booking is credited to, so a booking that two
        booked calls name earns its visits' revenue once.
        """
        return SQL(
            """
            SELECT v.service_lead_id AS booking_id, v.id AS visit_id, v.revenue
              FROM dealer_visit v
             WHERE v.service_lead_id IS NOT NULL AND v.state != 'cancelled'
            """
        )
