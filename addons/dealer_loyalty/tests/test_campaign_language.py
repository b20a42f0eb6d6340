from datetime import date
from unittest.mock import patch

from odoo.addons.dealer_crm.tests.common import load_migration
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCampaignCase, DealerCampaignHttpCase, FakeResponse

REQUESTS_POST = "odoo.addons.dealer_loyalty.models.dealer_telegram.requests.post"
RU_SUBJECT = "Пора переходить на зимние шины"
RU_TEXT = "Запись на шиномонтаж скоро закроется"
EN_SUBJECT = "Time to change to winter tyres"
EN_TEXT = "The booking window for your tyre change is closing soon"


class LanguageMixin:
    @classmethod
    def _setup_language_fixtures(cls):
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(["dealer_loyalty"], ["ru_RU"], overwrite=True)
        cls.russian, cls.english, cls.unknown = cls.partners[:3]
        cls.russian.lang = "ru_RU"
        cls.english.lang = "en_US"
        cls.unknown.lang = False  # no language on the card: the showroom's language
        cls.company.partner_id.lang = "ru_RU"

    def _send_tyre_reminders(self, vehicles, post):
        campaign = self._tyre_campaign(vehicles)
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"), patch(REQUESTS_POST) as fake_post:
            fake_post.return_value = FakeResponse(200, {"ok": True, "result": {"message_id": 7}})
            self._run_cron()  # the cron itself runs in English
            post.extend(fake_post.call_args_list)
        return self._dispatches(campaign)

    def _tyre_campaign(self, vehicles):
        """The shipped tyre-season texts on all three channels, the week before the booking window closes."""
        shipped = self.env.ref("dealer_loyalty.dealer_campaign_tyre_step_3")
        steps = [
            {"channel": "email", "mail_template_id": self.env.ref("dealer_loyalty.mail_template_campaign_tyre").id},
            {"channel": "sms", "sms_template_id": self.env.ref("dealer_loyalty.sms_template_campaign_tyre").id},
            {"channel": "telegram", "telegram_text": shipped.telegram_text},
        ]
        campaign = self.env["dealer.campaign"].create(
            {
                "name": "Tyres",
                "trigger": "tyre_season",
                "window_days": 7,
                "company_id": self.company.id,
                "audience_domain": f"[('id', 'in', {vehicles.ids})]",
                "step_ids": [(0, 0, {"name": vals["channel"], "offset_days": -7, **vals}) for vals in steps],
            }
        )
        telegram_step = campaign.step_ids.filtered(lambda step: step.channel == "telegram")
        telegram_step.update_field_translations(
            "telegram_text", {"ru_RU": shipped.with_context(lang="ru_RU").telegram_text}
        )
        return campaign


