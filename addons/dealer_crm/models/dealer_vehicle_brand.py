from odoo import fields, models


class DealerVehicleBrand(models.Model):
    _name = "dealer.vehicle.brand"
    _description = "Vehicle make"
    _order = "name"

    name = fields.Char(required=True, translate=False)
    active = fields.Boolean(default=True)
    model_ids = fields.One2many("dealer.vehicle.model", "brand_id", string="Models")

    _name_uniq = models.Constraint("UNIQUE(name)", "A make with this name already exists.")
