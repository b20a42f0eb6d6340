"""Multi-company isolation between two showrooms of one dealer group (issue 8).

Records of showroom B are created with sudo; a director of showroom A (the broadest role, so
that access rights are not what hides them — only the multi-company record rules) then
searches, reads and writes them and must find nothing / get an AccessError.  A user of both
showrooms sees both, so the test also fails when records are hidden for another reason.

Runs under pytest-odoo in the test database of ``./suite test`` and rolls back.
"""

from odoo_env import require_test_db

require_test_db()

from datetime import date, datetime  # noqa: E402

from odoo.exceptions import AccessError  # noqa: E402
from odoo.tests import TransactionCase, new_test_user  # noqa: E402

# every kind of record of the issue: customers, leads, vehicles, visits, loss events, campaigns, dispatch rows
ISOLATED = [
    "res.partner",
    "crm.lead",
    "dealer.vehicle",
    "dealer.visit",
    "dealer.visit.line",
    "dealer.loss.event",
    "dealer.campaign",
    "dealer.campaign.step",
    "dealer.dispatch",
]


class TestShowroomIsolation(TransactionCase):
    # outside odoo.addons.* Odoo does not tag test classes itself; pytest-odoo needs the attributes
    test_tags = {"standard", "at_install"}
    test_module = "repo_tests"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Showroom B (isolation test)"})
        groups = "dealer_crm.group_dealer_manager"
        cls.director_a = new_test_user(
            cls.env, login="mc_director_a", groups=groups, company_id=cls.company_a.id, company_ids=[cls.company_a.id]
        )
        cls.group_director = new_test_user(
            cls.env,
            login="mc_director_ab",
            groups=groups,
            company_id=cls.company_a.id,
            company_ids=[cls.company_a.id, cls.company_b.id],
        )
        cls.records_b = cls._create_showroom_records(cls.company_b)

    @classmethod
    def _create_showroom_records(cls, company):
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]), su=True)
        partner = env["res.partner"].create(
            {"name": "B customer", "email": "b.customer@example.com", "phone": "+79160001122", "company_id": company.id}
        )
        vehicle = env["dealer.vehicle"].create(
            {"partner_id": partner.id, "plate": "B001BB77", "company_id": company.id}
        )
        lead = env["crm.lead"].create(
            {"name": "B lead", "partner_id": partner.id, "company_id": company.id, "expected_revenue": 1000}
        )
        visit = env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "company_id": company.id,
                "date": date(2026, 3, 1),
                "line_ids": [(0, 0, {"name": "Oil change", "amount": 3500})],
            }
        )
        loss = env["dealer.loss.event"].create(
            {"company_id": company.id, "kind": "quote_declined", "amount": 8000, "partner_id": partner.id}
        )
        campaign = env["dealer.campaign"].create({"name": "B campaign", "company_id": company.id})
        template = env["mail.template"].create(
            {"name": "B reminder", "model_id": env["ir.model"]._get_id(campaign.audience_model), "subject": "B"}
        )
        step = env["dealer.campaign.step"].create(
            {"campaign_id": campaign.id, "name": "B step", "channel": "email", "mail_template_id": template.id}
        )
        dispatch = env["dealer.dispatch"].create(
            {
                "campaign_id": campaign.id,
                "step_id": step.id,
                "company_id": company.id,
                "partner_id": partner.id,
                "vehicle_id": vehicle.id,
                "occurrence_date": date(2026, 3, 1),
                "channel": "email",
                "scheduled_at": datetime(2026, 3, 1, 10, 0),
            }
        )
        return {
            "res.partner": partner,
            "crm.lead": lead,
            "dealer.vehicle": vehicle,
            "dealer.visit": visit,
            "dealer.visit.line": visit.line_ids,
            "dealer.loss.event": loss,
            "dealer.campaign": campaign,
            "dealer.campaign.step": step,
            "dealer.dispatch": dispatch,
        }

    def test_every_kind_of_record_is_created_in_showroom_b(self):
        self.assertEqual(set(self.records_b), set(ISOLATED))
        for model, record in self.records_b.items():
            self.assertTrue(record, model)
            self.assertEqual(record.company_id, self.company_b, model)

    def test_showroom_a_finds_nothing_of_showroom_b(self):
        for model, record in self.records_b.items():
            with self.subTest(model=model):
                found = self.env[model].with_user(self.director_a).with_context(active_test=False)
                self.assertFalse(found.search([("id", "in", record.ids)]), f"{model}: A's user finds B's record")
                self.assertEqual(found.search_count([("id", "in", record.ids)]), 0)

    def test_showroom_a_cannot_read_or_write_showroom_b(self):
        for model, record in self.records_b.items():
            with self.subTest(model=model):
                as_a = record.with_user(self.director_a)
                as_a.invalidate_recordset()
                with self.assertRaises(AccessError, msg=f"{model}: A's user reads B's record"):
                    as_a.read(["display_name"])
                with self.assertRaises(AccessError, msg=f"{model}: A's user writes B's record"):
                    as_a.write(self._harmless_write(model))
                    as_a.env.flush_all()

    def test_a_user_of_both_showrooms_sees_them(self):
        """Guard: what A's user misses is hidden by the company rules, not by rights or a broken fixture."""
        env = self.env(
            user=self.group_director, context={"allowed_company_ids": [self.company_a.id, self.company_b.id]}
        )
        for model, record in self.records_b.items():
            with self.subTest(model=model):
                self.assertEqual(env[model].with_context(active_test=False).search([("id", "in", record.ids)]), record)

    @staticmethod
    def _harmless_write(model):
        """A value each model accepts from its director, so only the company rule can refuse it."""
        return {
            "res.partner": {"comment": "x"},
            "crm.lead": {"description": "x"},
            "dealer.vehicle": {"plate": "B002BB77"},
            "dealer.visit": {"kind": "repair"},
            "dealer.visit.line": {"name": "x"},
            "dealer.loss.event": {"note": "x"},
            "dealer.campaign": {"name": "x"},
            "dealer.campaign.step": {"name": "x"},
            "dealer.dispatch": {"attempts": 1},
        }[model]
