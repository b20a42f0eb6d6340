import calendar
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.marks import Mark, marked
from odoo.fields import Domain
from odoo.orm.domains import DomainBool, DomainCondition, DomainNary, DomainNot
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


# what the monthly figures keep (see DealerLostRevenueReport)
MONTHLY_COLUMNS = {
    "company_id",
    "business",
    "row_type",
    "kind",
    "reason_id",
    "category",
    "stage_id",
    "advisor_id",
    "brand_id",
    "year",
    "month",
}
MONTHLY_GRANULARITIES = {"month", "quarter", "year", "month_number", "quarter_number", "year_number"}
MONTHLY_AGGREGATES = {
    *(
        ("sum", fname)
        for fname in (
            "lost_amount",
            "potential_amount",
            "realised_amount",
            "recovered_amount",
            "lost_count",
            "recovered_count",
        )
    ),
    ("avg", "lost_pct"),
    ("avg", "recovery_rate"),
}
# the tables the ledger reads, and the writes that can change it
MONTHLY_SOURCES = {
    "dealer_loss_event": ("INSERT", "UPDATE", "DELETE"),
    "dealer_visit": ("INSERT", "UPDATE", "DELETE"),
    "dealer_visit_line": ("INSERT", "UPDATE", "DELETE"),
    "crm_lead": ("INSERT", "UPDATE", "DELETE"),
    "dealer_vehicle": ("UPDATE",),
    "crm_lost_reason": ("UPDATE",),
    "crm_team": ("UPDATE",),
}


def _next_month(day):
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _monthly_domain(domain):
    """Every condition of ``domain`` is one the monthly figures answer (no SQL of its own)."""
    if isinstance(domain, DomainCondition):
        return _monthly_condition(domain)
    if isinstance(domain, DomainNot):
        return _monthly_domain(domain.child)
    if isinstance(domain, DomainNary):
        return all(_monthly_domain(child) for child in domain.children)
    return isinstance(domain, DomainBool)


