from odoo import api, fields, models


class DealerVehicleOdometer(models.Model):
    _name = "dealer.vehicle.odometer"
    _description = "Odometer reading"
    _order = "date desc, id desc"

    vehicle_id = fields.Many2one("dealer.vehicle", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="vehicle_id.company_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    value_km = fields.Integer(string="Odometer (km)", required=True)
    source = fields.Selection(
        [("manual", "Entered by hand"), ("visit", "Service visit"), ("api", "Integration"), ("customer", "Customer")],
        default="manual",
        required=True,
    )
    visit_id = fields.Many2one("dealer.visit", ondelete="set null", index="btree_not_null")

    _value_positive = models.Constraint("CHECK(value_km >= 0)", "An odometer reading cannot be negative.")

    @api.model_create_multi
    def create(self, vals_list):
        readings = super().create(vals_list)
        readings.vehicle_id._update_mileage_stats()
        return readings

    def write(self, vals):
        res = super().write(vals)
        if {"date", "value_km", "vehicle_id"} & set(vals):
            self.vehicle_id._update_mileage_stats()
        return res

    def unlink(self):
        vehicles = self.vehicle_id
        res = super().unlink()
        vehicles.exists()._update_mileage_stats()
        return res
