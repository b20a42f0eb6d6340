"""The marketer's retention flow in a real browser: a strategy created and applied."""

from odoo.addons.dealer_crm.tests.common import DealerTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install", "dealer_slow")
class TestRetentionTour(DealerTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = cls._tour_user("tour_retention_marketer", "dealer_crm.group_marketer")
        cls.operator = cls._tour_user("tour_retention_operator", "dealer_crm.group_call_center")
        # reachable by phone: a win-back call needs the customer's phone consent
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour retention customer", "phone": "+79165550199", "consent_sms": True}
        )
        car = cls.env["dealer.vehicle"].create({"partner_id": cls.customer.id, "state": "customer"})
        cls.env["dealer.visit"].create({"vehicle_id": car.id, "partner_id": cls.customer.id, "state": "done"})
        cls.env["res.partner"]._dealer_refresh_loyalty()

    def _check(self, lang):
        self.assertTrue(self.customer.segment_id)
        self.run_tour(
            "/odoo/action-dealer_loyalty.dealer_retention_strategy_action",
            "dealer_retention_strategy_tour",
            self.marketer,
            lang,
        )
        strategy = self.env["dealer.retention.strategy"].search([("name", "=", "Tour: win back everyone")])
        self.assertEqual(len(strategy), 1)
        self.assertEqual(strategy.role, "call_center")
        self.assertEqual(self.customer.retention_strategy_id, strategy)
        self.assertEqual(self.customer.retention_offer, "Tour: free diagnostics")
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("summary", "=", "Tour: win-back call"),
            ]
        )
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("dealer_crm.group_call_center"))

    def test_retention_strategy_tour(self):
        self._check("en_US")

    def test_retention_strategy_tour_ru(self):
        self._check("ru_RU")
