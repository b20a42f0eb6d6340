from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import DealerCampaignCase, FakeResponse

RU_TEXT = "Продлённая гарантия: Акция «Зимний сервис» −15% до 31 декабря 2026"
EN_TEXT = "Extended warranty: Promotion 'Winter service' −15% until 31 December 2026"


@tagged("post_install", "-at_install")
class TestNextOfferPlaceholder(DealerCampaignCase):
    """A campaign message names the car's next best offers, in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("ru_RU", "en_US"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        cls.russian, cls.english = cls.partners[:2]
        cls.russian.lang, cls.english.lang = "ru_RU", "en_US"
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.env["product.template"].search([("dealer_item_kind", "!=", False)]).active = False
        cls.env["dealer.promotion"].search([]).active = False
        # a promotion offers its item to every car (a declined visit line would open a service
        # opportunity, which stops the car's reminders)
        warranty = cls.env["product.product"].create(
            {"name": "Extended warranty", "type": "service", "dealer_item_kind": "warranty"}
        )
        warranty.product_tmpl_id.update_field_translations("name", {"ru_RU": "Продлённая гарантия"})
        promotion = cls.env["dealer.promotion"].create(
            {
                "name": "Winter service",
                "date_to": date(2026, 12, 31),
                "discount_percent": 15,
                "company_id": False,
                "product_tmpl_ids": [Command.set(warranty.product_tmpl_id.ids)],
            }
        )
        promotion.update_field_translations("name", {"ru_RU": "Зимний сервис"})
        with freeze_time("2026-12-01 05:00:00"):
            cls.env["dealer.next.offer"]._refresh()

    def test_telegram_text_with_the_offers_in_the_customers_language(self):
        campaign = self._campaign(
            "warranty", [("telegram", -30)], audience_domain=f"[('id', 'in', {self.vehicles[:2].ids})]"
        )
        # an allowed placeholder: a Marketer may write it
        campaign.step_ids.with_user(self.marketer).write({"telegram_text": "{{ object.next_offer_text }}"})
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        telegram = type(self.env["dealer.telegram"])
        reply = FakeResponse(200, {"ok": True, "result": {"message_id": 1}})
        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(telegram, "_telegram_post", return_value=reply) as post,
        ):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(rows.mapped("state"), ["delivered", "delivered"], rows.mapped("last_error"))
        texts = {call.args[2]["chat_id"]: self._step_text(call.args[2]["text"]) for call in post.call_args_list}
        self.assertEqual(texts[self.russian.telegram_chat_id], RU_TEXT)
        self.assertEqual(texts[self.english.telegram_chat_id], EN_TEXT)

    def test_customer_placeholder_in_an_email_template(self):
        template = self.env["mail.template"].create(
            {
                "name": "Offers",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "{{ object.dealer_next_offer_text }}",
                "lang": "{{ object.lang }}",
            }
        )
        subjects = template._render_field("subject", self.russian.ids, compute_lang=True)
        self.assertEqual(subjects[self.russian.id], RU_TEXT)
