from datetime import date

from odoo.addons.dealer_crm.tests.common import server_access_log
from odoo.addons.dealer_crm.tools.tokens import mask_signed_paths
from odoo.tests import freeze_time, tagged

from .common import DealerCampaignHttpCase


@tagged("post_install", "-at_install")
class TestConsentBlacklist(DealerCampaignHttpCase):
    """Odoo's blacklists, the unsubscribe link of campaign e-mails and the consent of call tasks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})

    def _send(self, steps, day="2026-12-01"):
        campaign = self._campaign("warranty", steps)
        with freeze_time(f"{day} 06:00:00"):
            campaign.action_start()
        with freeze_time(f"{day} 10:05:00"):
            self._run_cron()
        return self._dispatches(campaign)

    def _mails_to(self, partner):
        return self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)])

    def _sms_to(self, partner):
        return self.env["sms.sms"].search([("number", "=", partner.phone_sanitized)])

    def test_blacklisted_address_gets_nothing(self):
        emailed, texted, late = self.partners[0], self.partners[1], self.partners[2]
        self.env["mail.blacklist"]._add(emailed.email)
        self.env["phone.blacklist"]._add([texted.phone_sanitized])
        campaign = self._campaign("warranty", [("email", -30), ("sms", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        # blacklisted after planning: the last check before sending sees it
        self.env["mail.blacklist"]._add(late.email)
        self.env["phone.blacklist"]._add([late.phone_sanitized])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)

        def state(partner, channel):
            row = rows.filtered(lambda r: r.partner_id == partner and r.channel == channel)
            return row.state, row.skip_reason

        self.assertEqual(state(emailed, "email"), ("skipped", "consent"))
        self.assertEqual(state(emailed, "sms"), ("sent", False), "the phone of an e-mail-blacklisted customer is fine")
        self.assertEqual(state(texted, "sms"), ("skipped", "consent"))
        self.assertEqual(state(texted, "email"), ("sent", False))
        self.assertIn(state(late, "email"), [("skipped", "consent"), ("cancelled", "opt_out")])
        self.assertIn(state(late, "sms"), [("skipped", "consent"), ("cancelled", "opt_out")])
        self.assertFalse(self._mails_to(emailed) | self._mails_to(late), "no e-mail to a blacklisted address")
        self.assertFalse(self._sms_to(texted) | self._sms_to(late), "no SMS to a blacklisted number")
        self.assertTrue(self._mails_to(texted) and self._sms_to(emailed))

    def test_unsubscribe_link_works_end_to_end(self):
        rows = self._send([("email", -30)])
        row = rows.filtered(lambda r: r.partner_id == self.partners[0])
        mail = self.env["mail.mail"].search([("mail_message_id", "=", row.mail_message_id.id)])
        body = str(mail._prepare_outgoing_body())
        url = row._unsubscribe_url()
        self.assertIn(url, body, "the customer's copy carries the unsubscribe link")
        self.assertNotIn(url, str(row.mail_message_id.body), "the chatter copy does not")
        headers = mail._prepare_outgoing_list()[0]["headers"]
        self.assertEqual(headers["List-Unsubscribe"], f"<{url}>")
        self.assertEqual(headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")

        path = url.split("//", 1)[1].split("/", 1)[1]
        self.assertEqual(self.url_open(f"/{path[:-4]}xxxx").status_code, 404, "a forged token does nothing")
        # the server's access log keeps the page, not the link's signature (whoever reads the log would unsubscribe)
        token = path.rsplit("/", 1)[1]
        self.assertNotIn(token, server_access_log(f"/{path}"))
        self.assertIn(f"/dealer/loyalty/unsubscribe/{row.id}/***", server_access_log(f"/{path}"))
        response = self.url_open(f"/{path}")
        tracking = row._tracking_token(row.id)
        for opened in (f"/dealer/loyalty/open/{row.id}/{tracking}/blank.gif", f"/r/Ab3x/d/{row.id}/{tracking}"):
            self.assertNotIn(tracking, mask_signed_paths(f'"GET {opened} HTTP/1.1"'), "the tracking links' too")
        self.assertEqual(response.status_code, 200)
        self.assertIn("<form", response.text)
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer", "the link's token stays here")
        self.assertFalse(self.partners[0].is_blacklisted, "opening the link (a mail scanner) does not unsubscribe")
        response = self.url_open(f"/{path}", data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("dealer_unsubscribed", response.text)
        self.partners.invalidate_recordset()
        self.assertTrue(self.partners[0].is_blacklisted)
        self.assertFalse(self.partners[0].consent_email)
        self.assertEqual(self.partners[0].consent_source, "unsubscribe", "the proof names the unsubscribe link")
        self.assertFalse(self.partners[1].is_blacklisted, "only the owner of the link")

        later = self._send([("email", -29)], day="2026-12-02")
        self.assertEqual(
            later.filtered(lambda r: r.partner_id == self.partners[0]).mapped("state"),
            ["skipped"],
            "the next campaign e-mail honours the unsubscribe",
        )
        self.assertEqual(
            set((later - later.filtered(lambda r: r.partner_id == self.partners[0])).mapped("state")), {"sent"}
        )

    def test_an_old_emails_link_stops_the_address_it_went_to(self):
        """The customer gave a new address after the e-mail left: the old e-mail's link (forwarded, read by whoever
        has that mailbox now) stops the old address, not the customer's new one, whose consent stays."""
        customer = self.partners[0]
        old_address = customer.email_normalized
        row = self._send([("email", -30)]).filtered(lambda r: r.partner_id == customer)
        self.assertEqual(row.email_to, old_address, "the log says where the e-mail went")
        customer.email = "ivan.new@example.com"
        path = row._unsubscribe_url().split("//", 1)[1].split("/", 1)[1]
        self.assertIn(old_address, self.url_open(f"/{path}").text, "the page names the address of the e-mail")
        self.assertEqual(self.url_open(f"/{path}", data={"List-Unsubscribe": "One-Click"}).status_code, 200)
        customer.invalidate_recordset()
        blacklisted = self.env["mail.blacklist"].with_context(active_test=True).search([]).mapped("email")
        self.assertIn(old_address, blacklisted)
        self.assertNotIn("ivan.new@example.com", blacklisted)
        self.assertFalse(customer.is_blacklisted)
        self.assertTrue(customer.consent_email, "the customer's new address keeps its consent")

    def test_unsubscribing_a_customer_without_an_address_withdraws_the_consent(self):
        """No address is known any more (removed from the card): the click still withdraws e-mail consent, so
        an address typed in later gets no campaign e-mail until the customer agrees again."""
        customer = self.partners[0]
        row = self._send([("email", -30)]).filtered(lambda r: r.partner_id == customer)
        row.sudo().email_to = False  # a row handed over before the address was recorded
        customer.email = False
        path = row._unsubscribe_url().split("//", 1)[1].split("/", 1)[1]
        self.assertEqual(self.url_open(f"/{path}", data={"List-Unsubscribe": "One-Click"}).status_code, 200)
        customer.invalidate_recordset()
        self.assertFalse(customer.consent_email)

    def test_call_task_needs_phone_consent(self):
        no_consent, blacklisted = self.partners[0], self.partners[1]
        self._set_consent(no_consent, "sms", False)
        self.env["phone.blacklist"]._add([blacklisted.phone_sanitized])
        rows = self._send([("activity", -30)])
        by_partner = {row.partner_id: row for row in rows}
        for partner in (no_consent, blacklisted):
            self.assertEqual((by_partner[partner].state, by_partner[partner].skip_reason), ("skipped", "consent"))
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "dealer.vehicle"), ("res_id", "in", (self.vehicles[0] | self.vehicles[1]).ids)]
            ),
            "nobody is asked to call a customer who withdrew consent",
        )
        self.assertEqual(
            {row.state for partner, row in by_partner.items() if partner not in (no_consent, blacklisted)},
            {"delivered"},
        )
