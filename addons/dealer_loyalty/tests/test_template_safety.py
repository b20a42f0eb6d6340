from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from .common import DealerCampaignCase, FakeResponse

SECRET = "{{ object.env['ir.config_parameter'].sudo().get_param('database.secret') }}"
ATTACKS = [
    SECRET,
    "{{ object.sudo().partner_id.name }}",
    "{{ object.env.cr.commit() }}",
    "{{ object.partner_id.sudo().write({'name': 'pwned'}) }}",
]


@tagged("post_install", "-at_install")
class TestTemplateSafety(DealerCampaignCase):
    """Text a Marketer writes is never evaluated with more rights than the Marketer has."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.secret = cls.env["ir.config_parameter"].sudo().get_param("database.secret")
        cls.env["res.lang"]._activate_lang("ru_RU")

    def _telegram_campaign(self):
        campaign = self._campaign("warranty", [("telegram", -30)])
        return campaign, campaign.step_ids

    def test_marketer_cannot_save_code_in_telegram_text(self):
        campaign, step = self._telegram_campaign()
        as_marketer = step.with_user(self.marketer)
        as_marketer.write({"telegram_text": "Hi {{ object.partner_id.name }}, {{ object.plate }} is due"})
        for attack in ATTACKS:
            with self.subTest(attack=attack), self.assertRaises(AccessError):
                as_marketer.write({"telegram_text": f"Hello {attack}"})
            with self.subTest(attack=attack, how="create"), self.assertRaises(AccessError):
                self.env["dealer.campaign.step"].with_user(self.marketer).create(
                    {"campaign_id": campaign.id, "name": "x", "channel": "telegram", "telegram_text": attack}
                )
            with self.subTest(attack=attack, how="translation"), self.assertRaises(AccessError):
                as_marketer.update_field_translations("telegram_text", {"ru_RU": attack})
        self.assertEqual(step.telegram_text, "Hi {{ object.partner_id.name }}, {{ object.plate }} is due")

    def test_marketer_code_already_saved_is_not_run_by_the_sending_cron(self):
        """A text saved before the check existed (or slipped past it) is refused by the real cron."""
        campaign, step = self._telegram_campaign()
        # the Marketer's text, stored as it would have been before the save check
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE dealer_campaign_step SET telegram_text = jsonb_build_object('en_US', %s::text), write_uid = %s"
            " WHERE id = %s",
            (f"Hello {SECRET}", self.marketer.id, step.id),
        )
        step.invalidate_recordset()
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        rows = self._dispatches(campaign)
        self.assertEqual(len(rows), 5)
        telegram = type(self.env["dealer.telegram"])
        reply = FakeResponse(200, {"ok": True, "result": {"message_id": 1}})
        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(telegram, "_telegram_post", return_value=reply) as post,
        ):
            self._run_cron()
        sent = " ".join(str(call.args[2]) for call in post.call_args_list)
        self.assertNotIn(self.secret, sent, "the database secret never leaves")
        self.assertEqual(post.call_count, 0)
        self.assertEqual(set(rows.mapped("state")), {"failed"})
        self.assertIn("may not use", rows[0].last_error)
        self.assertNotIn(self.secret, rows[0].last_error)

    def test_allowed_placeholders_are_filled(self):
        campaign, step = self._telegram_campaign()
        step.with_user(self.marketer).write({"telegram_text": "{{ object.partner_id.name }}: {{ object.plate }}"})
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        telegram = type(self.env["dealer.telegram"])
        reply = FakeResponse(200, {"ok": True, "result": {"message_id": 1}})
        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(telegram, "_telegram_post", return_value=reply) as post,
        ):
            self._run_cron()
        texts = sorted(self._step_text(call.args[2]["text"]) for call in post.call_args_list)
        self.assertEqual(texts, sorted(f"{v.partner_id.name}: {v.plate}" for v in self.vehicles))

    def test_marketers_use_the_dates_made_for_messages(self):
        """The date placeholders of the shipped texts are ones a marketer may write (not code)."""
        __, step = self._telegram_campaign()
        text = (
            "{{ object.plate }}: warranty until {{ object.warranty_end_text }}, TO {{ object.next_service_date_text }}"
        )
        step.with_user(self.marketer).write({"telegram_text": text})
        self.assertEqual(step.telegram_text, text)

    def test_marketer_cannot_put_code_in_campaign_email_or_sms_templates(self):
        """The e-mail and SMS channels render templates as superuser: Odoo's own save check must hold."""
        with self.assertRaises(AccessError):
            self.mail_template.with_user(self.marketer).write({"body_html": f"<p>{SECRET}</p>"})
        with self.assertRaises(AccessError):
            self.mail_template.with_user(self.marketer).write({"subject": SECRET})
        with self.assertRaises(AccessError):
            self.sms_template.with_user(self.marketer).write({"body": SECRET})
