from datetime import datetime

from odoo.addons.dealer_service_lost_sales.tests.common import ServiceLostSalesCase


class TestReminderOpportunity(ServiceLostSalesCase):
    """The service opportunities a booked reminder makes: one per car, source Reminder, its campaign."""

    def test_reminder_hook_creates_one_opportunity_per_vehicle(self):
        other = self.env["dealer.vehicle"].create({"plate": "T002TT77", "partner_id": self.customer.id})
        leads = self.Lead._dealer_service_opportunity_from_reminder(
            self.vehicle | other, "Winter tyres 2026", datetime(2026, 11, 1, 9, 0)
        )
        self.assertEqual(len(leads), 2)
        self.assertEqual(set(leads.mapped("service_source")), {"reminder"})
        self.assertEqual(leads.vehicle_id, self.vehicle | other)
        self.assertEqual(leads.campaign_id.name, "Winter tyres 2026")
        self.assertEqual(set(leads.stage_id.ids), {self.stage["scheduling"].id})
