import ast
from datetime import date

from odoo import Command
from odoo.addons.dealer_crm.tests.common import user_of
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")
class TestReminderCalls(DealerCampaignCase):
    """A reminder's call task is closed with the call's outcome, and the campaign counts it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.operator = new_test_user(cls.env, login="reminder_call_op1", groups="dealer_crm.group_call_center")
        cls.colleague = new_test_user(cls.env, login="reminder_call_op2", groups="dealer_crm.group_call_center")
        cls.Call = cls.env["dealer.call"]
        cls.Wizard = cls.env["dealer.call.outcome.wizard"]
        cls.no_money = cls.env["crm.lost.reason"].create({"name": "Too expensive"})

    def _running_campaign(self):
        """Warranty reminders: a call task for the operator 25 days before the warranty ends."""
        campaign = self._campaign("warranty", [("activity", -25)])
        campaign.step_ids.write({"activity_role": "call_center", "activity_user_id": self.operator.id})
        return self._run(campaign)

    def _run(self, campaign):
        """Started on 1 December, the tasks of 6 December planned and given."""
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-06 06:00:00"):
            campaign._plan()
        with freeze_time("2026-12-06 10:05:00"):
            self._run_cron()
        return campaign

    def _task(self, campaign, vehicle):
        row = self._dispatches(campaign).filtered(lambda r: r.vehicle_id == vehicle)
        self.assertTrue(row.activity_id.active, "the operator has an open call task for the car")
        return row

    def _close(self, user, activity, **vals):
        wizard = self.Wizard.with_user(user).create({"activity_id": activity.id, **vals})
        return wizard.action_confirm()

    def test_a_shared_customers_call_task_goes_to_the_campaigns_showroom(self):
        """A car and customer of no showroom, whose own salesperson works in another showroom: the task of
        this showroom's campaign goes to this showroom's salesperson, not to the other showroom's."""
        south = self.env["res.company"].create({"name": "Second showroom"})
        north_operator = user_of(self.env, self.company, "north_only_seller", "dealer_crm.group_sales_manager")
        south_operator = user_of(self.env, south, "south_only_seller", "dealer_crm.group_sales_manager")
        car, customer = self.vehicles[0], self.partners[0]
        customer.write({"company_id": False, "dealer_sales_user_id": north_operator.id})
        car.company_id = False
        self.assertEqual(car._dealer_role_users("sales_manager")[car.id], north_operator, "the car's own salesperson")
        campaign = self._campaign("warranty", [("activity", -25)])
        campaign.step_ids.write({"activity_role": "sales_manager", "activity_user_id": False})
        campaign.write({"company_id": south.id, "audience_domain": f"[('id', '=', {car.id})]"})
        row = self._dispatches(self._run(campaign))
        self.assertEqual(row.company_id, south)
        self.assertEqual(row.activity_id.user_id, south_operator)

    def test_booked_call_from_the_car_links_the_booking_and_counts(self):
        campaign = self._running_campaign()
        car, customer = self.vehicles[0], self.partners[0]
        row = self._task(campaign, car)
        booking = self.env["crm.lead"].create({"name": "Warranty check", "partner_id": customer.id})

        action = car.with_user(self.operator).action_dealer_call_outcome()
        with Form(self.Wizard.with_user(self.operator).with_context(**action["context"])) as form:
            self.assertEqual(form.partner_id, customer)
            self.assertEqual(form.campaign_id, campaign)
            form.outcome = "booked"
            form.booking_id = booking
            form.duration_minutes = 3
            form.note = "Comes on Monday"
        task = row.activity_id
        form.record.action_confirm()

        call = self.Call.search([("dispatch_id", "=", row.id)])
        self.assertEqual(len(call), 1)
        self.assertEqual(
            (call.outcome, call.booking_id, call.partner_id, call.user_id, call.campaign_id),
            ("booked", booking, customer, self.operator, campaign),
        )
        self.assertEqual((call.direction, call.source, call.duration_seconds), ("outbound", "manual", 180))
        self.assertEqual((row.call_id, row.call_outcome), (call, "booked"))
        self.assertFalse(task.active, "the task is done")
        self.assertIn("Booked", task.feedback)
        self.assertIn("Comes on Monday", task.feedback)

        self.assertEqual((campaign.call_count, campaign.reached_count, campaign.call_booked_count), (1, 1, 1))
        self.assertEqual(campaign.call_conversion, 100.0)
        self.assertEqual(campaign.booking_count, 1, "the booked call is a booking of the campaign")
        report = self.env["dealer.campaign.report"].search([("campaign_id", "=", campaign.id)])
        self.assertEqual(sum(report.mapped("booking_count")), 1)

    def test_a_shared_cars_task_tells_other_showrooms_the_outcome_only(self):
        """The car and its customer are read by every showroom: the closed task in the car's chatter says the
        outcome, not this showroom's booking or the operator's note (those stay on the call)."""
        self.env["res.company"].create({"name": "Second showroom"})
        car, customer = self.vehicles[0], self.partners[0]
        customer.company_id = False
        car.company_id = False
        row = self._task(self._running_campaign(), car)
        booking = self.env["crm.lead"].create({"name": "Warranty check on Monday", "partner_id": customer.id})
        task = row.activity_id
        self._close(self.operator, task, outcome="booked", booking_id=booking.id, note="Wife drives it, call her")
        self.assertIn("Booked", task.feedback)
        self.assertNotIn("Warranty check on Monday", task.feedback)
        self.assertNotIn("call her", task.feedback)
        call = self.Call.search([("dispatch_id", "=", row.id)])
        self.assertEqual((call.booking_id, call.note), (booking, "Wife drives it, call her"), "the call keeps them")

    def test_another_showrooms_call_task_on_a_shared_car_is_not_offered(self):
        """A shared car's reminder call of showroom A: an operator of showroom B, who reads the car, is not
        offered A's task to close (A's campaign would lose the outcome of its call)."""
        south = self.env["res.company"].create({"name": "Second showroom"})
        car, customer = self.vehicles[0], self.partners[0]
        customer.company_id = False
        car.company_id = False
        row = self._task(self._running_campaign(), car)
        self.assertEqual(car.with_user(self.operator).dealer_reminder_call_id, row.activity_id)
        there = new_test_user(
            self.env,
            login="reminder_call_south",
            groups="dealer_crm.group_call_center",
            company_id=south.id,
            company_ids=[Command.set(south.ids)],
        )
        self.assertTrue(car.with_user(there).has_access("read"), "the car is shared")
        self.assertFalse(car.with_user(there).dealer_reminder_call_id)
        # nor closed by its id sent over RPC
        with self.assertRaisesRegex(UserError, "not a reminder call of your showrooms"), self.env.cr.savepoint():
            self._close(there, row.activity_id, outcome="talked")
        # nor marked done, moved or deleted in the car's chatter
        task = row.activity_id.with_user(there)
        for action in (
            lambda: task.action_feedback("done"),
            lambda: task.write({"date_deadline": date(2026, 12, 20)}),
            lambda: task.unlink(),
        ):
            with self.assertRaisesRegex(UserError, "reminder call of another showroom"), self.env.cr.savepoint():
                action()
        self.assertTrue(row.activity_id.active)
        # the person a task was given to closes it, whichever showroom they work in (a group campaign's task)
        row.activity_id.sudo().user_id = there
        self.env.invalidate_all()
        self.assertEqual(car.with_user(there).dealer_reminder_call_id, row.activity_id)
        self._close(there, row.activity_id, outcome="talked")
        self.assertFalse(row.activity_id.active)
        self.assertFalse(self.Call.search([("dispatch_id", "=", row.id)]))

    def test_a_strategys_call_task_of_another_showroom_is_that_showrooms(self):
        """A retention strategy's call task on a customer every showroom reads: another showroom's operator is
        neither offered it nor may close it in the chatter; a strategy of no showroom is every showroom's."""
        south = self.env["res.company"].create({"name": "Second showroom"})
        customer = self.partners[0]
        customer.company_id = False
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Win back",
                "role": "call_center",
                "activity_summary": "Win-back call",
                "company_id": self.env.company.id,
            }
        )
        task = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": customer.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "user_id": self.operator.id,
                "summary": "Win-back call",
                "dealer_strategy_id": strategy.id,
            }
        )
        self.assertEqual(customer.with_user(self.operator).dealer_reminder_call_id, task)
        there = new_test_user(
            self.env,
            login="strategy_call_south",
            groups="dealer_crm.group_call_center",
            company_id=south.id,
            company_ids=[Command.set(south.ids)],
        )
        self.assertFalse(customer.with_user(there).dealer_reminder_call_id)
        with self.assertRaisesRegex(UserError, "reminder call of another showroom"), self.env.cr.savepoint():
            task.with_user(there).action_feedback("done")
        self.assertTrue(task.active)
        strategy.company_id = False  # the group's strategy: every showroom's
        self.env.invalidate_all()
        self.assertEqual(customer.with_user(there).dealer_reminder_call_id, task)

    def test_a_reminders_call_is_credited_only_with_its_customers_booking(self):
        """The form offers the customer's bookings; another customer's booking sent over RPC is refused, naming the
        field, and the task stays open."""
        campaign = self._running_campaign()
        row = self._task(campaign, self.vehicles[0])
        theirs = self.env["crm.lead"].create({"name": "Someone else's visit", "partner_id": self.partners[1].id})
        with self.assertRaisesRegex(UserError, "Booking"):
            self._close(self.operator, row.activity_id, outcome="booked", booking_id=theirs.id)
        self.assertTrue(row.activity_id.active)
        self.assertFalse(row.call_id)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.call_booked_count, 0)
        own = self.env["crm.lead"].create({"name": "Service", "partner_id": self.partners[0].id})
        self._close(self.operator, row.activity_id, outcome="booked", booking_id=own.id)
        self.assertEqual(row.call_id.booking_id, own)

    def test_a_call_typed_in_does_not_credit_a_campaign_or_a_strategy(self):
        """Only closing the task says which reminder or strategy a call answers: an operator's call created or
        edited over RPC naming a campaign's reminder would count as the campaign's booking."""
        campaign = self._running_campaign()
        row = self._task(campaign, self.vehicles[0])
        strategy = self.env["dealer.retention.strategy"].create(
            {"name": "Win back", "role": "call_center", "activity_summary": "Win-back call"}
        )
        booking = self.env["crm.lead"].create({"name": "Service", "partner_id": self.partners[0].id})
        Call = self.Call.with_user(self.operator)
        base = {
            "partner_id": self.partners[0].id,
            "direction": "outbound",
            "status": "answered",
            "phone": "+79001234567",
            "outcome": "booked",
            "booking_id": booking.id,
        }
        links = (
            ("dispatch_id", row.id, "Reminder"),
            ("strategy_id", strategy.id, "Retention"),
            ("campaign_id", campaign.id, "Campaign"),
        )
        for fname, value, label in links:
            with self.assertRaisesRegex(AccessError, label):
                Call.create({**base, fname: value})
            with self.assertRaisesRegex(AccessError, label):
                Call.with_context(**{f"default_{fname}": value}).create(base)
            call = Call.create(base)
            with self.assertRaisesRegex(AccessError, label):
                call.write({fname: value})
        self.assertEqual((campaign.call_count, campaign.call_booked_count), (0, 0))
        self.assertEqual(strategy.call_count, 0)
        self.assertFalse(row.call_id)

        self._close(self.operator, row.activity_id, outcome="booked", booking_id=booking.id)
        self.assertEqual(row.call_id.dispatch_id, row, "closing the task still names the reminder")
        campaign.invalidate_recordset()
        self.assertEqual(campaign.call_booked_count, 1)
        # what the reminder's call told the campaign is not rewritten afterwards
        closed = row.call_id.with_user(self.operator)
        with self.assertRaisesRegex(AccessError, "Outcome"):
            closed.write({"outcome": "refused"})
        with self.assertRaisesRegex(AccessError, "Booking"):
            closed.write({"booking_id": self.env["crm.lead"].create({"name": "Other"}).id})
        closed.write({"note": "Comes with his wife"})  # the rest of the journal's entry stays the operator's
        # nor is a task of the operator's made a strategy's, to be closed as one
        Activity = self.env["mail.activity"].with_user(self.operator)
        task = {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": self.partners[0].id,
            "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            "user_id": self.operator.id,
        }
        with self.assertRaisesRegex(AccessError, "Retention strategy"):
            Activity.create({**task, "dealer_strategy_id": strategy.id})
        own = Activity.create(task)
        with self.assertRaisesRegex(AccessError, "Retention strategy"):
            own.write({"dealer_strategy_id": strategy.id})

    def test_no_answer_is_closed_not_reached_and_call_later_moves_the_task(self):
        campaign = self._running_campaign()
        no_answer, refused, later = (self._task(campaign, car) for car in self.vehicles[1:4])
        with freeze_time("2026-12-06 11:00:00"):
            self._close(self.operator, no_answer.activity_id, outcome="no_answer")
            self._close(self.operator, refused.activity_id, outcome="refused", lost_reason_id=self.no_money.id)
            self._close(self.operator, later.activity_id, outcome="call_later", next_call_date=date(2026, 12, 10))

        self.assertFalse(no_answer.activity_id.active)
        self.assertFalse(refused.activity_id.active)
        self.assertTrue(later.activity_id.active, "call later keeps the task")
        self.assertEqual(later.activity_id.date_deadline, date(2026, 12, 10))
        self.assertEqual(
            (no_answer.call_outcome, refused.call_outcome, later.call_outcome), ("no_answer", "refused", "call_later")
        )
        self.assertEqual(refused.call_id.lost_reason_id, self.no_money)
        self.assertEqual(no_answer.call_id.status, "missed")
        self.assertEqual((campaign.call_count, campaign.reached_count, campaign.call_booked_count), (3, 2, 0))
        self.assertEqual(campaign.call_conversion, 0.0)
        self.assertEqual(campaign.booking_count, 0)

        # the operator calls again on the day asked and books; the row shows the latest outcome
        booking = self.env["crm.lead"].create({"name": "TO", "partner_id": later.partner_id.id})
        with freeze_time("2026-12-10 09:00:00"):
            self._close(self.operator, later.activity_id, outcome="booked", booking_id=booking.id)
        self.assertEqual(later.call_outcome, "booked")
        self.assertFalse(later.activity_id.active)
        campaign.invalidate_recordset()  # as the form reloads
        self.assertEqual((campaign.call_count, campaign.reached_count, campaign.call_booked_count), (4, 3, 1))
        self.assertEqual(campaign.call_conversion, 25.0)

    def test_bad_input_is_named_and_nothing_is_written(self):
        campaign = self._running_campaign()
        row = self._task(campaign, self.vehicles[0])
        cases = [
            ({"outcome": "refused"}, "Reason of refusal"),
            ({"outcome": "call_later"}, "Call again on"),
            ({}, "Outcome"),
            ({"outcome": "talked", "duration_minutes": -1}, "Duration"),
            # a day's length at most (beyond it Python's dates overflow), in minutes as the field is typed
            ({"outcome": "talked", "duration_minutes": 1_100_000_000}, r"Duration \(min\): at most 1440 minutes"),
            ({"outcome": "call_later", "next_call_date": date(2099, 1, 1)}, "Call again on: at most a year"),
        ]
        for vals, field in cases:
            with self.subTest(field=field), self.assertRaisesRegex(UserError, field):
                self._close(self.operator, row.activity_id, **vals)
        self.assertFalse(self.Call.search([("dispatch_id", "=", row.id)]))
        self.assertTrue(row.activity_id.active)
        self.assertFalse(row.call_outcome)

    def test_the_dialog_takes_no_booking_of_another_showroom(self):
        """Odoo shows a linked record's name whatever its reader's rights: an operator who put another
        showroom's booking id in the call dialog would read its name (customer, car). Refused."""
        campaign = self._running_campaign()
        row = self._task(campaign, self.vehicles[0])
        south = self.env["res.company"].create({"name": "Second showroom"})
        south_team = self.env["crm.team"].create({"name": "Second showroom's service", "company_id": south.id})
        theirs = self.env["crm.lead"].create({"name": "Ivan Petrov: brakes", "team_id": south_team.id})
        self.assertEqual(theirs.company_id, south)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.Wizard.with_user(self.operator).create(
                {"activity_id": row.activity_id.id, "outcome": "booked", "booking_id": theirs.id}
            )
        # nor through a default of the request's context (Odoo applies it after create is called)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.Wizard.with_user(self.operator).with_context(default_booking_id=theirs.id).create(
                {"activity_id": row.activity_id.id, "outcome": "booked"}
            )
        self.assertTrue(row.activity_id.active)

    def test_wrong_number_is_noted_on_the_customer_card(self):
        campaign = self._running_campaign()
        row = self._task(campaign, self.vehicles[0])
        self._close(self.operator, row.activity_id, outcome="wrong_number")
        notes = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.partners[0].id), ("body", "ilike", "Wrong number")]
        )
        self.assertEqual(len(notes), 1)
        self.assertIn(self.partners[0].phone, notes.body)
        self.assertEqual((campaign.call_count, campaign.reached_count), (1, 0))

    def test_conversion_per_operator_and_campaign(self):
        campaign = self._running_campaign()
        rows = [self._task(campaign, car) for car in self.vehicles[:3]]
        bookings = self.env["crm.lead"].create(
            [{"name": f"Booking {i}", "partner_id": row.partner_id.id} for i, row in enumerate(rows)]
        )
        self._close(self.operator, rows[0].activity_id, outcome="booked", booking_id=bookings[0].id)
        self._close(self.operator, rows[1].activity_id, outcome="no_answer")
        # a colleague takes over the third task
        self._close(self.colleague, rows[2].activity_id, outcome="booked", booking_id=bookings[2].id)

        by_operator = dict(
            self.Call.with_user(self.operator)._read_group(
                [("campaign_id", "=", campaign.id), ("outcome", "!=", False)], ["user_id"], ["booked_percent:avg"]
            )
        )
        self.assertEqual(by_operator, {self.operator: 50.0, self.colleague: 100.0})
        by_campaign = dict(
            self.Call._read_group([("campaign_id", "=", campaign.id)], ["campaign_id"], ["booked_percent:avg"])
        )
        self.assertAlmostEqual(by_campaign[campaign], 200 / 3)

    def test_reminder_calls_to_make_and_strategy_results(self):
        campaign = self._running_campaign()
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Win back by phone",
                "role": "call_center",
                "activity_summary": "Win-back call",
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            }
        )
        customer = self.partners[4]
        customer.user_id = self.operator  # the customer's own operator gets the task
        strategy._create_activities(customer)
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_loyalty.mail_activity_reminder_call_action")
        todo = self.env["mail.activity"].with_user(self.operator).search(ast.literal_eval(action["domain"]))
        campaign_tasks = self._dispatches(campaign).activity_id
        strategy_task = todo - campaign_tasks
        self.assertEqual(todo & campaign_tasks, campaign_tasks, "the campaign's call tasks are in the list")
        self.assertEqual((strategy_task.res_model, strategy_task.res_id), ("res.partner", customer.id))

        # from the customer's card
        self.assertEqual(customer.with_user(self.operator).dealer_reminder_call_id, strategy_task)
        card_action = customer.with_user(self.operator).action_dealer_call_outcome()
        wizard = (
            self.Wizard.with_user(self.operator).with_context(**card_action["context"]).create({"outcome": "talked"})
        )
        self.assertEqual((wizard.strategy_id, wizard.partner_id), (strategy, customer))
        wizard.action_confirm()
        call = self.Call.search([("strategy_id", "=", strategy.id)])
        self.assertEqual((call.outcome, call.line, call.dispatch_id), ("talked", "sales", self.env["dealer.dispatch"]))
        self.assertFalse(strategy_task.active)
        self.assertEqual((strategy.call_count, strategy.reached_count, strategy.booked_count), (1, 1, 0))
        self.assertEqual(campaign.call_count, 0, "a strategy's call is not the campaign's")
