"""What an anonymous integration request may and may not do: its key opens only the
dealer API, it never rewrites a known customer, and what it creates stays in its showroom."""

import http.client
import json
import time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from .common import DealerApiCase

LEADS = "/dealer/api/v1/leads"
BATCH = "/dealer/api/v1/leads/batch"
CALLS = "/dealer/api/v1/calls"


def lead_body(**over):
    body = {
        "external_id": "TRUST-1",
        "name": "Someone on the website",
        "phone": "+7 903 555 77 01",
        "email": "stranger@example.com",
        "interest": "new_car",
        "consent": {"email": False, "sms": True, "telegram": True},
    }
    body.update(over)
    return body


@tagged("post_install", "-at_install")
class TestIntegrationKeyScope(DealerApiCase):
    def key(self, scope):
        return self.env["res.users.apikeys"].with_user(self.api_user).sudo()._generate(scope, "scope test", None)

    def json2(self, key):
        return self.url_open(
            "/json/2/res.partner/search_count",
            data=json.dumps({"domain": []}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        ).status_code

    def test_only_an_integration_key_opens_the_api(self):
        for scope in (None, "rpc"):
            with self.subTest(scope=scope):
                self.assertApiError(self.post(LEADS, lead_body(), key=self.key(scope)), 401, "unauthorized")
        self.assertFalse(self.env["crm.lead"].search([("partner_id.email", "=", "stranger@example.com")]))
        status, body = self.post(LEADS, lead_body(), key=self.key("dealer_api"))
        self.assertEqual(status, 201, body)

    def test_an_integration_key_opens_nothing_else(self):
        key = self.key("dealer_api")
        self.assertEqual(self.json2(key), 401, "the website's key does not open /json/2")
        self.assertEqual(self.json2(self.key(None)), 200, "a personal key still does")
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "dealer_api_bot", key, {})
        self.assertFalse(uid, "nor XML-RPC")

    def test_the_key_wizard_makes_an_integration_key(self):
        wizard = (
            self.env["res.users.apikeys.description"]
            .with_user(self.api_user)
            .create({"name": "Website", "duration": "1"})
        )
        # the button checks the password first (Odoo's identity check); the key is what matters here
        action = wizard._dealer_make_api_key()
        key = action["context"]["default_key"]
        self.assertEqual(self.post(LEADS, lead_body(), key=key)[0], 201)
        self.assertEqual(self.json2(key), 401)
        with self.assertRaises(AccessError):
            self.env["res.users.apikeys.description"].with_user(self.plain_user).create(
                {"name": "x", "duration": "1"}
            )._dealer_make_api_key()


@tagged("post_install", "-at_install")
class TestApiBodyLimit(DealerApiCase):
    def test_a_huge_body_is_refused_before_it_is_read(self):
        """The server answers at once from the announced length instead of waiting for 50 MiB."""
        host, port = self.base_url().split("//")[1].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=20)
        with self.allow_requests():
            started = time.monotonic()
            connection.putrequest("POST", LEADS)
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Authorization", f"Bearer {self.api_key}")
            connection.putheader("Content-Length", str(50 * 1024 * 1024))
            connection.putheader("Cookie", f"{TEST_CURSOR_COOKIE_NAME}={self.http_request_key}")
            connection.endheaders(b"{}")
            response = connection.getresponse()
            answer = json.loads(response.read())
            connection.close()
        self.assertEqual(response.status, 400, answer)
        self.assertEqual(answer["error"]["message"], "the body is larger than 1 MiB")
        self.assertLess(time.monotonic() - started, 15)

    def test_a_chunked_body_is_held_to_the_same_limit(self):
        """Sent in chunks, with no length announced, a body is not read: the werkzeug of Odoo's packages reads a
        chunked body whole whatever the limit (this one is over 1 MiB; it was read and parsed)."""
        host, port = self.base_url().split("//")[1].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=20)
        chunk = b"a" * (64 * 1024)
        with self.allow_requests():
            connection.putrequest("POST", LEADS)
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Authorization", f"Bearer {self.api_key}")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.putheader("Cookie", f"{TEST_CURSOR_COOKIE_NAME}={self.http_request_key}")
            connection.endheaders()
            for part in [b'{"comment": "', *[chunk] * 17, b'"}']:
                connection.send(b"%x\r\n%s\r\n" % (len(part), part))
            connection.send(b"0\r\n\r\n")
            response = connection.getresponse()
            answer = json.loads(response.read())
            connection.close()
        self.assertEqual(response.status, 400, answer)
        self.assertEqual(
            answer["error"]["message"], "a Content-Length header is required (a body sent in chunks is not read)"
        )


