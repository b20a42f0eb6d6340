from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.addons.dealer_crm.tests.common import DealerAutomationCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

RETENTION = "Retention call: customer at high risk"


@tagged("post_install", "-at_install")
class TestAutomationRulesLoyalty(DealerAutomationCase):
    """Loyalty example rules and building blocks (post_install: rules hook into a ready registry)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.advisor = new_test_user(cls.env, login="east_advisor", groups="dealer_crm.group_service_advisor")
        cls.marketer = new_test_user(cls.env, login="east_marketer", groups="dealer_crm.group_marketer")
        cls.risk_rule = cls.env["dealer.risk.rule"].search([], limit=1)

    def _risky(self, name, points):
        partner = self.env["res.partner"].create({"name": name, "dealer_advisor_id": self.advisor.id})
        self.env["dealer.risk.signal"].create(
            {
                "partner_id": partner.id,
                "rule_id": self.risk_rule.id,
                "code": self.risk_rule.code,
                "contribution": points,
                "date": fields.Date.today(),
            }
        )
        return partner

    # ------------------------------------------------------------
    # Shipped example rule: customer at high risk
    # ------------------------------------------------------------

    def test_customer_at_high_risk_gets_a_retention_call(self):
        rule = self.env.ref("dealer_loyalty.automation_high_risk_retention_task")
        self.assertFalse(rule.active, "off by default, like the retention strategies")
        rule.active = True
        with freeze_time("2026-06-01 02:00:00"):
            high, low = self._risky("High risk", 500), self._risky("Low risk", 1)
            self.env["res.partner"]._dealer_update_risk_score()
        self.assertEqual(high.risk_level, "high")
        self.assertEqual(high.risk_high_since, datetime(2026, 6, 1, 2, 0))
        self.assertFalse(low.risk_high_since)

        self.run_time_rules(datetime(2026, 6, 1, 6, 0), rule)
        call = self.activities(high, RETENTION)
        self.assertEqual(len(call), 1)
        self.assertEqual(call.user_id, self.advisor)
        self.assertEqual(call.date_deadline, date(2026, 6, 4))
        self.assertFalse(self.activities(low, RETENTION))

        rule.active = False
        with freeze_time("2026-06-02 02:00:00"):
            later = self._risky("Risk later", 500)
            self.env["res.partner"]._dealer_update_risk_score()
        self.run_time_rules(datetime(2026, 6, 2, 6, 0), rule)
        self.assertFalse(self.activities(later, RETENTION))

    def test_risk_since_is_cleared_when_the_risk_drops(self):
        partner = self._risky("Recovering customer", 500)
        self.env["res.partner"]._dealer_update_risk_score()
        self.assertTrue(partner.risk_high_since)
        partner.risk_signal_ids.unlink()
        self.env["res.partner"]._dealer_update_risk_score()
        self.assertFalse(partner.risk_high_since)

    # ------------------------------------------------------------
    # Building blocks
    # ------------------------------------------------------------

    def _insurance_campaign(self):
        campaign = self.env.ref("dealer_loyalty.dealer_campaign_insurance")
        campaign.state = "running"
        return campaign

    def test_enrol_in_campaign_only_the_records_at_hand(self):
        campaign = self._insurance_campaign()
        today = fields.Date.context_today(self.env.user)
        mine = self._vehicle(partner_id=self.customer.id, insurance_end=today + timedelta(days=30))
        other = self._vehicle(partner_id=self.customer.id, insurance_end=today + timedelta(days=30))
        self.assertEqual(mine._dealer_enrol_in_campaign(campaign), 1)
        enrolled = campaign.enrolment_ids.vehicle_id
        self.assertIn(mine, enrolled)
        self.assertNotIn(other, enrolled)
        self.assertEqual(mine._dealer_enrol_in_campaign(campaign), 0, "never twice for the same policy end")

        campaign.state = "done"
        with self.assertRaisesRegex(UserError, "not running"):
            other._dealer_enrol_in_campaign(campaign)

    def test_enrol_1000_vehicles_in_a_bounded_number_of_queries(self):
        campaign = self._insurance_campaign()
        end = fields.Date.context_today(self.env.user) + timedelta(days=30)
        partners = self.env["res.partner"].create([{"name": f"Bulk customer {i}"} for i in range(1000)])
        vehicles = self.env["dealer.vehicle"].create(
            [
                {"brand_id": self.brand.id, "partner_id": p.id, "insurance_end": end, "state": "customer"}
                for p in partners
            ]
        )
        self.env.invalidate_all()
        with self.assertQueryCount(79):
            count = vehicles._dealer_enrol_in_campaign(campaign)
        self.assertEqual(count, 1000)
        self.env.invalidate_all()
        with self.assertQueryCount(39):
            partners._dealer_recompute_segments()

    def test_recompute_segments_is_for_marketers(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.sales_1)._dealer_recompute_segments()
        self.customer.with_user(self.marketer)._dealer_recompute_segments()

    def test_message_on_the_preferred_channel_is_queued(self):
        """Queued in the dispatch log (sent by its cron, see test_automation_message); calls are tasks."""
        Partner = self.env["res.partner"]
        by_mail = Partner.create({"name": "Mail", "email": "mail@example.com", "dealer_preferred_channel": "email"})
        by_sms = Partner.create({"name": "Sms", "phone": "+79005550102", "dealer_preferred_channel": "sms"})
        by_telegram = Partner.create({"name": "Tg", "telegram_chat_id": "777", "dealer_preferred_channel": "telegram"})
        by_phone = Partner.create(
            {
                "name": "Call",
                "phone": "+79005550103",
                "dealer_preferred_channel": "phone",
                "user_id": self.sales_1.id,
                "consent_sms": True,
            }
        )
        no_call = Partner.create(
            {
                "name": "No call",
                "phone": "+79005550104",
                "dealer_preferred_channel": "phone",
                "user_id": self.sales_1.id,
            }
        )
        listed = Partner.create(
            {
                "name": "Blacklisted number",
                "phone": "+79005550105",
                "dealer_preferred_channel": "phone",
                "user_id": self.sales_1.id,
                "consent_sms": True,
            }
        )
        self.env["phone.blacklist"].sudo().add("+79005550105")
        partners = by_mail | by_sms | by_telegram | by_phone | no_call | listed
        with patch.object(type(self.env["dealer.telegram"]), "_telegram_post") as telegram:
            counts = partners._dealer_post_to_customer("Your car is ready.", subject="Your car")
        telegram.assert_not_called()
        self.assertEqual(counts, {"email": 1, "sms": 1, "telegram": 1, "phone": 1, "skipped": 2})
        rows = self.env["dealer.dispatch"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(
            {(row.partner_id, row.channel, row.state) for row in rows},
            {(by_mail, "email", "queued"), (by_sms, "sms", "queued"), (by_telegram, "telegram", "queued")},
        )
        self.assertEqual(self.activities(by_phone, "Call the customer").user_id, self.sales_1)
        self.assertFalse(self.activities(no_call, "Call the customer"), "no call without consent to be phoned")
        self.assertFalse(self.activities(listed, "Call the customer"), "no call to a number on the blacklist")
