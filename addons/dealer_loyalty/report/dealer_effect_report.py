from odoo import fields, models
from odoo.addons.dealer_crm.tools.sql import in_reader_companies, without_jit
from odoo.tools import SQL


class DealerEffectReport(models.Model):
    """Incremental effect: one row per enrolment of a campaign or strategy, treated or control,
    with what the customer (or the car) did in the measuring window.

    The window starts on the day of enrolment and ends ``attribution_days`` after the campaign's
    last step (a strategy: after the enrolment); it is measured up to today while it is open.
    Both groups are measured the same way and every enrolment counts, whatever was sent to it
    (messages skipped for consent or quiet hours included: intention to treat), so the
    difference between the groups is what the campaign changed.
    """

    _name = "dealer.effect.report"
    _description = "Campaign and strategy effect"
    _auto = False
    _order = "date desc, id desc"

    campaign_id = fields.Many2one("dealer.campaign", readonly=True)
    strategy_id = fields.Many2one("dealer.retention.strategy", string="Retention strategy", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    vehicle_id = fields.Many2one("dealer.vehicle", readonly=True)
    group = fields.Selection([("treated", "Treated"), ("control", "Control")], readonly=True)
    date = fields.Date(string="Enrolled on", readonly=True)
    window_end = fields.Date(string="Measured until", readonly=True)
    window_closed = fields.Boolean(
        string="Window closed", readonly=True, help="The measuring window has ended: this outcome is final."
    )
    customer_count = fields.Integer(string="Customers", readonly=True, aggregator="sum")
    booked_count = fields.Integer(string="Booked", readonly=True, aggregator="sum", help="Came for a visit.")
    booking_rate = fields.Float(
        string="Booking rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the group's customers with a visit in their measuring window.",
    )
    visit_count = fields.Integer(string="Visits", readonly=True, aggregator="sum")
    revenue = fields.Float(readonly=True, aggregator="sum", groups="dealer_crm.group_dealer_see_money")
    revenue_per_customer = fields.Float(
        string="Revenue per customer",
        readonly=True,
        aggregator="avg",
        groups="dealer_crm.group_dealer_see_money",
    )
    revenue_sq = fields.Float(
        string="Revenue squared",
        readonly=True,
        aggregator="sum",
        groups="dealer_crm.group_dealer_see_money",
        help="For the interval of the revenue per customer (Welch).",
    )

    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        # one visit lookup per enrolment: fast, but estimated so costly that PostgreSQL would
        # spend longer compiling the statement than running it
        with without_jit(self.env.cr):
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        with without_jit(self.env.cr):
            return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH last_step AS (
                SELECT campaign_id, max(offset_days) AS offset_days FROM dealer_campaign_step GROUP BY campaign_id
            ), win AS (
                SELECT e.id, e.campaign_id, e.strategy_id, e.company_id, e.partner_id, e.vehicle_id, e.control,
                       -- a showroom's campaign or strategy: visits to that showroom; the group's: any
                       CASE WHEN COALESCE(c.company_id, s.company_id) IS NOT NULL THEN e.company_id END AS showroom_id,
                       e.enrolled_at::date AS start,
                       CASE WHEN e.campaign_id IS NOT NULL
                            THEN GREATEST(e.enrolled_at::date, e.occurrence_date + COALESCE(ls.offset_days, 0))
                                 + COALESCE(c.attribution_days, 0)
                            ELSE e.enrolled_at::date + COALESCE(s.attribution_days, 0)
                       END AS window_end
                  FROM dealer_campaign_enrolment e
             LEFT JOIN dealer_campaign c ON c.id = e.campaign_id
             LEFT JOIN last_step ls ON ls.campaign_id = e.campaign_id
             LEFT JOIN dealer_retention_strategy s ON s.id = e.strategy_id
            )
            SELECT w.id, w.campaign_id, w.strategy_id, w.company_id, w.partner_id, w.vehicle_id,
                   CASE WHEN w.control THEN 'control' ELSE 'treated' END AS "group",
                   w.start AS date, w.window_end, w.window_end < %(today)s AS window_closed,
                   1 AS customer_count,
                   (o.visits > 0)::int AS booked_count,
                   (o.visits > 0)::int * 100.0 AS booking_rate,
                   o.visits AS visit_count,
                   o.revenue, o.revenue AS revenue_per_customer, o.revenue * o.revenue AS revenue_sq
              FROM win w
             CROSS JOIN LATERAL (
                   -- the car's visits for a vehicle enrolment, the customer's for a customer one, to the
                   -- showroom of a showroom's campaign (another showroom's visits of a shared customer are its own),
                   -- to the showrooms the reader works in for the group's (``in_reader_companies``)
                   SELECT count(*) AS visits, COALESCE(sum(x.revenue), 0)::float AS revenue
                     FROM (SELECT v.revenue FROM dealer_visit v
                            WHERE w.vehicle_id IS NOT NULL AND v.vehicle_id = w.vehicle_id
                              AND (v.company_id = w.showroom_id OR w.showroom_id IS NULL AND %(group_visit)s)
                              AND v.state != 'cancelled'
                              AND v.date >= w.start AND v.date <= LEAST(w.window_end, %(today)s)
                            UNION ALL
                           SELECT v.revenue FROM dealer_visit v
                            WHERE w.vehicle_id IS NULL AND v.partner_id = w.partner_id
                              AND (v.company_id = w.showroom_id OR w.showroom_id IS NULL AND %(group_visit)s)
                              AND v.state != 'cancelled'
                              AND v.date >= w.start AND v.date <= LEAST(w.window_end, %(today)s)) x
             ) o
            """,
            today=today,
            group_visit=in_reader_companies(self.env, SQL.identifier("v", "company_id")),
        )