@tagged("post_install", "-at_install")
class TestCampaignLanguage(LanguageMixin, DealerCampaignCase):
    """Customers get the dealership's messages in their language, whatever language the sending cron runs in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_language_fixtures()

    def test_reminders_leave_in_each_customers_language(self):
        self.assertEqual(
            self.env.ref("dealer_loyalty.mail_template_campaign_tyre").with_context(lang="ru_RU").subject,
            RU_SUBJECT,
            "the Russian translation is loaded",
        )
        calls = []
        rows = self._send_tyre_reminders(self.vehicles[:3], calls)
        self.assertEqual(len(rows), 9)
        self.assertEqual(set(rows.mapped("state")), {"sent", "delivered"}, rows.mapped("last_error"))
        telegram = {call.kwargs["json"]["chat_id"]: call.kwargs["json"]["text"] for call in calls}
        expected = {self.russian: "ru", self.english: "en", self.unknown: "ru"}
        for vehicle, (partner, lang) in zip(self.vehicles, expected.items(), strict=False):
            subject, text = (RU_SUBJECT, RU_TEXT) if lang == "ru" else (EN_SUBJECT, EN_TEXT)
            other = EN_TEXT if lang == "ru" else RU_TEXT
            with self.subTest(customer=partner.name, lang=lang, channel="email"):
                row = rows.filtered(lambda r, p=partner: r.partner_id == p and r.channel == "email")
                mail = self.env["mail.mail"].search([("mail_message_id", "=", row.mail_message_id.id)])
                self.assertEqual(mail.subject, subject)
                self.assertEqual(row.mail_message_id.subject, subject)
                outgoing = str(mail._prepare_outgoing_body())
                self.assertIn(text, outgoing)
                self.assertNotIn(other, outgoing)
                footer = "Отписаться от этих писем" if lang == "ru" else "Unsubscribe from these e-mails"
                self.assertIn(footer, outgoing, "the unsubscribe link speaks the customer's language")
            with self.subTest(customer=partner.name, lang=lang, channel="sms"):
                sms = self.env["sms.sms"].search([("partner_id", "=", partner.id)])
                self.assertEqual(len(sms), 1)
                self.assertIn(text, sms.body)
                self.assertNotIn(other, sms.body)
            with self.subTest(customer=partner.name, lang=lang, channel="telegram"):
                self.assertIn(text, telegram[partner.telegram_chat_id])
                self.assertIn(vehicle.name, telegram[partner.telegram_chat_id], "placeholders are filled")

    def test_an_email_leaves_whole_in_the_language_it_was_written_in(self):
        """The customer changes their card's language between the hand-over and the queue's sending: the
        e-mail already written in Russian keeps its Russian unsubscribe line, and the log says Russian."""
        rows = self._send_tyre_reminders(self.vehicles[:1], [])
        row = rows.filtered(lambda r: r.channel == "email")
        self.assertEqual((row.state, row.lang), ("sent", "ru_RU"))
        self.russian.lang = "en_US"
        mail = self.env["mail.mail"].search([("mail_message_id", "=", row.mail_message_id.id)])
        outgoing = str(mail._prepare_outgoing_body())
        self.assertIn(RU_TEXT, outgoing)
        self.assertIn("Отписаться от этих писем", outgoing)
        self.assertNotIn("Unsubscribe from these e-mails", outgoing)
        english = self._send_tyre_reminders(self.vehicles[1:2], []).filtered(lambda r: r.channel == "email")
        self.assertEqual(english.lang, "en_US")

    def test_dates_are_printed_as_each_customer_reads_them(self):
        """The shipped warranty reminder tells the day the warranty ends in the customer's own date format."""
        self.vehicles[:2].write({"warranty_end": date(2026, 12, 31)})
        steps = [
            {"channel": "email", "mail_template_id": self.env.ref("dealer_loyalty.mail_template_campaign_warranty").id},
            {"channel": "sms", "sms_template_id": self.env.ref("dealer_loyalty.sms_template_campaign_warranty").id},
        ]
        campaign = self.env["dealer.campaign"].create(
            {
                "name": "Warranty",
                "trigger": "warranty",
                "company_id": self.company.id,
                "audience_domain": f"[('id', 'in', {self.vehicles[:2].ids})]",
                "step_ids": [(0, 0, {"name": vals["channel"], "offset_days": -30, **vals}) for vals in steps],
            }
        )
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(len(rows), 4)
        for partner, day in ((self.russian, "31.12.2026"), (self.english, "12/31/2026")):
            with self.subTest(customer=partner.name):
                sms = self.env["sms.sms"].search([("partner_id", "=", partner.id)])
                self.assertIn(day, sms.body)
                self.assertNotIn("2026-12-31", sms.body)
                email = rows.filtered(lambda r, p=partner: r.partner_id == p and r.channel == "email")
                mail = self.env["mail.mail"].search([("mail_message_id", "=", email.mail_message_id.id)])
                outgoing = str(mail._prepare_outgoing_body())
                self.assertIn(day, outgoing)
                self.assertNotIn("2026-12-31", outgoing)

    def test_the_upgrade_renames_the_date_placeholders_of_the_shipped_texts(self):
        """Databases installed before keep their shipped texts (not updated by module updates): the upgrade renames
        their date placeholders in every language and keeps the rest of the text."""
        sms = self.env.ref("dealer_loyalty.sms_template_campaign_warranty")
        mail = self.env.ref("dealer_loyalty.mail_template_campaign_insurance")
        sms.with_context(lang="en_US").body = "Mine: ends {{ object.warranty_end }} ({{ object.warranty_end_text }})"
        sms.update_field_translations("body", {"ru_RU": "Моя: до {{ object.warranty_end }}"})
        mail.body_html = '<p>Ends <t t-out="object.insurance_end"/>.</p>'
        tyre = self.env.ref("dealer_loyalty.sms_template_campaign_tyre")
        tyre_text = tyre.with_context(lang="ru_RU").body
        self.env.flush_all()
        migration = load_migration("dealer_loyalty", "19.0.1.8.0")
        migration.migrate(self.env.cr, "19.0.1.7.0")
        self.env.invalidate_all()
        self.assertEqual(
            sms.with_context(lang="en_US").body,
            "Mine: ends {{ object.warranty_end_text }} ({{ object.warranty_end_text }})",
        )
        self.assertEqual(sms.with_context(lang="ru_RU").body, "Моя: до {{ object.warranty_end_text }}")
        self.assertIn('t-out="object.insurance_end_text"', str(mail.body_html))
        self.assertEqual(tyre.with_context(lang="ru_RU").body, tyre_text, "another template is left as it is")

    def test_call_task_is_in_the_assignees_language(self):
        """A task created from a Russian customer's car is read by staff: it speaks the assignee's language."""
        shipped = self.env.ref("dealer_loyalty.dealer_campaign_insurance_step_call")
        ru_manager = new_test_user(self.env, login="campaign_fi_ru", groups="dealer_crm.group_fi_manager")
        ru_manager.lang = "ru_RU"
        self.fi_user.lang = "en_US"
        self.vehicles.write({"insurance_end": date(2026, 12, 31)})
        tasks = {}
        for user in (ru_manager, self.fi_user):
            campaign = self._campaign(
                "insurance", [("activity", -30)], audience_domain=f"[('id', '=', {self.vehicles[0].id})]"
            )
            campaign.step_ids.write({"activity_user_id": user.id})
            campaign.step_ids.update_field_translations(
                "activity_summary",
                {"en_US": shipped.activity_summary, "ru_RU": shipped.with_context(lang="ru_RU").activity_summary},
            )
            with freeze_time("2026-12-01 06:00:00"):
                campaign.action_start()
            with freeze_time("2026-12-01 10:05:00"):
                self._run_cron()
            tasks[user] = self._dispatches(campaign).activity_id
        self.assertEqual(tasks[ru_manager].summary, "Позвонить по продлению страховки")
        self.assertEqual(tasks[self.fi_user].summary, "Call about the insurance renewal")

    def test_bot_answers_in_the_customers_language(self):
        """/start, its button and /stop answers: the card's language, else the Telegram app's, else the showroom's."""
        self.russian.telegram_chat_id = False
        token = self.russian.telegram_optin_token

        def update(chat, app_lang="en", **message):
            message.update(chat={"id": chat}, **{"from": {"id": chat, "language_code": app_lang}})
            return self.env["res.partner"]._dealer_telegram_handle_update(self.company, {"message": message})[1]

        asked = update(555, text=f"/start {token}")
        self.assertIn("Чтобы подтвердить, что это вы", asked["text"], "the card says Russian, the app English")
        self.assertEqual(asked["reply_markup"]["keyboard"][0][0]["text"], "Поделиться номером телефона")
        started = update(555, contact={"phone_number": self.russian.phone.lstrip("+"), "user_id": 555})["text"]
        self.assertIn("Теперь вы будете получать здесь напоминания", started)
        self.assertIn("/stop", started)
        self.assertIn("Вы больше не будете получать здесь сообщения", update(555, text="/stop")["text"])
        stopped = update(int(self.english.telegram_chat_id), text="/stop")["text"]
        self.assertIn("You will no longer receive messages", stopped)
        unknown = update(556, app_lang="ru", text="/start not-a-token")["text"]
        self.assertIn("ссылка недействительна", unknown, "no card: the Telegram app's language")

    def test_retention_task_is_in_the_assignees_language(self):
        """A retention strategy's task and offer note speak each assignee's language, and are not repeated."""
        ru_operator = new_test_user(self.env, login="strategy_cc_ru", groups="dealer_crm.group_call_center")
        en_operator = new_test_user(self.env, login="strategy_cc_en", groups="dealer_crm.group_call_center")
        ru_operator.lang, en_operator.lang = "ru_RU", "en_US"
        # the customer's own operator gets the task; the customer's language does not matter here
        self.russian.user_id, self.english.user_id = en_operator, ru_operator
        strategy = self.env["dealer.retention.strategy"].create(
            {"name": "Win back", "role": "call_center", "activity_summary": "Win-back call", "offer": "10% off"}
        )
        strategy.update_field_translations("activity_summary", {"ru_RU": "Звонок для возврата клиента"})
        strategy.update_field_translations("offer", {"ru_RU": "Скидка 10%"})
        customers = self.russian | self.english
        strategy._create_activities(customers)
        strategy._create_activities(customers)  # a second run adds nothing
        tasks = self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "in", customers.ids)])
        self.assertEqual(len(tasks), 2)
        by_user = {task.user_id: task for task in tasks}
        self.assertEqual(by_user[ru_operator].summary, "Звонок для возврата клиента")
        self.assertIn("Скидка 10%", str(by_user[ru_operator].note))
        self.assertEqual(by_user[en_operator].summary, "Win-back call")
        self.assertIn("10% off", str(by_user[en_operator].note))

    def test_code_in_a_translation_is_not_run_for_its_customers(self):
        """Now that a customer gets the translation, the translation is what the safety check reads."""
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        with self.assertRaises(AccessError):
            self.env.ref("dealer_loyalty.mail_template_campaign_tyre").with_user(self.marketer).write(
                {"lang": "{{ object.env['ir.config_parameter'].sudo().get_param('database.secret') }}"}
            )
        self.vehicles.write({"warranty_end": date(2026, 12, 31)})
        campaign = self._campaign(
            "warranty", [("telegram", -30)], audience_domain=f"[('id', 'in', {self.vehicles[:2].ids})]"
        )
        step = campaign.step_ids
        # a Marketer's Russian translation, stored as it would have been before the save check
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE dealer_campaign_step SET telegram_text = telegram_text || jsonb_build_object('ru_RU', %s::text),"
            " write_uid = %s WHERE id = %s",
            ("{{ object.env['ir.config_parameter'].sudo().get_param('database.secret') }}", self.marketer.id, step.id),
        )
        step.invalidate_recordset()
        calls = []
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"), patch(REQUESTS_POST) as post:
            post.return_value = FakeResponse(200, {"ok": True, "result": {"message_id": 7}})
            self._run_cron()
            calls = post.call_args_list
        rows = self._dispatches(campaign)
        russian = rows.filtered(lambda r: r.partner_id == self.russian)
        english = rows.filtered(lambda r: r.partner_id == self.english)
        self.assertEqual(russian.state, "failed")
        self.assertIn("may not use", russian.last_error)
        self.assertEqual(english.state, "delivered")
        self.assertEqual(
            [self._step_text(call.kwargs["json"]["text"]) for call in calls], [f"Hello {self.vehicles[1].plate}"]
        )
        self.assertNotIn(secret, str(calls))


