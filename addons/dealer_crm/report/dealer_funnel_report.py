from odoo import fields, models
from odoo.orm.models import parse_read_group_spec
from odoo.tools import SQL

KPIS = ("nv", "ng", "nl", "ns", "ac")


class DealerFunnelReport(models.Model):
    """Plan and fact of the sales funnel per team and month (docs/DOMAIN.md §2).

    Facts: NV = counted views, NG = counted visitors + showroom walk-ins, NL = leads created,
    NS = deals won (by closing date), AC = won revenue / NS. ``%`` = fact / plan × 100.
    Percentages and averages stay exact in totals too (a quarter, all teams): they are
    recomputed from the summed plan and fact, not averaged over rows (``_read_group_select``).
    """

    _name = "dealer.funnel.report"
    _description = "Sales funnel plan-fact"
    _auto = False
    _order = "month desc, team_id"

    month = fields.Date(readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    plan_nv = fields.Integer(string="Plan NV", readonly=True)
    fact_nv = fields.Integer(string="Fact NV", readonly=True)
    pct_nv = fields.Float(string="NV %", readonly=True, aggregator="avg", digits=(16, 1))
    plan_ng = fields.Integer(string="Plan NG", readonly=True)
    fact_ng = fields.Integer(string="Fact NG", readonly=True)
    pct_ng = fields.Float(string="NG %", readonly=True, aggregator="avg", digits=(16, 1))
    plan_nl = fields.Integer(string="Plan NL", readonly=True)
    fact_nl = fields.Integer(string="Fact NL", readonly=True)
    pct_nl = fields.Float(string="NL %", readonly=True, aggregator="avg", digits=(16, 1))
    plan_ns = fields.Integer(string="Plan NS", readonly=True)
    fact_ns = fields.Integer(string="Fact NS", readonly=True)
    pct_ns = fields.Float(string="NS %", readonly=True, aggregator="avg", digits=(16, 1))
    plan_ac = fields.Float(string="Plan AC", readonly=True, aggregator="avg")
    fact_ac = fields.Float(string="Fact AC", readonly=True, aggregator="avg")
    pct_ac = fields.Float(string="AC %", readonly=True, aggregator="avg", digits=(16, 1))
    fact_revenue = fields.Float(string="Won revenue", readonly=True)

    def _read_group_select(self, aggregate_spec, query):
        """Ratios of a group = ratio of its sums: AC = won revenue / deals won, % = fact / plan."""
        fname, _prop, func = parse_read_group_spec(aggregate_spec)
        if func != "avg" or not (fname.startswith("pct_") or fname in ("fact_ac", "plan_ac")):
            return super()._read_group_select(aggregate_spec, query)

        def total(name):
            return SQL("SUM(%s)", self._field_to_sql(self._table, name, query))

        fact_ac = SQL(
            "CASE WHEN %(ns)s > 0 THEN %(revenue)s / %(ns)s ELSE 0 END",
            ns=total("fact_ns"),
            revenue=total("fact_revenue"),
        )
        # the planned average cheque of several months weighs each month by its planned sales
        plan_ac = SQL(
            "CASE WHEN %(ns)s > 0 THEN %(weighted)s / %(ns)s ELSE AVG(%(ac)s) END",
            ns=total("plan_ns"),
            weighted=SQL(
                "SUM(%s * %s)",
                self._field_to_sql(self._table, "plan_ac", query),
                self._field_to_sql(self._table, "plan_ns", query),
            ),
            ac=self._field_to_sql(self._table, "plan_ac", query),
        )
        if fname == "fact_ac":
            return fact_ac
        if fname == "plan_ac":
            return plan_ac
        kpi = fname[len("pct_") :]
        fact, plan = (fact_ac, plan_ac) if kpi == "ac" else (total(f"fact_{kpi}"), total(f"plan_{kpi}"))
        return SQL(
            "CASE WHEN %(plan)s > 0 THEN ROUND((%(fact)s * 100.0 / %(plan)s)::numeric, 1)::float8 END",
            fact=fact,
            plan=plan,
        )

    @property
    def _table_query(self):
        pct = [
            SQL(
                "CASE WHEN plan_%s > 0 THEN round((fact_%s * 100.0 / plan_%s)::numeric, 1) END AS pct_%s",
                SQL(k),
                SQL(k),
                SQL(k),
                SQL(k),
            )
            for k in KPIS
        ]
        return SQL(
            """
            WITH facts AS (
                SELECT company_id, team_id, date_trunc('month', date)::date AS month,
                       0 AS plan_nv, 0 AS plan_ng, 0 AS plan_nl, 0 AS plan_ns, 0.0 AS plan_ac,
                       views_count AS fact_nv, visitors_count AS fact_ng, 0 AS fact_nl, 0 AS fact_ns, 0.0 AS revenue
                  FROM dealer_traffic
                UNION ALL
                SELECT company_id, team_id, date_trunc('month', date)::date, 0, 0, 0, 0, 0.0, 0, 1, 0, 0, 0.0
                  FROM dealer_walkin WHERE team_id IS NOT NULL
                UNION ALL
                SELECT company_id, team_id, date_trunc('month', create_date)::date, 0, 0, 0, 0, 0.0, 0, 0, 1, 0, 0.0
                  FROM crm_lead WHERE team_id IS NOT NULL
                UNION ALL
                SELECT company_id, team_id, date_trunc('month', date_closed)::date, 0, 0, 0, 0, 0.0, 0, 0, 0, 1,
                       COALESCE(expected_revenue, 0)
                  FROM crm_lead WHERE team_id IS NOT NULL AND won_status = 'won' AND date_closed IS NOT NULL
                UNION ALL
                SELECT company_id, team_id, month, target_nv, target_ng, target_nl, target_ns, target_ac,
                       0, 0, 0, 0, 0.0
                  FROM dealer_funnel_target
            ), sums AS (
                -- one row per showroom, team and month: a team shared by several showrooms (the default
                -- showroom team has none) keeps each showroom's figures apart; a row of no company
                -- counts for the team's showroom, else the first showroom's (with its plan, in one row)
                SELECT f.team_id, f.month,
                       COALESCE(f.company_id, t.company_id, (SELECT min(id) FROM res_company)) AS company_id,
                       sum(plan_nv) AS plan_nv, sum(fact_nv) AS fact_nv,
                       sum(plan_ng) AS plan_ng, sum(fact_ng) AS fact_ng,
                       sum(plan_nl) AS plan_nl, sum(fact_nl) AS fact_nl,
                       sum(plan_ns) AS plan_ns, sum(fact_ns) AS fact_ns,
                       sum(plan_ac) AS plan_ac, sum(revenue) AS fact_revenue,
                       CASE WHEN sum(fact_ns) > 0 THEN sum(revenue) / sum(fact_ns) ELSE 0 END AS fact_ac
                  FROM facts f JOIN crm_team t ON t.id = f.team_id
              GROUP BY 1, 2, 3
            )
            SELECT row_number() OVER (ORDER BY month, team_id, company_id) AS id, month, team_id, company_id,
                   plan_nv, fact_nv, plan_ng, fact_ng, plan_nl, fact_nl, plan_ns, fact_ns,
                   plan_ac, fact_ac, fact_revenue, %s
              FROM sums
            """,
            SQL(", ").join(pct),
        )
