from odoo import api, fields, models

from ..tools.system_fields import check_access_after_move, refuse_system_fields


class DealerVisitLine(models.Model):
    _name = "dealer.visit.line"
    _description = "Repair order line"
    _order = "visit_id, sequence, id"

    visit_id = fields.Many2one("dealer.visit", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="visit_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="visit_id.currency_id")
    product_id = fields.Many2one(
        "product.product",
        string="Catalogue item",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("dealer_item_kind", "!=", False)],
        help="The catalogue item of the line; empty for a free-text line (e.g. from the DMS).",
    )
    code = fields.Char(help="Operation or part number in the DMS.")
    name = fields.Char(string="Operation or part", required=True)
    amount = fields.Monetary(required=True, default=0.0, groups="dealer_crm.group_dealer_see_money")
    status = fields.Selection(
        [("done", "Done"), ("declined", "Declined"), ("deferred", "Deferred")],
        required=True,
        default="done",
        index=True,
        help="Declined and deferred lines are lost or postponed revenue that aftersales follows up.",
    )
    deferred_until = fields.Date(string="Deferred to", help="When the customer plans to do a deferred job.")

    _amount_positive = models.Constraint("CHECK(amount >= 0)", "A line amount cannot be negative.")

    def write(self, vals):
        # the parent's showroom, which the rule reads (a new line is checked against the rule once created)
        refuse_system_fields(self, [vals], ["company_id"])
        res = super().write(vals)
        # a line moved under another showroom's visit would add to that visit's revenue and losses
        check_access_after_move(self, vals, ["visit_id"])
        return res

    @api.onchange("product_id")
    def _onchange_product_id(self):
        """A catalogue item fills the line's name, code and price (still editable: a free-text line stays valid)."""
        for line in self.filtered("product_id"):
            product = line.product_id
            line.name = product.name
            line.code = product.default_code or line.code
            line.amount = product.lst_price
