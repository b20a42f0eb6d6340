import json
import logging
from datetime import datetime, timedelta
from itertools import count
from unittest.mock import patch

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from odoo import fields
from odoo.addons.dealer_crm.tests.common import DealerCrmCase, load_migration
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCampaignCase, DealerCampaignHttpCase, FakeResponse

BOT_TOKEN = "7123456789:AAH-s3cretBotToken_xyz"
# every update Telegram sends has its own id (a replayed id is ignored)
UPDATE_IDS = count(1)
REQUESTS_POST = "odoo.addons.dealer_loyalty.models.dealer_telegram.requests.post"


def _refused(url):
    """What requests raises when nothing answers on the port: the URL (with the token) is in the text."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, url, reason))


@tagged("post_install", "-at_install")
class TestTelegramSecrets(DealerCrmCase):
    """Each contact its own opt-in token and each company its own webhook secret, also for rows older than the addon."""

    def _duplicate_like_a_column_default(self):
        """What Odoo did when it added the columns to tables with rows: one default value for all of them."""
        partners = self.env["res.partner"].create([{"name": f"Old customer {i}"} for i in range(4)])
        keeper = self.env["res.partner"].create({"name": "Customer after install"})
        companies = self.env["res.company"].create([{"name": "Showroom North"}, {"name": "Showroom South"}])
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET telegram_optin_token = 'same-for-all' WHERE id = ANY(%s)", [partners.ids]
        )
        self.env.cr.execute(
            "UPDATE res_company SET dealer_telegram_webhook_secret = 'same-secret' WHERE id = ANY(%s)",
            [companies.ids],
        )
        self.env.invalidate_all()
        return partners, keeper, companies

    def _assert_own_secrets(self, partners, keeper, keeper_token, companies):
        tokens = partners.mapped("telegram_optin_token")
        self.assertEqual(len(set(tokens)), len(partners), "every contact has its own token")
        self.assertNotIn("same-for-all", tokens)
        self.assertTrue(all(len(token) >= 22 for token in tokens), "long enough not to be guessed")
        self.assertEqual(keeper.telegram_optin_token, keeper_token, "a token that was unique still works")
        secrets = companies.mapped("dealer_telegram_webhook_secret")
        self.assertEqual(len(set(secrets)), 2)
        self.assertNotIn("same-secret", secrets)

    def test_install_hook_gives_each_row_its_own_secret(self):
        from .. import post_init_hook  # what installing the addon runs

        partners, keeper, companies = self._duplicate_like_a_column_default()
        keeper_token = keeper.telegram_optin_token
        post_init_hook(self.env)
        self._assert_own_secrets(partners, keeper, keeper_token, companies)

    def test_upgrade_gives_each_row_its_own_secret(self):
        migration = load_migration("dealer_loyalty", "19.0.1.3.0")
        partners, keeper, companies = self._duplicate_like_a_column_default()
        keeper_token = keeper.telegram_optin_token
        migration.migrate(self.env.cr, "19.0.1.2.0")
        self._assert_own_secrets(partners, keeper, keeper_token, companies)

    def test_new_contacts_get_distinct_tokens(self):
        partners = self.env["res.partner"].create([{"name": f"New {i}"} for i in range(3)])
        self.assertEqual(len(set(partners.mapped("telegram_optin_token"))), 3)

    def test_the_link_is_for_employees_only(self):
        """The opt-in link carries the customer's token: a portal user (a colleague of the customer's
        company, who may read their contact) must not read it and link the customer's messages to a
        chat of their own."""
        company = self.env["res.partner"].create({"name": "Fleet client", "is_company": True})
        customer = self.env["res.partner"].create({"name": "Driver", "parent_id": company.id})
        colleague = self.env["res.partner"].create({"name": "Colleague", "parent_id": company.id})
        portal = new_test_user(self.env, login="t_tg_portal", groups="base.group_portal", partner_id=colleague.id)
        as_portal = customer.with_user(portal)
        as_portal.check_access("read")  # the colleague does read the contact
        for fname in ("telegram_optin_url", "telegram_optin_expires", "telegram_optin_token"):
            self.assertNotIn(fname, as_portal.fields_get(), fname)
            with self.assertRaises(AccessError):
                as_portal.read([fname])

    def test_staff_cannot_link_a_card_to_a_chat_of_their_own(self):
        """A card's messages go to its chat: a salesperson who set it to their own chat over RPC
        would read the customer's reminders and booking links. Only the customer's link sets it;
        staff may unlink, and a merge keeps the chat a merged card had."""
        sales_user = new_test_user(self.env, login="t_tg_sales", groups="dealer_crm.group_sales_manager")
        customer = self.env["res.partner"].create({"name": "Chat owner", "phone": "+79161110000"})
        as_sales = customer.with_user(sales_user)
        with self.assertRaises(AccessError) as refused:
            as_sales.write({"telegram_chat_id": "666", "consent_telegram": True})
        self.assertIn("Telegram chat", str(refused.exception))
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(sales_user).create({"name": "Fake", "telegram_chat_id": "666"})
        with self.assertRaises(AccessError):  # nor as a default of the request's context
            self.env["res.partner"].with_user(sales_user).with_context(default_telegram_chat_id="666").create(
                {"name": "Fake"}
            )
        self.assertFalse(customer.telegram_chat_id)
        self.assertFalse(self.env["res.partner"].search([("telegram_chat_id", "=", "666")]))
        # nor the chat waiting to confirm the card's number (its own number shared there would link it)
        with self.assertRaises(AccessError) as refused:
            as_sales.write({"telegram_pending_chat_id": "666"})
        self.assertIn("Telegram chat to confirm", str(refused.exception))
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(sales_user).create({"name": "Fake", "telegram_pending_chat_id": "666"})
        as_sales.action_dealer_telegram_new_link()  # staff clear it with a new link

        customer.write({"telegram_chat_id": "4242", "consent_telegram": True})  # the bot linked it
        as_sales.write({"name": "Chat owner", "telegram_chat_id": "4242"})  # an unchanged value passes
        duplicate = self.env["res.partner"].create({"name": "Chat owner (typed twice)"})
        # Odoo's merge reads fields of every app (accounting's too): the administrator merges
        admin = self.env.ref("base.user_admin")
        self.env["base.partner.merge.automatic.wizard"].with_user(admin)._merge((customer | duplicate).ids, duplicate)
        self.assertFalse(customer.exists())
        self.assertEqual(duplicate.telegram_chat_id, "4242", "the merged card keeps the customer's chat")
        self.assertTrue(duplicate.consent_telegram)

        duplicate.with_user(sales_user).action_dealer_telegram_unlink()
        self.assertFalse(duplicate.telegram_chat_id, "staff may unlink a chat")

    def test_a_merge_by_a_contacts_manager_keeps_the_merged_cards_kept_values(self):
        """Odoo's merge is open to contact managers: the kept card takes the merged card's linked chat, consent
        source and loyalty block (values the application kept on that card, not typed in)."""
        groups = [
            "dealer_crm.group_sales_manager",
            "base.group_partner_manager",
            "base.group_erp_manager",  # Odoo's merge reads the signup fields
        ]
        if self.env.ref("account.group_account_readonly", raise_if_not_found=False):
            groups.append("account.group_account_readonly")  # and the credit limit, with accounting
        merger = new_test_user(self.env, login="t_tg_merger", groups=",".join(groups))
        linked = self.env["res.partner"].create({"name": "Web lead card", "email": "twin@example.com"})
        linked.with_context(dealer_consent_source="telegram").write(
            {"telegram_chat_id": "5151", "consent_telegram": True, "loyalty_blocked": True}
        )
        kept = self.env["res.partner"].create({"name": "Old card", "email": "twin@example.com"})
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(merger)
        wizard._merge((linked | kept).ids, kept.with_user(merger))  # the kept card as the wizard browses it
        self.assertFalse(linked.exists())
        self.assertEqual(
            (kept.telegram_chat_id, kept.consent_telegram, kept.consent_source, kept.loyalty_blocked),
            ("5151", True, "telegram", True),
        )


@tagged("post_install", "-at_install")
class TestTelegramSending(DealerCampaignCase):
    """At-most-once Telegram delivery through the real send cron, and no bot token in errors or logs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.dealer_telegram_bot_token = BOT_TOKEN
        cls.vehicles.write({"warranty_end": datetime(2026, 12, 31).date()})

    def _row(self):
        campaign = self._campaign(
            "warranty", [("telegram", -30)], audience_domain=f"[('id', '=', {self.vehicles[0].id})]"
        )
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        return self._dispatches(campaign)

    def _run_cron_at(self, when, **post):
        with freeze_time(when), patch(REQUESTS_POST, **post) as fake_post:
            self._run_cron()
        return fake_post

    def test_network_error_leaves_no_token_in_the_row_or_the_log(self):
        row = self._row()
        url = f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage"
        urllib3_log = logging.getLogger("urllib3.connectionpool")  # logs each request line at DEBUG
        self.addCleanup(urllib3_log.setLevel, urllib3_log.level)
        urllib3_log.setLevel(logging.DEBUG)
        with self.assertLogs(level="DEBUG") as logs:
            self._run_cron_at("2026-12-01 10:05:00", side_effect=_refused(url))
            urllib3_log.debug('%s "POST %s HTTP/1.1" 200 7', "https://api.telegram.org:443", url[24:])
        self.assertEqual(row.state, "queued", "nothing was sent: retried later")
        self.assertIn("Connection refused", row.last_error, "the error still says what happened")
        self.assertNotIn(BOT_TOKEN, row.last_error)
        self.assertNotIn(BOT_TOKEN.split(":")[1], "\n".join(logs.output))
        self.assertIn("bot<token>", "\n".join(logs.output), "the request line is logged, masked")
        self.company.dealer_telegram_webhook_secret = "s3cret"
        with patch(REQUESTS_POST, side_effect=_refused(url.replace("sendMessage", "setWebhook"))):
            with self.assertRaises(UserError) as caught:
                self.company.action_dealer_telegram_set_webhook()
        self.assertNotIn(BOT_TOKEN, str(caught.exception))

    def test_a_customer_hears_through_the_bot_they_started(self):
        """Telegram lets a bot write only to whoever started it: a customer of every showroom who linked their
        chat through another showroom's bot gets this showroom's reminder through that bot, not a refusal."""
        north = self.env["res.company"].create(
            {"name": "North showroom", "dealer_telegram_bot_token": "8000000001:AAnorth"}
        )
        customer = self.vehicles[0].partner_id
        customer.write({"company_id": False, "telegram_company_id": north.id})  # as North's webhook linked it
        row = self._row()
        self.assertEqual(row.company_id, self.company)
        post = self._run_cron_at("2026-12-01 10:05:00", return_value=FakeResponse(200, {"ok": True, "result": {}}))
        self.assertEqual(post.call_count, 1)
        self.assertIn("/bot8000000001:AAnorth/sendMessage", post.call_args.args[0])
        self.assertEqual(post.call_args.kwargs["json"]["chat_id"], customer.telegram_chat_id)
        self.assertEqual(row.state, "delivered")

    def test_timeout_is_not_sent_again(self):
        row = self._row()
        timeout = requests.ReadTimeout("HTTPSConnectionPool(host='api.telegram.org', port=443): Read timed out.")
        post = self._run_cron_at("2026-12-01 10:05:00", side_effect=timeout)
        self.assertEqual(post.call_count, 1)
        self.assertEqual(row.state, "failed", "a person checks: the message may have arrived")
        self.assertIn("may have been delivered", row.last_error)
        post = self._run_cron_at("2026-12-02 10:05:00", return_value=FakeResponse(200, {"ok": True}))
        self.assertEqual(post.call_count, 0, "never sent twice")

    def test_server_error_is_not_sent_again(self):
        row = self._row()
        self._run_cron_at("2026-12-01 10:05:00", return_value=FakeResponse(502, {"ok": False}))
        self.assertEqual(row.state, "failed")
        self.assertIn("may have been delivered", row.last_error)
        post = self._run_cron_at("2026-12-02 10:05:00", return_value=FakeResponse(200, {"ok": True}))
        self.assertEqual(post.call_count, 0)

    def test_refused_and_rate_limited_are_retried(self):
        row = self._row()
        self._run_cron_at("2026-12-01 10:05:00", side_effect=_refused("/bot1:x/sendMessage"))
        self.assertEqual((row.state, row.next_retry_at), ("queued", datetime(2026, 12, 1, 10, 7)))
        too_many = {
            "ok": False,
            "description": "Too Many Requests: retry after 600",
            "parameters": {"retry_after": 600},
        }
        self._run_cron_at("2026-12-01 10:07:00", return_value=FakeResponse(429, too_many))
        self.assertEqual(row.state, "queued")
        self.assertEqual(row.next_retry_at, datetime(2026, 12, 1, 10, 17), "Telegram's retry_after is honoured")
        post = self._run_cron_at("2026-12-01 10:10:00", return_value=FakeResponse(200, {"ok": True}))
        self.assertEqual(post.call_count, 0, "not before retry_after")
        ok = FakeResponse(200, {"ok": True, "result": {"message_id": 9}})
        post = self._run_cron_at("2026-12-01 10:17:00", return_value=ok)
        self.assertEqual(post.call_count, 1)
        self.assertEqual((row.state, row.provider_message_id, row.attempts), ("delivered", "9", 3))


