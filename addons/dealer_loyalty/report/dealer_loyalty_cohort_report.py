from odoo import fields, models
from odoo.tools import SQL

from ..models.res_partner import LOYALTY_STATUSES, RISK_LEVELS


class DealerLoyaltyCohortReport(models.Model):
    """12-month retention by cohort (month of the first visit or purchase).

    One row per customer, read from the figures the daily run stores on res.partner, so the
    report costs a scan of customers instead of a scan of millions of visits.
    """

    _name = "dealer.loyalty.cohort.report"
    _description = "Loyalty cohort retention"
    _auto = False
    _order = "cohort_month desc"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    cohort_month = fields.Date(string="Cohort", readonly=True)
    segment_id = fields.Many2one("dealer.segment", readonly=True)
    loyalty_status = fields.Selection(LOYALTY_STATUSES, readonly=True)
    risk_level = fields.Selection(RISK_LEVELS, readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True, aggregator="sum")
    mature_count = fields.Integer(
        string="Customers measured",
        readonly=True,
        aggregator="sum",
        help="Customers whose first 12 months are over or who already came back.",
    )
    retained_count = fields.Integer(string="Retained", readonly=True, aggregator="sum")
    retention_rate = fields.Float(
        string="Retention 12 months (%)",
        readonly=True,
        aggregator="avg",
        digits=(5, 1),
        help="Share of the measured customers of the cohort who came back within 12 months.",
    )
    monetary = fields.Float(
        string="Spent in window", readonly=True, aggregator="sum", groups="dealer_crm.group_dealer_see_money"
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT p.id, p.id AS partner_id, p.company_id, p.loyalty_cohort_month AS cohort_month,
                   cs.segment_id, p.loyalty_status, p.risk_level, 1 AS customer_count,
                   CASE WHEN p.loyalty_retained_12m IS NOT NULL THEN 1 ELSE 0 END AS mature_count,
                   CASE WHEN p.loyalty_retained_12m THEN 1 ELSE 0 END AS retained_count,
                   CASE WHEN p.loyalty_retained_12m THEN 100.0
                        WHEN p.loyalty_retained_12m IS FALSE THEN 0.0 END AS retention_rate,
                   COALESCE(cs.monetary, 0) AS monetary
              FROM res_partner p
         LEFT JOIN dealer_customer_score cs ON cs.id = p.rfm_id
             WHERE p.loyalty_cohort_month IS NOT NULL
            """
        )
