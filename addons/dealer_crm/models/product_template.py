from odoo import fields, models

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
    dealer_labour_hours = fields.Float(string="Labour (norm-hours)", digits=(16, 2))
    dealer_package_line_ids = fields.One2many(
        "dealer.package.line",
        "package_tmpl_id",
        string="Package contents",
        copy=True,
        help="The labour and parts of a service package.",
    )
