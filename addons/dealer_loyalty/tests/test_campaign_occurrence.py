from datetime import date, timedelta

from odoo.tests import freeze_time, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")
class TestCampaignOccurrence(DealerCampaignCase):
    """One reminder per real-world occurrence, however often its projected date moves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        brand = cls.env["dealer.vehicle.brand"].create({"name": "Occurrence Motors"})
        cls.car_model = cls.env["dealer.vehicle.model"].create(
            {
                "name": "Occurrence One",
                "brand_id": brand.id,
                "maintenance_interval_km": 15000,
                "maintenance_interval_months": 24,
            }
        )
        cls.car = cls.vehicles[0]
        cls.car.write({"model_id": cls.car_model.id, "brand_id": brand.id})
        cls._service(cls.car, date(2026, 1, 10), 10000)

    @classmethod
    def _service(cls, car, day, km):
        cls.env["dealer.visit"].create(
            {
                "vehicle_id": car.id,
                "partner_id": car.partner_id.id,
                "date": day,
                "kind": "maintenance",
                "state": "done",
                "odometer_km": km,
            }
        )
        cls.env["dealer.vehicle.odometer"].create({"vehicle_id": car.id, "date": day, "value_km": km})

    def _fleet_rate(self, km_per_day):
        """The other cars' own averages: this car, with one reading, is projected at the fleet's."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE dealer_vehicle SET km_per_day = %s WHERE company_id = %s AND id != %s",
            (km_per_day, self.car.company_id.id, self.car.id),
        )
        self.env.invalidate_all()
        self.car._update_mileage_stats()
        return self.car.next_service_date

    def _day(self, day):
        """One day of the real crons: planning in the morning, sending at 10:05 (customers in UTC)."""
        with self._fake_commits():
            with freeze_time(f"{day} 06:00:00"):
                self.env["dealer.campaign"]._cron_plan()
            with freeze_time(f"{day} 10:05:00"):
                self.env["dealer.dispatch"]._cron_send_due()

    def _mails(self):
        return self.env["mail.mail"].search([("recipient_ids", "in", self.car.partner_id.ids)])

    def test_moving_maintenance_date_reminds_once_per_interval(self):
        self.assertEqual(self._fleet_rate(50.0), date(2026, 11, 6), "10,000 km + 15,000 at 50 km/day")
        campaign = self._campaign(
            "maintenance",
            [("email", -7)],
            audience_domain=f"[('id', '=', {self.car.id})]",
            state="running",
            stop_on_booking=False,
        )
        self._day("2026-10-30")
        self.assertEqual(len(self._mails()), 1, "the reminder a week before the projected date")

        # the fleet drives less: the same interval's projected date moves two and a half months later
        self.assertEqual(self._fleet_rate(40.0), date(2027, 1, 20))
        for day in ("2027-01-12", "2027-01-13", "2027-01-14"):
            self._day(day)
        self.assertEqual(len(self._mails()), 1, "no second reminder within the same service interval")
        self.assertEqual(len(campaign.enrolment_ids), 1)

        # the car is serviced: a new interval, a new reminder when it is due
        with freeze_time("2027-01-25 10:00:00"):
            self._service(self.car, date(2027, 1, 25), 26000)
        self.car._update_mileage_stats()
        due = self.car.next_service_date
        self.assertGreater(due, date(2027, 12, 1), "a year of driving later")
        self._day(str(due - timedelta(days=7)))
        self.assertEqual(len(self._mails()), 2, "the next interval's reminder")
        self.assertEqual(
            sorted(campaign.enrolment_ids.mapped("occurrence_key")), [date(2026, 1, 10), date(2027, 1, 25)]
        )
