from odoo import fields, models
from odoo.orm.models import parse_read_group_spec
from odoo.tools import SQL

from ..models.crm_lost_reason import LOSS_CATEGORIES
from ..models.dealer_loss_event import LOSS_KINDS

MONTHS = [
    (str(m), name)
    for m, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
]


class DealerLostRevenueReport(models.Model):
    """One lost-revenue ledger: lost and realised revenue of service and sales in money.

    Rows (a UNION, one SQL view):
      * service loss events (lost = potential = the event's amount);
      * won service opportunities (realised = potential = accepted amount), unless a closed
        visit carried the job out: then its lines below are the realised revenue, counted once;
      * done lines of closed visits (realised = potential = the line's amount);
      * lost dealership deals with an expected revenue (lost = potential);
      * won dealership deals (realised = potential = expected revenue).
    Deals of Odoo's own CRM (another team's, without a car) are no car sales and stay out.
    Potential = lost + realised, so % lost = lost / potential.  Recovered = lost amount of
    service opportunities later won back.  Ids are ``source id * 4 + branch`` (no window
    function), so filters on date/company/reason reach each branch and its indexes.
    """

    _name = "dealer.lost.revenue.report"
    _description = "Lost revenue ledger"
    _auto = False
    _order = "date desc"
    _rec_name = "date"

    date = fields.Date(readonly=True)
    year = fields.Char(readonly=True, help="Compare the same month across years for seasonality.")
    month = fields.Selection(MONTHS, string="Month of year", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    business = fields.Selection([("service", "Service"), ("sales", "Sales")], string="Line of business", readonly=True)
    row_type = fields.Selection([("lost", "Lost"), ("realised", "Realised")], string="Type", readonly=True)
    kind = fields.Selection(LOSS_KINDS, string="Loss event", readonly=True)
    reason_id = fields.Many2one("crm.lost.reason", string="Reason", readonly=True)
    category = fields.Selection(LOSS_CATEGORIES, readonly=True)
    stage_id = fields.Many2one("crm.stage", string="Stage", readonly=True)
    advisor_id = fields.Many2one("res.users", string="Advisor / salesperson", readonly=True)
    brand_id = fields.Many2one("dealer.vehicle.brand", string="Make", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    lost_amount = fields.Monetary(string="Lost revenue", readonly=True, aggregator="sum")
    potential_amount = fields.Monetary(string="Potential revenue", readonly=True, aggregator="sum")
    realised_amount = fields.Monetary(string="Realised revenue", readonly=True, aggregator="sum")
    recovered_amount = fields.Monetary(string="Recovered revenue", readonly=True, aggregator="sum")
    lost_count = fields.Integer(string="Losses", readonly=True, aggregator="sum")
    recovered_count = fields.Integer(string="Recovered losses", readonly=True, aggregator="sum")
    lost_pct = fields.Float(
        string="% of potential lost",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Lost revenue divided by the potential revenue (won plus lost) of the period.",
    )
    recovery_rate = fields.Float(
        string="Recovery rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Share of lost service opportunities that were later won back.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT u.*,
                   EXTRACT(YEAR FROM u.date)::int::varchar AS year,
                   EXTRACT(MONTH FROM u.date)::int::varchar AS month,
                   CASE WHEN u.potential_amount > 0 THEN 100.0 * u.lost_amount / u.potential_amount
                        ELSE 0.0 END AS lost_pct,
                   CASE WHEN u.lost_count > 0 THEN 100.0 * u.recovered_count / u.lost_count ELSE 0.0 END
                        AS recovery_rate
              FROM (%s UNION ALL %s UNION ALL %s UNION ALL %s) u
            """,
            self._query_loss_events(),
            self._query_won_service(),
            self._query_visit_revenue(),
            self._query_sales_leads(),
        )

    def _read_group_select(self, aggregate_spec, query):
        """% lost and recovery rate of a group are ratios of its sums (the pivot's totals too),
        never averages of the rows' ratios."""
        fname, _prop, func = parse_read_group_spec(aggregate_spec)
        ratios = {"lost_pct": ("lost_amount", "potential_amount"), "recovery_rate": ("recovered_count", "lost_count")}
        if func != "avg" or fname not in ratios:
            return super()._read_group_select(aggregate_spec, query)
        part, whole = (SQL("SUM(%s)", self._field_to_sql(self._table, name, query)) for name in ratios[fname])
        return SQL("CASE WHEN %(whole)s > 0 THEN 100.0 * %(part)s / %(whole)s ELSE 0.0 END", part=part, whole=whole)

    def _query_loss_events(self):
        return SQL("""
            SELECT ev.id * 4 AS id, ev.date, ev.company_id, 'service' AS business, 'lost' AS row_type, ev.kind,
                   ev.reason_id, ev.category, ev.stage_id, ev.advisor_id, ev.brand_id, ev.lead_id,
                   ev.amount AS lost_amount, ev.amount AS potential_amount, 0.0 AS realised_amount,
                   CASE WHEN ev.recovered THEN ev.amount ELSE 0.0 END AS recovered_amount,
                   1 AS lost_count, CASE WHEN ev.recovered THEN 1 ELSE 0 END AS recovered_count
              FROM dealer_loss_event ev
        """)

    def _query_won_service(self):
        return SQL("""
            SELECT l.id * 4 + 1, l.date_closed::date, l.company_id, 'service', 'realised', NULL,
                   NULL, NULL, l.stage_id, l.user_id, v.brand_id, l.id,
                   0.0, l.service_accepted_amount, l.service_accepted_amount, 0.0, 0, 0
              FROM crm_lead l
              LEFT JOIN dealer_vehicle v ON v.id = l.vehicle_id
             WHERE l.dealer_interest = 'service' AND l.won_status = 'won' AND l.service_accepted_amount > 0
               AND NOT EXISTS (SELECT 1 FROM dealer_visit vi WHERE vi.service_lead_id = l.id AND vi.state = 'done')
        """)

    def _query_visit_revenue(self):
        return SQL("""
            SELECT vl.id * 4 + 2, vi.date, vi.company_id, 'service', 'realised', NULL,
                   NULL, NULL, NULL, vi.advisor_id, ve.brand_id, NULL,
                   0.0, vl.amount, vl.amount, 0.0, 0, 0
              FROM dealer_visit_line vl
              JOIN dealer_visit vi ON vi.id = vl.visit_id
              LEFT JOIN dealer_vehicle ve ON ve.id = vi.vehicle_id
             WHERE vi.state = 'done' AND vl.status = 'done' AND vl.amount > 0
        """)

    def _query_sales_leads(self):
        return SQL("""
            SELECT l.id * 4 + 3, COALESCE(l.date_closed, l.write_date)::date, l.company_id, 'sales',
                   CASE WHEN l.won_status = 'lost' THEN 'lost' ELSE 'realised' END, NULL,
                   l.lost_reason_id, r.dealer_category, l.stage_id, l.user_id, v.brand_id, l.id,
                   CASE WHEN l.won_status = 'lost' THEN l.expected_revenue ELSE 0.0 END,
                   l.expected_revenue,
                   CASE WHEN l.won_status = 'won' THEN l.expected_revenue ELSE 0.0 END,
                   0.0, CASE WHEN l.won_status = 'lost' THEN 1 ELSE 0 END, 0
              FROM crm_lead l
              LEFT JOIN crm_lost_reason r ON r.id = l.lost_reason_id
              LEFT JOIN dealer_vehicle v ON v.id = l.vehicle_id
             WHERE l.dealer_interest IS DISTINCT FROM 'service' AND l.won_status IN ('won', 'lost')
               AND l.expected_revenue > 0
               AND (l.vehicle_id IS NOT NULL OR l.trade_in_vehicle_id IS NOT NULL
                    OR l.team_id IN (SELECT id FROM crm_team WHERE dealer_is_dealership))
        """)

    def _loss_rates(self, company, date_from, date_to, reason):
        """(lost amount for ``reason``, lost amount for every other reason, potential service revenue)
        in [date_from, date_to): one grouped read of the ledger as it is now (pending changes written first)."""
        for source in ("dealer.loss.event", "dealer.visit", "dealer.visit.line", "crm.lead", "dealer.service.line"):
            self.env[source].flush_model()
        domain = [
            ("business", "=", "service"),
            ("company_id", "=", company.id),
            ("date", ">=", date_from),
            ("date", "<", date_to),
        ]
        lost = other = potential = 0.0
        for group_reason, group_lost, group_potential in self._read_group(
            domain, ["reason_id"], ["lost_amount:sum", "potential_amount:sum"]
        ):
            potential += group_potential or 0.0
            if group_reason == reason:
                lost += group_lost or 0.0
            elif group_reason:
                other += group_lost or 0.0
        return lost, other, potential

    def _kpis(self, domain):
        """Totals of the KPI pivot: money, % lost, recovery rate (the pivot's own aggregates)."""
        [(lost, potential, lost_pct, recovered, recovery_rate)] = self._read_group(
            domain,
            [],
            ["lost_amount:sum", "potential_amount:sum", "lost_pct:avg", "recovered_amount:sum", "recovery_rate:avg"],
        )
        return {
            "lost": lost or 0.0,
            "potential": potential or 0.0,
            "lost_pct": lost_pct or 0.0,
            "recovered": recovered or 0.0,
            "recovery_rate": recovery_rate or 0.0,
        }
