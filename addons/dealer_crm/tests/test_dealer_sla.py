from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time

from .common import DealerSalesCase, load_migration, user_of


class TestDealerRouting(DealerSalesCase):
    def test_new_lead_goes_to_least_loaded_member_with_channel_deadline(self):
        self._lead(name="Busy", user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            lead = self.env["crm.lead"].create(
                {"name": "Web request", "team_id": self.team.id, "user_id": False, "dealer_channel": "web"}
            )
        self.assertEqual(lead.user_id, self.salesperson_2, "salesperson 1 already has an open lead")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.dealer_sla_deadline, datetime(2026, 3, 2, 10, 15), "web: 15 minutes")
        self.assertEqual(lead.dealer_sla_state, "running")

    def test_routing_follows_member_interest_domains(self):
        members = self.team.crm_team_member_ids
        members.filtered(
            lambda m: m.user_id == self.salesperson_1
        ).assignment_domain = "[('dealer_interest', '=', 'used_car')]"
        members.filtered(
            lambda m: m.user_id == self.salesperson_2
        ).assignment_domain = "[('dealer_interest', '!=', 'used_car')]"
        used = self._lead(name="Used", dealer_interest="used_car")
        new = self._lead(name="New", dealer_interest="new_car")
        (used | new)._dealer_start_sla()
        self.assertEqual(used.user_id, self.salesperson_1)
        self.assertEqual(new.user_id, self.salesperson_2)

    def test_paused_member_gets_nothing(self):
        self.team.crm_team_member_ids.filtered(lambda m: m.user_id == self.salesperson_2).assignment_optout = True
        leads = self._lead(name="A") | self._lead(name="B")
        leads._dealer_start_sla()
        self.assertEqual(leads.user_id, self.salesperson_1)

    def test_service_request_gets_no_sales_clock(self):
        lead = self.env["crm.lead"].create(
            {"name": "Booking", "team_id": self.team.id, "user_id": False, "dealer_interest": "service"}
        )
        self.assertFalse(lead.dealer_sla_state)
        self.assertFalse(lead.user_id, "not handed to a salesperson")

    def test_start_twice_keeps_the_first_deadline(self):
        lead = self._lead(user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            lead._dealer_start_sla()
        with freeze_time("2026-03-02 10:05:00"):
            lead._dealer_start_sla()
        self.assertEqual(lead.dealer_sla_deadline, datetime(2026, 3, 2, 10, 15))


class TestDealerSlaPolicyNames(DealerSalesCase):
    def test_a_policy_reads_in_the_language_of_its_reader(self):
        """Saved by an English-speaking admin (or installed), read by a Russian-speaking head."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        policy = (
            self.env["dealer.sla.policy"]
            .with_context(lang="en_US")
            .create({"channel": "phone", "minutes": 7, "active": False})
        )
        self.assertEqual(policy.display_name, "Phone call: 7 min")
        self.assertEqual(policy.with_context(lang="ru_RU").display_name, "Телефонный звонок: 7 мин")


class TestDealerEscalation(DealerSalesCase):
    def _escalate_at(self, when):
        with freeze_time(when):
            self.env["crm.lead"]._cron_dealer_escalate()

    def test_missed_call_nobody_returns_reaches_team_head_then_director(self):
        lead = self._lead(name="Caller", user_id=self.salesperson_1.id, dealer_channel="phone")
        with freeze_time("2026-03-02 10:00:00"):
            callback = lead._dealer_register_missed_call(caller="+79001234567")
        self.assertEqual(callback.user_id, self.salesperson_1)
        self.assertEqual(callback.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(lead.dealer_sla_deadline, datetime(2026, 3, 2, 10, 10), "missed call: 10 minutes")

        self._escalate_at("2026-03-02 10:09:00")
        self.assertFalse(self.activities_of(self.team_head, lead), "not yet late at 10:09")

        self._escalate_at("2026-03-02 10:10:00")
        self.assertEqual(len(self.activities_of(self.team_head, lead)), 1, "on the team head's list at 10:10")
        self.assertFalse(self.activities_of(self.director, lead))
        self.assertIn("Team head", lead.message_ids[0].body)

        self._escalate_at("2026-03-02 10:20:00")
        self.assertEqual(len(self.activities_of(self.team_head, lead)), 1, "no second activity for the head")
        self.assertFalse(self.activities_of(self.director, lead), "director only 30 minutes after the deadline")

        self._escalate_at("2026-03-02 10:40:00")
        self.assertEqual(len(self.activities_of(self.director, lead)), 1, "then on the director's list")
        self.assertEqual(lead.dealer_escalation_level, 2)
        self.assertFalse(lead.dealer_next_escalation_date, "end of the chain")

        self._escalate_at("2026-03-02 12:00:00")
        self.assertEqual(len(self.activities_of(self.director, lead)), 1)

    def test_a_step_added_or_removed_while_leads_climb_is_neither_repeated_nor_skipped(self):
        """The group's chain is team head (deadline + 0), director (+ 30). A duty manager step added at
        the head of the chain must not send a lead that already reached its team head back to the
        team head; removing the step a lead has just climbed must not skip the team head."""
        Level = self.env["dealer.sla.escalation"]
        climbed = self._lead(name="Reached the head", user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            climbed._dealer_register_missed_call()
        self._escalate_at("2026-03-02 10:10:00")
        self.assertEqual(len(self.activities_of(self.team_head, climbed)), 1)

        duty = Level.create({"name": "Duty manager", "sequence": 1, "target": "user", "user_id": self.director.id})
        self.assertEqual(climbed.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 40), "the director next")
        self._escalate_at("2026-03-02 10:11:00")
        self.assertEqual(len(self.activities_of(self.team_head, climbed)), 1, "the team head is not asked twice")
        self.assertFalse(self.activities_of(self.director, climbed), "nor the new first step")
        self._escalate_at("2026-03-02 10:40:00")
        self.assertEqual(len(self.activities_of(self.director, climbed)), 1, "the director, on time")
        self.assertFalse(climbed.dealer_next_escalation_date)

        fresh = self._lead(name="Reached the duty manager", user_id=self.salesperson_2.id)
        with freeze_time("2026-03-02 11:00:00"):
            fresh._dealer_register_missed_call()
        self._escalate_at("2026-03-02 11:10:00")
        self.assertEqual(len(self.activities_of(self.director, fresh)), 1, "the duty manager's step")
        duty.unlink()
        self.assertEqual(fresh.dealer_next_escalation_date, datetime(2026, 3, 2, 11, 10), "the team head next")
        self._escalate_at("2026-03-02 11:11:00")
        self.assertEqual(len(self.activities_of(self.team_head, fresh)), 1, "not skipped")
        self.assertEqual(fresh.dealer_next_escalation_date, datetime(2026, 3, 2, 11, 40))

    def test_a_step_moved_in_front_of_a_waiting_lead_is_still_climbed(self):
        """The director's step dragged to the head of the chain while a lead waits for it after its team
        head: the lead still reaches the director, on time."""
        lead = self._lead(name="Waiting for the director", user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            lead._dealer_register_missed_call()
        self._escalate_at("2026-03-02 10:10:00")
        self.env.ref("dealer_crm.dealer_sla_escalation_director").sequence = 1
        self.assertEqual(lead.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 40))
        self._escalate_at("2026-03-02 10:40:00")
        self.assertEqual(len(self.activities_of(self.director, lead)), 1)

    def test_the_upgrade_gives_climbing_leads_their_last_step(self):
        lead = self._lead(name="Climbing before the upgrade", user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            lead._dealer_register_missed_call()
        self._escalate_at("2026-03-02 10:10:00")
        lead.sudo().dealer_escalation_level_id = False  # what the previous version kept: a count only
        self.env.flush_all()
        load_migration("dealer_crm", "19.0.1.6.0").migrate(self.env.cr, "19.0.1.5.0")
        self.env.invalidate_all()
        self.assertEqual(lead.dealer_escalation_level_id, self.env.ref("dealer_crm.dealer_sla_escalation_team_head"))
        self.env["dealer.sla.escalation"].create({"name": "Duty manager", "sequence": 1, "target": "director"})
        self.assertEqual(lead.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 40), "the director next")

    def test_escalation_is_written_in_the_languages_of_its_readers(self):
        """The scheduled action has no language: the head's task is in the head's language, the chatter
        note in the showroom's."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        self.team_head.lang = "ru_RU"
        self.env.company.partner_id.lang = "ru_RU"
        lead = self._lead(name="Caller", user_id=self.salesperson_1.id, dealer_channel="phone")
        with freeze_time("2026-03-02 10:00:00"):
            lead._dealer_register_missed_call(caller="+79001234567")
        with freeze_time("2026-03-02 10:10:00"):
            self.env["crm.lead"].with_context(lang=None)._cron_dealer_escalate()
        self.assertIn("Эскалация", self.activities_of(self.team_head, lead).summary)
        self.assertIn("Контакт не состоялся вовремя", lead.message_ids[0].body)

    def test_a_given_user_gets_only_the_late_leads_of_the_showrooms_they_work_in(self):
        """The escalation chain is the group's: a level naming a user of another showroom does not
        hand them this showroom's leads (nor the customer's name in the task)."""
        south = self.env["res.company"].create({"name": "South showroom"})
        duty = user_of(self.env, south, "south_duty", "dealer_crm.group_sales_head")
        self.env["dealer.sla.escalation"].search([]).write({"active": False})
        self.env["dealer.sla.escalation"].create({"name": "Duty", "target": "user", "user_id": duty.id})
        lead = self._lead(name="Caller", user_id=self.salesperson_1.id, dealer_channel="phone")
        with freeze_time("2026-03-02 10:00:00"):
            lead._dealer_register_missed_call(caller="+79001234567")
        self._escalate_at("2026-03-02 10:10:00")
        self.assertFalse(self.env["mail.activity"].search([("user_id", "=", duty.id)]))
        self.assertEqual(lead.dealer_escalation_level, 1, "the level is passed, nobody of it in this showroom")

        duty.company_ids = [Command.link(self.company.id)]
        other = self._lead(name="Second caller", user_id=self.salesperson_1.id, dealer_channel="phone")
        with freeze_time("2026-03-02 11:00:00"):
            other._dealer_register_missed_call(caller="+79001234568")
        self._escalate_at("2026-03-02 11:10:00")
        self.assertEqual(len(self.activities_of(duty, other)), 1, "working here too, they get it")

    def test_a_shared_customers_sales_manager_of_another_showroom_gets_none_of_this_showrooms_tasks(self):
        south = self.env["res.company"].create({"name": "South showroom"})
        south_seller = user_of(self.env, south, "south_seller", "dealer_crm.group_sales_manager")
        customer = self.env["res.partner"].create(
            {"name": "Shared customer", "company_id": False, "dealer_sales_user_id": south_seller.id}
        )
        lead = self._lead(name="North deal", partner_id=customer.id)
        own = lead._dealer_role_users("sales_manager", group_fallback=False)
        self.assertNotIn(lead.id, own, "the customer's manager works in another showroom")
        fallback = lead._dealer_role_users("sales_manager")[lead.id]
        self.assertIn(self.company, fallback.company_ids)
        south_lead = self._lead(name="Their own", partner_id=customer.id, company_id=south.id, team_id=False)
        self.assertEqual(south_lead._dealer_role_users("sales_manager")[south_lead.id], south_seller)

    def test_unrouted_missed_call_is_assigned_first(self):
        lead = self._lead(name="Unknown caller")
        with freeze_time("2026-03-02 10:00:00"):
            callback = lead._dealer_register_missed_call()
        self.assertIn(lead.user_id, self.salesperson_1 | self.salesperson_2)
        self.assertEqual(callback.user_id, lead.user_id)


class TestShowroomSettings(DealerSalesCase):
    """Response times, the escalation chain, the call checklist and promotions: a showroom may have its
    own; the rows of no showroom are everybody's and change only by someone who works in all showrooms."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.south = cls.env["res.company"].create({"name": "South showroom"})
        cls.south_head = user_of(cls.env, cls.south, "south_head", "dealer_crm.group_sales_head")
        cls.south_director = user_of(cls.env, cls.south, "south_director", "dealer_crm.group_dealer_manager")
        cls.south_seller = user_of(cls.env, cls.south, "south_seller", "dealer_crm.group_sales_manager")

    def _escalate_at(self, when):
        with freeze_time(when):
            self.env["crm.lead"]._cron_dealer_escalate()

    def test_a_showroom_with_a_chain_of_its_own_climbs_only_it(self):
        self.env["dealer.sla.escalation"].create(
            {
                "name": "South duty",
                "target": "user",
                "user_id": self.south_head.id,
                "delay_minutes": 5,
                "company_id": self.south.id,
            }
        )
        north = self._lead(name="North caller", user_id=self.salesperson_1.id)
        south = self._lead(name="South caller", user_id=self.south_seller.id, company_id=self.south.id, team_id=False)
        with freeze_time("2026-03-02 10:00:00"):
            (north | south)._dealer_register_missed_call()  # one deadline, two chains
        self.assertEqual(south.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 15), "its level: 5 min late")
        self.assertEqual(north.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 10), "the shared chain: at once")

        self._escalate_at("2026-03-02 10:10:00")
        self.assertEqual(len(self.activities_of(self.team_head, north)), 1)
        self.assertFalse(self.activities_of(self.team_head, south), "the shared chain is not the South's")
        self.assertFalse(self.activities_of(self.south_head, south), "not yet 5 minutes late")

        self._escalate_at("2026-03-02 10:15:00")
        self.assertEqual(len(self.activities_of(self.south_head, south)), 1)
        self.assertIn("South duty", south.message_ids[0].body)
        self.assertFalse(south.dealer_next_escalation_date, "the end of the South's chain")
        self.assertFalse(self.activities_of(self.south_head, north), "North's leads never climb the South's chain")
        self.assertEqual(north.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 40), "North: the director next")

        self._escalate_at("2026-03-02 10:40:00")
        self.assertEqual(len(self.activities_of(self.director, north)), 1)
        self.assertFalse(self.activities_of(self.director, south))

    def test_a_waiting_lead_climbs_its_showrooms_chain_as_it_now_is(self):
        south_duty = self.env["dealer.sla.escalation"].create(
            {
                "name": "South duty",
                "target": "user",
                "user_id": self.south_head.id,
                "delay_minutes": 5,
                "company_id": self.south.id,
            }
        )
        moved = self._lead(name="Moved caller", user_id=self.salesperson_1.id)
        stays = self._lead(name="North caller", user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            (moved | stays)._dealer_register_missed_call()
        self.assertEqual(moved.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 10))

        # handed to the South before anybody called back: the South's chain, not the North's
        moved.write({"company_id": self.south.id, "team_id": False, "user_id": self.south_seller.id})
        self.assertEqual(moved.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 15), "the South's level")
        self._escalate_at("2026-03-02 10:10:00")
        self.assertFalse(self.activities_of(self.team_head, moved), "the North's team head no longer")
        self._escalate_at("2026-03-02 10:15:00")
        self.assertEqual(len(self.activities_of(self.south_head, moved)), 1)
        self.assertFalse(moved.dealer_next_escalation_date, "the end of the South's chain")

        # the group's chain changes while a North lead waits on it: the new delay counts
        self.assertEqual(stays.dealer_next_escalation_date, datetime(2026, 3, 2, 10, 40), "the director next")
        director = self.env.ref("dealer_crm.dealer_sla_escalation_director")
        director.delay_minutes = 60
        self.assertEqual(stays.dealer_next_escalation_date, datetime(2026, 3, 2, 11, 10))
        self._escalate_at("2026-03-02 11:10:00")
        self.assertEqual(len(self.activities_of(self.director, stays)), 1)
        self.assertFalse(stays.dealer_next_escalation_date, "the end of the group's chain")

        # a level added to a chain its leads had finished does not wake them up
        self.env["dealer.sla.escalation"].create(
            {"name": "South owner", "target": "director", "delay_minutes": 90, "company_id": self.south.id}
        )
        self.assertFalse(moved.dealer_next_escalation_date, "finished before the level existed")
        self.assertFalse(stays.dealer_next_escalation_date)
        # a lead still climbing a chain whose last level is removed is no longer waited for
        waiting = self._lead(name="South caller", user_id=self.south_seller.id, company_id=self.south.id, team_id=False)
        with freeze_time("2026-03-02 12:00:00"):
            waiting._dealer_register_missed_call()
        self.assertEqual(waiting.dealer_next_escalation_date, datetime(2026, 3, 2, 12, 15), "South duty first")
        (south_duty | self.env["dealer.sla.escalation"].search([("name", "=", "South owner")])).unlink()
        self.assertEqual(waiting.dealer_next_escalation_date, datetime(2026, 3, 2, 12, 10), "the group's chain now")

    def test_a_new_setting_is_the_showrooms_own_unless_its_author_works_in_every_showroom(self):
        as_south = self.env["dealer.sla.escalation"].with_user(self.south_director)
        level = as_south.create({"name": "South duty", "target": "director"})
        self.assertEqual(level.company_id, self.south)
        everywhere = user_of(self.env, self.company, "group_director", "dealer_crm.group_dealer_manager")
        everywhere.company_ids = [Command.set(self.env["res.company"].search([]).ids)]
        shared = self.env["dealer.sla.escalation"].with_user(everywhere).create({"name": "Group duty"})
        self.assertFalse(shared.company_id, "one who works everywhere (a one-showroom database) adds to the group's")

    def test_a_director_of_one_showroom_changes_only_its_settings(self):
        shared = {
            "dealer.sla.escalation": self.env.ref("dealer_crm.dealer_sla_escalation_director"),
            "dealer.sla.policy": self.env["dealer.sla.policy"].search(
                [("channel", "=", "web"), ("company_id", "=", False)]
            ),
            "dealer.call.criterion": self.env["dealer.call.criterion"].create({"name": "Greets", "company_id": False}),
            "dealer.promotion": self.env["dealer.promotion"].create({"name": "Group offer", "company_id": False}),
        }
        for model, row in shared.items():
            with self.subTest(model=model):
                self.assertTrue(row, "shipped or made without a showroom")
                as_south = row.with_user(self.south_director)
                self.assertTrue(as_south.display_name, "every showroom reads it")
                with self.assertRaisesRegex(AccessError, "applies to every showroom"):
                    as_south.write({"active": False})
                with self.assertRaisesRegex(AccessError, "applies to every showroom"):
                    as_south.unlink()
                with self.assertRaisesRegex(AccessError, "applies to every showroom"):
                    as_south.create(dict(row.copy_data()[0], company_id=False, active=False))
                copy = as_south.copy()
                self.assertEqual(copy.company_id, self.south, "a copy is the South's own")
                copy.write({"active": False})
                with self.assertRaises(AccessError):
                    copy.write({"company_id": False})
                with self.assertRaises(AccessError):
                    copy.write({"company_id": self.company.id})  # a showroom the South's director is not in
                self.assertEqual(copy.company_id, self.south)
                if "name" in row._fields and row._fields["name"].translate:
                    with self.assertRaisesRegex(AccessError, "applies to every showroom"):
                        as_south.update_field_translations("name", {"en_US": "Renamed for all"})
                with self.assertRaises(AccessError):
                    row.with_user(self.director).write({"company_id": self.south.id})  # North's director
                # whoever works in every showroom changes the shared one (a database of one showroom: its director)
                self.director.company_ids = [Command.set(self.env["res.company"].search([]).ids)]
                row.with_user(self.director).write({"active": row.active})
                self.director.company_ids = [Command.set(self.company.ids)]


class TestDealerFirstContact(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Pavel Orlov", "email": "pavel@example.com"})

    def _started_lead(self, **vals):
        lead = self._lead(user_id=self.salesperson_1.id, partner_id=self.customer.id, **vals)
        with freeze_time("2026-03-02 10:00:00"):
            lead._dealer_start_sla()
        return lead

    def test_message_to_customer_stops_clock_and_records_response_time(self):
        lead = self._started_lead()
        with freeze_time("2026-03-02 10:07:00"):
            lead.with_user(self.salesperson_1).message_post(
                body="Hello, when may I call you?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertAlmostEqual(lead.dealer_response_minutes, 7.0)
        self.assertEqual(lead.dealer_first_contact_date, datetime(2026, 3, 2, 10, 7))
        with freeze_time("2026-03-02 11:00:00"):
            self.env["crm.lead"]._cron_dealer_escalate()
        self.assertFalse(self.activities_of(self.team_head, lead), "a contacted lead is not escalated")

    def test_call_back_task_done_is_no_contact_the_call_is(self):
        lead = self._lead(user_id=self.salesperson_1.id)
        with freeze_time("2026-03-02 10:00:00"):
            callback = lead._dealer_register_missed_call()
        with freeze_time("2026-03-02 10:12:00"):
            callback.with_user(self.salesperson_1).action_feedback(feedback="Called back")
        self.assertEqual(lead.dealer_sla_state, "running", "ticking the task proves nothing")
        call = self.env["dealer.call"].create(
            {
                "source": "api",
                "direction": "outbound",
                "status": "answered",
                "lead_id": lead.id,
                "started_at": datetime(2026, 3, 2, 10, 12),
                "duration_seconds": 90,
            }
        )
        self.assertEqual(lead.dealer_sla_state, "late")
        self.assertEqual(lead.dealer_first_contact_call_id, call)
        self.assertAlmostEqual(lead.dealer_response_minutes, 12.0)

    def test_todo_activity_done_does_not_stop_clock(self):
        lead = self._started_lead()
        todo = lead.activity_schedule("mail.mail_activity_data_todo", user_id=self.salesperson_1.id)
        todo.action_feedback()
        self.assertEqual(lead.dealer_sla_state, "running")

    def test_stage_move_does_not_stop_clock(self):
        lead = self._started_lead()
        other_stage = self.env["crm.stage"].search([("id", "!=", lead.stage_id.id), ("is_won", "=", False)], limit=1)
        with freeze_time("2026-03-02 10:20:00"):
            lead.stage_id = other_stage
        self.assertEqual(lead.dealer_sla_state, "running")
        self.assertFalse(lead.dealer_first_contact_date)

    def test_message_to_customer_stops_clock_but_note_does_not(self):
        lead = self._started_lead()
        lead.with_user(self.salesperson_1).message_post(body="internal", subtype_xmlid="mail.mt_note")
        self.assertEqual(lead.dealer_sla_state, "running")
        with freeze_time("2026-03-02 10:03:00"):
            lead.with_user(self.salesperson_1).message_post(
                body="Hello, your car is ready for a test drive",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertAlmostEqual(lead.dealer_response_minutes, 3.0)
