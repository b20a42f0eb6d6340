from datetime import date, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time

from .common import DealerCustomerCase


@freeze_time("2025-06-01")
class TestMileage(DealerCustomerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A showroom of its own so that no other vehicle changes the fleet average.
        cls.showroom = cls.env["res.company"].create({"name": "Mileage showroom"})
        cls.Vehicle = cls.env["dealer.vehicle"].with_company(cls.showroom)

    def vehicle_with_log(self, vin, readings, delivered="2024-06-01"):
        vehicle = self.Vehicle.create(
            {"vin": vin, "model_id": self.car_model.id, "company_id": self.showroom.id, "delivery_date": delivered}
        )
        self.env["dealer.vehicle.odometer"].create(
            [{"vehicle_id": vehicle.id, "date": day, "value_km": km} for day, km in readings]
        )
        return vehicle

    def test_own_rate_and_due_by_date(self):
        # 6,000 km in 120 days: 50 km/day; service due 12 months after delivery, before 15,000 km.
        car = self.vehicle_with_log("XW8ZZZ1ZZPG000201", [("2025-01-01", 5000), ("2025-05-01", 11000)])
        self.assertAlmostEqual(car.km_per_day, 50.0)
        self.assertEqual(car.projected_km, 11000 + 31 * 50)
        self.assertEqual(car.next_service_km, 15000)
        self.assertEqual(car.next_service_date, date(2025, 6, 1))
        self.assertEqual(car.next_service_reason, "date")

    def test_a_reading_dated_ahead_is_refused(self):
        """A reading typed with next year's date would stay the car's last reading for good: refused, naming the
        date; tomorrow is allowed (the showroom's day may be ahead of the server's)."""
        car = self.vehicle_with_log("XW8ZZZ1ZZPG000207", [("2025-01-01", 5000), ("2025-06-02", 11000)])
        self.assertEqual(car.last_odometer_km, 11000)
        Reading = self.env["dealer.vehicle.odometer"]
        with (
            self.assertRaisesRegex(ValidationError, "Date of the odometer reading of .* cannot be in the future"),
            self.env.cr.savepoint(),
        ):
            Reading.create({"vehicle_id": car.id, "date": "2026-05-15", "value_km": 150})
        with self.assertRaisesRegex(ValidationError, "cannot be in the future"), self.env.cr.savepoint():
            car.odometer_ids[:1].date = "2025-07-01"
        self.assertEqual((car.last_odometer_km, car.last_odometer_date), (11000, date(2025, 6, 2)))

    def test_due_by_mileage_when_driving_a_lot(self):
        # 9,000 km in 120 days: 75 km/day; 1,000 km left → 13 days after the last reading.
        car = self.vehicle_with_log("XW8ZZZ1ZZPG000202", [("2025-01-01", 5000), ("2025-05-01", 14000)])
        self.assertEqual(car.next_service_date, date(2025, 5, 14))
        self.assertEqual(car.next_service_reason, "mileage")

    def test_fleet_rate_for_a_short_history(self):
        self.vehicle_with_log("XW8ZZZ1ZZPG000203", [("2025-01-01", 5000), ("2025-05-01", 11000)])  # 50 km/day
        young = self.vehicle_with_log("XW8ZZZ1ZZPG000204", [("2025-05-22", 1000)], delivered="2025-05-01")
        self.assertFalse(young.km_per_day)
        self.assertEqual(young.projected_km, 1000 + 10 * 50)
        # 14,000 km left at the fleet's 50 km/day: 280 days, before the 12 months are over.
        self.assertEqual(young.next_service_date, date(2025, 5, 22) + timedelta(days=280))
        self.assertEqual(young.next_service_reason, "mileage")

    def test_default_rate_without_any_fleet_history(self):
        young = self.vehicle_with_log("XW8ZZZ1ZZPG000205", [("2025-05-22", 1000)], delivered="2025-05-01")
        self.assertEqual(young.projected_km, 1000 + 10 * 40)
        # 14,000 km at the default 40 km/day takes 350 days: the 12 months come first.
        self.assertEqual(young.next_service_date, date(2026, 5, 1))
        self.assertEqual(young.next_service_reason, "date")

    def test_maintenance_visit_restarts_the_interval(self):
        car = self.vehicle_with_log("XW8ZZZ1ZZPG000206", [("2025-01-01", 5000), ("2025-05-01", 11000)])
        self.env["dealer.visit"].with_company(self.showroom).create(
            {
                "vehicle_id": car.id,
                "company_id": self.showroom.id,
                "date": "2025-05-20",
                "odometer_km": 12000,
                "kind": "maintenance",
                "state": "done",
            }
        )
        self.assertEqual(car.last_odometer_km, 12000)
        self.assertEqual(car.next_service_km, 27000)
        # Own rate is now 7,000 km in 139 days; 15,000 km from the visit come before 12 months.
        days = round(15000 / (7000 / 139))
        self.assertEqual(car.next_service_date, date(2025, 5, 20) + timedelta(days=days))
        self.assertEqual(car.next_service_reason, "mileage")
