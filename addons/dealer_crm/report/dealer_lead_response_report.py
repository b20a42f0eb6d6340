from odoo import fields, models
from odoo.tools import SQL

from ..models.crm_lead import DEALER_CHANNELS


class DealerLeadResponseReport(models.Model):
    """How fast leads are answered: median and 90th percentile of the response time per
    month, channel, team and salesperson, and how often leads were escalated.

    Percentiles are computed by PostgreSQL (``percentile_cont``) per row; grouped further
    in the pivot they are averaged, so read them at the grouping you need.
    """

    _name = "dealer.lead.response.report"
    _description = "Lead response report"
    _auto = False
    _order = "month desc, channel"

    month = fields.Date(readonly=True)
    channel = fields.Selection(DEALER_CHANNELS, readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lead_count = fields.Integer(string="Leads", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    late_count = fields.Integer(
        string="Answered late or not yet",
        readonly=True,
        help="Leads answered after their deadline or still waiting past it.",
    )
    escalation_count = fields.Integer(string="Escalations", readonly=True)
    median_minutes = fields.Float(string="Median response (min)", readonly=True, aggregator="avg", digits=(16, 1))
    p90_minutes = fields.Float(string="90th percentile (min)", readonly=True, aggregator="avg", digits=(16, 1))
    avg_minutes = fields.Float(string="Average response (min)", readonly=True, aggregator="avg", digits=(16, 1))

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT min(l.id) AS id,
                   date_trunc('month', l.dealer_sla_start)::date AS month,
                   l.dealer_channel AS channel, l.team_id, l.user_id, l.company_id,
                   count(*) AS lead_count,
                   count(l.dealer_first_contact_date) AS answered_count,
                   count(*) FILTER (
                       WHERE l.dealer_sla_state = 'late'
                          OR (l.dealer_sla_state = 'running' AND l.dealer_sla_deadline < %s)
                   ) AS late_count,
                   sum(l.dealer_escalation_level) AS escalation_count,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY l.dealer_response_minutes)
                       FILTER (WHERE l.dealer_first_contact_date IS NOT NULL) AS median_minutes,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY l.dealer_response_minutes)
                       FILTER (WHERE l.dealer_first_contact_date IS NOT NULL) AS p90_minutes,
                   avg(l.dealer_response_minutes) FILTER (WHERE l.dealer_first_contact_date IS NOT NULL) AS avg_minutes
              FROM crm_lead l
             WHERE l.dealer_sla_start IS NOT NULL
          GROUP BY 2, 3, 4, 5, 6
            """,
            fields.Datetime.now(),
        )
