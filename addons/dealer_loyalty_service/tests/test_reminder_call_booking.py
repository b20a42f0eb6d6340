from datetime import date

from odoo import Command
from odoo.addons.dealer_loyalty.tests.common import DealerCampaignCase
from odoo.exceptions import UserError
from odoo.tests import freeze_time, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestReminderCallBooking(DealerCampaignCase):
    """A call task closed "booked" books the visit through the reminder; the campaign earns its revenue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.operator = new_test_user(cls.env, login="reminder_booking_op", groups="dealer_crm.group_call_center")
        cls.Wizard = cls.env["dealer.call.outcome.wizard"]
        cls.Lead = cls.env["crm.lead"]

    def _running_campaign(self):
        """Warranty reminders: an e-mail 30 days ahead, then the operator's call task 25 days ahead."""
        campaign = self._campaign("warranty", [("email", -30), ("activity", -25)], budget=4000)
        campaign.step_ids.filtered(lambda step: step.channel == "activity").write(
            {"activity_role": "call_center", "activity_user_id": self.operator.id}
        )
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        with freeze_time("2026-12-06 06:00:00"):
            campaign._plan()
        with freeze_time("2026-12-06 10:05:00"):
            self._run_cron()
        return campaign

    def _row(self, campaign, vehicle, channel="activity"):
        return self._dispatches(campaign).filtered(lambda row: row.channel == channel and row.vehicle_id == vehicle)

    def _close(self, activity, **vals):
        wizard = self.Wizard.with_user(self.operator).create({"activity_id": activity.id, **vals})
        return wizard.action_confirm()

    def test_booked_call_books_the_visit_and_earns_the_campaign_its_revenue(self):
        campaign = self._running_campaign()
        car = self.vehicles[0]
        call_row, email_row = self._row(campaign, car), self._row(campaign, car, "email")
        self.assertEqual(email_row.state, "sent")
        with freeze_time("2026-12-06 11:00:00"):
            action = self._close(call_row.activity_id, outcome="booked", duration_minutes=4)

        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(action["res_model"], "crm.lead", "the booking opens for its day and work")
        self.assertEqual(
            (lead.service_source, lead.vehicle_id, lead.dealer_enrolment_id), ("reminder", car, call_row.enrolment_id)
        )
        self.assertEqual(lead.campaign_id, campaign.utm_campaign_id)
        self.assertEqual((call_row.call_outcome, call_row.call_id.booking_id), ("booked", lead))
        self.assertEqual(call_row.enrolment_id.stop_reason, "booked")
        self.assertFalse(call_row.activity_id.active, "the task is done")

        # the car comes: the visit carries out the booking, within the e-mail's attribution days too
        self._visit_for(lead, date(2026, 12, 8), 12000)
        campaign.invalidate_recordset()
        self.assertEqual((campaign.call_count, campaign.reached_count, campaign.call_booked_count), (1, 1, 1))
        self.assertEqual(campaign.booking_count, 1, "one booking: the call's, its visit is not counted again")
        self.assertEqual(campaign.revenue, 12000)
        self.assertEqual(campaign.roi, 200.0)
        report = self.env["dealer.campaign.report"]
        (call_result,) = report.search_read([("id", "=", call_row.id)], ["booking_count", "revenue"])
        (email_result,) = report.search_read([("id", "=", email_row.id)], ["booking_count", "revenue"])
        self.assertEqual((call_result["booking_count"], call_result["revenue"]), (1, 12000))
        self.assertEqual((email_result["booking_count"], email_result["revenue"]), (0, 0), "exact, not by window")

    def test_a_booking_of_the_reminder_is_picked_not_doubled(self):
        campaign = self._running_campaign()
        car = self.vehicles[1]
        row = self._row(campaign, car)
        booked = row.enrolment_id.with_user(self.operator)._dealer_booking_lead()[0]
        with freeze_time("2026-12-06 11:00:00"):
            self._close(row.activity_id, outcome="booked")
        self.assertEqual(row.call_id.booking_id, booked)
        leads = self.Lead.search([("vehicle_id", "=", car.id), ("dealer_interest", "=", "service")])
        self.assertEqual(leads, booked)

    def test_book_a_visit_from_the_call_task_counts_as_a_booked_call(self):
        campaign = self._running_campaign()
        row = self._row(campaign, self.vehicles[2])
        task = row.activity_id
        with freeze_time("2026-12-06 11:00:00"):
            lead = self.Lead.browse(row.with_user(self.operator).action_dealer_book_visit()["res_id"])
        self.assertFalse(task.active, "the call task is done")
        self.assertEqual(
            (row.call_outcome, row.call_id.booking_id, row.call_id.user_id), ("booked", lead, self.operator)
        )
        self.assertEqual((campaign.call_count, campaign.call_booked_count, campaign.booking_count), (1, 1, 1))

    def test_strategy_call_books_the_customers_only_car(self):
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Service win-back",
                "role": "call_center",
                "activity_summary": "Win-back call",
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            }
        )
        one_car, two_cars = self.partners[2], self.partners[3]
        self.env["dealer.vehicle"].create({"partner_id": two_cars.id, "plate": "B100BB77"})
        (one_car | two_cars).write({"user_id": self.operator.id})
        strategy._create_activities(one_car | two_cars)
        tasks = self.env["mail.activity"].search([("dealer_strategy_id", "=", strategy.id)])
        task_of = {task.res_id: task for task in tasks}

        with self.assertRaisesRegex(UserError, "Booking"):
            self._close(task_of[two_cars.id], outcome="booked")
        self.assertFalse(self.env["dealer.call"].search([("strategy_id", "=", strategy.id)]))
        self.assertTrue(task_of[two_cars.id].active)

        action = self._close(task_of[one_car.id], outcome="booked")
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual((lead.vehicle_id, lead.service_source), (self.vehicles[2], "reminder"))
        self.assertEqual(lead.campaign_id.name, "Service win-back")
        self.assertEqual((strategy.call_count, strategy.reached_count, strategy.booked_count), (1, 1, 1))

    def _visit_for(self, lead, day, amount):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": lead.vehicle_id.id,
                "partner_id": lead.partner_id.id,
                "date": day,
                "kind": "maintenance",
                "state": "done",
                "service_lead_id": lead.id,
                "line_ids": [Command.create({"name": "Work", "amount": amount, "status": "done"})],
            }
        )
