from odoo import api, fields, models

from ..tools.checks import check_not_negative

# The kinds of item a dealership sells; False (empty) = not a dealership catalogue item.
DEALER_ITEM_KINDS = [
    ("car", "Car"),
    ("accessory", "Accessory"),
    ("maintenance", "Maintenance package"),
    ("tyre", "Tyre service"),
    ("warranty", "Extended warranty"),
    ("rental", "Rental"),
    ("diagnostics", "Diagnostics"),
    ("repair", "Other work or part"),
    ("labour", "Labour"),
    ("part", "Part"),
]
# Kinds sold as goods (Odoo's "Goods" product type); the others are services.
DEALER_GOODS_KINDS = ("car", "accessory", "part")


class ProductTemplate(models.Model):
    """The dealership's catalogue on Odoo's products: cars, accessories, service packages, services."""

    _inherit = "product.template"

    dealer_item_kind = fields.Selection(
        DEALER_ITEM_KINDS,
        string="Dealership item",
        index="btree_not_null",
        help="What the item is in the dealership's catalogue; empty for products the dealership does not sell.",
    )
    dealer_model_ids = fields.Many2many(
        "dealer.vehicle.model",
        "dealer_product_template_model_rel",
        "product_tmpl_id",
        "model_id",
        string="Fits models",
        help="The vehicle models the item is sold for; empty = every model.",
    )
    dealer_trim = fields.Char(string="Trim", help="The car's trim level (equipment version).")
    dealer_model_year = fields.Integer(string="Model year")
    dealer_maintenance_number = fields.Integer(
        string="Maintenance number",
        help="The n of TO-n: the package is due at n × the model's service interval (km), "
        "cycling after the highest n of the model.",
    )
    dealer_tyre_storage = fields.Boolean(string="Tyre storage", help="The tyre service includes storing the tyres.")
    dealer_labour_hours = fields.Float(
        string="Labour (norm-hours)",
        digits=(16, 2),
        help="Standard hours of work the item takes (a labour operation or a whole service package).",
    )
    dealer_package_line_ids = fields.One2many(
        "dealer.package.line",
        "package_tmpl_id",
        string="Package contents",
        copy=True,
        help="The labour and parts of a service package.",
    )
    dealer_package_amount = fields.Monetary(
        string="Contents at list prices",
        compute="_compute_dealer_package_amount",
        currency_field="currency_id",
        groups="dealer_crm.group_dealer_see_money",
        help="The package's labour and parts at their own sales prices; the package sells at its own price.",
    )

    @api.depends("dealer_package_line_ids.quantity", "dealer_package_line_ids.product_id.lst_price")
    def _compute_dealer_package_amount(self):
        for template in self:
            template.dealer_package_amount = sum(
                line.quantity * line.product_id.lst_price for line in template.dealer_package_line_ids
            )

    @api.constrains("dealer_labour_hours")
    def _check_dealer_labour_hours(self):
        check_not_negative(self, "dealer_labour_hours")

    @api.onchange("dealer_item_kind")
    def _onchange_dealer_item_kind(self):
        """Cars, accessories and parts are goods; packages, labour and the other services are services."""
        for template in self.filtered("dealer_item_kind"):
            template.type = "consu" if template.dealer_item_kind in DEALER_GOODS_KINDS else "service"

    @api.model
    def _dealer_products_by_code(self, codes, company=None):
        """``{code: product.product}`` of the catalogue items whose internal reference is one of ``codes``.

        One search for all codes (an API payload's lines, an import). The showroom's own item wins over
        a shared one (no company) with the same code; codes of no catalogue item are left out.
        """
        codes = {code for code in codes if code}
        if not codes:
            return {}
        company = company or self.env.company
        products = self.env["product.product"].search(
            [
                ("default_code", "in", list(codes)),
                ("dealer_item_kind", "!=", False),
                ("company_id", "in", [company.id, False]),
            ]
        )
        found = {}
        for product in products.sorted(lambda p: (not p.company_id, p.id)):
            found.setdefault(product.default_code, product)
        return found

    @api.model
    def _dealer_link_catalogue(self, line_vals, company=None):
        """Point each line (create values with a ``code``) at the catalogue item of that code, in place.

        One search for all lines; a line with an unknown code, or none, stays a free-text line.
        """
        by_code = self._dealer_products_by_code([vals.get("code") for vals in line_vals], company)
        for vals in line_vals:
            product = by_code.get(vals.get("code"))
            if product and not vals.get("product_id"):
                vals["product_id"] = product.id
        return line_vals
