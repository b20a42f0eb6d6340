"""Workshop capacity: free hours and slots, over-booking refused, norm-hours, the load report."""

from datetime import datetime

from odoo import Command
from odoo.addons.dealer_service_lost_sales.tests.common import ServiceLostSalesCase
from odoo.tests import freeze_time, tagged

# Monday 8 June 2026, 08:00 in Moscow (UTC+3): the showroom opens at 09:00 (06:00 UTC).
NOW = "2026-06-08 05:00:00"


def utc(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


@tagged("post_install", "-at_install")
class WorkshopCapacityCase(ServiceLostSalesCase):
    """A showroom of its own (Moscow time, 09:00-13:00 and 14:00-18:00 on weekdays, 10 June a
    holiday), two mechanical lifts and a body booth, so that demo data never interferes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.showroom = cls.env["res.company"].create({"name": "Workshop Test Showroom"})
        cls.env.user.company_ids |= cls.showroom
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.showroom.id, cls.env.company.id]))
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Workshop hours",
                "company_id": cls.showroom.id,
                "tz": "Europe/Moscow",
                "attendance_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": h_from,
                            "hour_to": h_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for period, h_from, h_to in (("morning", 9, 13), ("afternoon", 14, 18))
                ],
            }
        )
        cls.holiday = cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "company_id": cls.showroom.id,
                "date_from": utc("2026-06-09 21:00"),
                "date_to": utc("2026-06-10 20:59"),
            }
        )
        Bay = cls.env["dealer.workshop.bay"]
        cls.lift1, cls.lift2, cls.booth = Bay.create(
            [
                {
                    "name": "Lift 1",
                    "kind": "mechanical",
                    "sequence": 1,
                    "company_id": cls.showroom.id,
                    "calendar_id": cls.calendar.id,
                },
                {
                    "name": "Lift 2",
                    "kind": "mechanical",
                    "sequence": 2,
                    "company_id": cls.showroom.id,
                    "calendar_id": cls.calendar.id,
                },
                {"name": "Body booth", "kind": "body", "company_id": cls.showroom.id, "calendar_id": cls.calendar.id},
            ]
        )
        cls.vehicle.company_id = cls.showroom
        cls.customer.company_id = False

    @classmethod
    def booking(cls, start, hours=2.0, **vals):
        return cls.Lead.create(
            {
                "name": "Service booking",
                "dealer_interest": "service",
                "company_id": cls.showroom.id,
                "partner_id": cls.customer.id,
                "vehicle_id": cls.vehicle.id,
                "service_planned_at": utc(start),
                "workshop_hours": hours,
                **vals,
            }
        )


@freeze_time(NOW)
class TestFreeCapacity(WorkshopCapacityCase):
    def test_free_hours_working_time_and_holiday(self):
        Bay = self.env["dealer.workshop.bay"]
        free = Bay._free_hours(utc("2026-06-08 00:00"), utc("2026-06-11 00:00"), companies=self.showroom)
        # Monday and Tuesday are 8 working hours each, Wednesday is the holiday
        self.assertEqual(free, {self.lift1.id: 16.0, self.lift2.id: 16.0, self.booth.id: 16.0})
        self.booking("2026-06-08 07:00", 3.0, workshop_bay_id=self.lift1.id, workshop_end_at=utc("2026-06-08 10:00"))
        free = Bay._free_hours(
            utc("2026-06-08 00:00"), utc("2026-06-09 00:00"), kinds=["mechanical"], companies=self.showroom
        )
        self.assertEqual(free, {self.lift1.id: 5.0, self.lift2.id: 8.0})

    def test_free_slots(self):
        Bay = self.env["dealer.workshop.bay"]
        slots = Bay._free_slots("body", 3.0, utc("2026-06-08 00:00"), utc("2026-06-11 00:00"), company=self.showroom)
        starts = [start for start, _bay in slots]
        self.assertTrue(all(bay == self.booth for _start, bay in slots))
        # Monday 09:00 local is the first start, a 3-hour job may run over lunch (12:00-13:00 + 14:00-16:00)
        self.assertEqual(starts[0], utc("2026-06-08 06:00"))
        self.assertIn(utc("2026-06-08 09:00"), starts)
        # the last start of the day ends at 18:00: 15:00 local
        self.assertIn(utc("2026-06-08 12:00"), starts)
        self.assertNotIn(utc("2026-06-08 12:30"), starts)
        # nothing on the holiday
        self.assertFalse([start for start in starts if start.date() == utc("2026-06-10 00:00").date()])
        # 30-minute grid
        self.assertEqual(starts[1], utc("2026-06-08 06:30"))

    def test_free_slots_skip_reservations(self):
        Bay = self.env["dealer.workshop.bay"]
        self.booking("2026-06-08 06:00", 4.0, workshop_bay_id=self.booth.id, workshop_end_at=utc("2026-06-08 10:00"))
        slots = Bay._free_slots("body", 2.0, utc("2026-06-08 00:00"), utc("2026-06-09 00:00"), company=self.showroom)
        # the booth is taken 09:00-13:00 local: the first start is after lunch
        self.assertEqual(slots[0][0], utc("2026-06-08 11:00"))
        self.assertEqual(slots[-1][0], utc("2026-06-08 13:00"))
