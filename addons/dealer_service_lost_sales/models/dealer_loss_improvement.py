from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.api_input import MAX_YEAR, MIN_YEAR
from odoo.addons.dealer_crm.tools.checks import check_date_years
from odoo.addons.dealer_crm.tools.settings import check_int_settings
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move, refuse_system_fields

# ten years before and after: a longer period is a typo (and its dates overflow)
PERIOD_DAYS_MAX = 3650


class DealerLossImprovement(models.Model):
    """An improvement action against a loss reason, with its effect measured automatically.

    The effect compares the loss rate of the reason in two equal periods around the start
    date: before = [start - N, start), after = [start, start + N), N = ``period_days``;
    loss rate = lost amount for the reason / potential service revenue of the period.

    A season moves every reason's loss rate at once, so the change of the targeted reason is
    compared with the change of the other reasons over the same periods (difference in
    differences, on the relative scale: a season that raises the others' losses by 25% is
    expected to raise this reason's by 25% too, whatever its size): the effect is the targeted
    reason's rate after, minus its rate before moved as the others moved.  While the "after"
    period runs, it is measured up to today and shown as unfinished; the day it closes, the
    daily run stores the effect on the action.
    """

    _name = "dealer.loss.improvement"
    _description = "Lost sales improvement action"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "start_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    reason_id = fields.Many2one("crm.lost.reason", string="Loss reason", required=True, tracking=True, index=True)
    category = fields.Selection(related="reason_id.dealer_category")
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True, check_company=True
    )
    deadline = fields.Date(tracking=True)
    start_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The day the action took effect; the measurement compares the periods before and after it.",
    )
    period_days = fields.Integer(
        string="Period (days)",
        default=90,
        required=True,
        help="Length N of each measured period: [start - N, start) before, [start, start + N) after.",
    )
    state = fields.Selection(
        [("draft", "Planned"), ("in_progress", "In progress"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
    )
    description = fields.Html()
    before_lost = fields.Monetary(string="Lost before", compute="_compute_effect")
    before_potential = fields.Monetary(string="Potential before", compute="_compute_effect")
    before_rate = fields.Float(string="Loss rate before (%)", compute="_compute_effect", digits=(16, 2))
    after_lost = fields.Monetary(string="Lost after", compute="_compute_effect")
    after_potential = fields.Monetary(string="Potential after", compute="_compute_effect")
    after_rate = fields.Float(string="Loss rate after (%)", compute="_compute_effect", digits=(16, 2))
    rate_change = fields.Float(
        string="Change (points)",
        compute="_compute_effect",
        digits=(16, 2),
        help="Loss rate after minus before, in percentage points: negative means the action helped.",
    )
    other_before_rate = fields.Float(
        string="Other reasons before (%)",
        compute="_compute_effect",
        digits=(16, 2),
        help="Loss rate of all the other reasons in the period before: the comparison for the season.",
    )
    other_after_rate = fields.Float(string="Other reasons after (%)", compute="_compute_effect", digits=(16, 2))
    other_change = fields.Float(
        string="Other reasons' change (points)",
        compute="_compute_effect",
        digits=(16, 2),
        help="How much the other reasons' loss rate moved over the same periods: the season's swing.",
    )
    expected_after_rate = fields.Float(
        string="Expected without the action (%)",
        compute="_compute_effect",
        digits=(16, 2),
        help="The loss rate before, moved as the other reasons moved between the periods (their rate after / "
        "their rate before): what the season alone would have made of it.",
    )
    effect = fields.Float(
        string="Effect beyond the trend (points)",
        compute="_compute_effect",
        digits=(16, 2),
        help="The loss rate after minus the rate expected without the action (difference in differences): "
        "negative means the action lowered the loss rate by that many points more than the season did. Losses "
        "that only moved to another reason count as an effect too.",
    )
    after_end = fields.Date(string="After period ends", compute="_compute_effect")
    after_days_measured = fields.Integer(
        string="Days measured", compute="_compute_effect", help="Days of the 'after' period that have passed."
    )
    measure_state = fields.Selection(
        [("not_started", "Not started"), ("measuring", "Unfinished"), ("closed", "Closed")],
        string="Measurement",
        compute="_compute_effect",
        help="Unfinished: the 'after' period is still running and is measured up to today.",
    )
    closed_effect = fields.Float(
        string="Recorded effect (points)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="The effect beyond the trend as it stood the day the 'after' period closed.",
    )
    closed_rate_change = fields.Float(string="Recorded change (points)", digits=(16, 2), readonly=True, copy=False)
    closed_other_change = fields.Float(
        string="Recorded change of the other reasons (points)", digits=(16, 2), readonly=True, copy=False
    )
    closed_on = fields.Date(string="Effect recorded on", readonly=True, copy=False)

    _period_positive = models.Constraint("CHECK(period_days > 0)", "The measured period must be at least one day.")

    @api.constrains("start_date", "deadline", "period_days")
    def _check_dates(self):
        check_date_years(self, "start_date", "deadline")
        check_int_settings(self, {"period_days": (90, 1, PERIOD_DAYS_MAX)})

    # changing what is measured forgets the recorded effect: it is recorded again when the new period closes
    MEASURED_FIELDS = ("reason_id", "start_date", "period_days", "company_id")

    @api.depends("reason_id", "start_date", "period_days", "company_id")
    def _compute_effect(self):
        # sudo: the figures are read whatever the reader's rights on the report, but only of a showroom
        # they work in (an unsaved form may name any showroom before its company is checked)
        Report = self.env["dealer.lost.revenue.report"].sudo()
        allowed = self.env.companies
        today = fields.Date.context_today(self)
        for action in self:
            values = {"measure_state": "not_started", "after_end": False, "after_days_measured": 0}
            if action.reason_id and action._dealer_measurable_period():
                span = timedelta(days=action.period_days)
                after_end = action.start_date + span
                # the "after" period is measured up to today while it runs: rates, not sums, are compared
                measured_end = min(after_end, today + timedelta(days=1))
                values["after_end"] = after_end
                values["after_days_measured"] = max((measured_end - action.start_date).days, 0)
                values["measure_state"] = (
                    "closed" if after_end <= today else "measuring" if action.start_date <= today else "not_started"
                )
                for label, start, end in (
                    ("before", action.start_date - span, action.start_date),
                    ("after", action.start_date, measured_end),
                ):
                    if end <= start or not (self.env.su or action.company_id in allowed):
                        continue
                    lost, other, potential = Report._loss_rates(action.company_id, start, end, action.reason_id)
                    values[f"{label}_lost"] = lost
                    values[f"{label}_potential"] = potential
                    values[f"{label}_rate"] = 100.0 * lost / potential if potential else 0.0
                    values[f"other_{label}_rate"] = 100.0 * other / potential if potential else 0.0
            before_rate, after_rate = values.get("before_rate", 0.0), values.get("after_rate", 0.0)
            other_before, other_after = values.get("other_before_rate", 0.0), values.get("other_after_rate", 0.0)
            change = after_rate - before_rate
            other_change = other_after - other_before
            # the others' relative swing; without other losses before, their change in points
            expected = before_rate * other_after / other_before if other_before else before_rate + other_change
            # no revenue at risk before or after (a showroom's first months on the suite): nothing to compare
            measurable = bool(values.get("before_potential") and values.get("after_potential"))
            started = values["measure_state"] != "not_started" and measurable
            action.update(
                {
                    "before_lost": values.get("before_lost", 0.0),
                    "before_potential": values.get("before_potential", 0.0),
                    "before_rate": values.get("before_rate", 0.0),
                    "after_lost": values.get("after_lost", 0.0),
                    "after_potential": values.get("after_potential", 0.0),
                    "after_rate": values.get("after_rate", 0.0),
                    "rate_change": change if started else 0.0,
                    "other_before_rate": values.get("other_before_rate", 0.0),
                    "other_after_rate": values.get("other_after_rate", 0.0),
                    "other_change": other_change if started else 0.0,
                    "expected_after_rate": expected if started else 0.0,
                    "effect": after_rate - expected if started else 0.0,
                    "after_end": values["after_end"],
                    "after_days_measured": values["after_days_measured"],
                    "measure_state": values["measure_state"],
                }
            )

    def _dealer_measurable_period(self):
        """Whether the periods can be measured: a start and a length in range (a form being typed in, or a row
        saved before the check, may hold a typo whose dates overflow)."""
        self.ensure_one()
        start = self.start_date
        return bool(start) and 0 < self.period_days <= PERIOD_DAYS_MAX and MIN_YEAR <= start.year <= MAX_YEAR

    CLOSED_FIELDS = ("closed_effect", "closed_rate_change", "closed_other_change", "closed_on")

    @api.model_create_multi
    def create(self, vals_list):
        # the recorded effect is the daily run's (_cron_record_effects): an action born "recorded" would keep it
        refuse_system_fields(self, vals_list, self.CLOSED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], self.CLOSED_FIELDS)
        moved = self.filtered(lambda action: action._dealer_measurement_moves(vals))
        res = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        if moved:
            super(DealerLossImprovement, moved).write(dict.fromkeys(self.CLOSED_FIELDS, False))
        return res

    def _dealer_measurement_moves(self, vals):
        """Whether ``vals`` change what this action measures (reason, start, period, showroom)."""
        for fname in self.MEASURED_FIELDS:
            if fname not in vals:
                continue
            field = self._fields[fname]
            new = field.convert_to_cache(vals[fname], self)
            old = self[fname].id if field.type == "many2one" else self[fname]
            if old != new:
                return True
        return False

    def _record_closed_effects(self):
        """Store the effect of each action whose 'after' period has closed and is not recorded yet."""
        today = fields.Date.context_today(self)
        for action in self.filtered(lambda a: not a.closed_on and a.state != "cancelled"):
            if action.measure_state == "closed" and action.before_potential and action.after_potential:
                # sudo: the daily run records a measurement, not a user's edit
                action.sudo().write(
                    {
                        "closed_effect": action.effect,
                        "closed_rate_change": action.rate_change,
                        "closed_other_change": action.other_change,
                        "closed_on": today,
                    }
                )

    @api.model
    def _cron_record_effects(self):
        """Daily: the actions whose measured period closed get their effect recorded."""
        today = fields.Date.context_today(self)
        actions = self.search([("closed_on", "=", False), ("state", "in", ("in_progress", "done"))])
        actions.filtered(
            lambda a: a._dealer_measurable_period() and a.start_date + timedelta(days=a.period_days) <= today
        )._record_closed_effects()

    def action_start(self):
        self.write({"state": "in_progress"})

    def action_done(self):
        self.write({"state": "done"})

    def action_cancel(self):
        self.write({"state": "cancelled"})
