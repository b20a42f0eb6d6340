from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.checks import check_date_years
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move, refuse_system_fields

from .crm_lost_reason import LOSS_CATEGORIES

LOSS_KINDS = [
    ("appointment_cancelled", "Appointment cancelled"),
    ("no_show", "No-show"),
    ("order_cancelled", "Order cancelled"),
    ("scope_reduced", "Scope reduced"),
    ("quote_declined", "Quote declined"),
    ("line_declined", "Line declined"),
    ("deferred_not_done", "Deferred and never done"),
]
FULL_LOSS_KINDS = ("appointment_cancelled", "no_show", "order_cancelled", "quote_declined", "deferred_not_done")


class DealerLossEvent(models.Model):
    """The ledger of lost service revenue: one row per loss, full or partial.

    Rows are written by the business flows (lost wizard, scope reduction, declined visit
    lines, no-show cron); the KPIs read this table, so it carries every grouping column
    (stage, reason, category, advisor, make) stored and indexed.
    """

    _name = "dealer.loss.event"
    _description = "Lost service revenue event"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(LOSS_KINDS, required=True, index=True)
    is_partial = fields.Boolean(
        compute="_compute_is_partial", store=True, help="Part of the opportunity was lost, the rest may still be won."
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", index="btree_not_null", ondelete="set null", check_company=True
    )
    # indexed: a line taken off a booking looks up the losses naming it (without an index, one scan of the ledger)
    service_line_id = fields.Many2one(
        "dealer.service.line",
        string="Opportunity line",
        ondelete="set null",
        check_company=True,
        index="btree_not_null",
    )
    visit_id = fields.Many2one(
        "dealer.visit", string="Visit", index="btree_not_null", ondelete="set null", check_company=True
    )
    visit_line_id = fields.Many2one("dealer.visit.line", string="Visit line", ondelete="set null", check_company=True)
    stage_id = fields.Many2one(
        "crm.stage", string="Stage", index=True, help="Where in the service process it was lost."
    )
    reason_id = fields.Many2one("crm.lost.reason", string="Reason", index=True, ondelete="restrict")
    category = fields.Selection(LOSS_CATEGORIES, compute="_compute_category", store=True, index=True)
    amount = fields.Monetary(string="Lost amount", required=True, default=0.0)
    advisor_id = fields.Many2one("res.users", string="Advisor", index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index="btree_not_null", check_company=True)
    vehicle_id = fields.Many2one("dealer.vehicle", string="Vehicle", index="btree_not_null", check_company=True)
    brand_id = fields.Many2one(
        "dealer.vehicle.brand", string="Make", compute="_compute_brand_id", store=True, index=True
    )
    competitor = fields.Char(help="Who won the job instead, when the reason is a competitor's offer.")
    note = fields.Text()
    recovered = fields.Boolean(readonly=True, index=True, help="The lost opportunity was later won back.")

    _amount_positive = models.Constraint("CHECK(amount >= 0)", "A lost amount cannot be negative.")
    _report_idx = models.Index("(company_id, date, reason_id)")
    _visit_line_uniq = models.UniqueIndex(
        "(visit_line_id) WHERE visit_line_id IS NOT NULL", "A visit line is lost only once."
    )

    @api.constrains("date")
    def _check_date(self):
        check_date_years(self, "date")

    @api.model_create_multi
    def create(self, vals_list):
        # recovered: set when the opportunity is won back (``crm.lead._dealer_mark_recovered``), the recovery KPI
        refuse_system_fields(self, vals_list, ["recovered"])
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], ["recovered"])
        res = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        return res

    @api.depends("kind", "lead_id", "vehicle_id")
    def _compute_name(self):
        kinds = dict(LOSS_KINDS)
        for event in self:
            subject = event.lead_id.name or event.vehicle_id.name or ""
            event.name = " - ".join(p for p in (kinds.get(event.kind), subject) if p)

    @api.depends_context("lang")
    @api.depends("kind", "lead_id", "vehicle_id")
    def _compute_display_name(self):
        """The event as each reader says it: the kind in their language (the stored name, for searching,
        keeps the kind's English label)."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for event in self:
            subject = event.lead_id.name or event.vehicle_id.name or ""
            event.display_name = " - ".join(p for p in (kinds.get(event.kind), subject) if p)

    @api.depends("kind")
    def _compute_is_partial(self):
        for event in self:
            event.is_partial = event.kind not in FULL_LOSS_KINDS

    @api.depends("reason_id.dealer_category")
    def _compute_category(self):
        for event in self:
            event.category = event.reason_id.dealer_category

    @api.depends("vehicle_id.brand_id")
    def _compute_brand_id(self):
        for event in self:
            event.brand_id = event.vehicle_id.brand_id
