from datetime import date, datetime

from odoo import Command
from odoo.addons.dealer_crm.tests.common import DealerAutomationCase
from odoo.exceptions import UserError
from odoo.tests import freeze_time, new_test_user, tagged

CALL_BACK = "Call back: the customer did not come (no-show)"


@tagged("post_install", "-at_install")
class TestAutomationRulesService(DealerAutomationCase):
    """Aftersales example rules and building blocks (post_install: rules hook into a ready registry)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.advisor = new_test_user(cls.env, login="east_service_advisor", groups="dealer_crm.group_service_advisor")
        cls.client_manager = new_test_user(
            cls.env, login="east_service_client_manager", groups="dealer_crm.group_service_client_manager"
        )
        cls.car = cls._vehicle(partner_id=cls.customer.id, plate="A701AA77")
        cls.customer.dealer_advisor_id = cls.advisor

    def _visit(self, lines, state="open"):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": self.car.id,
                "advisor_id": self.advisor.id,
                "date": date(2026, 4, 1),
                "state": state,
                "line_ids": [
                    Command.create({"name": name, "amount": amount, "status": status}) for name, amount, status in lines
                ],
            }
        )

    def _opportunities(self):
        return self.env["crm.lead"].search([("vehicle_id", "=", self.car.id), ("dealer_interest", "=", "service")])

    # ------------------------------------------------------------
    # "Done when" 2: declined brake jobs, built without code
    # ------------------------------------------------------------

    @freeze_time("2026-04-01 10:00:00")
    def test_admin_turns_declined_brake_jobs_into_opportunities_due_in_14_days(self):
        with self.admin_rule_form("Declined brake job: win it back", "dealer.visit.line", "on_create_or_write") as form:
            form.filter_domain = "[('status', '=', 'declined'), ('name', 'ilike', 'brake')]"
            with form.action_server_ids.new() as action:
                action.state = "dealer_step"
                action.dealer_step = "service_opportunity"
                action.dealer_days = 14
        rule = form.save()
        self.assertEqual(set(rule.trigger_field_ids.mapped("name")), {"status", "name"})

        visit = self._visit(
            [("Brake pads", 5000, "declined"), ("Oil change", 3000, "done"), ("Wipers", 900, "declined")]
        )
        opportunity = self._opportunities()
        self.assertEqual(len(opportunity), 1)
        self.assertEqual(opportunity.date_deadline, date(2026, 4, 15))
        self.assertEqual(opportunity.user_id, self.advisor)
        self.assertEqual(opportunity.sudo().service_line_ids.mapped("name"), ["Brake pads"])
        self.assertEqual(
            visit.line_ids.filtered(lambda line: line.name == "Brake pads").service_opportunity_id, opportunity
        )

        visit.line_ids.filtered(lambda line: line.name == "Oil change").status = "declined"
        self.assertEqual(len(self._opportunities()), 1, "only brake jobs")

        rule.active = False
        self._visit([("Brake discs", 8000, "declined")])
        self.assertEqual(len(self._opportunities()), 1, "a switched-off rule does nothing")

    # ------------------------------------------------------------
    # Shipped example rules
    # ------------------------------------------------------------

    @freeze_time("2026-04-01 10:00:00")
    def test_closed_visit_with_declined_lines_becomes_an_opportunity(self):
        rule = self.env.ref("dealer_service_lost_sales.automation_declined_lines_opportunity")
        self.assertFalse(rule.active)
        rule.active = True
        clean = self._visit([("Oil change", 3000, "done")])
        clean.action_done()
        self.assertFalse(self._opportunities())
        visit = self._visit([("Oil change", 3000, "done"), ("Brake pads", 5000, "declined")])
        self.assertFalse(self._opportunities(), "not before the visit is closed")
        visit.action_done()
        opportunity = self._opportunities()
        self.assertEqual(len(opportunity), 1)
        self.assertEqual(opportunity.date_deadline, date(2026, 4, 15))
        self.assertEqual(opportunity.service_source, "declined")

        rule.active = False
        self._visit([("Tyres", 20000, "declined")]).action_done()
        self.assertEqual(len(self._opportunities()), 1)

    def _booking(self, **vals):
        return self.env["crm.lead"].create(
            {
                "name": "Booking",
                "dealer_interest": "service",
                "partner_id": self.customer.id,
                "vehicle_id": self.car.id,
                "user_id": self.advisor.id,
                "service_planned_at": datetime(2026, 4, 1, 8, 0),
                **vals,
            }
        )

    @freeze_time("2026-04-01 12:00:00")
    def test_no_show_gives_a_service_client_manager_a_call_back(self):
        rule = self.env.ref("dealer_service_lost_sales.automation_no_show_call_back")
        self.assertTrue(rule.active)
        no_show = self._booking(name="No-show")
        cancelled = self._booking(name="Cancelled", service_planned_at=datetime(2026, 4, 2, 8, 0))
        self.env["crm.lead"]._cron_dealer_detect_no_show()
        cancelled._dealer_record_lost("customer_cancelled")
        self.assertFalse(no_show.active)
        self.assertTrue(no_show.sudo().loss_event_ids.filtered(lambda e: e.kind == "no_show"), "the lost event")
        call = self.activities(no_show, CALL_BACK)
        self.assertEqual(len(call), 1)
        self.assertTrue(call.user_id.has_group("dealer_crm.group_service_client_manager"))
        self.assertFalse(self.activities(cancelled, CALL_BACK), "other reasons: no call-back")

        rule.active = False
        later = self._booking(name="Second no-show")
        later._dealer_record_lost("no_show")
        self.assertFalse(self.activities(later, CALL_BACK))

    @freeze_time("2026-04-01 12:00:00")
    def test_no_shows_of_one_run_get_one_call_back_each(self):
        """The cron loses its bookings in one job, where the rule's open tasks are looked up once for all
        of them: a booking with its call-back still open gets no second one, every other one gets one."""
        # hooked again: a test before this one switched the rule off, which a rollback does not unhook
        self.env.ref("dealer_service_lost_sales.automation_no_show_call_back").write({"active": True})
        bookings = self.env["crm.lead"]
        for i in range(4):
            customer = self.env["res.partner"].create({"name": f"Customer {i}", "phone": f"+7916555000{i}"})
            car = self._vehicle(partner_id=customer.id, plate=f"B70{i}BB77")
            bookings |= self._booking(name=f"No-show {i}", partner_id=customer.id, vehicle_id=car.id)
        bookings[0].activity_schedule(summary=CALL_BACK, user_id=self.advisor.id)
        self.env["crm.lead"]._cron_dealer_detect_no_show()
        self.assertEqual(set(bookings.mapped("active")), {False})
        # every assignee's task, whichever showroom's person the role gave it to
        calls = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", bookings.ids), ("summary", "=", CALL_BACK)])
        )
        for booking in bookings:
            self.assertEqual(len(calls.filtered(lambda a, b=booking: a.res_id == b.id)), 1, booking.name)
        self.assertEqual(calls.filtered(lambda a: a.res_id == bookings[0].id).user_id, self.advisor, "given by hand")
        for user in calls.filtered(lambda a: a.res_id != bookings[0].id).user_id:
            self.assertTrue(user.has_group("dealer_crm.group_service_client_manager"), user.login)

    def test_overdue_improvement_action_notifies_its_owner(self):
        rule = self.env.ref("dealer_service_lost_sales.automation_improvement_overdue")
        Improvement = self.env["dealer.loss.improvement"]
        reason = self.env.ref("dealer_service_lost_sales.lost_reason_parts_missing")
        overdue, done = Improvement.create(
            [
                {
                    "name": "Stock brake pads",
                    "reason_id": reason.id,
                    "user_id": self.advisor.id,
                    "deadline": date(2026, 5, 10),
                    "state": "in_progress",
                },
                {
                    "name": "Finished",
                    "reason_id": reason.id,
                    "user_id": self.advisor.id,
                    "deadline": date(2026, 5, 10),
                    "state": "done",
                },
            ]
        )

        def reminders(action):
            return action.message_ids.filtered(lambda m: "past its deadline" in (m.body or ""))

        self.run_time_rules(datetime(2026, 5, 10, 23, 0), rule)
        self.assertFalse(reminders(overdue), "not on the deadline day")
        self.run_time_rules(datetime(2026, 5, 11, 7, 0), rule)
        self.assertEqual(len(reminders(overdue)), 1)
        self.assertIn(self.advisor.partner_id, reminders(overdue).partner_ids)
        self.assertFalse(reminders(done))

        rule.active = False
        overdue.deadline = date(2026, 5, 11)
        self.run_time_rules(datetime(2026, 5, 12, 7, 0), rule)
        self.assertEqual(len(reminders(overdue)), 1)

    # ------------------------------------------------------------
    # Building blocks
    # ------------------------------------------------------------

    def test_record_lost_needs_a_known_reason(self):
        booking = self._booking()
        with self.assertRaisesRegex(UserError, "not the code of a Lost Reason"):
            booking._dealer_record_lost("weather")
        self.assertTrue(booking.active, "nothing half-written")
        booking._dealer_record_lost("price")
        self.assertFalse(booking.active)
        self.assertEqual(booking.lost_reason_id.dealer_code, "price")

    def test_vehicle_opportunity_once_per_car(self):
        other = self._vehicle(partner_id=self.customer.id, plate="A702AA77")
        cars = self.car | other
        first = cars._dealer_create_service_opportunity(days=7, summary="Winter check")
        self.assertEqual(len(first), 2)
        self.assertEqual(set(first.mapped("user_id")), {self.advisor}, "the owner's advisor")
        self.assertFalse(cars._dealer_create_service_opportunity(days=7), "an open opportunity already exists")

    def test_win_back_opportunity_recovers_the_declined_lines_and_never_counts_twice(self):
        visit = self._visit([("Brake pads", 5000, "declined")])
        visit.action_done()
        declined_event = self.env["dealer.loss.event"].search([("visit_id", "=", visit.id)])
        self.assertEqual(declined_event.amount, 5000, "the declined line is lost revenue once")
        won_back = visit._dealer_create_service_opportunity(days=14)
        won_back.action_set_won()
        self.assertTrue(declined_event.recovered, "winning the job back recovers the declined line")

        visit_2 = self._visit([("Brake discs", 8000, "declined")])
        visit_2.action_done()
        lost_again = visit_2._dealer_create_service_opportunity(days=14)
        lost_again._dealer_record_lost("price")
        self.assertEqual(lost_again.sudo().loss_event_ids.amount, 0.0, "already in the ledger as a declined line")

    def _visits_with_declined_lines(self, visits, lines_per_visit):
        return self.env["dealer.visit"].create(
            [
                {
                    "vehicle_id": self.car.id,
                    "advisor_id": self.advisor.id,
                    "date": date(2026, 4, 1),
                    "line_ids": [
                        Command.create({"name": f"Job {v}-{i}", "amount": 100, "status": "declined"})
                        for i in range(lines_per_visit)
                    ],
                }
                for v in range(visits)
            ]
        )

    def test_opportunities_from_1000_lines_in_queries_that_do_not_grow_with_the_lines(self):
        small = self._visits_with_declined_lines(10, 10).line_ids
        large = self._visits_with_declined_lines(10, 100).line_ids
        self.assertEqual(len(large), 1000)
        # The same budget for 100 and for 1000 lines: the number of lines does not drive the number
        # of queries (100 lines take about 65).
        self.env.invalidate_all()
        with self.assertQueryCount(100):
            small._dealer_create_service_opportunity(days=14)
        self.env.invalidate_all()
        with self.assertQueryCount(100):
            leads = large._dealer_create_service_opportunity(days=14)
        self.assertEqual(len(leads), 10, "one opportunity per visit")
        self.assertEqual(len(leads.sudo().service_line_ids), 1000)
