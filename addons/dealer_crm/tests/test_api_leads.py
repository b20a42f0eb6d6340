from datetime import datetime, timedelta

from odoo.tests import new_test_user, tagged

from .common import DealerApiCase

LEADS = "/dealer/api/v1/leads"
BATCH = "/dealer/api/v1/leads/batch"
CALLS = "/dealer/api/v1/calls"
COUNTED = [
    "res.partner",
    "crm.lead",
    "mail.activity",
    "mail.message",
    "utm.source",
    "utm.campaign",
    "dealer.api.request",
    "dealer.vehicle",
]


def lead_body(**over):
    body = {
        "external_id": "WEB-1",
        "name": "Anna Smirnova",
        "phone": "8 (903) 555-12-34",
        "email": "Anna@Example.ru",
        "channel": "web",
        "interest": "new_car",
        "vehicle_model": "Kia Sportage",
        "budget": 3200000,
        "message": "Is the white one available?",
        "utm": {"source": "yandex-direct-test", "medium": "cpc", "campaign": "sportage-autumn-test"},
        "consent": {"email": True, "sms": False, "telegram": True},
    }
    body.update(over)
    return body


class RoutedApiCase(DealerApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.team"].search([]).write({"assignment_optout": True})
        cls.head = new_test_user(cls.env, login="api_team_head", groups="dealer_crm.group_sales_head")
        cls.seller = new_test_user(cls.env, login="api_seller", groups="dealer_crm.group_sales_manager")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "API test showroom",
                "dealer_is_dealership": True,
                "user_id": cls.head.id,
                "assignment_optout": False,
                "crm_team_member_ids": [(0, 0, {"user_id": cls.seller.id})],
            }
        )


