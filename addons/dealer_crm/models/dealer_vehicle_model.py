from odoo import fields, models


class DealerVehicleModel(models.Model):
    _name = "dealer.vehicle.model"
    _description = "Vehicle model"
    _order = "brand_id, name"

    name = fields.Char(required=True)
    brand_id = fields.Many2one("dealer.vehicle.brand", string="Make", required=True, ondelete="restrict", index=True)
    active = fields.Boolean(default=True)
    maintenance_interval_km = fields.Integer(
        string="Service interval (km)",
        default=15000,
        help="Maintenance is due every this many kilometres (or months, whichever comes first).",
    )
    maintenance_interval_months = fields.Integer(
        string="Service interval (months)",
        default=12,
        help="Maintenance is due every this many months (or kilometres, whichever comes first).",
    )

    _brand_name_uniq = models.Constraint("UNIQUE(brand_id, name)", "This make already has a model with this name.")

    def _compute_display_name(self):
        for model in self:
            model.display_name = f"{model.brand_id.name} {model.name}" if model.brand_id else model.name
