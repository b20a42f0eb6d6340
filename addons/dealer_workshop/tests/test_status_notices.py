"""Repair notices: the promised time in the time zone the customer reads it in."""

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