@tagged("post_install", "-at_install")
class TestLeadsApi(RoutedApiCase):
    def test_lead_created_routed_with_deadline_utm_and_consent(self):
        status, body = self.post(LEADS, lead_body())
        self.assertEqual(status, 201, body)
        lead = self.env["crm.lead"].browse(body["lead_id"])
        partner = lead.partner_id
        self.assertTrue(body["partner_created"])
        self.assertEqual(partner.id, body["partner_id"])
        self.assertEqual(partner.phone, "+79035551234")
        self.assertEqual(partner.email, "anna@example.ru")
        self.assertTrue(partner.consent_email)
        self.assertFalse(partner.consent_sms)
        self.assertTrue(partner.consent_telegram)
        self.assertEqual(lead.dealer_channel, "web")
        self.assertEqual(lead.vehicle_model_text, "Kia Sportage")
        self.assertEqual(lead.source_id.name, "yandex-direct-test")
        self.assertEqual(lead.campaign_id.name, "sportage-autumn-test")
        self.assertEqual(lead.user_id, self.seller)
        self.assertEqual((body["team_id"], body["user_id"]), (self.team.id, self.seller.id))
        self.assertEqual(lead.dealer_sla_state, "running")
        self.assertEqual(lead.dealer_sla_deadline - lead.dealer_sla_start, timedelta(minutes=15))
        self.assertIsNone(body["duplicate_of"])
        # the salesperson is told as Odoo tells of an assignment: an e-mail on the lead itself
        assignment = self.env["mail.mail"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", lead.id), ("recipient_ids", "in", self.seller.partner_id.ids)]
        )
        self.assertEqual(assignment.mapped("subject"), [f"You have been assigned to {lead.display_name}"])

    def test_the_lead_is_named_in_the_showroom_language(self):
        """Whatever language the integration's HTTP client announces, the staff read their own."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        self.env.company.partner_id.lang = "ru_RU"
        status, body = self.post(LEADS, lead_body())
        self.assertEqual(status, 201, body)
        self.assertEqual(self.env["crm.lead"].browse(body["lead_id"]).name, "Anna Smirnova: Новый автомобиль")

    def test_known_contact_reused_and_open_lead_reported(self):
        _s, first = self.post(LEADS, lead_body())
        status, second = self.post(LEADS, lead_body(external_id="WEB-2", phone="+7 903 555 12 34", email=None))
        self.assertEqual(status, 201)
        self.assertFalse(second["partner_created"])
        self.assertEqual(second["partner_id"], first["partner_id"])
        self.assertEqual(second["duplicate_of"], first["lead_id"])
        _s, third = self.post(LEADS, lead_body(external_id="WEB-3", interest="service"))
        self.assertIsNone(third["duplicate_of"], "another interest is another need")

    def test_known_customer_card_is_not_rewritten(self):
        """A request with another e-mail or phone leaves the customer's card and earlier leads alone."""
        _s, first = self.post(LEADS, lead_body())
        partner = self.env["res.partner"].browse(first["partner_id"])
        first_lead = self.env["crm.lead"].browse(first["lead_id"])
        status, second = self.post(
            LEADS, lead_body(external_id="WEB-2", email="Someone.Else@example.com", interest="service")
        )
        self.assertEqual((status, second["partner_id"]), (201, partner.id), second)
        lead = self.env["crm.lead"].browse(second["lead_id"])
        self.assertEqual(partner.email, "anna@example.ru")
        self.assertEqual(lead.email_from, "anna@example.ru")
        self.assertEqual(first_lead.email_from, "anna@example.ru")
        self.assertIn("someone.else@example.com", str(lead.description))
        self.assertIn("Is the white one available?", str(lead.description), "the customer's message stays")
        # matched by e-mail, another phone
        _s, third = self.post(LEADS, lead_body(external_id="WEB-3", phone="+7 916 000 00 01", interest="finance"))
        lead = self.env["crm.lead"].browse(third["lead_id"])
        self.assertEqual(third["partner_id"], partner.id)
        self.assertEqual(partner.phone, "+79035551234")
        self.assertEqual(lead.phone, "+79035551234")
        self.assertIn("+79160000001", str(lead.description))
        self.assertEqual(first_lead.phone, "+79035551234")
        # an empty value on the card is not filled by a stranger either: it is proposed
        partner.email = False
        _s, fourth = self.post(LEADS, lead_body(external_id="WEB-4", email="anna.new@example.ru", interest="parts"))
        self.assertEqual(fourth["partner_id"], partner.id)
        self.assertFalse(partner.email)
        lead = self.env["crm.lead"].browse(fourth["lead_id"])
        self.assertEqual(lead.dealer_card_proposal, {"email": "anna.new@example.ru"})
        self.assertIn("anna.new@example.ru", str(lead.description))

    def test_replay_and_conflict(self):
        _s, first = self.post(LEADS, lead_body())
        before = self.table_counts(*COUNTED)
        status, again = self.post(LEADS, lead_body())
        self.assertEqual((status, again["lead_id"], again["replayed"]), (200, first["lead_id"], True))
        self.assertEqual(self.table_counts(*COUNTED), before)
        self.assertApiError(self.post(LEADS, lead_body(name="Somebody else")), 409, "conflict")

    def test_bad_input_writes_nothing(self):
        cases = [
            ({"name": ""}, "name"),
            ({"phone": None, "email": None}, "phone"),
            ({"phone": "12"}, "phone"),
            ({"email": "anna@"}, "email"),
            ({"channel": "pigeon"}, "channel"),
            ({"interest": "boat"}, "interest"),
            ({"budget": -1}, "budget"),
            ({"budget": "a lot"}, "budget"),
            ({"vin": "SHORTVIN"}, "vin"),
            ({"utm": "google"}, "utm"),
            ({"utm": {"source": 5}}, "utm.source"),
            ({"consent": {"sms": "yes"}}, "consent.sms"),
            ({"external_id": 42}, "external_id"),
        ]
        before = self.table_counts(*COUNTED)
        for over, field in cases:
            with self.subTest(field=field):
                self.assertApiError(self.post(LEADS, lead_body(**over)), 400, "invalid_input", field)
        self.assertEqual(self.table_counts(*COUNTED), before)

    def test_utm_names_are_names_not_patterns(self):
        """A source is credited by its name (any case): ``%`` or ``spring_sale`` is not a pattern matching other
        sources' names."""
        Source = self.env["utm.source"]
        spring = Source.create({"name": "spring-sale"})
        for index, (name, expected) in enumerate((("%", None), ("spring_sale", None), ("SPRING-SALE", spring))):
            with self.subTest(name=name):
                status, body = self.post(LEADS, lead_body(external_id=f"WEB-UTM-{index}", utm={"source": name}))
                self.assertEqual(status, 201, body)
                source = self.env["crm.lead"].browse(body["lead_id"]).source_id
                self.assertEqual(source.name, expected.name if expected else name)
                if expected:
                    self.assertEqual(source, expected)
        _s, again = self.post(LEADS, lead_body(external_id="WEB-UTM-9", utm={"source": "Spring_Sale"}))
        self.assertEqual(self.env["crm.lead"].browse(again["lead_id"]).source_id.name, "spring_sale", "found again")

    def test_trade_in_vin_registers_the_customers_car(self):
        _s, body = self.post(LEADS, lead_body(interest="trade_in", vin="XW8ZZZ61ZHG000777"))
        lead = self.env["crm.lead"].browse(body["lead_id"])
        self.assertEqual(lead.trade_in_vehicle_id.vin, "XW8ZZZ61ZHG000777")
        self.assertEqual(lead.trade_in_vehicle_id.partner_id, lead.partner_id)

    def test_member_working_for_another_company_does_not_take_the_lead(self):
        """A team shared by the group's companies: its member who works for another showroom
        only is skipped, and the request of this showroom is still taken (it was refused)."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        self.seller.write({"company_ids": [(6, 0, [other.id])], "company_id": other.id})
        status, body = self.post(LEADS, lead_body())
        self.assertEqual(status, 201, body)
        lead = self.env["crm.lead"].browse(body["lead_id"])
        self.assertNotEqual(lead.user_id, self.seller)
        self.assertEqual(lead.company_id, self.env.company)
        self.assertEqual(lead.partner_id.company_id, self.env.company)


@tagged("post_install", "-at_install")
class TestLeadsBatchApi(RoutedApiCase):
    def batch_body(self, n, **over):
        return {
            "leads": [
                lead_body(
                    external_id=f"OEM-{i}", name=f"Customer {i}", phone=f"+7 903 555 20 {i:02d}", email=None, **over
                )
                for i in range(n)
            ]
        }

    def test_batch_creates_every_lead_routed_with_clock(self):
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", queue.id)])
        status, body = self.post(BATCH, self.batch_body(3, channel="oem"))
        self.assertEqual(status, 201, body)
        self.assertEqual((body["created"], body["replayed"]), (3, False))
        leads = self.env["crm.lead"].browse([r["lead_id"] for r in body["results"]])
        self.assertEqual(leads.mapped("contact_name"), ["Customer 0", "Customer 1", "Customer 2"])
        self.assertEqual(set(leads.mapped("user_id")), {self.seller})
        self.assertEqual(set(leads.mapped("dealer_sla_state")), {"running"})
        self.assertEqual(set(leads.mapped("dealer_channel")), {"oem"})
        self.assertTrue(all(r["partner_created"] and not r["replayed"] for r in body["results"]))
        api_partner = self.api_user.partner_id
        self.assertNotIn(api_partner, leads.message_partner_ids, "the API user must not follow the leads it creates")
        self.assertNotIn(api_partner, leads.partner_id.message_partner_ids)
        self.assertIn(self.seller.partner_id, leads[0].message_partner_ids, "the salesperson follows the lead")
        seller = self.seller.partner_id
        told = self.env["mail.mail"].search([("recipient_ids", "in", seller.ids), ("subject", "ilike", "assigned")])
        self.assertEqual(told.mapped("subject"), ["You have been assigned 3 leads"], "one e-mail for the batch")
        for lead in leads:
            self.assertIn(lead.display_name, told.body_html)
            self.assertIn(f"res_id={lead.id}", told.body_html, "each lead is linked")
        inbox = self.env["mail.notification"].search([("mail_mail_id", "=", told.id)])
        self.assertEqual(inbox.res_partner_id, seller)
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", queue.id)])
        self.assertGreater(triggers, triggers_before, "the mail queue that sends it starts at once")

    def test_the_batch_notice_is_in_the_salespersons_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        self.seller.lang = "ru_RU"
        status, body = self.post(BATCH, self.batch_body(2))
        self.assertEqual(status, 201, body)
        told = self.env["mail.mail"].search([("recipient_ids", "in", self.seller.partner_id.ids)])
        self.assertEqual(told.mapped("subject"), ["Вам назначено лидов: 2"])
        self.assertIn("Вам назначены лиды:", told.body_html)

    def test_same_key_as_single_request_and_partial_replay(self):
        _s, single = self.post(LEADS, self.batch_body(1)["leads"][0])
        status, body = self.post(BATCH, self.batch_body(2))
        self.assertEqual(status, 201, body)
        self.assertEqual(body["results"][0], {**single, "replayed": True}, "sent alone before: the same lead")
        self.assertFalse(body["results"][1]["replayed"])
        before = self.table_counts(*COUNTED)
        status, again = self.post(BATCH, self.batch_body(2))
        self.assertEqual((status, again["created"], again["replayed"]), (200, 0, True))
        self.assertEqual([r["lead_id"] for r in again["results"]], [r["lead_id"] for r in body["results"]])
        self.assertEqual(self.table_counts(*COUNTED), before)

    def test_two_requests_of_one_contact_in_a_batch(self):
        body = self.batch_body(2)
        body["leads"][1]["phone"] = body["leads"][0]["phone"]
        _s, answer = self.post(BATCH, body)
        first, second = answer["results"]
        self.assertEqual(second["partner_id"], first["partner_id"])
        self.assertFalse(second["partner_created"])
        self.assertEqual(second["duplicate_of"], first["lead_id"])

    def test_known_contact_twice_in_a_batch_keeps_its_card(self):
        """A card without e-mail keeps none: each request's e-mail is proposed on its own lead."""
        _s, known = self.post(LEADS, lead_body(email=None))
        partner = self.env["res.partner"].browse(known["partner_id"])
        body = self.batch_body(2)
        for item, email in zip(body["leads"], ("first@example.com", "second@example.com"), strict=True):
            item.update(phone="+7 903 555 12 34", email=email)
        _s, answer = self.post(BATCH, body)
        leads = self.env["crm.lead"].browse([result["lead_id"] for result in answer["results"]])
        self.assertFalse(partner.email)
        self.assertEqual(leads.mapped("email_from"), [False, False])
        self.assertEqual(
            [lead.dealer_card_proposal.get("email") for lead in leads], ["first@example.com", "second@example.com"]
        )
        self.assertIn("second@example.com", str(leads[1].description))

    def test_new_contact_gathers_the_batchs_requests(self):
        """Requests of one new customer in a batch make one card: by phone, then by the e-mail the
        card got from a later request, then by the VIN of a trade-in. The card's consent is the first
        request's: a later one's is proposed, as it would be in a request of its own."""
        body = self.batch_body(5)
        items = body["leads"]
        items[0].update(phone="+7 903 555 30 01", email=None, consent={"sms": True})
        items[1].update(phone="+7 903 555 30 01", email="Boris@Example.ru", interest="finance", consent={"sms": False})
        items[2].update(phone="+7 903 555 30 02", email="boris@example.ru", interest="service")
        items[3].update(phone="+7 903 555 30 03", interest="trade_in", vin="XW8ZZZ61ZHG000888")
        items[4].update(phone="+7 903 555 30 04", interest="trade_in", vin="XW8ZZZ61ZHG000888")
        before = self.env["res.partner"].search_count([])
        status, answer = self.post(BATCH, body)
        self.assertEqual(status, 201, answer)
        results = answer["results"]
        self.assertEqual(self.env["res.partner"].search_count([]), before + 2)
        self.assertEqual([r["partner_created"] for r in results], [True, False, False, True, False])
        self.assertEqual(len({r["partner_id"] for r in results[:3]}), 1)
        self.assertEqual(results[4]["partner_id"], results[3]["partner_id"], "the trade-in car names its owner")
        boris = self.env["res.partner"].browse(results[0]["partner_id"])
        self.assertEqual((boris.phone, boris.email), ("+79035553001", "boris@example.ru"))
        self.assertTrue(boris.consent_sms, "the request that made the card")
        leads = self.env["crm.lead"].browse([r["lead_id"] for r in results])
        self.assertIs(leads[1].dealer_card_proposal.get("consent_sms"), False, "a later request's: proposed")
        self.assertEqual(leads[:3].mapped("email_from"), ["boris@example.ru"] * 3)
        self.assertEqual(leads[2].phone, "+79035553001", "the lead shows the card's phone")
        self.assertIn("+79035553002", str(leads[2].description), "the other phone is noted for the salesperson")
        note = str(leads[1].description)
        self.assertIn("SMS consent: no", note, "the later request's consent, for a salesperson to check")
        self.assertNotIn("boris@example.ru", note.lower(), "filling an empty e-mail needs no note")
        self.assertEqual(leads[3].trade_in_vehicle_id.partner_id, leads[3].partner_id)
        self.assertEqual(leads[4].trade_in_vehicle_id, leads[3].trade_in_vehicle_id)

    def test_known_contact_consent_in_a_batch_is_only_proposed(self):
        _s, known = self.post(LEADS, lead_body())
        partner = self.env["res.partner"].browse(known["partner_id"])
        body = self.batch_body(2)
        for item, consent in zip(body["leads"], ({"email": False}, {"sms": True}), strict=True):
            item.update(phone="+7 903 555 12 34", consent=consent)
        _s, answer = self.post(BATCH, body)
        self.assertEqual({r["partner_id"] for r in answer["results"]}, {partner.id})
        self.assertEqual((partner.consent_email, partner.consent_sms, partner.consent_telegram), (True, False, True))
        leads = self.env["crm.lead"].browse([r["lead_id"] for r in answer["results"]])
        self.assertEqual(leads[0].dealer_card_proposal.get("consent_email"), False)
        self.assertEqual(leads[1].dealer_card_proposal.get("consent_sms"), True)

    def test_one_bad_item_rejects_the_batch_and_writes_nothing(self):
        before = self.table_counts(*COUNTED)
        body = self.batch_body(3)
        body["leads"][2]["phone"] = "12"
        self.assertApiError(self.post(BATCH, body), 400, "invalid_input", "leads[2].phone")
        body = self.batch_body(2)
        body["leads"][1]["external_id"] = "OEM-0"
        self.assertApiError(self.post(BATCH, body), 400, "invalid_input", "leads[1].external_id")
        self.assertApiError(self.post(BATCH, {"leads": []}), 400, "invalid_input", "leads")
        self.assertApiError(self.post(BATCH, {"leads": ["x"]}), 400, "invalid_input", "leads[0]")
        self.assertApiError(self.post(BATCH, self.batch_body(101)), 400, "invalid_input", "leads")
        self.assertEqual(self.table_counts(*COUNTED), before)
        self.post(BATCH, self.batch_body(1))
        before = self.table_counts(*COUNTED)
        body = self.batch_body(2)
        body["leads"][0]["name"] = "Somebody else"
        self.assertApiError(self.post(BATCH, body), 409, "conflict", "leads[0].external_id")
        self.assertEqual(self.table_counts(*COUNTED), before)


