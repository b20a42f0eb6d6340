"""Two-way Telegram: the customer's messages reach the chatter, the staff's replies reach the customer's Telegram.

Through the real webhook route (Telegram's secret header) and the real chatter route; Telegram
itself is faked at its HTTP boundary (``dealer.telegram._telegram_post``).
"""

import json
from datetime import datetime
from itertools import count
from unittest.mock import patch

from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCampaignHttpCase, FakeResponse

SECRET = "conversation-s3cret_7"
UPDATE_IDS = count(700001)


@tagged("post_install", "-at_install")
class TestTelegramConversation(DealerCampaignHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.dealer_telegram_webhook_secret = SECRET
        cls.customer = cls.partners[0]
        cls.customer.write({"telegram_chat_id": "777001", "consent_telegram": True})
        cls.salesperson = new_test_user(
            cls.env, login="tg_salesperson", groups="dealer_crm.group_sales_manager", tz="UTC"
        )
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Sedan for Customer 0",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.salesperson.id,
                "company_id": cls.company.id,
            }
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _update(self, text, chat_id=777001, secret=SECRET, update_id=None):
        update = {
            "update_id": update_id or next(UPDATE_IDS),
            "message": {
                "message_id": 11,
                "from": {"id": chat_id, "language_code": "en"},
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            },
        }
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
        return self.url_open(f"/dealer/telegram/webhook/{self.company.id}", data=json.dumps(update), headers=headers)

    def _customer_messages(self, record):
        record.invalidate_recordset()
        return record.message_ids.filtered(lambda m: m.author_id == self.customer and m.message_type == "comment")

    def _send_from_chatter(self, record, body, subtype="mail.mt_comment", to=None):
        """What the chatter's Send message (or Log note) does in the browser, as the salesperson;
        addressed to ``to`` (by default the customer: the composer's recipients)."""
        self.authenticate("tg_salesperson", "tg_salesperson")
        recipients = self.customer if to is None else to
        post_data = {"body": body, "message_type": "comment", "subtype_xmlid": subtype, "partner_ids": recipients.ids}
        return self.make_jsonrpc_request(
            "/mail/message/post", {"thread_model": record._name, "thread_id": record.id, "post_data": post_data}
        )

    def _reply_rows(self):
        return self.env["dealer.dispatch"].search(
            [("partner_id", "=", self.customer.id), ("conversation", "=", True)], order="id"
        )

    def _run_cron_at(self, when):
        ok = FakeResponse(200, {"ok": True, "result": {"message_id": 31}})
        with (
            freeze_time(when),
            patch.object(type(self.env["dealer.telegram"]), "_telegram_post", return_value=ok) as post,
        ):
            self._run_cron()
        return post

    # ------------------------------------------------------------
    # Customer → dealership
    # ------------------------------------------------------------

    def test_reply_lands_in_the_chatters_and_notifies_the_salesperson(self):
        response = self._update("When is my car ready? <b>bold</b> <script>alert(1)</script>")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("method", response.json(), "no automatic answer to a customer's message")
        on_card = self._customer_messages(self.customer)
        on_deal = self._customer_messages(self.deal)
        self.assertEqual((len(on_card), len(on_deal)), (1, 1))
        for message in on_card + on_deal:
            self.assertIn("When is my car ready?", message.body)
            self.assertIn("Received in Telegram", message.body)
            self.assertIn("&lt;b&gt;bold&lt;/b&gt;", message.body, "the customer's text is plain text")
            self.assertNotIn("<script", message.body)
            self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(
            self.salesperson.partner_id, on_deal.notification_ids.res_partner_id, "the deal's salesperson is notified"
        )
        self.customer.invalidate_recordset()
        self.assertTrue(self.customer.telegram_last_message_date)

    def test_without_an_open_deal_the_customers_sales_manager_is_notified(self):
        customer = self.partners[1]
        customer.write({"telegram_chat_id": "777002", "dealer_sales_user_id": self.salesperson.id})
        self._update("Can I book a test drive?", chat_id=777002)
        customer.invalidate_recordset()
        (message,) = customer.message_ids.filtered(lambda m: m.author_id == customer)
        self.assertIn("Can I book a test drive?", message.body)
        self.assertEqual(message.notification_ids.res_partner_id, self.salesperson.partner_id)
        self.assertFalse(self._customer_messages(self.deal), "Customer 0's deal gets nothing")

    def test_old_update_ids_are_forgotten_by_the_daily_purge(self):
        updates = self.env["dealer.telegram.update"]
        with freeze_time("2026-11-01 10:00:00"):
            updates._claim(self.company, 1001)
        with freeze_time("2026-12-01 09:00:00"):
            updates._claim(self.company, 1002)
        with freeze_time("2026-12-01 10:00:00"), self._fake_commits():
            self.env["dealer.data.retention"]._cron_purge_personal_data()
        kept = updates.search([("company_id", "=", self.company.id)]).mapped("update_id")
        self.assertEqual(kept, ["1002"], "a week of ids is kept against replays; older ones go")

    def test_replayed_update_changes_nothing(self):
        self.assertEqual(self._update("First question", update_id=424242).status_code, 200)
        replay = self._update("First question", update_id=424242)
        self.assertEqual(replay.status_code, 200, "Telegram must stop resending it")
        self.assertTrue(replay.json().get("duplicate"))
        self.assertEqual(len(self._customer_messages(self.deal)), 1, "posted once")
        other_company = self.env["res.company"].create({"name": "Showroom East"})
        self.assertTrue(
            self.env["dealer.telegram.update"]._claim(other_company, 424242), "update ids are per company's bot"
        )

    def test_wrong_secret_writes_nothing(self):
        response = self._update("Hello", secret="wrong-secret", update_id=515151)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._customer_messages(self.customer) | self._customer_messages(self.deal))
        self.assertFalse(self.env["dealer.telegram.update"].search([("update_id", "=", "515151")]))

    def test_unknown_chat_is_told_to_link_and_nothing_is_written(self):
        before = self.env["mail.message"].search_count([])
        answer = self._update("Hello?", chat_id=999999).json()
        self.assertIn("not linked", answer["text"])
        self.assertEqual(answer["chat_id"], "999999")
        self.assertEqual(self.env["mail.message"].search_count([]), before)

    def test_long_message_is_cut(self):
        self._update("x" * 5000)
        (message,) = self._customer_messages(self.customer)
        self.assertIn("x" * 4096, message.body)
        self.assertNotIn("x" * 4097, message.body)

    # ------------------------------------------------------------
    # Dealership → customer
    # ------------------------------------------------------------

    def test_chatter_reply_reaches_telegram_and_is_tracked(self):
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(self.deal, "<p>Your car is ready at 15:00</p>")
            self._send_from_chatter(self.deal, "<p>Internal: check the invoice</p>", subtype="mail.mt_note")
        (row,) = self._reply_rows()
        self.assertEqual(
            (row.state, row.channel, row.res_model, row.res_id), ("queued", "telegram", "crm.lead", self.deal.id)
        )
        post = self._run_cron_at("2026-12-01 10:01:00")
        self.assertEqual(post.call_count, 1, "the note stays internal")
        token, method, payload = post.call_args.args
        self.assertEqual((token, method, payload["chat_id"]), ("123:TEST", "sendMessage", "777001"))
        self.assertIn("Your car is ready at 15:00", payload["text"])
        self.assertIn(self.salesperson.name, payload["text"], "the customer sees who answers")
        self.assertEqual((row.state, row.provider_message_id), ("delivered", "31"))
        self.assertEqual(row.reply_message_id.body, "<p>Your car is ready at 15:00</p>")
        self.assertIn(row, self.customer.telegram_dispatch_ids, "the card lists it with its state")

    def test_reply_during_quiet_hours_is_held_then_sent(self):
        with freeze_time("2026-12-01 22:30:00"):
            self._send_from_chatter(self.customer, "<p>We open at nine</p>")
        (row,) = self._reply_rows()
        self.assertEqual(row.scheduled_at, datetime(2026, 12, 2, 9, 0), "held until the quiet hours end")
        self.assertIn("Quiet hours", self.customer.message_ids[0].body, "the sender is told when it goes")
        self.assertEqual(self._run_cron_at("2026-12-01 23:00:00").call_count, 0)
        post = self._run_cron_at("2026-12-02 09:01:00")
        self.assertEqual(post.call_count, 1)
        self.assertIn("We open at nine", post.call_args.args[2]["text"])
        self.assertEqual(row.state, "delivered")

    def test_no_consent_sends_nothing_and_the_sender_sees_why(self):
        self.customer.consent_telegram = False
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(self.deal, "<p>Any news?</p>")
        (row,) = self._reply_rows()
        self.assertEqual((row.state, row.skip_reason), ("skipped", "consent"))
        self.deal.invalidate_recordset()
        self.assertIn("Not sent to Telegram", self.deal.message_ids[0].body)
        self.assertEqual(self._run_cron_at("2026-12-01 10:05:00").call_count, 0)

    def test_no_frequency_cap_for_replies(self):
        self.company.dealer_msg_cap_count = 1
        with freeze_time("2026-12-01 10:00:00"):
            for text in ("One", "Two", "Two"):
                self._send_from_chatter(self.deal, f"<p>{text}</p>")
        post = self._run_cron_at("2026-12-01 10:05:00")
        self.assertEqual(post.call_count, 3, "a conversation is not a campaign; the same text twice goes twice")

    def test_automatic_messages_do_not_go_to_telegram(self):
        self.deal.with_user(self.env.ref("base.user_root")).message_post(
            body="Automatic reminder",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer.ids,
        )
        self.deal.with_user(self.salesperson).with_context(__action_done={}).message_post(
            body="Sent by an automation rule",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer.ids,
        )
        self.assertFalse(self._reply_rows())
        other = self.env["crm.lead"].create(
            {"name": "Someone else's deal", "partner_id": self.partners[1].id, "user_id": self.salesperson.id}
        )
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(other, "<p>Not for Customer 0</p>", to=self.partners[1])
        self.assertFalse(self._reply_rows())

    def test_a_message_not_addressed_to_the_customer_stays_in_the_chatter(self):
        colleague = new_test_user(self.env, login="tg_colleague", groups="dealer_crm.group_sales_manager")
        self.deal.message_subscribe(partner_ids=colleague.partner_id.ids)
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(self.deal, "<p>Colleague, the discount is 3%</p>", to=colleague.partner_id)
            self._send_from_chatter(self.customer, "<p>A word about this customer</p>", to=colleague.partner_id)
        self.assertFalse(self._reply_rows(), "staff talking on the deal or the card: not the customer's message")
        # following the deal without Discussions (e.g. only stage changes) does not make them a recipient
        self.deal.message_subscribe(partner_ids=self.customer.ids, subtype_ids=self.env.ref("mail.mt_note").ids)
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(self.deal, "<p>Still among us</p>", to=colleague.partner_id)
        self.assertFalse(self._reply_rows())

    def test_a_message_with_a_document_goes_by_email(self):
        """Telegram replies carry the text only: a message with a file attached (an offer, an invoice) is
        e-mailed to the customer as Odoo does, not cut down to its text in Telegram."""
        with freeze_time("2026-12-01 10:00:00"):
            message = self.deal.with_user(self.salesperson).message_post(
                body="Your offer is attached",
                partner_ids=self.customer.ids,
                attachments=[("offer.pdf", b"%PDF-1.4 offer")],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertFalse(self._reply_rows(), "nothing queued for Telegram")
        self.assertTrue(
            message.notification_ids.filtered(
                lambda n: n.res_partner_id == self.customer and n.notification_type == "email"
            ),
            "the customer is e-mailed the message and its file",
        )

    def test_a_following_customer_gets_it_in_telegram_not_by_email_too(self):
        self.deal.message_subscribe(partner_ids=self.customer.ids)
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(self.deal, "<p>Your car is washed</p>", to=self.env["res.partner"])
        (row,) = self._reply_rows()
        self.assertIn("Your car is washed", row.body)
        self.assertFalse(
            row.reply_message_id.notification_ids.filtered(lambda n: n.res_partner_id == self.customer),
            "never the same text twice: Telegram instead of the e-mail",
        )
        # a customer who does not talk in Telegram keeps getting Odoo's e-mail
        other = self.partners[1]
        other.write({"telegram_chat_id": False, "telegram_last_message_date": False})
        deal = self.env["crm.lead"].create(
            {"name": "Deal of Customer 1", "partner_id": other.id, "user_id": self.salesperson.id}
        )
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(deal, "<p>By e-mail</p>", to=other)
        deal.invalidate_recordset()
        message = deal.message_ids.filtered(lambda m: "By e-mail" in (m.body or ""))
        self.assertEqual(
            message.notification_ids.filtered(lambda n: n.res_partner_id == other).notification_type, "email"
        )
        self.assertFalse(
            self.env["dealer.dispatch"].search([("partner_id", "=", other.id), ("conversation", "=", True)])
        )

    # ------------------------------------------------------------
    # /stop
    # ------------------------------------------------------------

    def test_stop_withdraws_consent_and_later_replies_are_refused(self):
        self._update("Thanks")
        answer = self._update("/stop").json()
        self.assertIn("no longer receive", answer["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.consent_telegram)
        self.assertFalse(self.customer.telegram_chat_id)
        self.assertTrue(self.customer.consent_telegram_date, "the date of the withdrawal is on the card")
        self.assertTrue(self.customer.message_ids.filtered(lambda m: "/stop" in (m.body or "")))
        with freeze_time("2026-12-01 10:00:00"):
            self._send_from_chatter(self.deal, "<p>Are you still there?</p>")
        (row,) = self._reply_rows()
        self.assertEqual(row.skip_reason, "consent", "refused visibly, not silently dropped")
