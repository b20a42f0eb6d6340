from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.marks import as_application
from odoo.addons.dealer_crm.tools.system_fields import check_linked_records

OPEN_STATES = ("proposed", "accepted")


class DealerServiceLine(models.Model):
    """An operation or part proposed to the customer in a service opportunity.

    Declining a line that was proposed or accepted, or lowering an accepted amount, is a
    partial loss: it is written to the loss ledger at once (see :meth:`write`).
    """

    _name = "dealer.service.line"
    _description = "Service opportunity line"
    _order = "lead_id, sequence, id"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="lead_id.company_currency")
    kind = fields.Selection([("operation", "Operation"), ("part", "Part")], default="operation", required=True)
    product_id = fields.Many2one(
        "product.product",
        string="Catalogue item",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("dealer_item_kind", "!=", False)],
        help="The catalogue item of the line; empty for a free-text line.",
    )
    code = fields.Char(help="Operation or part number.")
    name = fields.Char(string="Operation or part", required=True)
    amount = fields.Monetary(required=True, default=0.0)
    state = fields.Selection(
        [("proposed", "Proposed"), ("accepted", "Accepted"), ("declined", "Declined"), ("deferred", "Deferred")],
        default="proposed",
        required=True,
        index=True,
        help="Proposed and accepted lines make the expected revenue; accepted lines the won revenue.",
    )
    deferred_until = fields.Date(string="Deferred to")
    loss_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Decline reason",
        help="Why the customer declined this line (recorded in the loss ledger).",
    )
    competitor = fields.Char()

    _amount_positive = models.Constraint("CHECK(amount >= 0)", "A line amount cannot be negative.")

    @api.onchange("product_id")
    def _onchange_product_id(self):
        """A catalogue item fills the line's kind, name, code and price (still editable).

        A maintenance package stays ONE line at its package price: the customer accepts, declines or
        defers "TO-2" as a whole, and the loss ledger records what the package was worth; its labour and
        parts are on the package in the catalogue.
        """
        for line in self.filtered("product_id"):
            vals = self._product_vals(line.product_id)
            line.update({**vals, "code": vals["code"] or line.code})

    @api.model
    def _product_vals(self, product, discount_percent=0.0, currency=None):
        """The line values a catalogue item gives: its kind, name, code and price, less ``discount_percent``."""
        currency = currency or self.env.company.currency_id
        return {
            "product_id": product.id,
            "kind": "part" if product.dealer_item_kind in ("part", "accessory") else "operation",
            "name": product.name,
            "code": product.default_code,
            "amount": currency.round(product.lst_price * (1 - (discount_percent or 0.0) / 100)),
        }

    @api.model_create_multi
    def create(self, vals_list):
        # a line goes only on an opportunity its writer may change (another showroom's would take it)
        check_linked_records(self, vals_list, ["lead_id"], "write")
        lines = super().create(vals_list)
        lines.lead_id._dealer_update_service_revenue()
        lines.lead_id._dealer_service_lines_changed()
        return lines

    def write(self, vals):
        check_linked_records(self, [vals], ["lead_id"], "write")
        before = {line.id: (line.state, line.amount) for line in self} if {"state", "amount"} & set(vals) else {}
        old_leads = self.lead_id if "lead_id" in vals else self.env["crm.lead"]
        res = super().write(vals)
        if before:
            self._record_scope_reduction(before)
        if {"state", "amount", "lead_id"} & set(vals):
            self.lead_id._dealer_update_service_revenue()
        if {"product_id", "state", "lead_id"} & set(vals):
            (old_leads | self.lead_id)._dealer_service_lines_changed()
        return res

    def unlink(self):
        leads = self.lead_id
        res = super().unlink()
        leads.exists()._dealer_update_service_revenue()
        leads.exists()._dealer_service_lines_changed()
        return res

    def _record_scope_reduction(self, before):
        """A declined open line loses its amount; an accepted line made cheaper loses the difference. A declined
        line taken back (proposed or accepted again) is no longer lost: its loss leaves the ledger, so declining
        it again, or winning it, does not count its amount twice."""
        events = []
        taken_back = self.filtered(lambda line: before[line.id][0] == "declined" and line.state in OPEN_STATES)
        if taken_back:
            # sudo: the ledger is the application's; only this line's own loss, never one recovered
            self.env["dealer.loss.event"].sudo().search(
                [("service_line_id", "in", taken_back.ids), ("kind", "=", "scope_reduced"), ("recovered", "=", False)]
            ).unlink()
        for line in self:
            old_state, old_amount = before[line.id]
            if old_state in OPEN_STATES and line.state == "declined":
                lost = old_amount
            elif old_state == "accepted" and line.state == "accepted" and line.amount < old_amount:
                lost = old_amount - line.amount
            else:
                continue
            if lost > 0 and line.lead_id.active:
                events.append(
                    line.lead_id._dealer_loss_event_vals("scope_reduced", lost, line.loss_reason_id, line=line)
                )
        if events:
            as_application(self.env["dealer.loss.event"]).create(events)
