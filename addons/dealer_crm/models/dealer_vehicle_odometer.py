from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.system_fields import check_linked_records, refuse_system_fields


class DealerVehicleOdometer(models.Model):
    _name = "dealer.vehicle.odometer"
    _description = "Odometer reading"
    _order = "date desc, id desc"

    vehicle_id = fields.Many2one("dealer.vehicle", required=True, ondelete="cascade", index=True)
    # the showroom whose visit took the reading, else the car's: on a car the showrooms share, a reading taken
    # at one showroom's visit names that visit (its order number) and is not another showroom's to change
    company_id = fields.Many2one("res.company", compute="_compute_company_id", store=True, precompute=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    value_km = fields.Integer(string="Odometer (km)", required=True)
    source = fields.Selection(
        [("manual", "Entered by hand"), ("visit", "Service visit"), ("api", "Integration"), ("customer", "Customer")],
        default="manual",
        required=True,
    )
    visit_id = fields.Many2one("dealer.visit", ondelete="set null", index="btree_not_null")

    @api.depends("vehicle_id.company_id", "visit_id.company_id")
    def _compute_company_id(self):
        for reading in self:
            reading.company_id = reading.visit_id.company_id or reading.vehicle_id.company_id

    _value_positive = models.Constraint("CHECK(value_km >= 0)", "An odometer reading cannot be negative.")

    @api.constrains("date")
    def _check_date(self):
        """A reading is taken on its day: one dated ahead would stay the car's last reading for good, its projected
        mileage wrong and every true reading after it doubted (tomorrow allowed: the showroom's day may be ahead)."""
        latest = fields.Date.add(fields.Date.context_today(self), days=1)
        future = self.filtered(lambda reading: reading.date > latest)
        if future:
            raise ValidationError(
                self.env._(
                    "%(date)s of the odometer reading of %(car)s cannot be in the future (%(day)s).",
                    date=self._fields["date"]._description_string(self.env),
                    car=future[0].vehicle_id.display_name,
                    day=tools.format_date(self.env, future[0].date),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        # a reading names a visit its writer may read (another showroom's would show its order number here)
        check_linked_records(self, vals_list, ["visit_id"])
        readings = super().create(vals_list)
        readings.vehicle_id._update_mileage_stats()
        return readings

    def write(self, vals):
        check_linked_records(self, [vals], ["visit_id"])
        refuse_system_fields(self, [vals], ["company_id"])  # its visit's or car's: the showroom rule reads it
        res = super().write(vals)
        if {"date", "value_km", "vehicle_id"} & set(vals):
            self.vehicle_id._update_mileage_stats()
        return res

    def unlink(self):
        vehicles = self.vehicle_id
        res = super().unlink()
        vehicles.exists()._update_mileage_stats()
        return res