@tagged("post_install", "-at_install")
class TestTelegramWebhook(DealerCampaignHttpCase):
    """The bot's webhook over HTTP: Telegram's secret header, one-time expiring links, /stop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.dealer_telegram_webhook_secret = "webhook-s3cret_42"
        cls.customer = cls.partners[0]
        cls.customer.write({"telegram_chat_id": False, "consent_telegram": False})

    def _update(self, content, chat_id=4242, secret="webhook-s3cret_42", path=None, language="en", chat_type="private"):
        """Telegram posts one update of a user writing ``content`` (text or contact) in chat ``chat_id``."""
        update = {
            "update_id": next(UPDATE_IDS),
            "message": {
                "message_id": 5,
                "from": {"id": chat_id if chat_type == "private" else 4242, "language_code": language},
                "chat": {"id": chat_id, "type": chat_type},
                **content,
            },
        }
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.url_open(
            path or f"/dealer/telegram/webhook/{self.company.id}", data=json.dumps(update), headers=headers
        )

    def _post(self, text, **kwargs):
        return self._update({"text": text}, **kwargs)

    def _share(self, phone, chat_id=4242, user_id="own"):
        """The Telegram user taps the bot's button (``user_id`` "own") or sends a contact card of their book."""
        contact = {"phone_number": phone, "first_name": "Ivan"}
        if user_id is not None:
            contact["user_id"] = chat_id if user_id == "own" else user_id
        return self._update({"contact": contact}, chat_id=chat_id).json()

    def _link(self, token, chat_id=4242, phone=None):
        """Open the link in Telegram and share the phone number: Telegram sends it in digits, without '+'."""
        started = self._post(f"/start {token}", chat_id=chat_id).json()
        if started.get("reply_markup", {}).get("keyboard") is None:
            return started
        return self._share((phone or self.customer.phone).lstrip("+"), chat_id=chat_id)

    def test_secret_header_is_required(self):
        token = self.customer.telegram_optin_token
        for secret in (None, "", "webhook-s3cret_41", "webhook-s3cret_42 "):
            response = self._post(f"/start {token}", secret=secret)
            self.assertEqual(response.status_code, 403, secret)
        response = self._post(f"/start {token}", path="/dealer/telegram/webhook/webhook-s3cret_42")
        self.assertEqual(response.status_code, 404, "the secret is no longer part of any URL")
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id, "nothing linked without the secret")
        answer = self._link(token)
        self.assertEqual((answer["linked"], answer["method"], answer["chat_id"]), (True, "sendMessage", "4242"))
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.telegram_chat_id, "4242")
        self.assertTrue(self.customer.consent_telegram)
        self.assertEqual(self.customer.telegram_company_id, self.company, "the bot the customer started")

    def test_an_update_of_another_shape_is_answered_not_failed(self):
        """A message that is no object, a chat that is no object, a text or sender of another type: nothing to
        do, and a 200 (an error would make Telegram send the same update again and again)."""
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "webhook-s3cret_42"}
        token = self.customer.telegram_optin_token
        for message in (
            "hello",
            [1, 2],
            {"chat": [4242], "text": f"/start {token}"},
            {"chat": {"id": 4242}, "text": 7},
            {"chat": {"id": {"x": 1}}, "text": f"/start {token}"},
            {"chat": {"id": 4242}, "text": "Hello", "from": "someone"},
            {"chat": {"id": 4242}, "text": "Hello", "from": {"language_code": 5}},
        ):
            with self.subTest(message=message):
                update = {"update_id": next(UPDATE_IDS), "message": message}
                response = self.url_open(
                    f"/dealer/telegram/webhook/{self.company.id}", data=json.dumps(update), headers=headers
                )
                self.assertEqual(response.status_code, 200, response.text[:300])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id, "nothing linked")

    def test_link_works_once(self):
        token = self.customer.telegram_optin_token
        self.assertIn(f"t.me/dealer_test_bot?start={token}", self.customer.telegram_optin_url)
        self.assertTrue(self._link(token)["linked"])
        self.customer.invalidate_recordset()
        self.assertNotEqual(self.customer.telegram_optin_token, token, "a used link is replaced")
        self.assertFalse(self.customer.telegram_optin_url, "no link to hand out while the card is linked")
        answer = self._post(f"/start {token}", chat_id=5555).json()
        self.assertFalse(answer["linked"])
        self.assertIn("not valid", answer["text"])
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.telegram_chat_id, "4242", "a forwarded, used link takes nothing over")

    def test_expired_link_is_refused(self):
        self.customer.telegram_optin_date = fields.Datetime.now() - timedelta(days=31)
        self.assertFalse(self.customer.telegram_optin_url, "the form offers no expired link")
        answer = self._post(f"/start {self.customer.telegram_optin_token}").json()
        self.assertFalse(answer["linked"])
        self.assertIn("expired", answer["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id)
        self.customer.action_dealer_telegram_new_link()
        self.assertTrue(self._link(self.customer.telegram_optin_token)["linked"])

    def test_card_linked_to_another_chat_is_not_taken_over(self):
        self.customer.telegram_chat_id = "1111"
        answer = self._post(f"/start {self.customer.telegram_optin_token}", chat_id=2222).json()
        self.assertFalse(answer["linked"])
        self.assertIn("another Telegram chat", answer["text"])
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.telegram_chat_id, "1111")
        self.customer.action_dealer_telegram_unlink()
        self.assertFalse(self.customer.consent_telegram)
        self.assertTrue(self._link(self.customer.telegram_optin_token, chat_id=2222)["linked"])

    def test_a_link_opened_by_someone_else_links_nothing(self):
        """Staff read the link on the card (or the customer forwards it): opening it is not enough, the Telegram
        user must share their own phone number and it must be the card's."""
        token = self.customer.telegram_optin_token
        started = self._post(f"/start {token}", chat_id=7777).json()
        self.assertFalse(started["linked"])
        button = started["reply_markup"]["keyboard"][0][0]
        self.assertTrue(button["request_contact"], "the bot asks for the user's own number with Telegram's button")
        self.assertFalse(self._share("79990001122", chat_id=7777)["linked"], "the staff member's own number")
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id)
        self.assertFalse(self.customer.consent_telegram)
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "another phone number" in (m.body or "")),
            "the card tells the staff someone tried",
        )
        # the customer's number as a contact card of the book: someone else's contact, not the sender's own
        self._post(f"/start {token}", chat_id=7777)
        for user_id in (None, 1234, "7777"):
            with self.subTest(user_id=user_id):
                answer = self._share(self.customer.phone.lstrip("+"), chat_id=7777, user_id=user_id)
                self.assertFalse(answer["linked"])
                self.assertIn("your own phone number", answer["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id)
        # a number shared in a chat that opened no link
        self.assertIn("Open the Telegram link", self._share(self.customer.phone.lstrip("+"), chat_id=8888)["text"])
        # the customer, with the same link, in their own Telegram
        answer = self._link(token, chat_id=4242)
        self.assertTrue(answer["linked"])
        self.assertTrue(answer["reply_markup"]["remove_keyboard"])
        self.customer.invalidate_recordset()
        self.assertEqual((self.customer.telegram_chat_id, self.customer.consent_telegram), ("4242", True))
        self.assertFalse(self.customer.telegram_pending_chat_id)

    def test_the_link_is_confirmed_in_the_private_chat_only(self):
        """In a group the link asks for nothing and links nothing; a linked customer's contact card is no link."""
        token = self.customer.telegram_optin_token
        answer = self._post(f"/start {token}", chat_id=-100123, chat_type="group").json()
        self.assertIn("private chat", answer["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_pending_chat_id)
        self.assertTrue(self._link(token)["linked"])
        self.customer.invalidate_recordset()
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda m: "confirmed their phone number" in (m.body or "") and self.customer.phone in m.body
            ),
            "the note of the link names the number confirmed",
        )
        again = self._share("79990001122", chat_id=4242)
        self.assertNotIn("text", again, "a contact card sent by a linked customer is not answered as a link")
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.telegram_chat_id, "4242")

    def test_a_number_typed_without_its_plus_is_recognised(self):
        """A German number typed on the card without '+' (Odoo reads it as a national number of Germany): the
        customer's Telegram number, its digits, is still the card's."""
        self.customer.write({"phone": "4915112345678", "country_id": self.env.ref("base.de").id})
        self.assertTrue(self._link(self.customer.telegram_optin_token, phone="4915112345678")["linked"])

    def test_a_card_without_a_phone_number_is_not_linked(self):
        self.customer.phone = False
        answer = self._post(f"/start {self.customer.telegram_optin_token}").json()
        self.assertFalse(answer["linked"])
        self.assertIn("no phone number of yours", answer["text"])
        self.assertIn("Open the Telegram link", self._share("79161234500")["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id)

    def test_a_new_link_forgets_the_chat_waiting_to_confirm(self):
        self._post(f"/start {self.customer.telegram_optin_token}", chat_id=7777)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.telegram_pending_chat_id, "7777")
        self.customer.action_dealer_telegram_new_link()
        self.assertFalse(self._share(self.customer.phone.lstrip("+"), chat_id=7777)["linked"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.telegram_chat_id, "the old link's chat is not linked by the new link")

    def test_stop_ends_telegram_messages(self):
        self.vehicles.write({"warranty_end": datetime(2026, 12, 31).date()})
        other = self.partners[1]
        campaign = self._campaign(
            "warranty", [("telegram", -30)], audience_domain=f"[('id', 'in', {self.vehicles[:2].ids})]"
        )
        self.customer.write({"telegram_chat_id": "4242", "consent_telegram": True})
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        rows = self._dispatches(campaign)
        self.assertEqual(rows.mapped("state"), ["queued", "queued"])
        answer = self._post("/stop").json()
        self.assertIn("no longer receive", answer["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.consent_telegram, "consent withdrawn by the customer")
        self.assertFalse(self.customer.telegram_chat_id)
        self.assertFalse(self.customer.telegram_company_id)
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "/stop" in (m.body or "")),
            "the card says the customer stopped",
        )
        self.assertEqual(self.customer.consent_source, "telegram", "the consent trail names the bot")
        telegram = type(self.env["dealer.telegram"])
        ok = FakeResponse(200, {"ok": True, "result": {"message_id": 1}})
        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(telegram, "_telegram_post", return_value=ok) as post,
        ):
            self._run_cron()
        self.assertEqual([call.args[2]["chat_id"] for call in post.call_args_list], [other.telegram_chat_id])
        by_partner = {row.partner_id: row for row in rows}
        self.assertIn(by_partner[self.customer].state, ("skipped", "cancelled"), "withdrawn consent stops the row")
        self.assertEqual(by_partner[other].state, "delivered")
        self._post("Стоп", chat_id=int(other.telegram_chat_id), language="ru")
        other.invalidate_recordset()
        self.assertFalse(other.consent_telegram, "the Russian word is understood")

    def test_a_chat_answers_to_the_bot_it_was_linked_through(self):
        """A customer of every showroom linked their chat through North's bot. The same Telegram user writing to
        this showroom's bot (a private chat's id is the same for every bot) neither withdraws the consent given
        through North nor writes into this showroom's deals."""
        north = self.env["res.company"].create(
            {"name": "North showroom", "dealer_telegram_bot_token": "8000000001:AAnorth"}
        )
        north.dealer_telegram_webhook_secret = "north-s3cret_42"
        self.customer.write(
            {"company_id": False, "telegram_chat_id": "4242", "telegram_company_id": north.id, "consent_telegram": True}
        )
        before = len(self.customer.message_ids)
        answer = self._post("/stop").json()
        self.assertIn("not subscribed", answer["text"])
        answer = self._post("Hello, when is my car ready?").json()
        self.assertIn("not linked to a customer", answer["text"])
        self.customer.invalidate_recordset()
        self.assertEqual((self.customer.consent_telegram, self.customer.telegram_chat_id), (True, "4242"))
        self.assertEqual(len(self.customer.message_ids), before, "nothing written on the card")

        # the card is given to this showroom since: North's bot still writes to them, and still stops them
        self.customer.company_id = self.company
        answer = self._post("/stop", secret="north-s3cret_42", path=f"/dealer/telegram/webhook/{north.id}").json()
        self.assertIn("no longer receive", answer["text"])
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.consent_telegram, "the bot it was linked through stops it")

    def test_register_webhook_sends_the_secret_as_header_token(self):
        calls = []

        def post(model, token, method, payload):
            calls.append((token, method, payload))
            return FakeResponse(200, {"ok": True, "result": True})

        with patch.object(type(self.env["dealer.telegram"]), "_telegram_post", post):
            self.company.action_dealer_telegram_set_webhook()
        token, method, payload = calls[0]
        self.assertEqual((token, method), ("123:TEST", "setWebhook"))
        self.assertTrue(payload["url"].endswith(f"/dealer/telegram/webhook/{self.company.id}"))
        self.assertNotIn("webhook-s3cret_42", payload["url"])
        self.assertEqual(payload["secret_token"], "webhook-s3cret_42")
        self.company.dealer_telegram_bot_token = False
        with self.assertRaises(UserError):
            self.company.action_dealer_telegram_set_webhook()
