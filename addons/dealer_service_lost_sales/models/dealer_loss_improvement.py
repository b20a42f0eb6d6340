from datetime import timedelta

from odoo import api, fields, models


class DealerLossImprovement(models.Model):
    """An improvement action against a loss reason, with its effect measured automatically.

    The effect compares the loss rate of the reason in two equal periods around the start
    date: before = [start - N, start), after = [start, start + N), N = ``period_days``;
    loss rate = lost amount for the reason / potential service revenue of the period.
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
    user_id = fields.Many2one("res.users", string="Owner", default=lambda self: self.env.user, tracking=True)
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

    _period_positive = models.Constraint("CHECK(period_days > 0)", "The measured period must be at least one day.")

    @api.depends("reason_id", "start_date", "period_days", "company_id")
    def _compute_effect(self):
        Report = self.env["dealer.lost.revenue.report"].sudo()
        for action in self:
            values = {}
            if action.reason_id and action.start_date and action.period_days > 0:
                span = timedelta(days=action.period_days)
                for label, start, end in (
                    ("before", action.start_date - span, action.start_date),
                    ("after", action.start_date, action.start_date + span),
                ):
                    lost, potential = Report._loss_rate(action.company_id, start, end, action.reason_id)
                    values[f"{label}_lost"] = lost
                    values[f"{label}_potential"] = potential
                    values[f"{label}_rate"] = 100.0 * lost / potential if potential else 0.0
            action.update(
                {
                    "before_lost": values.get("before_lost", 0.0),
                    "before_potential": values.get("before_potential", 0.0),
                    "before_rate": values.get("before_rate", 0.0),
                    "after_lost": values.get("after_lost", 0.0),
                    "after_potential": values.get("after_potential", 0.0),
                    "after_rate": values.get("after_rate", 0.0),
                    "rate_change": values.get("after_rate", 0.0) - values.get("before_rate", 0.0),
                }
            )

    def action_start(self):
        self.write({"state": "in_progress"})

    def action_done(self):
        self.write({"state": "done"})

    def action_cancel(self):
        self.write({"state": "cancelled"})
