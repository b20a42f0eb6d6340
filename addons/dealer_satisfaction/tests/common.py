"""Base class of dealer_satisfaction's tests: customers with and without consent, their cars, the heads.

Nothing from demo data is relied upon; the customer messages stay in the dispatch log (the
sending cron is run where a test needs the message itself, with Odoo's mail gateway mocked).
"""

from datetime import date

from odoo.addons.dealer_crm.tests.common import BUYER_IDENTITY, DealerCrmCase
from odoo.tests import new_test_user


class DealerSatisfactionCase(DealerCrmCase):
    TODAY = date(2026, 6, 10)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=True, mail_create_nolog=True))
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(
            ["dealer_crm", "dealer_loyalty", "dealer_satisfaction"], ["ru_RU"], overwrite=True
        )
        cls.company.partner_id.write({"tz": "UTC", "lang": "en_US"})
        cls.sales_head = new_test_user(cls.env, login="csi_sales_head", groups="dealer_crm.group_sales_head")
        cls.advisor = new_test_user(cls.env, login="csi_advisor", groups="dealer_crm.group_service_advisor")
        Partner = cls.env["res.partner"]
        cls.russian = Partner.create(
            {
                "name": "Иван Петров",
                "email": "ivan@example.com",
                "phone": "+79161234501",
                "lang": "ru_RU",
                "tz": "UTC",
                "consent_email": True,
                **BUYER_IDENTITY,
            }
        )
        cls.english = Partner.create(
            {
                "name": "John Smith",
                "email": "john@example.com",
                "phone": "+79161234502",
                "lang": "en_US",
                "tz": "UTC",
                "consent_sms": True,
                "dealer_preferred_channel": "sms",
            }
        )
        cls.silent = Partner.create(
            {"name": "No Consent", "email": "silent@example.com", "phone": "+79161234503", "tz": "UTC"}
        )
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "Testmake"})
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "Roadster", "brand_id": cls.brand.id})

    @classmethod
    def _car(cls, partner, **vals):
        return cls.env["dealer.vehicle"].create(
            {
                "partner_id": partner.id,
                "brand_id": cls.brand.id,
                "model_id": cls.car_model.id,
                "state": "customer",
                **vals,
            }
        )

    @classmethod
    def _visit(cls, partner, day=None, **vals):
        return cls.env["dealer.visit"].create(
            {
                "vehicle_id": cls._car(partner).id,
                "partner_id": partner.id,
                "date": day or cls.TODAY,
                "advisor_id": cls.advisor.id,
                **vals,
            }
        )

    def _answer(self, feedback, score, comment=None):
        """What the survey's submit route does with the customer's answers: save the lines, mark it done."""
        answer = feedback.user_input_id
        score_question, comment_question = answer.survey_id.question_ids.sorted("sequence")
        answer._save_lines(score_question, str(score))
        if comment:
            answer._save_lines(comment_question, comment)
        answer._mark_done()
        return answer
