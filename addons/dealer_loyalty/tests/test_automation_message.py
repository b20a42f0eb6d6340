from datetime import date, datetime
from unittest.mock import patch

from odoo import Command
from odoo.addons.dealer_crm.tests.common import load_migration
from odoo.tests import freeze_time, tagged

from .common import DealerCampaignCase, FakeResponse

TEXT = "Your car is ready."


@tagged("post_install", "-at_install")
class TestAutomationMessage(DealerCampaignCase):
    """The automation step "message to the customer" goes through the dispatch log and its sending cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"dealer_msg_cap_count": 1, "dealer_msg_cap_days": 7})
        cls.by_mail, cls.by_telegram, cls.blacklisted, cls.capped, cls.by_sms = cls.partners
        for partner, channel in zip(cls.partners, ("email", "telegram", "email", "sms", "sms"), strict=True):
            partner.dealer_preferred_channel = channel
        cls.env["mail.blacklist"]._add(cls.blacklisted.email)
        cls.rule = cls.env["base.automation"].create(
            {
                "name": "Car ready: tell the customer",
                "model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "trigger": "on_create",
                "filter_domain": "[('name', '=like', 'Ready%')]",
                "action_server_ids": [
                    Command.create(
                        {
                            "name": "Message to the customer",
                            "model_id": cls.env["ir.model"]._get_id("crm.lead"),
                            "state": "dealer_step",
                            "dealer_step": "post_to_customer",
                            "dealer_message": TEXT,
                            "dealer_summary": "Your car",
                        }
                    )
                ],
            }
        )
        cls.action = cls.rule.action_server_ids

    def _leads(self, partners, name="Ready"):
        return self.env["crm.lead"].create([{"name": name, "partner_id": partner.id} for partner in partners])

    def _rows(self, partner=None):
        domain = [("action_id", "=", self.action.id)]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        return self.env["dealer.dispatch"].search(domain, order="id")

    def test_each_customer_gets_the_rule_message_in_their_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.action.update_field_translations("dealer_message", {"ru_RU": "Ваш автомобиль готов."})
        self.by_mail.lang = "ru_RU"
        self.capped.lang = "en_US"
        with freeze_time("2026-12-01 12:00:00"):
            self._leads(self.by_mail | self.capped)
        russian, english = self._rows(self.by_mail), self._rows(self.capped)
        self.assertEqual(russian.body, "Ваш автомобиль готов.")
        self.assertEqual(english.body, TEXT)
        self.assertEqual((russian.lang, english.lang), ("ru_RU", "en_US"))
        # the customer changes language before the e-mail leaves: the Russian text keeps its Russian footer
        self.env["ir.module.module"]._load_module_terms(["dealer_loyalty"], ["ru_RU"], overwrite=True)
        self.by_mail.lang = "en_US"
        with freeze_time("2026-12-01 12:05:00"):
            self._run_cron()
        mail = self.env["mail.mail"].search([("mail_message_id", "=", russian.mail_message_id.id)])
        outgoing = str(mail._prepare_outgoing_body())
        self.assertIn("Ваш автомобиль готов.", outgoing)
        self.assertIn("Отписаться от этих писем", outgoing)

    def test_a_customer_without_a_language_gets_the_showroom_language(self):
        """Not the language of whoever triggered the rule (here an English-speaking user): the showroom's."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.action.update_field_translations("dealer_message", {"ru_RU": "Ваш автомобиль готов."})
        self.by_mail.lang = False
        self.company.partner_id.lang = "ru_RU"
        with freeze_time("2026-12-01 12:00:00"):
            self.env["crm.lead"].with_context(lang="en_US").create({"name": "Ready", "partner_id": self.by_mail.id})
        self.assertEqual(self._rows(self.by_mail).body, "Ваш автомобиль готов.")

    def test_the_shipped_message_action_speaks_the_customer_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_loyalty"], ["ru_RU"], overwrite=True)
        self.by_mail.lang = "ru_RU"
        action = self.env.ref("dealer_loyalty.action_dealer_post_to_customer")
        with freeze_time("2026-12-01 12:00:00"):
            action.with_context(active_model="res.partner", active_ids=self.by_mail.ids).run()
        row = self.env["dealer.dispatch"].search([("action_id", "=", action.id), ("partner_id", "=", self.by_mail.id)])
        self.assertEqual(row.body, "Ваш автомобиль готов.")

    def test_the_upgrade_converts_the_shipped_message_action_left_as_shipped(self):
        migration = load_migration("dealer_loyalty", "19.0.1.7.0")
        action = self.env.ref("dealer_loyalty.action_dealer_post_to_customer")
        action.write({"state": "code", "code": migration.OLD_CODE})  # as the previous version shipped it
        migration.migrate(self.env.cr, "19.0.1.6.0")
        self.assertEqual((action.state, action.dealer_step), ("dealer_step", "post_to_customer"))
        self.assertEqual(action.dealer_message, "Your car is ready.")
        # an administrator's own code in that action is theirs: left as it is
        action.write({"state": "code", "code": 'records._dealer_post_to_customer("Votre voiture est prête.")'})
        migration.migrate(self.env.cr, "19.0.1.6.0")
        self.assertEqual(action.state, "code")

    def test_a_showroom_message_to_a_customer_of_the_whole_group_leaves_as_that_showroom(self):
        """A customer shared by the showrooms (no company) hears from showroom B as showroom B, whichever
        company the sending cron's user works in: the e-mail's company (its sender domain and footer)."""
        other = self.env["res.company"].create({"name": "Showroom B"})
        self.by_mail.company_id = False
        with freeze_time("2026-12-01 12:00:00"):
            row = (
                self.env["dealer.dispatch"]
                .sudo()
                ._queue_messages(
                    [
                        {
                            "partner_id": self.by_mail.id,
                            "company_id": other.id,
                            "channel": "email",
                            "occurrence_date": date(2026, 12, 1),
                            "scheduled_at": datetime(2026, 12, 1, 12),
                            "action_id": self.action.id,
                            "res_model": False,
                            "res_id": False,
                            "subject": "Your car",
                            "body": TEXT,
                        }
                    ]
                )
            )
            self._run_cron()
        self.assertEqual(row.state, "sent")
        self.assertEqual(row.mail_message_id.record_company_id, other)
        self.assertNotEqual(self.env.company, other)

    def test_rule_message_is_queued_then_sent_with_consent_quiet_hours_and_cap(self):
        telegram = type(self.env["dealer.telegram"])
        reply = FakeResponse(200, {"ok": True, "result": {"message_id": 7}})
        with patch.object(telegram, "_telegram_post", return_value=reply) as post:
            # the capped customer already had a message this week
            with freeze_time("2026-12-01 12:00:00"):
                self._leads(self.capped)
                self._run_cron()
            self.assertEqual(self._rows(self.capped).state, "sent")

            with freeze_time("2026-12-02 23:00:00"):  # quiet hours (21:00-09:00, customers in UTC)
                leads = self._leads(self.partners)
                self._leads(self.by_mail)  # the rule fires again on the same day: queued once
                self.assertEqual(post.call_count, 0, "Telegram is never called in the triggering transaction")
                rows = self._rows() - self._rows(self.capped)[:1]
                self.assertEqual(len(rows), 6, "one row per customer and lead")
                self.assertEqual(set(rows.mapped("state")), {"queued"})
                self.assertEqual(set(rows.mapped("body")), {TEXT})
                self.assertEqual(set(rows.mapped("res_model")), {"crm.lead"})
                self._run_cron()
            self.assertEqual(post.call_count, 0, "nothing leaves in quiet hours")
            blacklisted = self._rows(self.blacklisted)
            self.assertEqual((blacklisted.state, blacklisted.skip_reason), ("cancelled", "opt_out"))
            deferred = self._rows(self.by_telegram)
            self.assertEqual((deferred.state, str(deferred.scheduled_at)), ("queued", "2026-12-03 09:00:00"))

            with freeze_time("2026-12-03 09:05:00"):
                self._run_cron()
        self.assertEqual(post.call_count, 1)
        self.assertEqual(post.call_args.args[2], {"chat_id": self.by_telegram.telegram_chat_id, "text": TEXT})
        self.assertEqual(self._rows(self.by_telegram).state, "delivered")
        self.assertEqual(
            [(row.state, row.skip_reason) for row in self._rows(self.by_mail)],
            [("sent", False), ("skipped", "cap")],
            "two leads, two rows; the cap (1 a week) lets one out",
        )
        capped = self._rows(self.capped)[1]
        self.assertEqual((capped.state, capped.skip_reason), ("skipped", "cap"))
        self.assertEqual(self._rows(self.by_sms).state, "sent")
        self.assertEqual(self.env["sms.sms"].search([("number", "=", self.by_sms.phone_sanitized)]).body, TEXT)
        lead = leads.filtered(lambda lead: lead.partner_id == self.by_mail)
        message = self._rows(self.by_mail)[0].mail_message_id
        self.assertEqual((message.model, message.res_id, message.subject), ("crm.lead", lead.id, "Your car"))
        self.assertFalse(
            self.env["mail.mail"].search([("recipient_ids", "in", self.blacklisted.ids)]),
            "no e-mail to a blacklisted address",
        )

    def test_same_rule_same_record_same_day_queues_once(self):
        lead = self._leads(self.by_mail)
        with freeze_time("2026-12-02 10:00:00"):
            lead._dealer_post_to_customer(TEXT, action=self.action)
            lead._dealer_post_to_customer(TEXT, action=self.action)
        self.assertEqual(len(self._rows(self.by_mail).filtered(lambda r: str(r.occurrence_date) == "2026-12-02")), 1)
