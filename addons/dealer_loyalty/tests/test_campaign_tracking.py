import re
from datetime import datetime
from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from .common import DealerCampaignHttpCase

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"}


@tagged("post_install", "-at_install")
class TestCampaignTracking(DealerCampaignHttpCase):
    """Opens and clicks of a campaign e-mail come back to its dispatch row and the campaign's results."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": datetime(2026, 12, 31).date()})
        cls.mail_template.body_html = (
            "<p>Your car <t t-out='object.plate'/> needs you: "
            "<a href='https://dealer.example.com/service?plate=1'>book a visit</a></p>"
        )

    def _sent_campaign(self):
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(set(rows.mapped("state")), {"sent"})
        return campaign, rows

    def _outgoing(self, row):
        mail = self.env["mail.mail"].search([("mail_message_id", "=", row.mail_message_id.id)])
        self.assertEqual(len(mail), 1)
        return str(mail._prepare_outgoing_body())

    def test_open_and_click_are_traced_to_the_row(self):
        campaign, rows = self._sent_campaign()
        row = rows[0]
        body = self._outgoing(row)
        token = row._tracking_token(row.id)
        pixel = f"/dealer/loyalty/open/{row.id}/{token}/blank.gif"
        self.assertIn(pixel, body, "the customer's copy carries an open pixel")
        link = self.env["link.tracker"].search([("url", "=", "https://dealer.example.com/service?plate=1")])
        self.assertEqual(len(link), 1, "the link became one of Odoo's tracked short links")
        tracked = f"{link.short_url}/d/{row.id}/{token}"
        self.assertIn(tracked, body)
        self.assertNotIn("/blank.gif", str(row.mail_message_id.body), "the chatter copy has no pixel")
        self.assertNotIn("/d/", str(row.mail_message_id.body))
        self.assertNotIn("Internal communication", body, "a message to the customer, not an internal note")

        # a forged token still gets its image, and records nothing
        response = self.url_open(f"/dealer/loyalty/open/{row.id}/forged/blank.gif", headers=BROWSER)
        self.assertEqual((response.status_code, response.headers["Content-Type"]), (200, "image/gif"))
        self.assertFalse(row.opened_at)
        self.assertEqual(campaign.open_rate, 0.0)

        response = self.url_open(pixel, headers=BROWSER)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(row.opened_at)
        self.assertFalse(row.clicked_at)

        response = self.url_open(tracked, headers=BROWSER, allow_redirects=False)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response.headers["Location"], "https://dealer.example.com/service?plate=1")
        self.url_open(tracked, headers=BROWSER, allow_redirects=False)
        self.assertEqual((row.click_count, bool(row.clicked_at)), (2, True))
        self.assertEqual(link.count, 2, "Odoo's link tracker counts the clicks too")

        # a click without an open (images blocked) counts as an open as well
        other = rows[1]
        other_link = f"{link.short_url}/d/{other.id}/{other._tracking_token(other.id)}"
        self.url_open(other_link, headers=BROWSER, allow_redirects=False)
        self.assertTrue(other.opened_at and other.clicked_at)
        campaign.invalidate_recordset()
        self.assertEqual((campaign.opened_count, campaign.clicked_count), (2, 2))
        self.assertAlmostEqual(campaign.open_rate, 2 / len(rows) * 100)
        report = self.env["dealer.campaign.report"]._read_group(
            [("campaign_id", "=", campaign.id)], [], ["open_rate:avg", "click_rate:avg"]
        )
        self.assertAlmostEqual(report[0][0], 2 / len(rows) * 100)

    def test_a_forged_click_goes_nowhere_else(self):
        _campaign, rows = self._sent_campaign()
        row = rows[0]
        link = self.env["link.tracker"].search([("url", "=", "https://dealer.example.com/service?plate=1")])
        # a wrong token: the link still works, the row records nothing
        response = self.url_open(f"{link.short_url}/d/{row.id}/forged", headers=BROWSER, allow_redirects=False)
        self.assertEqual(response.headers["Location"], "https://dealer.example.com/service?plate=1")
        self.assertFalse(row.clicked_at or row.opened_at)
        # an unknown code is not a redirect to anywhere
        token = row._tracking_token(row.id)
        response = self.url_open(f"/r/nosuchcode/d/{row.id}/{token}", headers=BROWSER, allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(row.clicked_at)

    def test_a_message_that_fails_leaves_the_next_ones_a_working_link(self):
        """The rows of a batch share the short links they find; a batch or a row that fails takes back the short
        link its savepoint created, and the next rows do not point at it: each customer's link opens the page.
        (The batch is handed over together and refused here, so its rows go one by one, the first failing.)"""
        campaign = self._campaign("warranty", [("email", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        Dispatch, Vehicle = type(self.env["dealer.dispatch"]), type(self.env["dealer.vehicle"])
        hand_over, handed = Dispatch._hand_over_email_batch, []

        def batch_refused(model, entries):
            handed.append(hand_over(model, entries))  # its messages, e-mails and short links made, then undone
            raise RuntimeError("the outbox refused the batch")

        notify, calls = Vehicle.message_notify, []

        def first_one_fails(record, **kwargs):
            calls.append(record.id)
            if len(calls) == 1:
                raise RuntimeError("the outbox refused the first message")
            return notify(record, **kwargs)

        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(Dispatch, "_hand_over_email_batch", batch_refused),
            patch.object(Vehicle, "message_notify", first_one_fails),
            self.assertLogs("odoo.addons.dealer_loyalty.models.dealer_dispatch", level="ERROR"),
        ):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual([len(sent) for sent in handed], [len(rows)], "the batch was made whole before it failed")
        sent = rows.filtered(lambda row: row.state == "sent")
        self.assertEqual(len(sent), len(rows) - 1, "one row failed, the others went out")
        links = self.env["link.tracker"].search([("url", "=", "https://dealer.example.com/service?plate=1")])
        self.assertEqual(len(links), 1)
        for row in sent:
            codes = re.findall(r"/r/(\w+)", str(row.mail_message_id.body))
            self.assertEqual(codes, [links.code], f"{row.partner_id.name}'s e-mail links to the tracked link")
            response = self.url_open(f"/r/{codes[0]}", headers=BROWSER, allow_redirects=False)
            self.assertEqual(response.headers.get("Location"), "https://dealer.example.com/service?plate=1")