def _monthly_condition(condition):
    """A filter the monthly figures answer exactly: on a kept column, or on the date at a month
    boundary (``>=``/``<`` the first of a month, ``<=``/``>`` the last)."""
    fname = condition.field_expr.split(".")[0]
    if fname in MONTHLY_COLUMNS:
        return True
    if fname != "date" or condition.operator not in (">=", "<", "<=", ">"):
        return False
    try:
        day = fields.Date.to_date(condition.value)
    except (TypeError, ValueError):
        return False
    if not isinstance(day, date):
        return False
    if condition.operator in (">=", "<"):
        return day.day == 1
    return day.day == calendar.monthrange(day.year, day.month)[1]


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

    Monthly figures: a dealer group's ledger has millions of rows, and its pivots and charts
    group them by month, reason, advisor or make.  Past days are kept summed per month in
    ``dealer_lost_revenue_month`` (one row per month and value of every column but the
    opportunity, refreshed by a daily job up to two days ago), and a grouped read that only
    groups and filters on those columns, by whole months, reads them instead of the rows — for
    the months summed in ``dealer_lost_revenue_month_state``, up to the day they were summed,
    unless ``dealer_lost_revenue_month_dirty`` names them; every other day (the last two, any
    month not summed yet or changed since) is read from the rows as before.  Any write to a row
    the ledger reads (ORM or SQL, any addon) dated before yesterday adds its month to the dirty
    list in the same transaction: statement triggers on the source tables
    (``_dealer_months_init``).  The list is only appended to by writers, and the daily job
    removes only the entries its own snapshot saw (with the changes they stand for): a change
    committed while it runs keeps its month dirty.  So a grouped read is always the rows'
    answer; only the speed differs.
    """

    _name = "dealer.lost.revenue.report"
    _description = "Lost revenue ledger"
    _auto = False
    _order = "date desc"
    _rec_name = "date"
    _depends = {
        "dealer.loss.event": [
            "date",
            "company_id",
            "kind",
            "reason_id",
            "category",
            "stage_id",
            "advisor_id",
            "brand_id",
            "lead_id",
            "amount",
            "recovered",
        ],
        "crm.lead": [
            "date_closed",
            "company_id",
            "stage_id",
            "user_id",
            "vehicle_id",
            "trade_in_vehicle_id",
            "team_id",
            "lost_reason_id",
            "expected_revenue",
            "write_date",
            "won_status",
            "dealer_interest",
            "service_accepted_amount",
        ],
        "dealer.visit": ["date", "company_id", "state", "advisor_id", "vehicle_id", "service_lead_id"],
        "dealer.visit.line": ["visit_id", "amount", "status"],
        "dealer.vehicle": ["brand_id"],
        "crm.lost.reason": ["dealer_category"],
        "crm.team": ["dealer_is_dealership"],
    }

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
              FROM (%s) u
            """,
            self._query_rows(),
        )

    def _query_ledger(self):
        return SQL(
            "%s UNION ALL %s UNION ALL %s UNION ALL %s",
            self._query_loss_events(),
            self._query_won_service(),
            self._query_visit_revenue(),
            self._query_sales_leads(),
        )

    def _query_rows(self):
        """The ledger's rows; in a grouped read on monthly figures (``_read_group``), the fresh
        months' sums (``row_count`` rows each) and the other months' rows (1 each)."""
        fresh = marked(self.env, "dealer_ledger_fresh_months")
        if not fresh:
            return self._query_ledger()
        spans = [(date.fromisoformat(start), date.fromisoformat(until)) for start, until in fresh]
        live = [SQL("l.date IS NULL")]
        end = None  # the rows are read before the first span of summed days, between spans, and after
        for start, until in spans:
            if end is None:
                live.append(SQL("l.date < %s", start))
            elif start > end:
                live.append(SQL("(l.date >= %s AND l.date < %s)", end, start))
            end = until
        live.append(SQL("l.date >= %s", end))
        months = [start for start, _until in spans]
        # every column of the figures in the type the rows have (the line of business and the row
        # type are text literals there, the counts int): otherwise PostgreSQL pushes no filter on
        # that column into the rows' branches (a service pivot would scan every sales deal too)
        return SQL(
            """
            SELECT 0 AS id, m.month AS date, m.company_id, m.business::text AS business,
                   m.row_type::text AS row_type, m.kind, m.reason_id,
                   m.category, m.stage_id, m.advisor_id, m.brand_id, NULL::int AS lead_id, m.lost_amount,
                   m.potential_amount, m.realised_amount, m.recovered_amount, m.lost_count::int AS lost_count,
                   m.recovered_count::int AS recovered_count, m.row_count::int AS row_count
              FROM dealer_lost_revenue_month m
             WHERE m.month = ANY(%s::date[])
            UNION ALL
            SELECT l.*, 1 FROM (%s) l WHERE %s
            """,
            months,
            self._query_ledger(),
            SQL(" OR ").join(live),
        )

    def _read_group_select(self, aggregate_spec, query):
        """% lost and recovery rate of a group are ratios of its sums (the pivot's totals too),
        never averages of the rows' ratios."""
        if aggregate_spec == "__count" and marked(self.env, "dealer_ledger_fresh_months"):
            return SQL("COALESCE(SUM(%s), 0)", SQL.identifier(self._table, "row_count"))
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

    # --- monthly figures --------------------------------------------------------------------

    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        report = self._dealer_months_reader(domain, groupby, aggregates, having)
        rows = super(DealerLostRevenueReport, report)._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )
        return rows if report is self else self._dealer_months_rebind(rows)

    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        # the pivot view's one query for all its rows, columns and totals
        groupby = {spec for grouping_set in grouping_sets for spec in grouping_set}
        report = self._dealer_months_reader(domain, groupby, aggregates)
        sets = super(DealerLostRevenueReport, report)._read_grouping_sets(domain, grouping_sets, aggregates, order)
        return sets if report is self else [self._dealer_months_rebind(rows) for rows in sets]

    def _dealer_months_reader(self, domain, groupby, aggregates, having=()):
        """The report reading summed months from their figures when these answer the read exactly."""
        if marked(self.env, "dealer_ledger_fresh_months") or not self._dealer_months_answer(
            domain, groupby, aggregates, having
        ):
            return self
        # pending writes first: their triggers list the months they change
        for model_name, fnames in self._depends.items():
            self.env[model_name].flush_model(fnames)
        self.env.cr.execute(
            SQL("""
            SELECT s.month, s.built_until FROM dealer_lost_revenue_month_state s
             WHERE NOT EXISTS (SELECT 1 FROM dealer_lost_revenue_month_dirty d WHERE d.month = s.month)
             ORDER BY s.month
            """)
        )
        fresh = tuple((month.isoformat(), until.isoformat()) for month, until in self.env.cr.fetchall())
        # a Mark: months named in a request's context would be read from their sums however stale
        return self.with_context(dealer_ledger_fresh_months=Mark(fresh)) if fresh else self

    def _dealer_months_rebind(self, rows):
        """Group values (reasons, advisors, ...) in the caller's environment: the one that reads
        the figures must not travel with them into other reads of the report."""
        return [
            tuple(value.with_env(self.env) if isinstance(value, models.BaseModel) else value for value in row)
            for row in rows
        ]

    def _dealer_months_answer(self, domain, groupby, aggregates, having):
        """Whether the monthly figures give this grouped read's exact answer: it groups by columns
        the figures keep (dates by month or coarser), sums amounts and counts (or the ratios of
        sums), and its filters and the user's record rules only look at kept columns, dates at
        month boundaries."""
        if having or self.env.context.get("dealer_ledger_live"):
            return False
        for spec in groupby:
            fname, _sep, granularity = spec.partition(":")
            if fname == "date":
                if granularity not in MONTHLY_GRANULARITIES:
                    return False
            elif granularity or fname not in MONTHLY_COLUMNS:
                return False
        for spec in aggregates:
            if spec == "__count":
                continue
            fname, _prop, func = parse_read_group_spec(spec)
            if (func, fname) not in MONTHLY_AGGREGATES:
                return False
        rules = self.env["ir.rule"]._compute_domain(self._name, "read")
        return all(_monthly_domain(part.optimize(self)) for part in (Domain(domain), rules))

    def _dealer_months_init(self):
        """Tables of the monthly figures, and the triggers that mark a month stale whenever a row
        the ledger reads changes (emptied on every install or upgrade: the ledger may have changed)."""
        self.env.cr.execute(
            SQL("""
            DROP TABLE IF EXISTS dealer_lost_revenue_month_state, dealer_lost_revenue_month_dirty;
            CREATE TABLE dealer_lost_revenue_month_state (month date PRIMARY KEY, built_until date NOT NULL);
            CREATE TABLE dealer_lost_revenue_month_dirty (month date NOT NULL);
            CREATE INDEX dealer_lost_revenue_month_dirty_month_index ON dealer_lost_revenue_month_dirty (month);
            CREATE TABLE IF NOT EXISTS dealer_lost_revenue_month (
                month date NOT NULL, company_id int, business varchar, row_type varchar, kind varchar,
                reason_id int, category varchar, stage_id int, advisor_id int, brand_id int,
                lost_amount numeric, potential_amount numeric, realised_amount numeric, recovered_amount numeric,
                lost_count bigint, recovered_count bigint, row_count bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS dealer_lost_revenue_month_month_index ON dealer_lost_revenue_month (month);
            TRUNCATE dealer_lost_revenue_month;

            -- the months of days before yesterday (UTC, at the time of the write) listed dirty;
            -- the refresh sums days up to two days before it started, so every day it may have
            -- summed is listed, and today's work never touches the list
            CREATE OR REPLACE FUNCTION dealer_lost_revenue_mark(days date[]) RETURNS void
            LANGUAGE sql AS $$
                INSERT INTO dealer_lost_revenue_month_dirty (month)
                SELECT DISTINCT date_trunc('month', d)::date FROM unnest(days) d
                 WHERE d < (clock_timestamp() AT TIME ZONE 'UTC')::date - 1
            $$;

            -- every month that may hold ledger rows: for changes that reach rows through a link
            -- (a car's make, a reason's category, a team's flag), since a link made by a
            -- transaction not visible to this one could be missed by a lookup
            CREATE OR REPLACE FUNCTION dealer_lost_revenue_mark_all() RETURNS void
            LANGUAGE sql AS $$
                SELECT dealer_lost_revenue_mark(ARRAY(
                    SELECT generate_series(date_trunc('month', first), now(), interval '1 month')::date
                      FROM (SELECT LEAST((SELECT MIN(month) FROM dealer_lost_revenue_month_state),
                                         (SELECT MIN(date) FROM dealer_loss_event),
                                         (SELECT MIN(date) FROM dealer_visit),
                                         (SELECT MIN(COALESCE(date_closed, write_date))::date FROM crm_lead)
                                   ) AS first) f
                     WHERE first IS NOT NULL))
            $$;

            CREATE OR REPLACE FUNCTION dealer_lost_revenue_touch() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                days date[] := '{}';
            BEGIN
                IF TG_TABLE_NAME = 'dealer_loss_event' THEN
                    IF TG_OP <> 'INSERT' THEN days := days || ARRAY(SELECT date FROM old_rows); END IF;
                    IF TG_OP <> 'DELETE' THEN days := days || ARRAY(SELECT date FROM new_rows); END IF;
                ELSIF TG_TABLE_NAME = 'dealer_visit' THEN
                    -- the visit's lines, and the won service opportunity its lines replace
                    IF TG_OP <> 'INSERT' THEN
                        days := days || ARRAY(SELECT date FROM old_rows) || ARRAY(
                            SELECT COALESCE(l.date_closed, l.write_date)::date
                              FROM old_rows o JOIN crm_lead l ON l.id = o.service_lead_id);
                    END IF;
                    IF TG_OP <> 'DELETE' THEN
                        days := days || ARRAY(SELECT date FROM new_rows) || ARRAY(
                            SELECT COALESCE(l.date_closed, l.write_date)::date
                              FROM new_rows n JOIN crm_lead l ON l.id = n.service_lead_id);
                    END IF;
                ELSIF TG_TABLE_NAME = 'dealer_visit_line' THEN
                    IF TG_OP <> 'INSERT' THEN
                        days := days || ARRAY(SELECT vi.date FROM old_rows o
                                               JOIN dealer_visit vi ON vi.id = o.visit_id);
                    END IF;
                    IF TG_OP <> 'DELETE' THEN
                        days := days || ARRAY(SELECT vi.date FROM new_rows n
                                               JOIN dealer_visit vi ON vi.id = n.visit_id);
                    END IF;
                ELSIF TG_TABLE_NAME = 'crm_lead' THEN
                    IF TG_OP <> 'INSERT' THEN
                        days := days || ARRAY(SELECT COALESCE(date_closed, write_date)::date FROM old_rows
                                               WHERE won_status IN ('won', 'lost'));
                    END IF;
                    IF TG_OP <> 'DELETE' THEN
                        days := days || ARRAY(SELECT COALESCE(date_closed, write_date)::date FROM new_rows
                                               WHERE won_status IN ('won', 'lost'));
                    END IF;
                ELSIF TG_TABLE_NAME = 'dealer_vehicle' THEN
                    -- a set difference, linear whatever the plan cached for the function: a join of the two
                    -- transition tables (no statistics) ran as a nested loop, hours for an update of 100k cars
                    IF EXISTS (SELECT id, brand_id FROM new_rows EXCEPT SELECT id, brand_id FROM old_rows) THEN
                        PERFORM dealer_lost_revenue_mark_all();
                    END IF;
                ELSIF TG_TABLE_NAME = 'crm_lost_reason' THEN
                    IF EXISTS (SELECT id, dealer_category FROM new_rows
                                EXCEPT SELECT id, dealer_category FROM old_rows) THEN
                        PERFORM dealer_lost_revenue_mark_all();
                    END IF;
                ELSIF TG_TABLE_NAME = 'crm_team' THEN
                    IF EXISTS (SELECT id, dealer_is_dealership FROM new_rows
                                EXCEPT SELECT id, dealer_is_dealership FROM old_rows) THEN
                        PERFORM dealer_lost_revenue_mark_all();
                    END IF;
                END IF;
                IF cardinality(days) > 0 THEN
                    PERFORM dealer_lost_revenue_mark(days);
                END IF;
                RETURN NULL;
            END $$;
            """)
        )
        for table, operations in MONTHLY_SOURCES.items():
            for operation in operations:
                name = f"dealer_lost_revenue_{operation.lower()}"
                transitions = {
                    "INSERT": "NEW TABLE AS new_rows",
                    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                    "DELETE": "OLD TABLE AS old_rows",
                }[operation]
                self.env.cr.execute(
                    SQL(
                        "DROP TRIGGER IF EXISTS %(name)s ON %(table)s;"
                        " CREATE TRIGGER %(name)s AFTER %(operation)s ON %(table)s REFERENCING %(transitions)s"
                        " FOR EACH STATEMENT EXECUTE FUNCTION dealer_lost_revenue_touch()",
                        name=SQL.identifier(name),
                        table=SQL.identifier(table),
                        operation=SQL(operation),
                        transitions=SQL(transitions),
                    )
                )

    def init(self):
        res = super().init()
        self._dealer_months_init()
        return res

    @api.model
    def _dealer_months_drop(self):
        """Uninstall: the triggers on other addons' tables go with the module."""
        for table, operations in MONTHLY_SOURCES.items():
            for operation in operations:
                self.env.cr.execute(
                    SQL(
                        "DROP TRIGGER IF EXISTS %s ON %s",
                        SQL.identifier(f"dealer_lost_revenue_{operation.lower()}"),
                        SQL.identifier(table),
                    )
                )
        self.env.cr.execute(
            SQL("""
            DROP FUNCTION IF EXISTS dealer_lost_revenue_touch();
            DROP FUNCTION IF EXISTS dealer_lost_revenue_mark_all();
            DROP FUNCTION IF EXISTS dealer_lost_revenue_mark(date[]);
            DROP TABLE IF EXISTS dealer_lost_revenue_month, dealer_lost_revenue_month_state,
                                 dealer_lost_revenue_month_dirty;
            """)
        )

    @api.model
    def _cron_dealer_refresh_months(self):
        """Sum the days up to two days ago of every month not summed that far, and of every month
        listed dirty, into the monthly figures (all of them the first time, then the days since
        the last run and the months changed since), in one statement; returns the number of
        months summed.  The dirty entries it removes are those its snapshot saw: their changes
        are in the sums."""
        cr = self.env.cr
        cr.execute(SQL("SELECT current_setting('transaction_isolation')"))
        if cr.fetchone()[0] not in ("repeatable read", "serializable"):
            # a snapshot per statement would remove dirty entries whose changes it did not sum
            raise RuntimeError("the monthly lost-revenue figures are summed in a repeatable-read transaction")
        self.env.flush_all()
        cr.execute(SQL("SELECT (now() AT TIME ZONE 'UTC')::date - 2"))
        limit = cr.fetchone()[0]  # the first day not summed (see dealer_lost_revenue_mark)
        cr.execute(SQL("SELECT month, built_until FROM dealer_lost_revenue_month_state"))
        built = dict(cr.fetchall())
        cr.execute(SQL("SELECT DISTINCT month FROM dealer_lost_revenue_month_dirty"))
        dirty = {month for (month,) in cr.fetchall()}
        if built or dirty:
            first = min([*built, *dirty])
        else:
            cr.execute(SQL("SELECT MIN(l.date) FROM (%s) l", self._query_ledger()))
            first = cr.fetchone()[0]
        spans = []
        month = first and first.replace(day=1)
        while month and month < limit:
            until = min(_next_month(month), limit)
            if month in dirty or not built.get(month) or built[month] < until:
                spans.append((month, until))
            month = _next_month(month)
        if not spans:
            return 0
        months = [month for month, _until in spans]
        cr.execute(
            SQL(
                """
            DELETE FROM dealer_lost_revenue_month WHERE month = ANY(%(months)s::date[]);
            INSERT INTO dealer_lost_revenue_month (
                month, company_id, business, row_type, kind, reason_id, category, stage_id, advisor_id, brand_id,
                lost_amount, potential_amount, realised_amount, recovered_amount, lost_count, recovered_count,
                row_count)
            SELECT date_trunc('month', l.date)::date, l.company_id, l.business, l.row_type, l.kind, l.reason_id,
                   l.category, l.stage_id, l.advisor_id, l.brand_id, SUM(l.lost_amount), SUM(l.potential_amount),
                   SUM(l.realised_amount), SUM(l.recovered_amount), SUM(l.lost_count), SUM(l.recovered_count),
                   COUNT(*)
              FROM (%(ledger)s) l
             WHERE %(in_spans)s
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
            INSERT INTO dealer_lost_revenue_month_state AS s (month, built_until)
            SELECT m, u FROM unnest(%(months)s::date[], %(untils)s::date[]) AS t(m, u)
            ON CONFLICT (month) DO UPDATE SET built_until = excluded.built_until;
            -- the entries this snapshot saw; one committed since stays (its change is not summed)
            DELETE FROM dealer_lost_revenue_month_dirty WHERE month = ANY(%(months)s::date[]);
            """,
                months=months,
                untils=[until for _month, until in spans],
                ledger=self._query_ledger(),
                in_spans=SQL(" OR ").join(
                    SQL("(l.date >= %s AND l.date < %s)", month, until) for month, until in spans
                ),
            )
        )
        return len(spans)

    def _loss_rates(self, company, date_from, date_to, reason):
        """(lost amount for ``reason``, lost amount for every other reason, potential service revenue)
        in [date_from, date_to): one grouped read of the ledger as it is now (the report's ``_depends``
        writes pending changes of its sources first)."""
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