@tagged("post_install", "-at_install")
class TestCallsApi(RoutedApiCase):
    def call(self, **over):
        body = {
            "call_id": "PBX-1",
            "caller": "+7 916 000-11-22",
            "status": "missed",
            "started_at": "2026-11-20T10:00:00+03:00",
        }
        body.update(over)
        return self.post(CALLS, body)

    def test_missed_call_from_unknown_number(self):
        status, body = self.call()
        self.assertEqual(status, 201, body)
        self.assertTrue(body["partner_created"])
        partner = self.env["res.partner"].browse(body["partner_id"])
        self.assertEqual(partner.phone, "+79160001122")
        lead = self.env["crm.lead"].browse(body["lead_id"])
        self.assertEqual(lead.dealer_channel, "phone")
        activity = self.env["mail.activity"].browse(body["activity_id"])
        self.assertEqual(activity.user_id, self.seller, "the call-back goes to the responsible person")
        self.assertEqual(activity.res_id, lead.id)
        self.assertEqual(lead.dealer_sla_start, datetime(2026, 11, 20, 7, 0))
        self.assertEqual(lead.dealer_sla_deadline, datetime(2026, 11, 20, 7, 10), "missed call: 10 minutes")
        self.assertIn("missed", lead.message_ids[:1].body)

    def test_a_call_is_noted_on_a_card_other_showrooms_read_only_when_it_is_theirs_too(self):
        """The chatter of a customer of every showroom is read by every showroom: one showroom's calls
        (who answered, how long, the recording) are noted on its deal and in its call journal, and on the
        card once the card is the showroom's own."""
        self.env["res.company"].create({"name": "Another showroom"})
        shared = self.env["res.partner"].create({"name": "Shared caller", "phone": "+7 916 000-11-22"})
        self.assertFalse(shared.company_id)
        status, body = self.call(status="answered", duration_s=95)
        self.assertEqual(status, 201, body)
        self.assertEqual(body["partner_id"], shared.id)
        lead = self.env["crm.lead"].browse(body["lead_id"])
        self.assertIn("Inbound call, answered", str(lead.message_ids[:1].body))
        self.assertFalse(shared.message_ids.filtered(lambda m: "Inbound call" in str(m.body)))

        shared.company_id = lead.company_id
        status, body = self.call(call_id="PBX-2", status="answered", duration_s=60)
        self.assertEqual(status, 201, body)
        self.assertTrue(shared.message_ids.filtered(lambda m: "Inbound call" in str(m.body)), "the showroom's own card")

    def test_answered_call_stops_the_clock_of_the_open_lead(self):
        _s, lead_answer = self.post(LEADS, lead_body(phone="+79160001122"))
        lead = self.env["crm.lead"].browse(lead_answer["lead_id"])
        self.assertEqual(lead.dealer_sla_state, "running")
        status, body = self.call(
            status="answered",
            call_id="PBX-2",
            duration_s=125,
            started_at=(lead.dealer_sla_start + timedelta(minutes=4)).isoformat() + "+00:00",
        )
        self.assertEqual(status, 201, body)
        self.assertEqual(body["lead_id"], lead.id)
        self.assertFalse(body["partner_created"])
        self.assertIsNone(body["activity_id"])
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertAlmostEqual(lead.dealer_response_minutes, 4.0, places=1)

    def test_answered_call_without_lead_creates_one(self):
        _s, body = self.call(status="answered", line="service", call_id="PBX-3", duration_s=60)
        lead = self.env["crm.lead"].browse(body["lead_id"])
        self.assertEqual(lead.dealer_interest, "service")
        self.assertIn(lead.dealer_sla_state, ("met", "late"))

    def test_call_errors(self):
        before = self.table_counts(*COUNTED)
        self.assertApiError(self.call(caller=None), 400, "invalid_input", "caller")
        self.assertApiError(self.call(call_id=None), 400, "invalid_input", "call_id")
        self.assertApiError(self.call(status="busy"), 400, "invalid_input", "status")
        self.assertApiError(self.call(started_at="yesterday"), 400, "invalid_input", "started_at")
        # a call dated ahead would set its lead's response deadline there: a missed call never escalated
        self.assertApiError(self.call(started_at="2090-01-01T10:00:00+03:00"), 400, "invalid_input", "started_at")
        self.assertApiError(self.call(duration_s=-3), 400, "invalid_input", "duration_s")
        # more seconds than the database's whole numbers hold: the field named, not an internal error
        self.assertApiError(self.call(duration_s=3_000_000_000), 400, "invalid_input", "duration_s")
        self.assertApiError(self.call(agent_login="nobody-here"), 400, "invalid_input", "agent_login")
        self.assertApiError(self.call(recording_url="ftp://x"), 400, "invalid_input", "recording_url")
        self.assertEqual(self.table_counts(*COUNTED), before)
        self.assertApiError(self.post(CALLS, {"call_id": "x"}, key=False), 401, "unauthorized")

    def test_call_agent_is_an_employee_of_the_showroom(self):
        """The agent of a call is an employee of the key's showroom: the API answers for the login of
        another showroom's employee or of a portal user as for a login nobody has."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        elsewhere = self.env["res.users"].create(
            {
                "name": "Elsewhere",
                "login": "agent-elsewhere",
                "company_id": other.id,
                "company_ids": [(6, 0, other.ids)],
            }
        )
        portal = self.env["res.users"].create(
            {"name": "Portal", "login": "agent-portal", "group_ids": [(6, 0, self.env.ref("base.group_portal").ids)]}
        )
        for login in (elsewhere.login, portal.login):
            self.assertApiError(self.call(agent_login=login), 400, "invalid_input", "agent_login")

    def test_call_replay(self):
        _s, first = self.call()
        before = self.table_counts(*COUNTED)
        status, again = self.call()
        self.assertEqual((status, again["replayed"], again["activity_id"]), (200, True, first["activity_id"]))
        self.assertEqual(self.table_counts(*COUNTED), before)
