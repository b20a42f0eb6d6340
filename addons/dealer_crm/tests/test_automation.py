import json
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import SQL

from .common import DealerAutomationCase

FIRST_CALL = "First call to the customer"
RENEWAL_OFFER = "Prepare the insurance renewal offer"


@tagged("post_install", "-at_install")
class TestAutomationRulesCrm(DealerAutomationCase):
    """The example rules shipped with dealer_crm, and rules an administrator builds in the UI.

    post_install: automation rules hook into the models only once the registry is ready.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.dealer_fi_user_id = cls.fi_manager

    # ------------------------------------------------------------
    # "Done when" 1: OEM leads to the fleet-sales team within 30 minutes, built without code
    # ------------------------------------------------------------

    def _build_oem_rule(self):
        with self.admin_rule_form("OEM portal leads to fleet sales", "crm.lead", "on_create") as form:
            form.filter_domain = "[('dealer_channel', '=', 'oem')]"
            with form.action_server_ids.new() as action:
                action.state = "dealer_step"
                action.dealer_step = "route_team"
                action.dealer_team_id = self.fleet_team
                action.dealer_minutes = 30
        return form.save()

    @freeze_time("2026-05-04 09:00:00")
    def test_admin_sends_oem_leads_to_fleet_sales_with_30_minute_deadline(self):
        self.env["dealer.sla.policy"].search([("channel", "=", "oem")]).minutes = 120
        # rules are looked up once per transaction: a rule made (or switched off) after a lead
        # was created in the same transaction must count at once (another rule on leads keeps
        # the lookup in use meanwhile)
        self.env["base.automation"].create(
            {
                "name": "Never matches",
                "model_id": self.env.ref("crm.model_crm_lead").id,
                "trigger": "on_create",
                "filter_domain": "[('id', '=', 0)]",
            }
        )
        self.env["crm.lead"].create({"name": "Before the rule", "partner_id": self.customer.id})
        rule = self._build_oem_rule()
        self.assertEqual(rule.action_server_ids.name, "Dealership: Leads: hand to a team with a response deadline")
        leads = self.env["crm.lead"].create(
            [
                {"name": "OEM request", "dealer_channel": "oem", "partner_id": self.customer.id},
                {
                    "name": "Web request",
                    "dealer_channel": "web",
                    "partner_id": self.customer.id,
                    "team_id": self.team.id,
                },
            ]
        )
        oem, web = leads
        self.assertEqual(oem.team_id, self.fleet_team)
        self.assertEqual(oem.user_id, self.fleet_1)
        self.assertEqual(oem.dealer_sla_deadline, datetime(2026, 5, 4, 9, 30))
        self.assertEqual(oem.dealer_sla_state, "running")
        self.assertNotEqual(web.team_id, self.fleet_team, "other channels keep the normal routing")
        self.assertNotEqual(web.user_id, self.fleet_1)

        rule.active = False
        later = self.env["crm.lead"].create({"name": "OEM again", "dealer_channel": "oem", "team_id": self.team.id})
        self.assertNotEqual(later.team_id, self.fleet_team, "a switched-off rule does nothing")
        self.assertEqual(later.dealer_sla_deadline, datetime(2026, 5, 4, 11, 0), "the OEM policy applies again")

    # ------------------------------------------------------------
    # Shipped example rules
    # ------------------------------------------------------------

    def test_web_lead_rule_gives_the_salesperson_a_first_call(self):
        rule = self.env.ref("dealer_crm.automation_web_lead_assign_sla")
        self.assertFalse(rule.active, "shipped switched off: routing and the clock already run for every lead")
        rule.active = True
        web = self.env["crm.lead"].create({"name": "Web", "dealer_channel": "web", "team_id": self.team.id})
        phone = self.env["crm.lead"].create({"name": "Phone", "dealer_channel": "phone", "team_id": self.team.id})
        self.assertIn(web.user_id, self.sales_1 | self.sales_2)
        self.assertEqual(web.dealer_sla_state, "running")
        call = self.activities(web, FIRST_CALL)
        self.assertEqual(call.user_id, web.user_id)
        self.assertEqual(call.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertFalse(self.activities(phone, FIRST_CALL), "only web leads")

        rule.active = False
        again = self.env["crm.lead"].create({"name": "Web 2", "dealer_channel": "web", "team_id": self.team.id})
        self.assertFalse(self.activities(again, FIRST_CALL))

    def test_web_lead_rule_starts_the_clock_of_imported_leads(self):
        self.env.ref("dealer_crm.automation_web_lead_assign_sla").active = True
        lead = self._lead(name="Imported web lead")
        self.assertEqual(lead.dealer_sla_state, "running")
        self.assertTrue(lead.user_id)

    def test_insurance_rule_asks_fi_for_a_renewal_offer_a_month_before(self):
        rule = self.env.ref("dealer_crm.automation_insurance_renewal_30_days")
        self.assertTrue(rule.active)
        due = self._vehicle(partner_id=self.customer.id, insurance_end=date(2026, 7, 1))
        later = self._vehicle(partner_id=self.customer.id, insurance_end=date(2026, 8, 15))
        stock = self._vehicle(state="stock", insurance_end=date(2026, 7, 1))
        deal = self._lead(name="Sold", partner_id=self.customer.id, vehicle_id=due.id)
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE crm_lead SET won_status = 'won' WHERE id = %s", deal.id))
        deal.invalidate_recordset(["won_status"])
        self.run_time_rules(datetime(2026, 6, 1, 6, 0), rule)
        task = self.activities(due, RENEWAL_OFFER)
        self.assertEqual(len(task), 1)
        self.assertEqual(task.user_id, self.fi_manager)
        self.assertEqual(task.date_deadline, date(2026, 6, 8))
        self.assertFalse(self.activities(later | stock, RENEWAL_OFFER))

        rule.active = False
        off = self._vehicle(partner_id=self.customer.id, insurance_end=date(2026, 7, 2))
        self.run_time_rules(datetime(2026, 6, 2, 6, 0), rule)
        self.assertFalse(self.activities(off, RENEWAL_OFFER))

    # ------------------------------------------------------------
    # The "Dealership step" action type
    # ------------------------------------------------------------

    def _step(self, model, **vals):
        return self.env["ir.actions.server"].create(
            {"name": "Dealership step", "model_id": self.env["ir.model"]._get_id(model), "state": "dealer_step", **vals}
        )

    def test_step_needs_its_parameters_and_a_matching_model(self):
        with self.assertRaisesRegex(ValidationError, "Role"):
            self._step("crm.lead", dealer_step="assign_role")
        with self.assertRaisesRegex(ValidationError, "Team"):
            self._step("crm.lead", dealer_step="route_team")
        with self.assertRaisesRegex(ValidationError, "cannot run on"):
            self._step("dealer.vehicle", dealer_step="start_clock")

    def test_a_steps_numbers_are_checked_when_the_rule_is_saved(self):
        """A negative response time or a task due in 8,000 years would refuse (or break) every record the rule
        runs on: refused when saved, naming the field."""
        with self.assertRaisesRegex(ValidationError, r"Respond within \(min\) must be from 0"), self.env.cr.savepoint():
            self._step("crm.lead", dealer_step="start_clock", dealer_minutes=-5)
        with self.assertRaisesRegex(ValidationError, "Days must be from -3650 to 3650"), self.env.cr.savepoint():
            self._step("crm.lead", dealer_step="assign_role", dealer_role="fi_manager", dealer_days=3_000_000)
        action = self._step("crm.lead", dealer_step="start_clock", dealer_minutes=30)
        with self.assertRaisesRegex(ValidationError, "Respond within"), self.env.cr.savepoint():
            action.dealer_minutes = -1
        self.assertEqual(action.dealer_minutes, 30)

    def test_step_runs_from_a_list_selection_with_the_user_rights(self):
        action = self._step("crm.lead", dealer_step="assign_role", dealer_role="fi_manager")
        leads = self._lead(name="A") | self._lead(name="B")
        action.with_context(active_model="crm.lead", active_ids=leads.ids).run()
        self.assertEqual(leads.user_id, self.fi_manager)

    def test_schedule_activity_counts_from_a_date_field_and_never_doubles(self):
        car = self._vehicle(partner_id=self.customer.id, insurance_end=date(2026, 9, 30))
        action = self._step(
            "dealer.vehicle",
            dealer_step="schedule_activity",
            dealer_role="fi_manager",
            dealer_days=-7,
            dealer_date_field_id=self.env["ir.model.fields"]._get("dealer.vehicle", "insurance_end").id,
            dealer_summary="Renewal call",
        )
        for _i in range(2):
            action.with_context(active_model="dealer.vehicle", active_ids=car.ids).run()
        task = self.activities(car, "Renewal call")
        self.assertEqual(len(task), 1)
        self.assertEqual(task.date_deadline, date(2026, 9, 23))
        self.assertTrue(task.user_id.has_group("dealer_crm.group_fi_manager"), "no deal: an F&I manager of the company")

    def test_the_task_title_is_in_the_assignee_language_and_never_doubles_across_languages(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        car = self._vehicle(partner_id=self.customer.id, insurance_end=date(2026, 9, 30))
        assignee = car._dealer_role_users("fi_manager")[car.id]
        assignee.lang = "ru_RU"
        action = self._step(
            "dealer.vehicle",
            dealer_step="schedule_activity",
            dealer_role="fi_manager",
            dealer_summary="Renewal call",
        )
        action.update_field_translations("dealer_summary", {"ru_RU": "Звонок о продлении"})
        # the rule fires from an English-speaking context, then from a Russian one: one task, in Russian
        for lang in ("en_US", "ru_RU"):
            action.with_context(lang=lang, active_model="dealer.vehicle", active_ids=car.ids).run()
        task = car.activity_ids
        self.assertEqual(task.summary, "Звонок о продлении")
        self.assertEqual(task.user_id, assignee)

    def test_in_a_batch_job_each_rule_gives_its_own_title_in_the_assignee_language(self):
        """A cron's batch job (``_dealer_role_memo_context``) reads a step's texts once for the job:
        two rules running once per record, as Odoo's automation runs them, still give each car
        both tasks, each with its own title, in the assignee's language."""
        self.env["res.lang"]._activate_lang("ru_RU")
        cars = self._vehicle(partner_id=self.customer.id) | self._vehicle(partner_id=self.customer.id)
        assignee = cars._dealer_role_users("fi_manager")[cars[0].id]
        assignee.lang = "ru_RU"
        titles = {"Renewal call": "Звонок о продлении", "Insurance offer": "Предложение страховки"}
        actions = self.env["ir.actions.server"]
        for english, russian in titles.items():
            action = self._step(
                "dealer.vehicle", dealer_step="schedule_activity", dealer_role="fi_manager", dealer_summary=english
            )
            action.update_field_translations("dealer_summary", {"ru_RU": russian})
            actions |= action
        batch = cars._dealer_role_memo_context()
        try:
            for action in actions:
                for car in batch:
                    action.with_env(batch.env).with_context(
                        active_model="dealer.vehicle", active_ids=car.ids, active_id=car.id
                    ).run()
        finally:
            batch._dealer_role_memo_drop()
        for car in cars:
            self.assertEqual(sorted(car.activity_ids.mapped("summary")), sorted(titles.values()), car.display_name)
            self.assertEqual(car.activity_ids.user_id, assignee)

    # ------------------------------------------------------------
    # Building blocks
    # ------------------------------------------------------------

    def test_clock_blocks_start_stop_and_escalate(self):
        self.env["dealer.sla.escalation"].search([]).unlink()
        self.env["dealer.sla.escalation"].create(
            {"name": "Head", "sequence": 1, "delay_minutes": 5, "target": "user", "user_id": self.sales_2.id}
        )
        lead = self._lead(user_id=self.sales_1.id, partner_id=self.customer.id)
        lead._dealer_start_response_clock(minutes=20)
        self.assertEqual(lead.dealer_sla_state, "running")
        self.assertEqual(lead.dealer_sla_deadline - lead.dealer_sla_start, timedelta(minutes=20))
        lead._dealer_escalate_now()
        self.assertEqual(lead.dealer_escalation_level, 1)
        self.assertTrue(
            self.env["mail.activity"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "=", lead.id), ("user_id", "=", self.sales_2.id)]
            )
        )
        self.customer.email = "pavel.orlov@example.com"  # the message reaches the customer by e-mail
        lead.with_user(self.sales_1).message_post(
            body="Hello, your car is ready",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer.ids,
        )
        self.assertIn(lead.dealer_sla_state, ("met", "late"))

    def test_reserve_and_release_blocks(self):
        car = self._vehicle(state="stock")
        lead = self._lead(user_id=self.sales_1.id, vehicle_id=car.id, partner_id=self.customer.id)
        reservation = lead._dealer_reserve_vehicle()
        self.assertEqual(reservation.vehicle_id, car)
        self.assertEqual(car.state, "reserved")
        self.assertFalse(lead._dealer_reserve_vehicle(), "a reserved car is not reserved twice")
        lead._dealer_release_vehicle("Customer changed their mind")
        self.assertEqual(reservation.state, "released")
        self.assertEqual(car.state, "stock")

    def test_blocks_on_1000_records_issue_a_bounded_number_of_queries(self):
        leads = (
            self.env["crm.lead"]
            .with_context(dealer_sla_skip=True)
            .create(
                [
                    {
                        "name": f"Bulk {i}",
                        "team_id": self.team.id,
                        "stage_id": self.stage.id,
                        "user_id": self.sales_1.id,
                    }
                    for i in range(1000)
                ]
            )
        )
        self.env.invalidate_all()
        # One batched create, not one per lead: at most 119 queries (flushes included) for 1000 leads.
        with self.assertQueryCount(119):
            activities = leads._dealer_schedule_role_activity("sales_manager", days=2, summary="Bulk call")
        self.assertEqual(len(activities), 1000)
        self.env.invalidate_all()
        with self.assertQueryCount(119):
            assigned = leads._dealer_assign_role("fi_manager")
        self.assertEqual(assigned.user_id, self.fi_manager)
        self.env.invalidate_all()
        with self.assertQueryCount(29):
            started = leads._dealer_start_response_clock(minutes=15)
        self.assertEqual(len(started), 1000)


