from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time

from .common import ServiceLostSalesCase


class TestLossEvents(ServiceLostSalesCase):
    def test_lost_wizard_requires_a_reason_for_service(self):
        lead = self.service_lead([("Oil", 5000, "proposed")])
        with self.assertRaises(UserError):
            self.lost_via_wizard(lead, None)
        self.assertTrue(lead.active)
        self.assertFalse(lead.loss_event_ids)
        with self.assertRaises(UserError):
            lead.action_set_lost()

    def test_sales_lead_lost_without_reason_still_works(self):
        lead = self.Lead.create({"name": "New car", "type": "opportunity", "expected_revenue": 1000})
        self.lost_via_wizard(lead, None)
        self.assertEqual(lead.won_status, "lost")
        self.assertFalse(self.Event.search([("lead_id", "=", lead.id)]))

    def test_appointment_cancelled_in_scheduling(self):
        lead = self.service_lead([("Oil", 5000, "proposed"), ("Filter", 700, "accepted"), ("Tyres", 9000, "declined")])
        self.lost_via_wizard(lead, self.reason["customer_cancelled"])
        event = lead.loss_event_ids
        self.assertEqual(event.kind, "appointment_cancelled")
        self.assertEqual(event.amount, 5700)
        self.assertEqual(event.stage_id, self.stage["scheduling"])
        self.assertEqual(event.reason_id, self.reason["customer_cancelled"])
        self.assertEqual(event.category, "customer")
        self.assertEqual(event.advisor_id, self.advisor)
        self.assertEqual(event.brand_id, self.brand)
        self.assertFalse(event.is_partial)
        self.assertEqual(lead.won_status, "lost")

    def test_the_event_reads_in_the_language_of_its_reader(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_service_lost_sales"], ["ru_RU"], overwrite=True)
        lead = self.service_lead([("Oil", 5000, "proposed")])
        self.lost_via_wizard(lead, self.reason["customer_cancelled"])
        event = lead.loss_event_ids
        self.assertEqual(event.with_context(lang="en_US").display_name, "Appointment cancelled - Service job")
        self.assertEqual(event.with_context(lang="ru_RU").display_name, "Запись отменена - Service job")

    def test_another_showrooms_opportunity_cannot_be_named_on_a_loss_event(self):
        """A loss event names the opportunity and customer by id; another showroom's cannot be put there
        (its name would show on the event, read by the system)."""
        lead = self.service_lead([("Oil", 5000, "proposed")])
        south = self.env["res.company"].create({"name": "South showroom"})
        with self.assertRaises(UserError):
            self.Event.with_company(south).create(
                {"company_id": south.id, "kind": "quote_declined", "lead_id": lead.id, "amount": 1}
            )
        with self.assertRaises(UserError):
            self.Event.with_company(south).create(
                {"company_id": south.id, "kind": "quote_declined", "vehicle_id": lead.vehicle_id.id, "amount": 1}
            )

    def test_the_kind_of_a_loss_is_not_chosen_by_the_request(self):
        """Cancelled in the workshop with a competitor is an order cancelled: a request cannot file it as the
        customer's no-show, nor as recovered, by its context."""
        lead = self.service_lead([("Clutch", 40000, "accepted")], stage_id=self.stage["in_progress"].id)
        wizard = (
            self.env["crm.lead.lost"]
            .with_context(dealer_loss_kind="no_show", default_recovered=True)
            .create({"lead_ids": [Command.set(lead.ids)], "lost_reason_id": self.reason["competitor"].id})
        )
        wizard.action_lost_reason_apply()
        self.assertEqual((lead.loss_event_ids.kind, lead.loss_event_ids.recovered), ("order_cancelled", False))

    def test_order_cancelled_with_competitor(self):
        lead = self.service_lead([("Clutch", 40000, "accepted")], stage_id=self.stage["in_progress"].id)
        self.lost_via_wizard(lead, self.reason["competitor"], competitor="Garage Nord")
        event = lead.loss_event_ids
        self.assertEqual(
            (event.kind, event.amount, event.stage_id), ("order_cancelled", 40000, self.stage["in_progress"])
        )
        self.assertEqual(event.competitor, "Garage Nord")
        self.assertEqual(event.category, "competitor")

    def test_quote_declined(self):
        lead = self.service_lead(
            [("Body repair", 60000, "proposed"), ("Polish", 4000, "proposed")], stage_id=self.stage["reception"].id
        )
        lead.action_dealer_decline_quote()
        self.assertEqual(lead.loss_event_ids.kind, "quote_declined")
        self.assertEqual(lead.loss_event_ids.amount, 64000)
        self.assertEqual(lead.loss_event_ids.reason_id, self.reason["price"])
        self.assertEqual(lead.loss_event_ids.stage_id, self.stage["reception"])
        self.assertEqual(set(lead.service_line_ids.mapped("state")), {"declined"})
        self.assertEqual(len(lead.loss_event_ids), 1, "declining lines of a lost quote adds no second loss")

    def test_scope_reduced_by_declined_line_and_lower_amount(self):
        lead = self.service_lead(
            [("Oil", 5000, "accepted"), ("Brakes", 8000, "proposed")], stage_id=self.stage["in_progress"].id
        )
        brakes = lead.service_line_ids.filtered(lambda line: line.name == "Brakes")
        brakes.write({"state": "declined", "loss_reason_id": self.reason["parts_missing"].id})
        oil = lead.service_line_ids - brakes
        oil.amount = 4200
        events = lead.loss_event_ids.sorted("amount")
        self.assertEqual(events.mapped("kind"), ["scope_reduced", "scope_reduced"])
        self.assertEqual(events.mapped("amount"), [800, 8000])
        self.assertEqual(events[1].reason_id, self.reason["parts_missing"])
        self.assertTrue(all(events.mapped("is_partial")))
        self.assertEqual(lead.expected_revenue, 4200)
        self.assertEqual(lead.loss_amount, 8800)
        oil.amount = 5000  # raising an amount is no loss
        self.assertEqual(len(lead.loss_event_ids), 2)

    def test_deferred_never_done(self):
        lead = self.service_lead(
            [("Wipers", 1500, "proposed")], service_source="visit", date_deadline=date.today() - timedelta(days=31)
        )
        fresh = self.service_lead(
            [("Tyres", 9000, "proposed")], service_source="visit", date_deadline=date.today() - timedelta(days=5)
        )
        self.Lead._cron_dealer_deferred_not_done()
        self.assertEqual(lead.loss_event_ids.kind, "deferred_not_done")
        self.assertEqual(lead.loss_event_ids.amount, 1500)
        self.assertEqual(lead.won_status, "lost")
        self.assertTrue(fresh.active)

    def test_a_booking_lost_restored_and_lost_again_is_lost_once(self):
        """A no-show called back and restored, then not coming either: its 12,000 are in the ledger once (the
        second loss keeps its reason and stage at zero amount), not 24,000."""
        lead = self.service_lead([("Brakes", 12000, "accepted")])
        self.lost_via_wizard(lead, self.reason["no_show"])
        lead.action_restore()
        self.lost_via_wizard(lead, self.reason["customer_cancelled"])
        events = lead.loss_event_ids.sorted("id")
        self.assertEqual(events.mapped("amount"), [12000, 0])
        self.assertEqual(events[1].reason_id, self.reason["customer_cancelled"])
        self.assertEqual(lead.loss_amount, 12000)

    def test_a_declined_line_taken_back_is_no_longer_lost(self):
        """Brakes declined (8,000 lost), then the customer agrees after all: the loss leaves the ledger, so declining
        them again or winning the order counts the 8,000 once, not twice."""
        lead = self.service_lead(
            [("Oil", 5000, "accepted"), ("Brakes", 8000, "proposed")], stage_id=self.stage["in_progress"].id
        )
        brakes = lead.service_line_ids.filtered(lambda line: line.name == "Brakes")
        brakes.write({"state": "declined", "loss_reason_id": self.reason["price"].id})
        self.assertEqual(lead.loss_event_ids.mapped("amount"), [8000])
        brakes.state = "accepted"
        self.assertFalse(lead.loss_event_ids)
        self.assertEqual(lead.expected_revenue, 13000)
        brakes.state = "declined"
        self.assertEqual(lead.loss_event_ids.mapped("amount"), [8000])
        self.assertEqual(lead.loss_amount, 8000)

    def test_what_the_ledger_counts_is_not_typed_in(self):
        """Recovered is the application's (the recovery rate), a repeat repair's count too: an advisor's write over
        RPC is refused naming the field."""
        lead = self.service_lead([("Oil", 5000, "accepted")])
        self.lost_via_wizard(lead, self.reason["capacity"])
        event = lead.loss_event_ids.with_user(self.advisor)
        with self.assertRaisesRegex(AccessError, "Recovered"):
            event.write({"recovered": True})
        self.assertFalse(lead.loss_event_ids.recovered)

    def test_recovered_when_won_back(self):
        lead = self.service_lead([("Oil", 5000, "accepted")])
        self.lost_via_wizard(lead, self.reason["capacity"])
        event = lead.loss_event_ids
        self.assertFalse(event.recovered)
        lead.action_restore()
        lead.action_set_won()
        self.assertTrue(event.recovered)


class TestNoShow(ServiceLostSalesCase):
    def test_no_show_detected_after_the_grace_period(self):
        self.env["ir.config_parameter"].sudo().set_param("dealer_service_lost_sales.no_show_grace_minutes", "30")
        planned = datetime(2026, 4, 10, 9, 0)
        late = self.service_lead([("TO-1", 12000, "proposed")], service_planned_at=planned)
        came = self.service_lead([("TO-2", 15000, "proposed")], service_planned_at=planned)
        came.stage_id = self.stage["reception"]
        with freeze_time(planned + timedelta(minutes=20)):
            self.Lead._cron_dealer_detect_no_show()
        self.assertTrue(late.active, "still within the grace period")
        with freeze_time(planned + timedelta(minutes=31)):
            self.Lead._cron_dealer_detect_no_show()
        event = late.loss_event_ids
        self.assertEqual((event.kind, event.amount), ("no_show", 12000))
        self.assertEqual(event.reason_id, self.reason["no_show"])
        self.assertEqual(event.stage_id, self.stage["scheduling"])
        self.assertEqual(late.lost_reason_id, self.reason["no_show"])
        self.assertTrue(came.active)
        self.assertFalse(came.loss_event_ids)
