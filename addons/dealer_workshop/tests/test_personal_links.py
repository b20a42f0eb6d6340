"""Personal links (booking, manage, status) reach their customer only; service messages are never capped."""

from datetime import date

from odoo import fields
from odoo.addons.dealer_crm.tests.common import user_of
from odoo.addons.dealer_loyalty.tests.common import DealerCampaignHttpCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from ..controllers.portal_booking import booking_token
from ..models.dealer_dispatch import BOOKING_LINK
from ..models.dealer_visit import STATUS_LINK

NOW = "2026-12-02 10:00:00"


@tagged("post_install", "-at_install")
class TestPersonalLinks(DealerCampaignHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer, cls.stranger = cls.partners[0], cls.partners[1]
        cls.car = cls.vehicles[0]
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Service booking",
                "type": "opportunity",
                "dealer_interest": "service",
                "partner_id": cls.customer.id,
                "vehicle_id": cls.car.id,
            }
        )
        cls.visit = cls.env["dealer.visit"].create(
            {"vehicle_id": cls.car.id, "partner_id": cls.customer.id, "date": date(2026, 12, 2), "kind": "repair"}
        )
        cls.Dispatch = cls.env["dealer.dispatch"]

    def _row(self, partner, model, res_id, body, **vals):
        return self.Dispatch.create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "channel": "sms",
                "occurrence_date": date(2026, 12, 2),
                "scheduled_at": "2026-12-02 09:00:00",
                "res_model": model,
                "res_id": res_id,
                "subject": "Your service visit",
                "body": body,
                **vals,
            }
        )

    def _send(self):
        with freeze_time(NOW):
            self._run_cron()

    # ------------------------------------------------------------
    # Links that leave only to their customer
    # ------------------------------------------------------------

    def test_booking_manage_link_only_in_the_sms_that_leaves(self):
        row = self._row(self.customer, "crm.lead", self.lead.id, f"Booked. To move or cancel it: {BOOKING_LINK}")
        self._send()
        self.assertEqual(row.state, "sent")
        token = booking_token(self.lead)
        self.assertIn(f"/service/booking/{self.lead.id}/{token}", row.sms_id.body, "the customer gets the link")
        self.assertNotIn(token, row.body, "the log keeps the mark")
        self.assertNotIn(token, row.mail_message_id.body, "the chatter copy keeps the mark")
        self.assertIn(BOOKING_LINK, row.mail_message_id.body)

    def test_no_link_to_a_record_of_another_customer(self):
        """A row whose customer is not the booking's or the visit's sends the mark, never the other's link."""
        booking = self._row(self.stranger, "crm.lead", self.lead.id, f"Manage: {BOOKING_LINK}")
        status = self._row(self.stranger, "dealer.visit", self.visit.id, f"Status: {STATUS_LINK}")
        self._send()
        self.assertEqual((booking.state, status.state), ("sent", "sent"))
        self.assertNotIn("/service/booking/", booking.sms_id.body)
        self.assertIn(BOOKING_LINK, booking.sms_id.body)
        self.assertNotIn("/service/status/", status.sms_id.body)
        # the visit's own customer does get it
        own = self._row(self.customer, "dealer.visit", self.visit.id, f"Status: {STATUS_LINK}")
        self._send()
        self.assertIn(self.visit._dealer_status_url(), own.sms_id.body)

    def test_compact_sms_link_leads_to_the_full_one(self):
        row = self._row(self.customer, "crm.lead", self.lead.id, "Reminder")
        compact = row._dealer_booking_url(compact=True)
        response = self.url_open(compact, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(row._dealer_booking_url().split("/service/", 1)[1]))
        forged = compact[:-2] + ("11" if compact.endswith("00") else "00")  # never the real signature
        self.assertEqual(self.url_open(forged, allow_redirects=False).status_code, 404)
        self.assertEqual(self.url_open(f"/service/b/{row.id}/abc", allow_redirects=False).status_code, 404)

    def test_booking_link_expires(self):
        old = self._row(self.customer, "crm.lead", self.lead.id, "Old", state="sent", sent_at="2026-08-01 10:00:00")
        recent = self._row(self.customer, "crm.lead", self.lead.id, "New", state="sent", sent_at="2026-11-20 10:00:00")
        # marked failed, never stamped as sent (an SMS may still have reached the customer): due on 1 August
        failed = self._row(
            self.customer, "crm.lead", self.lead.id, "Failed", state="failed", scheduled_at="2026-08-01 10:00:00"
        )
        with freeze_time(NOW):
            self.assertIn("This link has expired", self.url_open(failed._dealer_booking_url()).text)
            expired = self.url_open(old._dealer_booking_url())
            self.assertEqual(expired.status_code, 200)
            self.assertIn("This link has expired", expired.text)
            self.assertNotIn(self.car.plate, expired.text, "the page no longer names the customer's car")
            fresh = self.url_open(recent._dealer_booking_url())
            self.assertNotIn("This link has expired", fresh.text)
            self.assertNotIn("This link is not valid", fresh.text)

    def test_a_link_names_its_customer_until_it_expires_and_the_session_never_does(self):
        row = self._row(self.customer, "crm.lead", self.lead.id, "New", state="sent", sent_at="2026-11-20 10:00:00")
        with freeze_time("2027-02-17 10:00:00"):  # the link's last days
            self.assertIn(self.car.plate, self.url_open(row._dealer_booking_url()).text)
            page = self.url_open("/service/book")
            self.assertNotIn(self.car.plate, page.text, "the session does not keep the link")
        with freeze_time("2027-02-20 10:00:00"):  # the link has expired
            page = self.url_open(row._dealer_booking_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(self.car.plate, page.text, "the link has expired: it names nobody")

    def test_email_personal_links_are_not_shortened(self):
        html = (
            f'<p><a href="{self.lead.get_base_url()}/service/book?d=1&amp;t=x">Book</a> '
            f'<a href="{self.visit._dealer_status_url()}">Status</a> '
            '<a href="https://dealer.example.com/offer">Offer</a></p>'
        )
        MailRender = self.env["mail.render.mixin"]
        body = MailRender._shorten_links(html, {"title": "Test"}, blacklist=self.Dispatch._unshortened_links())
        self.assertIn("/service/book?d=1", body)
        self.assertIn(self.visit._dealer_status_url(), body)
        self.assertNotIn("https://dealer.example.com/offer", body, "other links are still tracked")
        self.assertFalse(self.env["link.tracker"].search([("url", "ilike", "/service/")]))

    # ------------------------------------------------------------
    # The message log is written by the sending only
    # ------------------------------------------------------------

    def test_marketer_cannot_point_a_message_elsewhere(self):
        row = self._row(self.customer, "crm.lead", self.lead.id, "Hello", state="sent")
        as_marketer = row.with_user(self.marketer)
        for vals in (
            {"res_model": "dealer.visit", "res_id": self.visit.id},
            {"partner_id": self.stranger.id},
            {"body": STATUS_LINK},
            {"state": "queued"},
        ):
            with self.assertRaises(UserError, msg=str(vals)):
                as_marketer.write(vals)
        queued = self._row(self.customer, "crm.lead", self.lead.id, "Later", scheduled_at="2026-12-09 09:00:00")
        queued.with_user(self.marketer).write({"state": "cancelled", "skip_reason": "stopped"})
        self.assertEqual(queued.state, "cancelled", "a marketer still cancels a queued message")

    def test_status_page_button_for_service_roles_only(self):
        call_centre = new_test_user(self.env, login="links_call", groups="dealer_crm.group_call_center")
        advisor = new_test_user(self.env, login="links_advisor", groups="dealer_crm.group_service_advisor")
        with self.assertRaises(AccessError):
            self.visit.with_user(call_centre).action_dealer_status_page()
        action = self.visit.with_user(advisor).action_dealer_status_page()
        self.assertEqual(action["url"], self.visit._dealer_status_url())
        # an advisor of another showroom gets no signed link to this showroom's visit (ids are sequential)
        south = self.env["res.company"].create({"name": "South showroom"})
        stranger = user_of(self.env, south, "links_south_advisor", "dealer_crm.group_service_advisor")
        with self.assertRaises(AccessError):
            self.visit.with_user(stranger).action_dealer_status_page()

    # ------------------------------------------------------------
    # Service messages and the frequency cap
    # ------------------------------------------------------------

    def test_codes_do_not_use_up_the_cap_of_service_messages(self):
        self.company.dealer_msg_cap_count = 3
        for _i in range(3):  # three booking codes asked for the customer's phone
            self._row(
                self.customer, "crm.lead", self.lead.id, f"Code {_i}", state="sent", sent_at=NOW, transactional=True
            )
        rows = self.Dispatch.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(rows._cap_usage(fields.Datetime.to_datetime(NOW)), {})
        campaign_like = self._row(self.customer, "crm.lead", self.lead.id, "News")
        self._send()
        self.assertEqual(campaign_like.state, "sent", "service messages do not count toward the cap")
        # a customer who got their cap of other messages still gets the notice that the car is ready
        for _i in range(3):
            self._row(self.customer, "dealer.visit", self.visit.id, f"Offer {_i}", state="sent", sent_at=NOW)
        ready = self._row(self.customer, "dealer.visit", self.visit.id, "Your car is ready", transactional=True)
        capped = self._row(self.customer, "dealer.visit", self.visit.id, "Another offer")
        self._send()
        self.assertEqual(ready.state, "sent")
        self.assertEqual((capped.state, capped.skip_reason), ("skipped", "cap"))
