from odoo import models
from odoo.tools import SQL


class DealerRiskRule(models.Model):
    _inherit = "dealer.risk.rule"

    def _signal_sql_low_satisfaction(self, today):
        """Visits scored low, and car buyers who answered the survey after delivery as low.

        Service answers already land on their visit (``satisfaction_score``); sale answers have
        no visit and are read from the feedback itself. The latest low score per customer counts.
        """
        visits = super()._signal_sql_low_satisfaction(today)
        return SQL(
            """SELECT DISTINCT ON (x.partner_id) x.*
                 FROM ((%(visits)s)
                       UNION ALL
                       (SELECT f.partner_id, l.vehicle_id, f.company_id, NULL::int, f.score, NULL::float,
                               f.answer_date::date, 'dealer.feedback,' || f.id
                          FROM dealer_feedback f LEFT JOIN crm_lead l ON l.id = f.lead_id
                         WHERE f.state = 'answered' AND f.kind = 'sale' AND f.score <= %(max)s
                           AND f.answer_date::date > %(since)s AND f.answer_date::date <= %(today)s)
                      ) AS x(partner_id, vehicle_id, company_id, value_days, value_count, value_amount,
                             event_date, reference)
             ORDER BY x.partner_id, x.event_date DESC""",
            visits=visits,
            max=int(self.threshold),
            since=self._since(today),
            today=today,
        )
