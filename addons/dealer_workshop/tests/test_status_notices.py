"""Repair notices: the promised time in the time zone the customer reads it in, bookings linked to their
visit afterwards, and the late-notice cron's cost that does not grow with the number of cars."""

from datetime import timedelta

from odoo.tests import freeze_time, tagged

from .test_repair_status import NOW, RepairStatusCase


@tagged("post_install", "-at_install")
class TestStatusNotices(RepairStatusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Calendar = cls.env["resource.calendar"]
        cls.moscow_hours = Calendar.create({"name": "Moscow workshop hours", "tz": "Europe/Moscow"})
        cls.moscow_bay = cls.env["dealer.workshop.bay"].create(
            {"name": "Moscow bay", "kind": "mechanical", "calendar_id": cls.moscow_hours.id}
        )
        cls.zoneless = cls.env["res.partner"].create(
            {"name": "No Zone", "email": "nozone@example.com", "lang": "en_US", "consent_email": True}
        )
        cls.zoneless.tz = False

    # ------------------------------------------------------------
    # Promised time in the customer's time zone
    # ------------------------------------------------------------

    def test_promised_time_in_the_workshop_zone_for_a_customer_without_one(self):
        # the company's contact has no time zone either: before, such a customer read UTC
        self.company.partner_id.tz = False
        self.company.resource_calendar_id.tz = "Asia/Yekaterinburg"  # UTC+5
        promised = NOW.replace(hour=7)  # 10:00 in Moscow, 12:00 in Yekaterinburg
        with freeze_time(NOW.replace(hour=6)):
            in_moscow = self._visit(self.zoneless, promised=promised, workshop_bay_id=self.moscow_bay.id)
            no_bay = self._visit(self.zoneless, promised=promised, workshop_bay_id=False)
            own_zone = self._visit(self.russian, promised=promised, workshop_bay_id=self.moscow_bay.id)
        notice = self._rows(in_moscow)
        self.assertEqual(len(notice), 1)
        self.assertIn("promised it for 6/10/26, 10:00", notice.body, "the bay's working hours' time zone")
        self.assertNotIn("7:00", notice.body)
        self.assertIn("10:00", in_moscow._dealer_status_values()["promised"], "the status page says the same")
        self.assertIn("6/10/26, 12:00", self._rows(no_bay).body, "without a bay: the company's working hours")
        self.assertIn("12:00", no_bay._dealer_status_values()["promised"])
        self.assertIn("10.06.2026, 10:00", self._rows(own_zone).body, "the customer's own time zone first")
        Visit = self.env["dealer.visit"]
        self.assertEqual(Visit._dealer_customer_tz(self.zoneless, self.moscow_bay, self.company), "Europe/Moscow")
        self.assertEqual(Visit._dealer_customer_tz(self.english, self.moscow_bay, self.company), "UTC")
        # without a bay: the showroom's local time as bookings and campaigns read it, its working hours'
        # time zone, else its address's
        self.company.partner_id.tz = "Asia/Vladivostok"
        self.assertEqual(Visit._dealer_customer_tz(self.zoneless, None, self.company), "Asia/Yekaterinburg")
        self.company.resource_calendar_id = False
        self.assertEqual(Visit._dealer_customer_tz(self.zoneless, None, self.company), "Asia/Vladivostok")
        self.assertEqual(Visit._dealer_customer_tz(self.zoneless, None, None), "UTC")

    # ------------------------------------------------------------
    # Bookings linked afterwards
    # ------------------------------------------------------------

    def _booking(self, car, promised, bay=None):
        Lead = self.env["crm.lead"]
        return Lead.create(
            Lead._dealer_service_opportunity_vals(
                car,
                "Booking",
                "web",
                planned_at=promised - timedelta(hours=3),
                service_promised_at=promised,
                workshop_bay_id=(bay or self.bay2).id,
            )
        )

    def test_booking_linked_when_the_car_is_corrected_gives_bay_and_promised_time(self):
        promised = NOW + timedelta(hours=5)
        with freeze_time(NOW):
            visit = self.env["dealer.visit"].create(
                {"vehicle_id": self._car(self.english).id, "partner_id": self.english.id, "date": NOW.date()}
            )
            booked_car = self._car(self.english)
            booking = self._booking(booked_car, promised)
            self.assertFalse(self._rows(visit), "no promised time yet: nothing to tell")
            visit.vehicle_id = booked_car  # the advisor corrects the car: its booking is linked
        self.assertEqual(visit.service_lead_id, booking)
        self.assertEqual((visit.promised_at, visit.workshop_bay_id), (promised, self.bay2), "the bay is held")
        self.assertEqual(len(self._rows(visit)), 1, "the customer is told the car is in and when it is promised")

    def test_booking_linked_by_the_relink_job_gives_bay_and_promised_time(self):
        promised = NOW + timedelta(hours=5)
        Visit = self.env["dealer.visit"]
        with freeze_time(NOW):
            car = self._car(self.english)
            visit = Visit.create({"vehicle_id": car.id, "partner_id": self.english.id, "date": NOW.date()})
            booking = self._booking(car, promised)
            # a booking recorded after the visit (e.g. the DMS sends it late), linked by the re-link job
            visit.invalidate_recordset()
            if visit.service_lead_id:
                visit._dealer_set_service_leads({visit.id: None})
                visit.invalidate_recordset()
            # a car already handed back, whose booking is found only now: nobody is told it is ready again
            done_car = self._car(self.english)
            done = Visit.create({"vehicle_id": done_car.id, "partner_id": self.english.id, "date": NOW.date()})
            done.action_workshop_ready()
            done.action_done()
            self._booking(done_car, promised, bay=self.moscow_bay)
            Visit._dealer_backfill_service_links()
        self.assertEqual(visit.service_lead_id, booking)
        self.assertEqual((visit.promised_at, visit.workshop_bay_id), (promised, self.bay2))
        self.assertEqual(len(self._rows(visit)), 1)
        self.assertTrue(done.service_lead_id, "the closed visit is linked to its booking")
        self.assertFalse(self._rows(done), "no notice about a car already handed back")

    # ------------------------------------------------------------
    # The late-notice cron at scale
    # ------------------------------------------------------------

    def _due_visits(self, count, start):
        Partner = self.env["res.partner"]
        partners = Partner.create(
            [
                {"name": f"Mail {start + i}", "email": f"m{start + i}@example.com", "consent_email": True}
                if i % 2
                else {
                    "name": f"Phone {start + i}",
                    "phone": f"+7900000{start + i:04d}",
                    "email": f"p{start + i}@example.com",
                    "consent_sms": True,
                    "consent_email": True,
                    "dealer_preferred_channel": "sms",
                }
                for i in range(count)
            ]
        )
        return self.env["dealer.visit"].concat(
            *(
                self._visit(partner, promised=NOW + timedelta(minutes=30 + i), workshop_stage="in_work")
                for i, partner in enumerate(partners)
            )
        )

    def _cron_queries(self, visits):
        Visit = self.env["dealer.visit"]
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        Visit._cron_workshop_status()
        self.env.flush_all()
        count = self.env.cr.sql_log_count - before
        for visit in visits:
            late = self._rows(visit).filtered(lambda row: "will not be ready" in row.body)
            self.assertEqual(len(late), 1, "each customer warned once")
            expected = "sms" if visit.partner_id.dealer_preferred_channel == "sms" else "email"
            self.assertEqual(late.channel, expected, "on the customer's preferred consented channel")
            self.assertEqual(visit.workshop_late_warned_for, visit.promised_at)
        return count

    def test_late_notice_cron_queries_do_not_grow_with_the_cars(self):
        with freeze_time(NOW):
            warm, three, ten = self._due_visits(2, 0), self._due_visits(3, 10), self._due_visits(10, 20)
            Visit = self.env["dealer.visit"]
            # the cron takes every due visit: keep the later batches out of the earlier runs
            (three | ten).write({"workshop_stage": "quality"})
            self._cron_queries(warm)
            three.write({"workshop_stage": "in_work"})
            queries_3 = self._cron_queries(three)
            ten.write({"workshop_stage": "in_work"})
            queries_10 = self._cron_queries(ten)
            Visit._cron_workshop_status()
        self.assertEqual(queries_3, queries_10, "the same queries for 3 cars as for 10")
