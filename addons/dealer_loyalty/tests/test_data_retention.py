from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")
class TestTrackingRetention(DealerCampaignCase):
    """The nightly purge of dealer_crm also forgets old opens, clicks and click IP addresses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": datetime(2026, 12, 31).date()})

    def test_old_opens_clicks_and_click_ips_are_forgotten(self):
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        old, recent = self._dispatches(campaign)[:2]
        now = fields.Datetime.now()
        old.sudo().write({"opened_at": now - timedelta(days=100), "clicked_at": now - timedelta(days=95)})
        recent.sudo().write({"opened_at": now - timedelta(days=10), "clicked_at": now - timedelta(days=10)})
        link = self.env["link.tracker"].create({"url": "https://dealer.example.com/offer"})
        old_click = self.env["link.tracker.click"].create({"link_id": link.id, "ip": "203.0.113.7"})
        new_click = self.env["link.tracker.click"].create({"link_id": link.id, "ip": "203.0.113.8"})
        self._set_create_date(old_click, now - timedelta(days=120))
        with self._fake_commits():
            self.env["dealer.data.retention"]._cron_purge_personal_data()
        self.assertEqual((old.opened_at, old.clicked_at), (False, False))
        self.assertTrue(recent.opened_at and recent.clicked_at, "within the retention period: kept")
        self.assertFalse(old_click.ip)
        self.assertEqual(new_click.ip, "203.0.113.8")
        self.assertTrue(old_click.exists(), "the click itself (a count) stays, without the address")
