from datetime import date

from odoo.addons.dealer_loyalty.tests.common import DealerCampaignCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestReminderBooking(DealerCampaignCase):
    """A reminder that is booked becomes its service opportunity, and its remaining steps stop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.operator = new_test_user(cls.env, login="reminder_operator", groups="dealer_crm.group_call_center")
        cls.service_manager = new_test_user(
            cls.env, login="reminder_scm", groups="dealer_crm.group_service_client_manager"
        )
        cls.Lead = cls.env["crm.lead"]

    def _running_campaign(self):
        """Warranty reminders: an e-mail 30 days ahead, a call task 25 days ahead, an SMS 3 days ahead."""
        campaign = self._campaign("warranty", [("email", -30), ("activity", -25), ("sms", -3)])
        campaign.step_ids.filtered(lambda step: step.channel == "activity").write(
            {
                "activity_role": "call_center",
                "activity_user_id": self.operator.id,
            }
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

    def _service_leads(self, vehicle):
        return self.Lead.with_context(active_test=False).search(
            [("vehicle_id", "=", vehicle.id), ("dealer_interest", "=", "service")]
        )

    def _call_task(self, campaign, vehicle):
        return self._dispatches(campaign).filtered(lambda row: row.channel == "activity" and row.vehicle_id == vehicle)

    def test_call_centre_books_from_the_call_task(self):
        campaign = self._running_campaign()
        car, customer = self.vehicles[0], self.partners[0]
        call = self._call_task(campaign, car)
        self.assertTrue(call.activity_id, "the operator has a call task for the car")
        self.assertEqual(call.activity_id.user_id, self.operator)

        with freeze_time("2026-12-06 11:00:00"):
            action = call.with_user(self.operator).action_dealer_book_visit()
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(self._service_leads(car), lead)
        self.assertEqual((lead.dealer_interest, lead.type, lead.service_source), ("service", "opportunity", "reminder"))
        self.assertEqual(lead.stage_id.dealer_service_step, "scheduling")
        self.assertEqual((lead.vehicle_id, lead.partner_id), (car, customer))
        self.assertEqual(lead.campaign_id, campaign.utm_campaign_id)
        self.assertEqual(lead.campaign_id.title, campaign.name)
        self.assertEqual(lead.dealer_enrolment_id, call.enrolment_id)
        self.assertEqual((call.enrolment_id.state, call.enrolment_id.stop_reason), ("stopped", "booked"))
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", "dealer.vehicle"), ("res_id", "=", car.id)]),
            "the call task is done",
        )

        # booking the same reminder again opens the same opportunity
        again = call.with_user(self.operator).action_dealer_book_visit()
        self.assertEqual(again["res_id"], lead.id)
        self.assertEqual(self._service_leads(car), lead)

        # only booking from it credits a reminder: naming one on a booking over RPC is refused
        other = campaign.enrolment_ids.filtered(lambda enrolment: enrolment.vehicle_id == self.vehicles[1])
        Lead = self.Lead.with_user(self.operator)
        with self.assertRaisesRegex(AccessError, "Reminder"):
            Lead.create({"name": "Walk-in", "dealer_interest": "service", "dealer_enrolment_id": other.id})
        with self.assertRaisesRegex(AccessError, "Reminder"):
            lead.with_user(self.operator).write({"dealer_enrolment_id": other.id})
        self.assertEqual(lead.dealer_enrolment_id, call.enrolment_id)

        # the remaining step (the SMS three days before) reaches every other customer, not this one
        with freeze_time("2026-12-28 06:00:00"):
            campaign._plan()
        with freeze_time("2026-12-28 10:05:00"):
            self._run_cron()
        sms_rows = self._dispatches(campaign).filtered(lambda row: row.channel == "sms")
        self.assertEqual(sms_rows.vehicle_id, self.vehicles - car)
        self.assertEqual(set(sms_rows.mapped("state")), {"sent"})
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", customer.id)]))

    def test_service_client_manager_books_from_the_enrolment_and_the_car(self):
        campaign = self._running_campaign()
        enrolments = campaign.enrolment_ids.sorted("id")
        first = enrolments.filtered(lambda enrolment: enrolment.vehicle_id == self.vehicles[1])
        action = first.with_user(self.service_manager).action_dealer_book_visit()
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(
            (lead.service_source, lead.vehicle_id, lead.dealer_enrolment_id), ("reminder", self.vehicles[1], first)
        )
        self.assertEqual(first.state, "stopped")

        car = self.vehicles[2].with_user(self.service_manager)
        self.assertEqual(car.dealer_reminder_enrolment_id.campaign_id, campaign)
        lead = self.Lead.browse(car.action_dealer_book_reminder_visit()["res_id"])
        self.assertEqual((lead.campaign_id, lead.vehicle_id), (campaign.utm_campaign_id, self.vehicles[2]))
        car.invalidate_recordset(["dealer_reminder_enrolment_id"])  # as the form reloads after the booking
        self.assertFalse(car.dealer_reminder_enrolment_id, "no running reminder left for the car")
        self.assertEqual(len(self.env["utm.campaign"].search([("id", "=", campaign.utm_campaign_id.id)])), 1)
        self.assertEqual(
            self.Lead.search([("campaign_id", "=", campaign.utm_campaign_id.id)]).vehicle_id,
            self.vehicles[1] | self.vehicles[2],
            "both bookings are tagged with one UTM campaign",
        )

    def test_marketer_cannot_book_service(self):
        campaign = self._running_campaign()
        enrolment = campaign.enrolment_ids.filtered(lambda row: row.vehicle_id == self.vehicles[3])
        with self.assertRaises(AccessError):
            enrolment.with_user(self.marketer).action_dealer_book_visit()
        with self.assertRaises(AccessError):
            self._call_task(campaign, self.vehicles[3]).with_user(self.marketer).action_dealer_book_visit()
        self.assertFalse(self._service_leads(self.vehicles[3]))
        self.assertEqual(enrolment.state, "active")

    def test_booking_after_a_reminder_is_credited_to_it(self):
        campaign = self._running_campaign()
        car = self.vehicles[4]
        enrolment = campaign.enrolment_ids.filtered(lambda row: row.vehicle_id == car)
        with freeze_time("2026-12-08 09:00:00"):
            result = self.Lead._dealer_service_booking_from_api(
                {
                    "external_id": "WEB-77",
                    "phone": self.partners[4].phone,
                    "plate": car.plate,
                    "planned_at": "2026-12-15T10:00:00+03:00",
                    "source": "web",
                }
            )
        lead = self.Lead.browse(result["opportunity_id"])
        self.assertEqual(lead.vehicle_id, car)
        self.assertEqual(lead.service_source, "web", "the channel the customer booked through stays")
        self.assertEqual((lead.campaign_id, lead.dealer_enrolment_id), (campaign.utm_campaign_id, enrolment))
        self.assertEqual((enrolment.state, enrolment.stop_reason), ("stopped", "booked"))
        # the call task then opens that booking, it does not make a second one
        action = self._call_task(campaign, car).with_user(self.operator).action_dealer_book_visit()
        self.assertEqual(action["res_id"], lead.id)
        self.assertEqual(self._service_leads(car), lead)

    def test_a_booking_of_another_showroom_is_not_credited_to_the_reminder(self):
        campaign = self._running_campaign()
        car = self.vehicles[4]
        self.assertTrue(self._dispatches(campaign).filtered(lambda row: row.vehicle_id == car and row.state == "sent"))
        other = self.env["res.company"].create({"name": "Other showroom"})
        booking = {"dealer_interest": "service", "vehicle_id": car.id, "partner_id": self.partners[4].id}
        here, there = dict(booking, company_id=self.company.id), dict(booking, company_id=other.id)
        with freeze_time("2026-12-08 09:00:00"):
            self.Lead._dealer_credit_reminders([here, there])
        self.assertEqual(here.get("campaign_id"), campaign.utm_campaign_id.id)
        self.assertNotIn("campaign_id", there)
        self.assertNotIn("dealer_enrolment_id", there)

    def test_booking_without_a_reminder_is_not_credited(self):
        self._running_campaign()
        stranger = self.env["res.partner"].create({"name": "Not reminded", "phone": "+79160000099"})
        car = self.env["dealer.vehicle"].create({"plate": "B999BB77", "partner_id": stranger.id})
        lead = self.Lead.browse(car.action_create_service_opportunity()["res_id"])
        self.assertEqual(lead.service_source, "manual")
        self.assertFalse(lead.campaign_id)
        self.assertFalse(lead.dealer_enrolment_id)

    def test_the_button_shows_to_who_may_book(self):
        def form_has_button(user):
            arch = self.env["dealer.vehicle"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
            return 'name="action_dealer_book_reminder_visit"' in arch

        self.assertTrue(form_has_button(self.operator))
        self.assertTrue(form_has_button(self.service_manager))
        self.assertFalse(form_has_button(self.marketer))

    def test_no_booking_from_a_control_enrolment(self):
        """The control group was sent nothing: a visit booked for them is no reminder's."""
        campaign = self._campaign("warranty", [("email", -30)], control_share=50, state="running")
        control = self.env["dealer.campaign.enrolment"].create(
            {
                "campaign_id": campaign.id,
                "partner_id": self.vehicles[0].partner_id.id,
                "vehicle_id": self.vehicles[0].id,
                "occurrence_date": date(2026, 12, 31),
                "enrolled_at": "2026-12-01 06:00:00",
                "control": True,
            }
        )
        self.assertFalse(self.vehicles[0].dealer_reminder_enrolment_id, "the car has no reminder to book from")
        with self.assertRaisesRegex(UserError, "control group"):
            control.with_user(self.operator).action_dealer_book_visit()
        self.assertFalse(self.Lead.search([("dealer_enrolment_id", "=", control.id)]))
