from datetime import datetime

from odoo import Command
from odoo.addons.dealer_crm.tests.common import user_of
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")
class TestCampaignPlanning(DealerCampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def test_insurance_each_step_on_its_day(self):
        """A month, a week and 3 days before the policy ends, plus the F&I call a week before."""
        car, other = self.vehicles[0], self.vehicles[1]
        car.insurance_end = self._d("2026-12-31")
        other.insurance_end = self._d("2027-03-01")
        campaign = self._campaign("insurance", [("email", -30), ("sms", -7), ("sms", -3), ("activity", -7)])
        with freeze_time("2026-11-20 06:00:00"):  # started before any step is due, whatever today is
            campaign.action_start()
            self.assertFalse(self._dispatches(campaign))
        expected = {"2026-12-01": ["email"], "2026-12-24": ["activity", "sms"], "2026-12-28": ["sms"]}
        for day, channels in expected.items():
            with freeze_time(f"{day} 06:00:00"):
                before = self._dispatches(campaign)
                campaign._plan()
                new = self._dispatches(campaign) - before
                self.assertEqual(sorted(new.mapped("channel")), channels, day)
                self.assertEqual(new.partner_id, car.partner_id)
                self.assertEqual(new.vehicle_id, car)
                self.assertTrue(all(r.occurrence_date == car.insurance_end for r in new))
        email = self._dispatches(campaign).filtered(lambda r: r.channel == "email")
        self.assertEqual(email.scheduled_at, datetime(2026, 12, 1, 10, 0), "planned at 10:00 customer time")
        with freeze_time("2026-12-15 06:00:00"):
            before = self._dispatches(campaign)
            campaign._plan()
            self.assertEqual(self._dispatches(campaign), before, "no step is due on an in-between day")

    def test_rerun_plans_nothing_new(self):
        self.vehicles[:3].write({"warranty_end": self._d("2026-12-31")})
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
            self.assertEqual(len(self._dispatches(campaign)), 3)
            step = campaign.step_ids
            self.assertEqual(step._plan_dispatch_sql(), 0)
            campaign._plan()
            self.assertEqual(len(self._dispatches(campaign)), 3)
            self.assertEqual(len(campaign.enrolment_ids), 3)

    def test_blocked_customer_gets_no_campaign(self):
        self.vehicles[:3].write({"warranty_end": self._d("2026-12-31")})
        blocked = self.vehicles[1].partner_id
        blocked.write({"loyalty_blocked": True, "loyalty_status": "blocked"})
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        self.assertEqual(len(self._dispatches(campaign)), 2)
        self.assertNotIn(blocked, self._dispatches(campaign).partner_id)

    def test_tyre_season_counts_back_from_window_end(self):
        campaign = self._campaign("tyre_season", [("email", -7), ("sms", -3), ("telegram", -1)], window_days=21)
        with freeze_time("2026-10-15 06:00:00"):
            campaign._start()
            self.assertEqual(campaign.season_start, self._d("2026-10-15"))
            self.assertEqual(campaign.window_end, self._d("2026-11-05"))
            self.assertEqual(len(campaign.enrolment_ids), 5, "the whole audience is enrolled on the start day")
            self.assertFalse(self._dispatches(campaign), "no reminder before a week before the window closes")
        for day, channel in (("2026-10-29", "email"), ("2026-11-02", "sms"), ("2026-11-04", "telegram")):
            with freeze_time(f"{day} 06:00:00"):
                before = self._dispatches(campaign)
                campaign._plan()
                new = self._dispatches(campaign) - before
                self.assertEqual(set(new.mapped("channel")), {channel})
                self.assertEqual(new.partner_id, self.partners)

    def test_api_start_with_date(self):
        campaign = self._campaign("tyre_season", [("email", -7)], window_days=10)
        with freeze_time("2026-10-20 06:00:00"):
            campaign._start(start_date="2026-10-17")
        self.assertEqual(campaign.state, "running")
        self.assertEqual(campaign.window_end, self._d("2026-10-27"))
        self.assertEqual(len(self._dispatches(campaign)), 5, "the -7 step (Oct 20) is due at once")

    def test_other_triggers_pick_the_right_vehicle(self):
        cases = [
            ("maintenance", "next_service_date", -3, "2026-06-10", "2026-06-07"),
            ("warranty", "warranty_end", -30, "2026-07-31", "2026-07-01"),
            ("delivery", "delivery_date", 1, "2026-05-04", "2026-05-05"),
        ]
        for trigger, fname, offset, trigger_day, send_day in cases:
            with self.subTest(trigger=trigger):
                self.vehicles.write({fname: False})
                self.vehicles[2][fname] = self._d(trigger_day)
                self.vehicles[3][fname] = self._d("2027-01-01")
                campaign = self._campaign(trigger, [("sms", offset)])
                with freeze_time(f"{send_day} 06:00:00"):
                    campaign.action_start()
                rows = self._dispatches(campaign)
                self.assertEqual(rows.vehicle_id, self.vehicles[2])
                self.assertEqual(rows.channel, "sms")
                self.assertEqual(rows.scheduled_at.date(), self._d(send_day))

    def test_any_date_field(self):
        field = self.env["ir.model.fields"]._get("dealer.vehicle", "purchase_date")
        self.vehicles[4].purchase_date = self._d("2025-09-01")
        campaign = self._campaign("custom", [("email", 365)], date_field_id=field.id)
        with freeze_time("2026-09-01 06:00:00"):
            campaign.action_start()
        self.assertEqual(self._dispatches(campaign).vehicle_id, self.vehicles[4])

    def test_a_date_kept_for_some_roles_is_no_trigger(self):
        """A campaign on the customers' birth dates would show every birth date as the enrolments' and messages'
        trigger date to all staff: a date kept for some roles is no trigger, whoever builds the campaign."""
        field = self.env["ir.model.fields"]._get("res.partner", "dealer_birthdate")
        values = {
            "name": "Birthdays",
            "trigger": "custom",
            "date_field_id": field.id,
            "audience_domain": f"[('id', 'in', {self.partners.ids})]",
        }
        with self.assertRaisesRegex(ValidationError, "some roles only"):
            self.env["dealer.campaign"].with_user(self.marketer).create(values)
        seller = new_test_user(
            self.env,
            login="campaign_seller_marketer",
            groups="dealer_crm.group_marketer,dealer_crm.group_sales_manager",
        )
        partners = self.env["res.partner"].with_user(seller)
        self.assertTrue(partners._has_field_access(partners._fields["dealer_birthdate"], "read"), "they may read it")
        with self.assertRaisesRegex(ValidationError, "some roles only"):
            self.env["dealer.campaign"].with_user(seller).create(values)
        # nor can the marketer switch an existing campaign to it
        other = (
            self.env["dealer.campaign"]
            .with_user(self.marketer)
            .create({**values, "date_field_id": False, "trigger": "warranty"})
        )
        with self.assertRaisesRegex(ValidationError, "some roles only"):
            other.write({"trigger": "custom", "date_field_id": field.id})
        # nor start one saved before the check existed
        self.env.cr.execute(
            "UPDATE dealer_campaign SET trigger = 'custom', date_field_id = %s WHERE id = %s", [field.id, other.id]
        )
        other.invalidate_recordset()
        other.write(
            {"step_ids": [(0, 0, {"name": "Day", "channel": "email", "mail_template_id": self.mail_template.id})]}
        )
        with self.assertRaisesRegex(ValidationError, "some roles only"):
            other.with_user(seller).action_start()
        self.assertEqual(other.state, "draft")
        # a date every dealership user reads is a trigger
        delivery = self.env["ir.model.fields"]._get("dealer.vehicle", "delivery_date")
        other.write({"date_field_id": delivery.id, "audience_domain": f"[('id', 'in', {self.vehicles.ids})]"})

    def test_bad_configuration_is_refused(self):
        with self.assertRaises(ValidationError):
            self._campaign("custom", [("email", 1)])
        with self.assertRaises(ValidationError):
            self._campaign("warranty", [("email", 1)], audience_domain="[('id', '=',")
        with self.assertRaises(ValidationError):
            self._campaign("warranty", [("email", 1)], audience_domain="[('no_such_field', '=', 1)]")
        with self.assertRaises(ValidationError):
            self.env["dealer.campaign.step"].create(
                {"campaign_id": self._campaign("warranty").id, "name": "x", "channel": "sms"}
            )
        empty = self.env["dealer.campaign"].create({"name": "Empty", "trigger": "warranty"})
        with self.assertRaises(UserError):
            empty.action_start()

    def test_no_consent_is_logged_as_skipped(self):
        self.vehicles[0].warranty_end = self._d("2026-12-31")
        self._set_consent(self.partners[0], "email", False)
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        row = self._dispatches(campaign)
        self.assertEqual((row.state, row.skip_reason), ("skipped", "consent"))

    def test_a_customer_blocked_after_the_planning_gets_no_reminder(self):
        self.vehicles[0].warranty_end = self._d("2026-12-31")
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        row = self._dispatches(campaign)
        self.assertEqual(row.state, "queued")
        self.partners[0].with_user(self.marketer).action_loyalty_block()
        with freeze_time(row.scheduled_at):
            self._run_cron()
        self.assertEqual((row.state, row.skip_reason), ("skipped", "blocked"))
        self.assertFalse(row.mail_message_id)

    def test_customer_date_field_writes_about_the_customer(self):
        """A campaign on a date of the customer plans one message per customer, without a vehicle."""
        field = self.env["ir.model.fields"]._get("res.partner", "create_date")
        template = self.env["mail.template"].create(
            {
                "name": "Anniversary",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Hello {{ object.name }}",
                "body_html": "<p>Thank you for a year with us.</p>",
            }
        )
        campaign = self.env["dealer.campaign"].create(
            {
                "name": "Customer anniversary",
                "trigger": "custom",
                "date_field_id": field.id,
                "audience_domain": f"[('id', 'in', {self.partners[:2].ids})]",
                "step_ids": [(0, 0, {"name": "Same day", "channel": "email", "mail_template_id": template.id})],
            }
        )
        self.assertEqual(campaign.audience_model, "res.partner")
        campaign.action_start()
        rows = self._dispatches(campaign)
        self.assertEqual(rows.partner_id, self.partners[:2])
        self.assertFalse(rows.vehicle_id)
        with freeze_time(rows[0].scheduled_at):
            self._run_cron()
        self.assertEqual(set(rows.mapped("state")), {"sent"})
        self.assertEqual(rows[0].mail_message_id.model, "res.partner")

    def test_marketer_runs_a_campaign(self):
        self.vehicles[0].warranty_end = self._d("2026-12-31")
        campaign = self._campaign("warranty", [("email", -30)]).with_user(self.marketer)
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        self.assertEqual(campaign.dispatch_count, 1)
        self.assertEqual(
            self.env["dealer.dispatch"].with_user(self.marketer).search_count([("campaign_id", "=", campaign.id)]), 1
        )
        call_center = new_test_user(self.env, login="campaign_cc", groups="dealer_crm.group_call_center")
        fields_seen = self.env["dealer.campaign"].with_user(call_center).fields_get(["revenue", "sent_count"])
        self.assertEqual(list(fields_seen), ["sent_count"], "the call centre sees no money figures")

    def test_the_audience_filter_sees_only_what_its_author_may_read(self):
        """The planning runs as superuser, the filter is the marketer's text: a path through a customer's
        visits must not reach another showroom's visits (one guess at a time through the enrolments)."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        shared = self.partners[0]
        shared.company_id = False
        elsewhere = self.env["dealer.vehicle"].create(
            {"partner_id": shared.id, "plate": "B777BB77", "company_id": other.id}
        )
        self.env["dealer.visit"].create(
            {
                "vehicle_id": elsewhere.id,
                "company_id": other.id,
                "date": "2026-10-01",
                "kind": "repair",
                "state": "done",
                "line_ids": [Command.create({"name": "Body repair", "amount": 777000, "status": "done"})],
            }
        )
        self.vehicles[0].warranty_end = self._d("2026-12-31")
        campaign = (
            self.env["dealer.campaign"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Big spenders",
                    "trigger": "warranty",
                    "company_id": self.company.id,
                    "audience_domain": "[('partner_id.dealer_visit_ids.revenue', '>', 500000)]",
                    "step_ids": [
                        Command.create(
                            {
                                "name": "Mail",
                                "channel": "email",
                                "offset_days": -30,
                                "mail_template_id": self.mail_template.id,
                            }
                        )
                    ],
                }
            )
        )
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        self.assertFalse(campaign.sudo().enrolment_ids, "the other showroom's visit is not the marketer's to read")

        # a marketer of both showrooms edits it: its author still reads only this one
        both = new_test_user(self.env, login="campaign_marketer_both", groups="dealer_crm.group_marketer")
        both.company_ids |= other
        campaign.with_user(both).write({"name": "Big spenders (edited)"})
        with freeze_time("2026-12-01 06:30:00"), self._fake_commits():
            self.env["dealer.campaign"]._cron_plan()
        self.assertFalse(campaign.sudo().enrolment_ids, "the audience is what both its author and editor may read")

        self.marketer.company_ids |= other
        with freeze_time("2026-12-01 07:00:00"), self._fake_commits():
            self.env["dealer.campaign"]._cron_plan()
        self.assertEqual(campaign.sudo().enrolment_ids.vehicle_id, self.vehicles[0], "working there too, it counts")

    def test_a_campaign_whose_author_may_no_longer_read_its_audience_says_so(self):
        self.vehicles[0].warranty_end = self._d("2026-12-31")
        author = new_test_user(self.env, login="campaign_author_gone", groups="dealer_crm.group_marketer")
        campaign = self._campaign("warranty", [("email", -30)]).with_user(author).copy({"name": "Author's"})
        author.group_ids = self.env.ref("base.group_user")  # left the marketing team: reads no cars
        with self.assertRaisesRegex(UserError, "campaign_author_gone|no longer read"):
            campaign.with_user(self.marketer).action_start()
        self.assertFalse(campaign.sudo().enrolment_ids, "nothing planned (the button's transaction is undone)")

    def test_a_running_campaign_whose_author_loses_the_audience_stops_and_says_why(self):
        """Found by the hourly planning: it does not go on enrolling nobody in silence."""
        self.vehicles[0].warranty_end = self._d("2026-12-31")
        author = new_test_user(self.env, login="campaign_author_left", groups="dealer_crm.group_marketer")
        steps = [("email", -30), ("sms", -20), ("email", -7)]
        campaign = self._campaign("warranty", steps).with_user(author).copy({"name": "Author's"})
        campaign.message_subscribe(self.marketer.partner_id.ids)
        with freeze_time("2026-12-01 06:00:00"):
            campaign.with_user(author).action_start()
        queued = self.env["dealer.dispatch"].search([("campaign_id", "=", campaign.id), ("state", "=", "queued")])
        self.assertTrue(queued, "planned while its author could read the cars")
        author.group_ids = self.env.ref("base.group_user")  # left the marketing team: reads no cars
        campaign = campaign.with_user(self.marketer)
        self.vehicles[1].warranty_end = self._d("2026-12-31")
        with freeze_time("2026-12-01 07:00:00"), self._fake_commits():
            self.env["dealer.campaign"]._cron_plan()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(set(queued.mapped("state")), {"cancelled"}, "nothing more leaves in its name")
        self.assertFalse(
            self.env["dealer.dispatch"].search([("campaign_id", "=", campaign.id), ("state", "=", "queued")]),
            "nor is any step planned after it stopped",
        )
        self.assertNotIn(self.vehicles[1], campaign.sudo().enrolment_ids.vehicle_id)
        note = campaign.message_ids[0]
        self.assertIn(author.name, note.body)
        self.assertIn("may no longer read its audience", note.body)
        self.assertIn(self.marketer.partner_id, note.notified_partner_ids, "its followers are told")
        with freeze_time("2026-12-01 08:00:00"), self._fake_commits():
            self.env["dealer.campaign"]._cron_plan()
        self.assertEqual(campaign.message_ids[0], note, "said once")

    def test_a_group_campaign_or_strategy_is_changed_only_by_someone_of_every_showroom(self):
        """A campaign or a retention strategy of no showroom writes to every showroom's customers: a marketer of one
        showroom reads it, but neither changes, stops nor deletes it (nor its steps: another showroom's customers
        would get their text), nor moves their own into another showroom; someone of every showroom does."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        one = user_of(self.env, self.company, "campaign_marketer_of_one", "dealer_crm.group_marketer")
        every = user_of(self.env, self.company, "campaign_marketer_of_all", "dealer_crm.group_marketer")
        every.company_ids = [Command.set(self.env["res.company"].search([]).ids)]
        campaign = self._campaign("warranty", [("email", -30)], company_id=False)
        strategy = self.env["dealer.retention.strategy"].create({"name": "Win back for all", "offer": "10% off"})
        self.assertFalse(strategy.company_id)
        step = campaign.step_ids
        for change in (
            lambda: campaign.with_user(one).write({"name": "Renamed for all"}),
            lambda: campaign.with_user(one).action_stop(),
            lambda: campaign.with_user(one).unlink(),
            lambda: step.with_user(one).write({"offset_days": -3}),
            lambda: step.with_user(one).unlink(),
            lambda: step.with_user(one).update_field_translations("telegram_text", {"en_US": "Hi"}),
            lambda: strategy.with_user(one).write({"offer": "50% off for everyone"}),
            lambda: strategy.with_user(one).unlink(),
        ):
            with self.assertRaisesRegex(AccessError, "applies to every showroom"):
                change()
        self.assertEqual(
            (campaign.name, campaign.state, step.offset_days, strategy.offer),
            ("Test warranty", "draft", -30, "10% off"),
        )
        self.assertTrue(campaign.with_user(one).read(["name"]), "every showroom reads it")
        # their own showroom's rows, and a copy of the group's, are theirs to change; not to move elsewhere
        own = strategy.with_user(one).copy()
        self.assertEqual(own.company_id, self.company)
        own.write({"offer": "15% off here"})
        with self.assertRaises(AccessError):
            own.write({"company_id": other.id})
        self.assertEqual(own.company_id, self.company)
        campaign.with_user(every).write({"name": "Renamed by the group's marketer"})
        strategy.with_user(every).write({"offer": "12% off"})

    def test_a_campaigns_templates_are_changed_by_whoever_may_change_the_campaign(self):
        """Odoo lets every template editor change any e-mail template: the text a group campaign sends to every
        showroom's customers is changed only by someone of every showroom; another template stays theirs."""
        one = user_of(self.env, self.company, "template_marketer_of_one", "dealer_crm.group_marketer")
        seller = user_of(self.env, self.company, "template_seller", "dealer_crm.group_sales_manager")
        every = user_of(self.env, self.company, "template_marketer_of_all", "dealer_crm.group_marketer")
        for user in (one, seller, every):
            user.group_ids = [Command.link(self.env.ref("mail.group_mail_template_editor").id)]
        self.env["res.company"].create({"name": "Other showroom"})
        every.company_ids = [Command.set(self.env["res.company"].search([]).ids)]
        template = self.mail_template.copy({"name": "Group reminder"})
        self._campaign("warranty", [("email", -30)], company_id=False).step_ids.mail_template_id = template
        for user in (one, seller):
            for change in (
                lambda u=user: template.with_user(u).write({"body_html": "<p>Everyone: 90% off</p>"}),
                lambda u=user: template.with_user(u).unlink(),
                lambda u=user: template.with_user(u).update_field_translations("subject", {"en_US": "Hi"}),
            ):
                with self.assertRaises(AccessError):
                    change()
        self.assertTrue(template.exists())
        self.assertNotIn("90%", template.body_html)
        free = self.mail_template.copy({"name": "Not a campaign's"})
        free.with_user(seller).write({"body_html": "<p>Their own text</p>"})
        template.with_user(every).write({"body_html": "<p>Reviewed by the group's marketer</p>"})
        self.assertIn("Reviewed by the group's marketer", template.body_html)

    def test_results_of_a_group_campaign_are_those_of_the_reader_showrooms(self):
        """A campaign of no showroom writes to the customers of several; a marketer who works in one
        reads the figures of that one (they were counted as superuser over every showroom)."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        campaign = self._campaign("warranty", [("email", -30)], company_id=False)
        Dispatch = self.env["dealer.dispatch"].sudo()
        common = {
            "campaign_id": campaign.id,
            "partner_id": self.partners[0].id,
            "channel": "email",
            "scheduled_at": "2026-12-01 06:00:00",
            "state": "sent",
        }
        Dispatch.create([{**common, "company_id": self.company.id, "occurrence_date": f"2026-12-0{i}"} for i in (1, 2)])
        Dispatch.create([{**common, "company_id": other.id, "occurrence_date": f"2026-11-0{i}"} for i in (1, 2, 3)])
        self.marketer.company_ids |= other
        as_marketer = campaign.with_user(self.marketer)
        here = as_marketer.with_context(allowed_company_ids=self.company.ids)
        self.assertEqual((here.dispatch_count, here.sent_count), (2, 2))
        both = as_marketer.with_context(allowed_company_ids=[self.company.id, other.id])
        self.assertEqual((both.dispatch_count, both.sent_count), (5, 5))

    def test_a_message_is_credited_with_visits_to_its_own_showroom_only(self):
        """A customer of every showroom has the car serviced at another showroom after this showroom's
        reminder: that visit and its revenue are the other showroom's, in neither the campaign's results
        nor its effect against the control group."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        partner, car = self.partners[0], self.vehicles[0]
        partner.company_id = False
        car.company_id = False
        campaign = self._campaign("warranty", [("email", -30)])
        enrolment = (
            self.env["dealer.campaign.enrolment"]
            .sudo()
            .create(
                {
                    "campaign_id": campaign.id,
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "vehicle_id": car.id,
                    "occurrence_date": "2026-12-01",
                    "occurrence_key": "2026-12-01",
                    "enrolled_at": "2026-12-01 06:00:00",
                }
            )
        )
        row = (
            self.env["dealer.dispatch"]
            .sudo()
            .create(
                {
                    "campaign_id": campaign.id,
                    "enrolment_id": enrolment.id,
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "vehicle_id": car.id,
                    "channel": "email",
                    "occurrence_date": "2026-12-01",
                    "scheduled_at": "2026-12-01 06:00:00",
                    "sent_at": "2026-12-01 06:00:00",
                    "state": "sent",
                }
            )
        )

        def visit(day, amount, company):
            self.env["dealer.visit"].create(
                {
                    "vehicle_id": car.id,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": day,
                    "kind": "maintenance",
                    "state": "done",
                    "line_ids": [Command.create({"name": "Work", "amount": amount, "status": "done"})],
                }
            )

        visit("2026-12-03", 9000, other)

        def results(env=self.env):
            self.env.flush_all()
            self.env.invalidate_all()
            (sent,) = env["dealer.campaign.report"].search_read([("id", "=", row.id)], ["booking_count", "revenue"])
            (enrolled,) = env["dealer.effect.report"].search_read(
                [("id", "=", enrolment.id)], ["visit_count", "revenue"]
            )
            return (sent["booking_count"], sent["revenue"]), (enrolled["visit_count"], enrolled["revenue"])

        with freeze_time("2026-12-10"):
            self.assertEqual(results(), ((0, 0.0), (0, 0.0)), "the other showroom's visit")
            visit("2026-12-04", 5000, self.company)
            self.assertEqual(results(), ((1, 5000.0), (1, 5000.0)), "a visit to this showroom")
            # the group's campaign (of no showroom) is credited with the visits to every showroom
            campaign.sudo().company_id = False
            self.assertEqual(results(), ((2, 14000.0), (2, 14000.0)), "the group's campaign")
            # ... as far as its reader may see: this showroom's message (its row, its money) is not where this
            # showroom's staff read what the customer spent at the other showroom
            self.marketer.company_ids = self.company
            here = self.env(user=self.marketer, context={"allowed_company_ids": self.company.ids})
            self.assertEqual(results(here), ((1, 5000.0), (1, 5000.0)), "a reader of this showroom only")
            self.assertEqual(campaign.with_env(here).revenue, 5000.0)
            self.marketer.company_ids |= other
            both = self.env(user=self.marketer, context={"allowed_company_ids": [self.company.id, other.id]})
            self.assertEqual(results(both), ((2, 14000.0), (2, 14000.0)), "a reader of both showrooms")
            self.assertEqual(campaign.with_env(both).revenue, 14000.0)

    def test_preferred_channel_per_customer(self):
        self.vehicles.write({"warranty_end": self._d("2026-12-31")})
        self.partners[0].dealer_preferred_channel = "sms"
        self.partners[1].dealer_preferred_channel = "telegram"
        self.partners[2].dealer_preferred_channel = "phone"
        campaign = self._campaign("warranty", [("email", -30)])
        campaign.step_ids.write(
            {
                "channel": "preferred",
                "sms_template_id": self.sms_template.id,
                "telegram_text": "Hi {{ object.plate }}",
            }
        )
        self._set_consent(self.partners[1], "telegram", False)
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        channels = {row.partner_id: (row.channel, row.state) for row in self._dispatches(campaign)}
        self.assertEqual(channels[self.partners[0]], ("sms", "queued"))
        self.assertEqual(channels[self.partners[1]], ("telegram", "skipped"), "consent of the preferred channel")
        self.assertEqual(channels[self.partners[2]], ("email", "queued"), "no message channel preferred: e-mail")
        self.assertEqual(channels[self.partners[3]], ("email", "queued"))

    def test_plan_cron_plans_running_campaigns_only(self):
        self.vehicles.write({"warranty_end": self._d("2026-12-31")})
        running = self._campaign("warranty", [("email", -30)])
        draft = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-11-20 06:00:00"):
            running.action_start()
        self.assertFalse(self._dispatches(running), "nothing due yet on the start day")
        with freeze_time("2026-12-01 06:00:00"), self._fake_commits():
            self.env["dealer.campaign"]._cron_plan()
        self.assertEqual(len(self._dispatches(running)), 5)
        self.assertFalse(self._dispatches(draft))

    def test_shipped_insurance_campaign_works(self):
        campaigns = [
            self.env.ref(f"dealer_loyalty.dealer_campaign_{key}")
            for key in ("tyre", "insurance", "maintenance", "warranty", "delivery")
        ]
        for campaign in campaigns:
            self.assertEqual(campaign.state, "draft")
            self.assertTrue(campaign.step_ids)
        insurance = self.env.ref("dealer_loyalty.dealer_campaign_insurance")
        self.assertEqual(sorted(insurance.step_ids.mapped("offset_days")), [-30, -7, -7, -3])
        self.assertIn("activity", insurance.step_ids.mapped("channel"))
        insurance.audience_domain = f"[('id', '=', {self.vehicles[0].id})]"
        self.vehicles[0].insurance_end = self._d("2026-12-31")
        with freeze_time("2026-12-01 06:00:00"):
            insurance.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        row = self._dispatches(insurance)
        self.assertEqual((row.channel, row.state), ("email", "sent"))
        mail = self.env["mail.mail"].search([("mail_message_id", "=", row.mail_message_id.id)])
        self.assertEqual(mail.subject, "Your car insurance ends soon")
        self.assertIn(self.vehicles[0].name, str(mail.body_html))
        self.assertEqual(mail.email_from, self.company.email_formatted or self.env.user.email_formatted)

    def test_marketer_opens_every_screen(self):
        screens = {
            "dealer.campaign": ["kanban", "list", "form", "search"],
            "dealer.dispatch": ["list", "form", "pivot", "graph", "search"],
            "dealer.campaign.report": ["pivot", "graph", "search"],
            "dealer.campaign.enrolment": ["list"],
        }
        for model, modes in screens.items():
            views = self.env[model].with_user(self.marketer).get_views([(False, mode) for mode in modes])
            self.assertEqual(set(views["views"]), set(modes), model)
        menu = self.env.ref("dealer_loyalty.dealer_campaign_menu")
        visible = self.env["ir.ui.menu"].with_user(self.marketer)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_campaigns_and_log_stay_in_their_company(self):
        other_company = self.env["res.company"].create({"name": "Other showroom"})
        theirs = self._campaign("warranty", [("email", -30)], company_id=other_company.id)
        ours = self._campaign("warranty", [("email", -30)])
        marketer = self.marketer.with_user(self.marketer)
        visible = self.env["dealer.campaign"].with_user(marketer).search([("id", "in", (theirs | ours).ids)])
        self.assertEqual(visible, ours)

    def test_audience_filter_on_a_field_the_author_may_not_read_is_refused(self):
        """Enrolment counts of a filter on a hidden field (a signup token) would leak it guess by guess."""
        hidden = next(
            name
            for name, field in self.env["res.partner"]._fields.items()
            if field.store
            and field.groups
            and not self.env["res.partner"].with_user(self.marketer)._has_field_access(field, "read")
        )
        vals = {
            "name": "Readable filter",
            "trigger": "maintenance",
            "company_id": self.company.id,
            "audience_domain": "[('partner_id.name', '=like', 'a%')]",
        }
        self.assertTrue(self.env["dealer.campaign"].with_user(self.marketer).create(vals))
        vals.update(name="Probe", audience_domain=f"[('partner_id.{hidden}', '=like', 'a%')]")
        with self.assertRaisesRegex(ValidationError, "may not read"):
            self.env["dealer.campaign"].with_user(self.marketer).create(vals)
