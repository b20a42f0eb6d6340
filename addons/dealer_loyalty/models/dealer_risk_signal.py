from odoo import api, fields, models

from .dealer_risk_rule import RISK_CODES


class DealerRiskSignal(models.Model):
    """A detected churn-risk point of a customer; recomputed set-based every day, never edited."""

    _name = "dealer.risk.signal"
    _description = "Churn risk signal"
    _order = "contribution desc, id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    vehicle_id = fields.Many2one("dealer.vehicle", index="btree_not_null", ondelete="cascade")
    company_id = fields.Many2one("res.company", index=True)
    rule_id = fields.Many2one("dealer.risk.rule", required=True, index=True, ondelete="cascade")
    code = fields.Selection(RISK_CODES, string="Signal", required=True, index=True)
    date = fields.Date(string="Detected on", required=True)
    contribution = fields.Integer(required=True, aggregator="sum", help="Points added to the risk score.")
    value_days = fields.Integer(string="Days")
    value_count = fields.Integer(string="Count")
    value_amount = fields.Float(string="Amount", digits=(16, 2), groups="dealer_crm.group_dealer_see_money")
    event_date = fields.Date()
    reference = fields.Reference(
        [("dealer.visit", "Visit"), ("dealer.vehicle", "Vehicle"), ("crm.lead", "Lead")],
        string="Evidence record",
        help="The visit, vehicle or request that raised the signal.",
    )
    evidence = fields.Char(compute="_compute_evidence", help="What was found, e.g. warranty ends in 23 days.")
    label = fields.Char(string="Signal and points", compute="_compute_evidence")

    @api.depends("code", "value_days", "value_count", "value_amount")
    def _compute_evidence(self):
        for signal in self:
            signal.evidence = signal._evidence_text()
            signal.label = self.env._("%(evidence)s: +%(points)s", evidence=signal.evidence, points=signal.contribution)

    def _compute_display_name(self):
        for signal in self:
            signal.display_name = signal.label

    def _evidence_text(self):
        """Human wording of the evidence; built here so that it is translated for the reader."""
        env, code = self.env, self.code
        days, count = self.value_days, self.value_count
        # amounts are shown only to staff who may see money (call-centre operators may not)
        amount = self.sudo().value_amount if env.user.has_group("dealer_crm.group_dealer_see_money") else None
        if code == "warranty_end":
            return env._("warranty ends in %(days)s days", days=days)
        if code == "repeat_repair":
            return env._("repair again after %(days)s days", days=days)
        if code == "low_satisfaction":
            return env._("rated us %(score)s of 10", score=count)
        if code == "frequent_warranty":
            return env._("%(count)s warranty visits", count=count)
        if code == "expensive_body":
            if amount is None:
                return env._("expensive body repair")
            return env._("body repair for %(amount).2f", amount=amount)
        if code == "expensive_repair_after_warranty":
            if amount is None:
                return env._("expensive repair after warranty")
            return env._("repair after warranty for %(amount).2f", amount=amount)
        if code == "car_age":
            return env._("car is %(years)s years old", years=count)
        if code == "trade_in_asked":
            return env._("asked for a trade-in valuation")
        if code == "service_overdue":
            return env._(
                "maintenance overdue by %(days)s days (own interval %(interval)s days)", days=days, interval=count
            )
        return ""
