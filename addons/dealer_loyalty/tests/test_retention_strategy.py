from datetime import date

from odoo import Command
from odoo.addons.dealer_crm.tests.common import user_of
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user

from .common import DealerLoyaltyCase


@freeze_time("2026-06-30")
class TestRetentionStrategy(DealerLoyaltyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operators = new_test_user(
            cls.env, login="retention_cc1", groups="dealer_crm.group_call_center"
        ) | new_test_user(cls.env, login="retention_cc2", groups="dealer_crm.group_call_center")
        cls.advisor = new_test_user(cls.env, login="retention_advisor", groups="dealer_crm.group_service_advisor")
        cls.marketer = new_test_user(cls.env, login="retention_marketer", groups="dealer_crm.group_marketer")
        cls.at_risk = cls.env.ref("dealer_loyalty.segment_at_risk")
        cls.hibernating = cls.env.ref("dealer_loyalty.segment_hibernating")
        cls.partners = cls.env["res.partner"]
        for index in range(4):
            partner = cls._customer(f"Strategy customer {index}")
            cls._visit(cls._vehicle(partner), date(2026, 6, 1), amount=1000)
            cls.partners |= partner
        cls.risky = cls._customer("Risky")
        car = cls._vehicle(cls.risky, warranty_end=date(2026, 7, 10))
        cls._visit(car, date(2026, 6, 1), satisfaction_score="1")
        for index, partner in enumerate(cls.partners | cls.risky):
            partner.write({"phone": f"+7916555010{index}", "consent_sms": True})
        cls.env["res.partner"]._dealer_refresh_loyalty(today=cls.TODAY)
        # put the first three in "at risk" by hand: the segment, not the scores, drives strategies
        cls.partners[:3].rfm_id.write({"segment_id": cls.at_risk.id})
        cls.partners[3].rfm_id.write({"segment_id": cls.hibernating.id})

    def _activities(self, partners):
        return self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)])

    def test_segment_strategy_gives_call_centre_a_task_per_customer(self):
        self.partners[1].user_id = self.operators[1]
        strategy = (
            self.env["dealer.retention.strategy"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Win back",
                    "segment_ids": [(6, 0, self.at_risk.ids)],
                    "role": "call_center",
                    "activity_summary": "Win-back call",
                    "offer": "10% off the next TO",
                    "deadline_days": 2,
                }
            )
        )
        strategy.action_apply()
        activities = self._activities(self.partners)
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(self.partners[:3].ids))
        self.assertTrue(set(activities.user_id.ids) <= set(self.env.ref("dealer_crm.group_call_center").user_ids.ids))
        own = activities.filtered(lambda a: a.res_id == self.partners[1].id)
        self.assertEqual(own.user_id, self.operators[1], "the customer's own operator gets the call")
        self.assertEqual(set(activities.mapped("summary")), {"Win-back call"})
        self.assertEqual(set(activities.mapped("date_deadline")), {date(2026, 7, 2)})
        self.assertEqual(self.partners[0].retention_offer, "10% off the next TO")
        self.assertEqual(self.partners[0].retention_strategy_id, strategy)
        self.assertFalse(self.partners[3].retention_strategy_id)
        strategy.action_apply()
        self.assertEqual(len(self._activities(self.partners)), 3, "applying again adds no duplicate task")

    def test_a_showrooms_strategy_gives_a_shared_customers_task_to_its_own_staff(self):
        south = self.env["res.company"].create({"name": "Second showroom"})
        north_operator, south_operator = (
            user_of(self.env, company, f"retention_{company.id}_only", "dealer_crm.group_call_center")
            for company in (self.env.company, south)
        )
        self.partners[1].user_id = north_operator
        self.assertFalse(self.partners[1].company_id, "a customer of every showroom")
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "South win back",
                "company_id": south.id,
                "segment_ids": [(6, 0, self.at_risk.ids)],
                "role": "call_center",
                "activity_summary": "Win-back call",
                "offer": "South's offer",
            }
        )
        strategy._apply()
        self.assertEqual(self._activities(self.partners[1]).user_id, south_operator, "not the North's operator")

    def test_the_groups_segments_and_risk_rules_change_only_by_someone_of_every_showroom(self):
        self.env["res.company"].create({"name": "Second showroom"})
        here = self.env.company
        one = user_of(self.env, here, "marketer_of_one", "dealer_crm.group_marketer")
        every = new_test_user(self.env, login="marketer_of_all", groups="dealer_crm.group_marketer", company_id=here.id)
        every.company_ids = [Command.set(self.env["res.company"].search([]).ids)]
        for row in (self.at_risk, self.env["dealer.risk.rule"].search([], limit=1)):
            with self.subTest(model=row._name):
                self.assertTrue(row.with_user(one).display_name, "every showroom reads it")
                for change in (
                    lambda r: r.write({"active": True}),
                    lambda r: r.create({"name": "Another", "code": r.code}),
                    lambda r: r.unlink(),
                    lambda r: r.update_field_translations("name", {"en_US": "Renamed for all"}),
                ):
                    with self.assertRaisesRegex(AccessError, "applies to every showroom"):
                        change(row.with_user(one))
                row.with_user(every).write({"active": True})

    def test_the_offer_reaches_each_customer_in_their_language(self):
        """Applied by the daily run (in English), the offer a campaign message prints is the customer's translation."""
        self.env["res.lang"]._activate_lang("ru_RU")
        strategy = self.env["dealer.retention.strategy"].create(
            {"name": "Win back", "segment_ids": [(6, 0, self.at_risk.ids)], "offer": "10% off your next service"}
        )
        strategy.update_field_translations("offer", {"ru_RU": "Скидка 10% на следующее ТО"})
        strategy.with_context(lang="en_US")._apply()
        russian, english = self.partners[:2]
        russian.lang, english.lang = "ru_RU", "en_US"
        render = self.env["mail.render.mixin"]
        for partner, offer in ((russian, "Скидка 10% на следующее ТО"), (english, "10% off your next service")):
            text = render.with_context(lang=partner.lang)._render_template(
                "Offer: {{ object.retention_offer }}", "res.partner", partner.ids, engine="inline_template"
            )[partner.id]
            self.assertEqual(text, f"Offer: {offer}")

    def test_risk_strategy_goes_to_service_advisors(self):
        self.assertEqual(self.risky.risk_level, "medium")
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Risky customers",
                "min_risk_level": "medium",
                "role": "service_advisor",
                "activity_summary": "Retention call",
            }
        )
        strategy._apply()
        activity = self._activities(self.risky)
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("dealer_crm.group_service_advisor"))
        self.assertFalse(self._activities(self.partners), "low-risk customers are left alone")

    def test_offer_only_strategy_and_daily_run(self):
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Hibernating offer",
                "segment_ids": [(6, 0, self.hibernating.ids)],
                "offer": "Free car wash",
                "auto_apply": True,
            }
        )
        self.env["dealer.retention.strategy"]._cron_apply()
        self.assertEqual(self.partners[3].retention_offer, "Free car wash")
        self.assertFalse(self._activities(self.partners[3]))
        self.assertTrue(strategy.last_applied)

    def test_task_title_required_with_role(self):
        with self.assertRaisesRegex(Exception, "Task title"):
            self.env["dealer.retention.strategy"].create({"name": "No title", "role": "call_center"})

    def test_enrols_customers_in_a_running_campaign(self):
        last_visit = self.env["ir.model.fields"]._get("res.partner", "loyalty_last_date")
        campaign = self.env["dealer.campaign"].create(
            {"name": "Win-back messages", "trigger": "custom", "date_field_id": last_visit.id}
        )
        vehicle_campaign = self.env["dealer.campaign"].create({"name": "Car follow-up", "trigger": "delivery"})
        with self.assertRaises(ValidationError):
            self.env["dealer.retention.strategy"].create(
                {
                    "name": "Wrong audience",
                    "segment_ids": [(6, 0, self.at_risk.ids)],
                    "campaign_id": vehicle_campaign.id,
                }
            )
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "At risk into campaign",
                "segment_ids": [(6, 0, self.at_risk.ids)],
                "campaign_id": campaign.id,
            }
        )
        strategy._apply()
        self.assertFalse(campaign.enrolment_ids, "a draft campaign enrols nobody")
        campaign.state = "running"
        strategy._apply()
        strategy._apply()
        self.assertEqual(sorted(campaign.enrolment_ids.partner_id.ids), sorted(self.partners[:3].ids))
        self.assertEqual(set(campaign.enrolment_ids.mapped("occurrence_date")), {date(2026, 6, 30)})

    def test_a_strategy_does_not_feed_another_showrooms_campaign(self):
        """The daily run enrols as the application: a marketer may not name a campaign of a showroom they do not
        work in, and a strategy linked to a showroom's campaign enrols none of another showroom's customers."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        last_visit = self.env["ir.model.fields"]._get("res.partner", "loyalty_last_date")
        theirs = self.env["dealer.campaign"].create(
            {"name": "Their win-back", "trigger": "custom", "date_field_id": last_visit.id, "company_id": other.id}
        )
        theirs.state = "running"
        Strategy = self.env["dealer.retention.strategy"].with_user(self.marketer)
        for company in (self.env.company, self.env["res.company"]):
            with self.assertRaises(UserError):
                Strategy.create(
                    {
                        "name": "Into their campaign",
                        "company_id": company.id,
                        "segment_ids": [(6, 0, self.at_risk.ids)],
                        "campaign_id": theirs.id,
                        "auto_apply": True,
                    }
                )
        # a strategy of every showroom (set up by an administrator) feeds their campaign with their customers
        # and those of no showroom only
        self.partners[0].sudo().company_id = other
        self.partners[1].sudo().company_id = False
        self.partners[2].sudo().company_id = self.env.company
        strategy = self.env["dealer.retention.strategy"].create(
            {"name": "Group win-back", "segment_ids": [(6, 0, self.at_risk.ids)], "campaign_id": theirs.id}
        )
        strategy._apply()
        self.assertEqual(theirs.enrolment_ids.partner_id, self.partners[:2])

    def test_daily_run_applies_once_per_episode(self):
        """Run every day, a strategy messages and tasks a customer once per time they enter it."""
        last_visit = self.env["ir.model.fields"]._get("res.partner", "loyalty_last_date")
        campaign = self.env["dealer.campaign"].create(
            {
                "name": "Win-back messages",
                "trigger": "custom",
                "date_field_id": last_visit.id,
                "state": "running",
                "step_ids": [(0, 0, {"name": "Offer", "channel": "activity", "activity_user_id": self.advisor.id})],
            }
        )
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Daily win-back",
                "sequence": -100,
                "segment_ids": [(6, 0, self.at_risk.ids)],
                "role": "call_center",
                "activity_summary": "Daily win-back call",
                "campaign_id": campaign.id,
                "auto_apply": True,
            }
        )
        customer = self.partners[0]
        Strategy = self.env["dealer.retention.strategy"]
        for day in ("2026-06-30", "2026-07-01", "2026-07-02", "2026-07-03"):
            with freeze_time(f"{day} 03:00:00"):
                Strategy._cron_apply()
                if day == "2026-07-01":
                    self._activities(customer).action_done()  # the call centre made the call
        self.assertEqual(customer.retention_strategy_id, strategy)
        self.assertEqual(customer.retention_since, date(2026, 6, 30))
        enrolments = campaign.enrolment_ids.filtered(lambda e: e.partner_id == customer)
        self.assertEqual(enrolments.mapped("occurrence_date"), [date(2026, 6, 30)], "one enrolment, not one a day")
        calls = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", customer.id),
                    ("summary", "=", "Daily win-back call"),
                ]
            )
        )
        self.assertEqual(len(calls), 1, "the call done on day two is not given again on day three")

        # the customer leaves the segment, then falls back into it: a new episode
        customer.rfm_id.segment_id = self.hibernating
        with freeze_time("2026-07-10 03:00:00"):
            Strategy._cron_apply()
        self.assertFalse(customer.retention_strategy_id)
        customer.rfm_id.segment_id = self.at_risk
        with freeze_time("2026-08-01 03:00:00"):
            Strategy._cron_apply()
        enrolments = campaign.enrolment_ids.filtered(lambda e: e.partner_id == customer)
        self.assertEqual(sorted(enrolments.mapped("occurrence_date")), [date(2026, 6, 30), date(2026, 8, 1)])

    def test_a_call_task_needs_the_customers_phone_consent(self):
        """A win-back call is a contact on the customer's phone: without SMS consent, no call task."""
        self.partners[0].consent_sms = False
        self.env["phone.blacklist"].sudo().add(self.partners[1].phone)
        strategy = self.env["dealer.retention.strategy"].create(
            {
                "name": "Win back by phone",
                "segment_ids": [(6, 0, self.at_risk.ids)],
                "role": "call_center",
                "activity_summary": "Win-back call",
                "offer": "10% off the next TO",
            }
        )
        strategy.action_apply()
        self.assertEqual(self._activities(self.partners).mapped("res_id"), self.partners[2].ids)
        self.assertEqual(self.partners[0].retention_strategy_id, strategy, "the offer still applies")

    def test_the_guidance_counts_only_the_showrooms_of_the_marketer(self):
        """The form shows how many customers the strategy matches before its showroom is saved and
        checked: a showroom the marketer does not work in counts none of its customers."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        self.partners[:3].sudo().write({"company_id": other.id})
        Strategy = self.env["dealer.retention.strategy"].with_user(self.marketer)
        values = {"name": "Win back", "segment_ids": [(6, 0, self.at_risk.ids)], "control_share": 10}
        self.assertEqual(Strategy.new({**values, "company_id": other.id}).effect_expected_audience, 0)
        self.assertEqual(Strategy.new({**values, "company_id": other.id}).sudo().effect_expected_audience, 3)
