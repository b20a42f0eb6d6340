from odoo import fields, models

from ..tools.system_fields import check_access_after_move


class DealerPackageLine(models.Model):
    """One labour operation or part of a service package (e.g. TO-2 of a model)."""

    _name = "dealer.package.line"
    _description = "Service package line"
    _order = "package_tmpl_id, sequence, id"

    package_tmpl_id = fields.Many2one(
        "product.template", string="Package", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one("product.product", string="Labour or part", required=True, ondelete="restrict")
    quantity = fields.Float(default=1.0, digits="Product Unit")

    _quantity_positive = models.Constraint("CHECK(quantity > 0)", "A package line needs a positive quantity.")

    def write(self, vals):
        result = super().write(vals)
        check_access_after_move(self, vals, ["package_tmpl_id"])
        return result
