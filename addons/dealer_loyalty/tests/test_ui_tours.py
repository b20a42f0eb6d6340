"""The marketer's flow in a real browser: a tyre-season campaign built and started."""

from odoo.addons.dealer_crm.tests.common import DealerTourCase, slow
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestLoyaltyTours(DealerTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = cls._tour_user("tour_marketer", "dealer_crm.group_marketer")

    def _check_campaign(self, lang):
        self.run_tour(
            "/odoo/action-dealer_loyalty.dealer_campaign_action", "dealer_tyre_campaign_tour", self.marketer, lang
        )
        campaign = self.env["dealer.campaign"].search([("name", "=", "Tour: winter tyres")])
        self.assertEqual(len(campaign), 1)
        self.assertEqual(campaign.trigger, "tyre_season")
        self.assertEqual(campaign.state, "running", "the campaign is started")
        self.assertTrue(campaign.season_start, "the season starts on the day it is started")
        self.assertEqual(campaign.window_days, 14)
        self.assertEqual(campaign.step_ids.mapped("offset_days"), [-7])
        self.assertEqual(campaign.step_ids.channel, "email")
        self.assertTrue(campaign.step_ids.mail_template_id)

    @slow
    def test_tyre_campaign_tour(self):
        self._check_campaign("en_US")

    @slow
    def test_tyre_campaign_tour_ru(self):
        self._check_campaign("ru_RU")

    def test_marketing_dashboard_menus(self):
        """The marketer finds the campaign results and the segment sizes under Marketing."""
        visible = self.env["ir.ui.menu"].with_user(self.marketer)._visible_menu_ids()
        self.assertIn(self.env.ref("dealer_loyalty.dealer_loyalty_dashboard_menu").id, visible)
        self.assertIn(self.env.ref("dealer_loyalty.dealer_segment_dashboard_menu").id, visible)
        segment = self.env["dealer.segment"].search([], limit=1)
        customer = self.env["res.partner"].create({"name": "Tour segment member"})
        self.env["dealer.customer.score"].create({"partner_id": customer.id, "segment_id": segment.id})
        card = self.env["dealer.segment"].with_user(self.marketer).browse(segment.id)
        self.assertGreaterEqual(card.partner_count, 1, "the card counts the customers of the segment")
        self.assertIn(customer, self.env["res.partner"].search([("segment_id", "=", segment.id)]))