@tagged("post_install", "-at_install")
class TestAutomationWebhook(HttpCase):
    """A telephony system that cannot call our API drives a rule through Odoo's webhook trigger."""

    def test_telephony_answered_call_reaches_the_journal_through_a_webhook(self):
        """The webhook logs the call in the call journal; only a call long enough to be a conversation
        stops the clock (no rule may stop it by itself: there is no such step any more)."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        salesperson = new_test_user(env, login="telephony_sales", groups="dealer_crm.group_sales_manager")
        rule = env["base.automation"].create(
            {
                "name": "Telephony: answered call",
                "model_id": env["ir.model"]._get_id("crm.lead"),
                "trigger": "on_webhook",
                "record_getter": "model.browse(int(payload['lead_id'])) if payload.get('lead_id') else None",
                "action_server_ids": [
                    Command.create(
                        {
                            "name": "Log the call",
                            "model_id": env["ir.model"]._get_id("crm.lead"),
                            "state": "code",
                            "code": "env['dealer.call'].create({'source': 'api', 'direction': 'inbound', "
                            "'status': 'answered', 'lead_id': record.id, "
                            "'duration_seconds': int(payload.get('duration_s') or 0)})",
                        }
                    )
                ],
            }
        )
        lead = (
            env["crm.lead"]
            .with_context(dealer_sla_skip=True)
            .create({"name": "Caller", "user_id": salesperson.id, "dealer_channel": "phone"})
        )
        lead._dealer_start_response_clock(minutes=10)
        other = env["crm.lead"].with_context(dealer_sla_skip=True).create({"name": "Other", "user_id": salesperson.id})
        other._dealer_start_response_clock(minutes=10)
        self.assertTrue(rule.url.endswith(f"/web/hook/{rule.webhook_uuid}"))

        for record, seconds in ((lead, 75), (other, 8)):
            response = self.url_open(
                rule.url,
                data=json.dumps({"lead_id": record.id, "event": "answered", "duration_s": seconds}),
                headers={"Content-Type": "application/json"},
            )
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json(), {"status": "ok"})
        (lead | other).invalidate_recordset()
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertEqual(lead.dealer_first_contact_call_id.duration_seconds, 75)
        self.assertEqual(other.dealer_sla_state, "running", "an 8-second call is no conversation")
        self.assertEqual(env["dealer.call"].search_count([("lead_id", "=", other.id)]), 1, "but it is in the journal")
