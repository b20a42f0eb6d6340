from datetime import date
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from odoo import Command
from odoo.addons.dealer_loyalty.models.res_partner import TELEGRAM_TEXT_LIMIT
from odoo.addons.dealer_loyalty.tests.common import DealerCampaignCase, FakeResponse
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestReminderLinks(DealerCampaignCase):
    """Every reminder about a car carries the customer's personal booking link; its bookings are the message's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.Dispatch = cls.env["dealer.dispatch"]
        cls.Report = cls.env["dealer.campaign.report"]
        cls.operator = new_test_user(cls.env, login="rem_link_operator", groups="dealer_crm.group_call_center")

    def _started(self, steps, day="2026-12-01", **vals):
        campaign = self._campaign("warranty", steps, **vals)
        with freeze_time(f"{day} 06:00:00"):
            campaign.action_start()
        return campaign

    def _send(self, when="2026-12-01 10:05:00"):
        """Run the send cron; Telegram answers at its HTTP boundary. Returns the texts Telegram got."""
        sent = []

        def post(token, method, payload):
            sent.append(payload["text"])
            return FakeResponse(200, {"ok": True, "result": {"message_id": len(sent)}})

        with freeze_time(when), patch.object(type(self.env["dealer.telegram"]), "_telegram_post", side_effect=post):
            self._run_cron()
        return sent

    def _row_of(self, link):
        """The message a booking link names (as the booking page decodes it)."""
        parts = urlsplit(link)
        self.assertEqual(parts.path, "/service/book")
        query = parse_qs(parts.query)
        return self.Dispatch._dealer_from_booking_link(query["d"][0], query["t"][0])

    def _links_in(self, text):
        return [word for word in text.split() if "/service/book?" in word]

    def _visit_for(self, lead, day, amount):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": lead.vehicle_id.id,
                "partner_id": lead.partner_id.id,
                "date": day,
                "kind": "maintenance",
                "state": "done",
                "service_lead_id": lead.id,
                "line_ids": [Command.create({"name": "Work", "amount": amount, "status": "done"})],
            }
        )

    def _booking(self, row, **vals):
        return self.env["crm.lead"].create(
            {
                "name": "Booked from the link",
                "type": "opportunity",
                "dealer_interest": "service",
                "partner_id": row.partner_id.id,
                "vehicle_id": row.vehicle_id.id,
                "dealer_dispatch_id": row.id,
                **vals,
            }
        )

    def _result(self, row):
        self.env.flush_all()
        (result,) = self.Report.search_read([("id", "=", row.id)], ["booking_count", "revenue"])
        return result["booking_count"], result["revenue"]

    # ------------------------------------------------------------
    # The link in every channel
    # ------------------------------------------------------------

    def test_email_sms_and_telegram_carry_the_personal_link(self):
        campaign = self._started([("email", -30), ("sms", -30), ("telegram", -30)])
        texts = self._send()
        rows = self._dispatches(campaign)
        self.assertEqual(set(rows.mapped("state")), {"sent", "delivered"})

        car = self.vehicles[0]
        email_row, sms_row, telegram_row = (
            rows.filtered(lambda row, channel=channel: row.channel == channel and row.vehicle_id == car)
            for channel in ("email", "sms", "telegram")
        )
        # e-mail: a "Book a visit" button on the row's own booking link, never a guessable public short link
        mail = self.env["mail.mail"].search([("mail_message_id", "=", email_row.mail_message_id.id)])
        self.assertIn("Book a visit", mail.body_html)
        link = email_row._dealer_booking_url()
        self.assertIn(f'href="{link.replace("&", "&amp;")}"', mail.body_html, "a real link, not escaped text")
        self.assertFalse(self.env["link.tracker"].search([("url", "ilike", "/service/book")]))
        self.assertEqual(self._row_of(link), email_row)
        # SMS: a line with the link's compact form (the full link would take two Cyrillic SMS parts)
        compact = sms_row._dealer_booking_url(compact=True)
        self.assertIn(f"Book a visit: {compact}", sms_row.sms_id.body)
        # its copy in the car's chatter, which every dealership user reads, shows a mark
        copy = str(sms_row.sms_id.mail_message_id.body)
        self.assertIn("Book a visit: [booking link]", copy)
        self.assertNotIn("/service/b", copy)
        self.assertNotIn("/r/", sms_row.sms_id.body)
        self.assertLess(len(compact), 70)
        sms_link = sms_row._dealer_booking_url()
        self.assertEqual(self._row_of(sms_link), sms_row)
        self.assertEqual(self.Dispatch._dealer_from_compact_booking_link(sms_row.id, compact[-16:]), sms_row)
        self.assertFalse(self.Dispatch._dealer_from_compact_booking_link(sms_row.id, "0" * 16), "forged: nothing")
        # Telegram: the same line, each customer their own link
        self.assertEqual(len(texts), 5)
        telegram_links = [self._links_in(text)[0] for text in texts]
        self.assertEqual(
            {self._row_of(link) for link in telegram_links}, set(rows.filtered(lambda r: r.channel == "telegram"))
        )
        self.assertIn(telegram_row, [self._row_of(link) for link in telegram_links])

        forged = sms_link.replace("&t=", "&t=0")
        self.assertFalse(self._row_of(forged), "a forged link names no message")

    def test_placeholder_places_the_link_once(self):
        self.mail_template.body_html = (
            "<p>Your car <t t-out='object.plate'/>: <a t-att-href='object.dealer_booking_url'>choose a time</a></p>"
        )
        self.sms_template.body = "Car {{ object.plate }}: {{ object.dealer_booking_url }}"
        campaign = self._started([("email", -30), ("telegram", -30), ("sms", -30)])
        campaign.step_ids.filtered(
            lambda step: step.channel == "telegram"
        ).telegram_text = "Hello {{ object.plate }}, book here: {{ object.dealer_booking_url }}"
        texts = self._send()
        email_row = self._dispatches(campaign).filtered(lambda row: row.channel == "email")[0]
        mail = self.env["mail.mail"].search([("mail_message_id", "=", email_row.mail_message_id.id)])
        self.assertNotIn("Book a visit", mail.body_html, "the template placed the link: no button added")
        self.assertIn("choose a time", mail.body_html)
        self.assertIn(email_row._dealer_booking_url().replace("&", "&amp;"), mail.body_html)
        self.assertFalse(self.env["link.tracker"].search([("url", "ilike", "/service/book")]), "never a short link")
        sms_row = self._dispatches(campaign).filtered(lambda row: row.channel == "sms")[0]
        compact = sms_row._dealer_booking_url(compact=True)
        self.assertEqual(sms_row.sms_id.body, f"Car {sms_row.vehicle_id.plate}: {compact}")
        self.assertIn(f"Car {sms_row.vehicle_id.plate}: [booking link]", str(sms_row.sms_id.mail_message_id.body))
        for text in texts:
            self.assertEqual(len(self._links_in(text)), 1, text)
            self.assertNotIn("Book a visit", text)
            self.assertTrue(self._row_of(self._links_in(text)[0]))

    def test_long_telegram_text_stays_within_the_limit(self):
        campaign = self._started([("telegram", -30)])
        campaign.step_ids.telegram_text = "x" * (TELEGRAM_TEXT_LIMIT - 10)
        texts = self._send()
        self.assertEqual(len(texts), 5)
        for text in texts:
            self.assertLessEqual(len(text), TELEGRAM_TEXT_LIMIT)
            self.assertTrue(self._row_of(text.rsplit(" ", 1)[1]), "the link survives whole at the end")

    def test_customer_messages_get_the_link_only_where_the_template_places_it(self):
        """A customer campaign is not about a car: nothing is appended, the placeholder still works."""
        sms_template = self.env["sms.template"].create(
            {
                "name": "Anniversary SMS",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Thank you for a year with us, {{ object.name }}",
            }
        )
        campaign = self.env["dealer.campaign"].create(
            {
                "name": "Customer anniversary",
                "trigger": "custom",
                "date_field_id": self.env["ir.model.fields"]._get("res.partner", "create_date").id,
                "audience_domain": f"[('id', 'in', {self.partners[:2].ids})]",
                "step_ids": [
                    Command.create({"name": "SMS", "channel": "sms", "sms_template_id": sms_template.id}),
                    Command.create(
                        {
                            "name": "Telegram",
                            "channel": "telegram",
                            "telegram_text": "{{ object.name }}, come and see us: {{ object.dealer_booking_url }}",
                        }
                    ),
                ],
            }
        )
        campaign.action_start()
        rows = self._dispatches(campaign)
        self.assertFalse(rows.vehicle_id)
        texts = self._send(rows[0].scheduled_at)
        self.assertEqual(set(rows.mapped("state")), {"sent", "delivered"})
        for row in rows.filtered(lambda r: r.channel == "sms"):
            self.assertNotIn("/service/b", row.sms_id.body, "no link added to a message about no car")
            self.assertNotIn("Book a visit", row.sms_id.body)
        self.assertEqual(len(texts), 2)
        telegram_rows = rows.filtered(lambda r: r.channel == "telegram")
        self.assertEqual({self._row_of(self._links_in(text)[0]) for text in texts}, set(telegram_rows))

    # ------------------------------------------------------------
    # Exact attribution
    # ------------------------------------------------------------

    def test_a_booking_from_the_link_is_that_message_s_not_the_later_one_s(self):
        first = self._started([("email", -30)])
        self._send()
        # another campaign writes to the same car two days later
        second = self._campaign("warranty", [("email", -28)])
        second.name = "Second warranty reminder"
        with freeze_time("2026-12-03 06:00:00"):
            second.action_start()
        self._send("2026-12-03 10:05:00")
        car = self.vehicles[0]
        link_row = self._dispatches(first).filtered(lambda row: row.vehicle_id == car)
        later_row = self._dispatches(second).filtered(lambda row: row.vehicle_id == car)
        self.assertEqual((link_row.state, later_row.state), ("sent", "sent"))

        with freeze_time("2026-12-04 09:00:00"):
            lead = self._booking(link_row)
        self.assertEqual(lead.campaign_id, first._dealer_utm_campaign(), "the link's campaign, not the later one")
        self.assertEqual(lead.dealer_enrolment_id, link_row.enrolment_id)
        self._visit_for(lead, date(2026, 12, 6), 5000)

        self.assertEqual(self._result(link_row), (1, 5000))
        self.assertEqual(self._result(later_row), (0, 0), "the visit is not the later message's by the time window")
        (first | second).invalidate_recordset()
        self.assertEqual((first.booking_count, first.revenue, first.dealer_link_booking_count), (1, 5000, 1))
        self.assertEqual((second.booking_count, second.revenue, second.dealer_link_booking_count), (0, 0, 0))
        self.assertEqual(link_row.dealer_booking_count, 1)
        action = link_row.action_view_dealer_bookings()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), lead)

    def test_another_showrooms_message_is_not_credited_with_a_booking(self):
        """A booking names the message that brought it: a message of another showroom cannot be named."""
        campaign = self._started([("email", -30)])
        self._send()
        row = self._dispatches(campaign).filtered(lambda row: row.vehicle_id == self.vehicles[0])
        south = self.env["res.company"].create({"name": "South showroom"})
        with freeze_time("2026-12-04 09:00:00"):
            lead = self.env["crm.lead"].create(
                {
                    "name": "South booking",
                    "type": "opportunity",
                    "dealer_interest": "service",
                    "company_id": south.id,
                    "dealer_dispatch_id": row.id,
                }
            )
        self.assertFalse(lead.dealer_dispatch_id)
        self.assertNotEqual(lead.campaign_id, campaign._dealer_utm_campaign())
        self.assertFalse(lead.dealer_enrolment_id)

    def test_only_the_booking_page_names_the_message_a_booking_came_from(self):
        """Staff naming a message on a booking over RPC would credit its campaign with a visit it did not bring."""
        campaign = self._started([("email", -30)])
        self._send()
        row = self._dispatches(campaign).filtered(lambda row: row.vehicle_id == self.vehicles[0])
        advisor = new_test_user(self.env, login="links_advisor", groups="dealer_crm.group_service_advisor")
        vals = {"name": "Walk-in", "type": "opportunity", "dealer_interest": "service"}
        with self.assertRaisesRegex(AccessError, "Booked from message"):
            self.env["crm.lead"].with_user(advisor).create({**vals, "dealer_dispatch_id": row.id})
        lead = self.env["crm.lead"].with_user(advisor).create(vals)
        with self.assertRaises(AccessError):
            lead.with_user(advisor).write({"dealer_dispatch_id": row.id})
        self.assertFalse(lead.dealer_dispatch_id)

    def test_a_booking_without_a_link_is_still_credited_by_the_time_window(self):
        campaign = self._started([("email", -30)])
        self._send()
        car = self.vehicles[1]
        with freeze_time("2026-12-04 09:00:00"):
            lead = self.env["crm.lead"].create(
                {
                    "name": "Phoned in",
                    "type": "opportunity",
                    "dealer_interest": "service",
                    "partner_id": car.partner_id.id,
                    "vehicle_id": car.id,
                }
            )
        self.assertEqual(lead.campaign_id, campaign._dealer_utm_campaign())
        self.assertFalse(lead.dealer_dispatch_id)

    def test_a_booking_two_rows_claim_counts_once(self):
        """The link and a booked call name the same booking: one booking, its visit's revenue once."""
        campaign = self._started([("email", -30), ("activity", -30)])
        campaign.step_ids.filtered(lambda step: step.channel == "activity").write(
            {"activity_role": "call_center", "activity_user_id": self.operator.id}
        )
        self._send()
        car = self.vehicles[2]
        rows = self._dispatches(campaign).filtered(lambda row: row.vehicle_id == car)
        email_row, call_row = (
            rows.filtered(lambda r: r.channel == "email"),
            rows.filtered(lambda r: r.channel == "activity"),
        )
        with freeze_time("2026-12-02 09:00:00"):
            lead = self._booking(email_row)
        with freeze_time("2026-12-02 11:00:00"):
            self.env["dealer.call.outcome.wizard"].with_user(self.operator).create(
                {"activity_id": call_row.activity_id.id, "outcome": "booked", "booking_id": lead.id}
            ).action_confirm()
        self.assertEqual(call_row.call_id.booking_id, lead)
        self._visit_for(lead, date(2026, 12, 5), 7000)
        self.assertEqual(self._result(email_row), (1, 7000), "the link wins")
        self.assertEqual(self._result(call_row), (0, 0))
        campaign.invalidate_recordset()
        self.assertEqual((campaign.booking_count, campaign.revenue), (1, 7000))

    def test_two_booked_calls_with_one_booking_earn_its_revenue_once(self):
        campaign = self._started([("activity", -30), ("activity", -29)])
        campaign.step_ids.write({"activity_role": "call_center", "activity_user_id": self.operator.id})
        self._send("2026-12-02 10:05:00")
        car = self.vehicles[3]
        first_call, second_call = self._dispatches(campaign).filtered(lambda row: row.vehicle_id == car).sorted("id")
        self.assertNotEqual(first_call.activity_id, second_call.activity_id)
        lead = self.env["crm.lead"].create(
            {
                "name": "Booked on the phone",
                "type": "opportunity",
                "dealer_interest": "service",
                "partner_id": car.partner_id.id,
                "vehicle_id": car.id,
            }
        )
        for row, when in ((first_call, "2026-12-02 11:00:00"), (second_call, "2026-12-02 12:00:00")):
            with freeze_time(when):
                self.env["dealer.call.outcome.wizard"].with_user(self.operator).create(
                    {"activity_id": row.activity_id.id, "outcome": "booked", "booking_id": lead.id}
                ).action_confirm()
        self.assertEqual((first_call.call_id.booking_id, second_call.call_id.booking_id), (lead, lead))
        self._visit_for(lead, date(2026, 12, 5), 12000)
        self.assertEqual(self._result(second_call), (1, 12000), "the latest call is credited")
        self.assertEqual(self._result(first_call), (0, 0))
        campaign.invalidate_recordset()
        self.assertEqual((campaign.booking_count, campaign.revenue), (1, 12000), "not 24000")