@tagged("post_install", "-at_install")
class TestApiNeverRewritesACustomer(DealerApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Known Customer",
                "phone": "+79035557701",
                "email": False,
                "consent_email": True,
                "consent_sms": False,
                "consent_telegram": False,
            }
        )
        cls.car = cls.env["dealer.vehicle"].create(
            {"vin": "XW8ZZZ61ZHG017701", "partner_id": cls.customer.id, "state": "customer"}
        )
        cls.seller = new_test_user(cls.env, login="trust_seller", groups="dealer_crm.group_sales_manager")

    def card(self):
        self.customer.invalidate_recordset()
        return self.customer.read(["phone", "email", "consent_email", "consent_sms", "consent_telegram"])[0]

    def assertCardUntouched(self, before):
        self.assertEqual(self.card(), before, "an anonymous request changed the customer's card")

    def test_single_request_only_proposes(self):
        before = self.card()
        status, body = self.post(LEADS, lead_body())
        self.assertEqual((status, body["partner_id"]), (201, self.customer.id), body)
        self.assertCardUntouched(before)
        lead = self.env["crm.lead"].browse(body["lead_id"])
        self.assertEqual(
            lead.dealer_card_proposal,
            {"email": "stranger@example.com", "consent_email": False, "consent_sms": True, "consent_telegram": True},
        )
        self.assertIn("stranger@example.com", str(lead.description))
        # a salesperson who checked it with the customer applies it, with their own rights
        lead.user_id = self.seller
        lead.with_user(self.seller).action_dealer_apply_card_proposal()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.email, "stranger@example.com")
        self.assertEqual((self.customer.consent_email, self.customer.consent_sms), (False, True))
        self.assertFalse(lead.dealer_card_proposal)
        self.assertIn(self.seller.name, str(self.customer.message_ids[:1].body), "the card says who applied it")

    def test_matched_by_vin_another_phone_is_not_written(self):
        before = self.card()
        status, body = self.post(
            LEADS, lead_body(phone="+7 916 111 22 33", email=None, vin="XW8ZZZ61ZHG017701", consent={"sms": True})
        )
        self.assertEqual((status, body["partner_id"]), (201, self.customer.id), body)
        self.assertCardUntouched(before)
        self.assertEqual(
            self.env["crm.lead"].browse(body["lead_id"]).dealer_card_proposal,
            {"phone": "+79161112233", "consent_sms": True},
        )

    def test_batch_only_proposes(self):
        before = self.card()
        items = [
            lead_body(external_id="TRUST-B1", consent={"email": False}),
            lead_body(external_id="TRUST-B2", email=None, vin="XW8ZZZ61ZHG017701", phone="+7 916 111 22 34"),
        ]
        status, body = self.post(BATCH, {"leads": items})
        self.assertEqual(status, 201, body)
        self.assertEqual({r["partner_id"] for r in body["results"]}, {self.customer.id})
        self.assertCardUntouched(before)

    def test_a_trade_in_does_not_take_a_known_car_without_owner(self):
        ownerless = self.env["dealer.vehicle"].create({"vin": "XW8ZZZ61ZHG017702", "state": "customer"})
        status, body = self.post(LEADS, lead_body(external_id="TRUST-TI", interest="trade_in", vin="XW8ZZZ61ZHG017702"))
        self.assertEqual(status, 201, body)
        self.assertEqual(self.env["crm.lead"].browse(body["lead_id"]).trade_in_vehicle_id, ownerless)
        ownerless.invalidate_recordset()
        self.assertFalse(ownerless.partner_id, "an anonymous trade-in gave a known car an owner")

    def test_a_call_does_not_touch_the_card(self):
        before = self.card()
        status, body = self.post(CALLS, {"call_id": "TRUST-C1", "caller": "+7 903 555 77 01", "status": "missed"})
        self.assertEqual((status, body["partner_id"]), (201, self.customer.id), body)
        self.assertCardUntouched(before)

    def test_a_new_customer_gets_the_forms_consent(self):
        status, body = self.post(LEADS, lead_body(phone="+7 903 555 77 99", email="new.one@example.com"))
        self.assertEqual(status, 201, body)
        partner = self.env["res.partner"].browse(body["partner_id"])
        self.assertTrue(body["partner_created"])
        self.assertEqual((partner.consent_email, partner.consent_sms, partner.consent_telegram), (False, True, True))
        self.assertFalse(self.env["crm.lead"].browse(body["lead_id"]).dealer_card_proposal)

    def test_a_request_with_a_staff_members_or_the_showrooms_number_gets_a_card_of_its_own(self):
        """Anybody may type a salesperson's phone or e-mail (on their business card, their signature) or the
        showroom's switchboard into a web form: the lead is not put on that staff member's own card nor on the
        showroom's, which only administrators change and which no customer message is for."""
        self.seller.partner_id.write({"phone": "+7 903 555 77 50", "email": "seller@dealer.example.com"})
        self.env.company.partner_id.write({"phone": "+7 903 555 77 60", "email": "info@dealer.example.com"})
        staff_and_showroom = self.seller.partner_id | self.env.company.partner_id
        single = [
            lead_body(external_id="TRUST-S1", phone="+7 903 555 77 50", email=None),
            lead_body(external_id="TRUST-S2", phone=None, email="seller@dealer.example.com"),
            lead_body(external_id="TRUST-S3", phone="+7 903 555 77 60", email="info@dealer.example.com"),
        ]
        partners = self.env["res.partner"]
        for body in single:
            status, answer = self.post(LEADS, body)
            self.assertEqual(status, 201, answer)
            self.assertTrue(answer["partner_created"], body)
            partners |= self.env["res.partner"].browse(answer["partner_id"])
        status, answer = self.post(
            BATCH, {"leads": [dict(body, external_id=f"{body['external_id']}-B") for body in single]}
        )
        self.assertEqual(status, 201, answer)
        partners |= self.env["res.partner"].browse([r["partner_id"] for r in answer["results"]])
        status, answer = self.post(CALLS, {"call_id": "TRUST-SC", "caller": "+7 903 555 77 60", "status": "missed"})
        self.assertEqual(status, 201, answer)
        partners |= self.env["res.partner"].browse(answer["partner_id"])
        self.assertFalse(partners & staff_and_showroom, "a request was put on a staff member's or the showroom's card")
        self.assertFalse(
            self.env["crm.lead"].search([("partner_id", "in", staff_and_showroom.ids)]),
            "a lead sits on a staff member's or the showroom's card",
        )


@tagged("post_install", "-at_install")
class TestApiCustomersStayInTheirShowroom(DealerApiCase):
    def test_showroom_b_never_sees_a_customer_of_showroom_as_key(self):
        company_a = self.env.company
        company_b = self.env["res.company"].create({"name": "Showroom B (API test)"})
        self.api_user.write({"company_ids": [(6, 0, [company_a.id])], "company_id": company_a.id})
        director_b = new_test_user(
            self.env,
            login="api_director_b",
            groups="dealer_crm.group_dealer_manager",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        status, lead = self.post(LEADS, lead_body(phone="+7 903 555 77 55", email="only.a@example.com"))
        self.assertEqual(status, 201, lead)
        _s, call = self.post(CALLS, {"call_id": "TRUST-C2", "caller": "+7 903 555 77 56"})
        for partner_id in (lead["partner_id"], call["partner_id"]):
            partner = self.env["res.partner"].browse(partner_id)
            self.assertEqual(partner.company_id, company_a)
            self.assertFalse(self.env["res.partner"].with_user(director_b).search([("id", "=", partner_id)]))
        self.assertFalse(
            self.env["dealer.api.request"].with_user(director_b).search([("company_id", "=", company_a.id)]),
            "nor the integration log of showroom A",
        )
