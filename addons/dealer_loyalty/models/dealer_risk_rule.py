from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

RISK_CODES = [
    ("warranty_end", "Warranty ending"),
    ("repeat_repair", "Repeat repair"),
    ("low_satisfaction", "Low satisfaction"),
    ("frequent_warranty", "Frequent warranty cases"),
    ("expensive_body", "Expensive body repair"),
    ("expensive_repair_after_warranty", "Expensive repair after warranty"),
    ("car_age", "Car aged 4-5 years"),
    ("trade_in_asked", "Trade-in valuation asked"),
    ("service_overdue", "Overdue against own service interval"),
]

# Columns every signal query returns, in this order.
SIGNAL_COLUMNS = "partner_id, vehicle_id, company_id, value_days, value_count, value_amount, event_date, reference"


class DealerRiskRule(models.Model):
    """A churn-risk point (docs/DOMAIN.md §5) with its weight and thresholds, editable by marketing."""

    _name = "dealer.risk.rule"
    _inherit = ["dealer.shared.setting.mixin"]
    _description = "Churn risk rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(RISK_CODES, required=True, help="Which signal this rule detects.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    weight = fields.Integer(required=True, default=10, help="Points this signal adds to the customer's risk score.")
    threshold = fields.Float(
        required=True,
        default=0,
        help="Meaning depends on the signal: days before warranty end, days between repairs, highest "
        "low score (0–10), number of warranty visits, amount, minimum car age, or percent beyond the own interval.",
    )
    threshold_max = fields.Float(string="Upper threshold", help="Maximum car age (years) for the car-age signal.")
    period_days = fields.Integer(
        string="Look back (days)", default=365, help="Only events of this many last days count."
    )
    description = fields.Text(translate=True)
    signal_count = fields.Integer(string="Signals", compute="_compute_signal_count")

    _code_uniq = models.UniqueIndex("(code)", "There is already a rule for this signal.")

    def _compute_signal_count(self):
        counts = dict(
            self.env["dealer.risk.signal"]._read_group([("rule_id", "in", self.ids)], ["rule_id"], ["__count"])
        )
        for rule in self:
            rule.signal_count = counts.get(rule, 0)

    @api.constrains("weight", "threshold", "period_days")
    def _check_values(self):
        for rule in self:
            if rule.weight < 0:
                raise ValidationError(self.env._("Rule %(rule)s: Weight must not be negative.", rule=rule.name))
            if rule.threshold < 0:
                raise ValidationError(self.env._("Rule %(rule)s: Threshold must not be negative.", rule=rule.name))
            if rule.period_days <= 0:
                raise ValidationError(self.env._("Rule %(rule)s: Look back (days) must be positive.", rule=rule.name))

    # ------------------------------------------------------------
    # Set-based detection
    # ------------------------------------------------------------

    @api.model
    def _compute_signals(self, today=None):
        """Replace every signal by a fresh detection: one INSERT … SELECT per active rule."""
        today = today or fields.Date.context_today(self)
        self.env["res.partner"]._dealer_prepare_bulk_sql()
        self.env.cr.execute(SQL("DELETE FROM dealer_risk_signal"))
        for rule in self.search([]):
            self.env.cr.execute(rule._insert_signals_sql(today))
        self.env["dealer.risk.signal"].invalidate_model()
        self.env["res.partner"]._dealer_update_risk_score()

    def _insert_signals_sql(self, today):
        self.ensure_one()
        select = getattr(self, f"_signal_sql_{self.code}")(today)
        return SQL(
            """
            INSERT INTO dealer_risk_signal
                   (rule_id, code, contribution, date, partner_id, vehicle_id, company_id, value_days,
                    value_count, value_amount, event_date, reference, create_uid, write_uid, create_date, write_date)
            SELECT %(rule)s, %(code)s, %(weight)s, %(today)s, s.partner_id, s.vehicle_id, s.company_id,
                   s.value_days, s.value_count, s.value_amount, s.event_date, s.reference,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (%(select)s) AS s(%(columns)s)
             WHERE s.partner_id IS NOT NULL
            """,
            rule=self.id,
            code=self.code,
            weight=self.weight,
            today=today,
            uid=self.env.uid,
            select=select,
            columns=SQL(SIGNAL_COLUMNS),
        )

    def _since(self, today):
        return fields.Date.subtract(today, days=self.period_days)

    def _signal_sql_warranty_end(self, today):
        return SQL(
            """SELECT v.partner_id, v.id AS vehicle_id, v.company_id, v.warranty_end - %(today)s::date AS value_days,
                      NULL::int AS value_count, NULL::float AS value_amount, v.warranty_end AS event_date,
                      'dealer.vehicle,' || v.id AS reference
                 FROM dealer_vehicle v
                WHERE v.active AND v.warranty_end >= %(today)s
                  AND v.warranty_end <= %(today)s::date + %(days)s""",
            today=today,
            days=int(self.threshold),
        )

    def _signal_sql_repeat_repair(self, today):
        return SQL(
            """SELECT DISTINCT ON (x.vehicle_id, x.company_id) x.partner_id, x.vehicle_id, x.company_id,
                      x.date - x.prev_date AS value_days, NULL::int, NULL::float, x.date,
                      'dealer.visit,' || x.id
                 FROM (SELECT vis.*,
                              -- a repair again in the same showroom: another showroom's visit is its own
                              lag(vis.date) OVER (PARTITION BY vis.vehicle_id, vis.company_id ORDER BY vis.date, vis.id)
                              AS prev_date
                         FROM dealer_visit vis
                        WHERE vis.state = 'done' AND vis.kind IN ('repair', 'warranty')
                          AND vis.date > %(since)s::date - %(days)s AND vis.date <= %(today)s) x
                WHERE x.prev_date IS NOT NULL AND x.date - x.prev_date <= %(days)s AND x.date > %(since)s
             ORDER BY x.vehicle_id, x.company_id, x.date DESC, x.id DESC""",
            today=today,
            since=self._since(today),
            days=int(self.threshold),
        )

    def _signal_sql_low_satisfaction(self, today):
        return SQL(
            """SELECT DISTINCT ON (vis.partner_id) vis.partner_id, vis.vehicle_id, vis.company_id, NULL::int,
                      vis.satisfaction_score::int, NULL::float, vis.date, 'dealer.visit,' || vis.id
                 FROM dealer_visit vis
                WHERE vis.state = 'done' AND vis.satisfaction_score IS NOT NULL
                  AND vis.satisfaction_score::int <= %(max)s AND vis.date > %(since)s AND vis.date <= %(today)s
             ORDER BY vis.partner_id, vis.date DESC, vis.id DESC""",
            today=today,
            since=self._since(today),
            max=int(self.threshold),
        )

    def _signal_sql_frequent_warranty(self, today):
        return SQL(
            """SELECT v.partner_id, vis.vehicle_id, v.company_id, NULL::int, count(*)::int, NULL::float,
                      max(vis.date), 'dealer.vehicle,' || vis.vehicle_id
                 FROM dealer_visit vis JOIN dealer_vehicle v ON v.id = vis.vehicle_id
                WHERE vis.state = 'done' AND vis.kind = 'warranty' AND vis.date > %(since)s
                  AND vis.date <= %(today)s
             GROUP BY v.partner_id, vis.vehicle_id, v.company_id
               HAVING count(*) >= %(count)s""",
            today=today,
            since=self._since(today),
            count=int(self.threshold),
        )

    def _signal_sql_expensive_visit(self, today, kind, after_warranty=False):
        warranty = SQL("AND v.warranty_end < vis.date") if after_warranty else SQL()
        return SQL(
            """SELECT DISTINCT ON (vis.vehicle_id) vis.partner_id, vis.vehicle_id, vis.company_id, NULL::int,
                      NULL::int, vis.revenue::float, vis.date, 'dealer.visit,' || vis.id
                 FROM dealer_visit vis JOIN dealer_vehicle v ON v.id = vis.vehicle_id
                WHERE vis.state = 'done' AND vis.kind = %(kind)s AND vis.revenue >= %(amount)s
                  AND vis.date > %(since)s AND vis.date <= %(today)s %(warranty)s
             ORDER BY vis.vehicle_id, vis.revenue DESC, vis.id DESC""",
            kind=kind,
            amount=self.threshold,
            since=self._since(today),
            today=today,
            warranty=warranty,
        )

    def _signal_sql_expensive_body(self, today):
        return self._signal_sql_expensive_visit(today, "body")

    def _signal_sql_expensive_repair_after_warranty(self, today):
        return self._signal_sql_expensive_visit(today, "repair", after_warranty=True)

    def _signal_sql_car_age(self, today):
        return SQL(
            """SELECT partner_id, id, company_id, NULL::int, age_years, NULL::float, born,
                      'dealer.vehicle,' || id
                 FROM (SELECT v.*, COALESCE(v.delivery_date, v.purchase_date,
                                            CASE WHEN v.model_year > 1900 THEN make_date(v.model_year, 1, 1) END)
                                   AS born
                         FROM dealer_vehicle v
                        WHERE v.active AND v.partner_id IS NOT NULL AND v.state IN ('customer', 'sold')) v
                 CROSS JOIN LATERAL (SELECT extract(year FROM age(%(today)s::date, v.born))::int AS age_years) a
                WHERE v.born IS NOT NULL AND a.age_years BETWEEN %(low)s AND %(high)s""",
            today=today,
            low=int(self.threshold),
            high=int(self.threshold_max or self.threshold),
        )

    def _signal_sql_trade_in_asked(self, today):
        return SQL(
            """SELECT DISTINCT ON (l.partner_id) l.partner_id, l.trade_in_vehicle_id, l.company_id, NULL::int,
                      NULL::int, NULL::float, l.create_date::date, 'crm.lead,' || l.id
                 FROM crm_lead l
                WHERE l.active AND (l.dealer_interest = 'trade_in' OR l.trade_in_vehicle_id IS NOT NULL)
                  AND l.create_date::date > %(since)s AND l.create_date::date <= %(today)s
             ORDER BY l.partner_id, l.create_date DESC, l.id DESC""",
            today=today,
            since=self._since(today),
        )

    def _signal_sql_service_overdue(self, today):
        """Days since the last maintenance beyond the vehicle's own average gap (+ threshold percent)."""
        return SQL(
            """SELECT v.partner_id, g.vehicle_id, v.company_id,
                      (%(today)s::date - g.last_date) - round(g.avg_gap)::int AS value_days,
                      round(g.avg_gap)::int AS value_count, NULL::float, g.last_date,
                      'dealer.vehicle,' || g.vehicle_id
                 FROM (SELECT vehicle_id, avg(gap) AS avg_gap, max(date) AS last_date
                         FROM (SELECT vehicle_id, date,
                                      date - lag(date) OVER (PARTITION BY vehicle_id ORDER BY date, id) AS gap
                                 FROM dealer_visit
                                WHERE state = 'done' AND kind = 'maintenance' AND date <= %(today)s) m
                     GROUP BY vehicle_id HAVING count(gap) >= 1) g
                 JOIN dealer_vehicle v ON v.id = g.vehicle_id
                WHERE v.active AND g.avg_gap > 0
                  AND %(today)s::date - g.last_date > g.avg_gap * (1 + %(pct)s / 100.0)""",
            today=today,
            pct=self.threshold,
        )