@tagged("post_install", "-at_install")
class TestUnsubscribePageLanguage(LanguageMixin, DealerCampaignHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_language_fixtures()

    def test_unsubscribe_page_speaks_the_language_of_the_email(self):
        """A customer without a language got the showroom's Russian e-mail: its unsubscribe page is Russian too."""
        rows = self._send_tyre_reminders(self.vehicles[1:3], [])
        for partner, question in (
            (self.unknown, "Больше не присылать письма"),
            (self.english, "Stop the e-mails of"),
        ):
            row = rows.filtered(lambda r, p=partner: r.partner_id == p and r.channel == "email")
            path = row._unsubscribe_url().split("//", 1)[1].split("/", 1)[1]
            response = self.url_open(f"/{path}")
            self.assertEqual(response.status_code, 200)
            self.assertIn(question, response.text)

    def test_the_unsubscribe_note_is_in_the_showrooms_language(self):
        """An English customer unsubscribes from a page in English: the note the Russian showroom's staff
        read on the blacklisted address is in Russian."""
        rows = self._send_tyre_reminders(self.vehicles[1:2], [])
        row = rows.filtered(lambda r: r.partner_id == self.english and r.channel == "email")
        path = row._unsubscribe_url().split("//", 1)[1].split("/", 1)[1]
        response = self.url_open(
            f"/{path}", data={"List-Unsubscribe": "One-Click"}, headers={"Accept-Language": "en-US"}
        )
        self.assertIn("will no longer receive e-mails", response.text)
        blacklisted = self.env["mail.blacklist"].search([("email", "=", self.english.email_normalized)])
        self.assertTrue(blacklisted)
        notes = [str(body) for body in blacklisted.message_ids.mapped("body")]
        self.assertTrue(any("Отписка по ссылке в письме кампании" in note for note in notes), notes)
        self.assertFalse(any("Unsubscribed from the campaign" in note for note in notes), notes)
