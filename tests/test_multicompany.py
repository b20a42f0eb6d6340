"""Multi-company isolation between two showrooms of one dealer group.

Records of showroom B are created with sudo; a director of showroom A (the broadest role, so
that access rights are not what hides them — only the multi-company record rules) then
searches, reads and writes them and must find nothing / get an AccessError.  A user of both
showrooms sees both, so the test also fails when records are hidden for another reason.

Runs under pytest-odoo in the test database of ``./suite test`` and rolls back.
"""

from odoo_env import require_test_db

require_test_db()

from datetime import date, datetime  # noqa: E402

from odoo.exceptions import AccessError, UserError  # noqa: E402
from odoo.tests import TransactionCase, new_test_user  # noqa: E402

# every kind of record of the issue: customers, leads, vehicles, visits, loss events, campaigns, dispatch rows,
# next best offers
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
    "dealer.api.request",
    "dealer.next.offer",
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
        item = env["product.product"].create({"name": "B brake pads", "type": "service", "dealer_item_kind": "repair"})
        visit = env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "company_id": company.id,
                "date": date(2026, 3, 1),
                "line_ids": [(0, 0, {"name": "Oil change", "amount": 3500})],
            }
        )
        # declined work of a catalogue item: the car gets a next best offer of its showroom
        env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "company_id": company.id,
                "line_ids": [(0, 0, {"name": "Brake pads", "status": "declined", "product_id": item.id})],
            }
        )
        env["dealer.next.offer"]._refresh(vehicle)
        offers = env["dealer.next.offer"].search([("vehicle_id", "=", vehicle.id)])
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
        api_request = env["dealer.api.request"].create(
            {"endpoint": "leads", "key": "B-1", "company_id": company.id, "response": '{"phone": "+79160001122"}'}
        )
        return {
            "dealer.api.request": api_request,
            "res.partner": partner,
            "crm.lead": lead,
            "dealer.vehicle": vehicle,
            "dealer.visit": visit,
            "dealer.visit.line": visit.line_ids,
            "dealer.loss.event": loss,
            "dealer.campaign": campaign,
            "dealer.campaign.step": step,
            "dealer.dispatch": dispatch,
            "dealer.next.offer": offers,
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
            "dealer.dispatch": {"state": "cancelled"},  # the one change a user makes to the log
            "dealer.api.request": {"status": 200},  # read-only log: refused by the rights too
            "dealer.next.offer": {"score": 1.0},  # derived data staff only read: refused by the rights too
        }[model]

    # ------------------------------------------------------------
    # What crosses showrooms without a user choosing it
    # ------------------------------------------------------------

    def test_showroom_b_never_sees_a_customer_from_showroom_as_api(self):
        api_a = new_test_user(
            self.env,
            login="mc_api_a",
            groups="base.group_user,dealer_crm.group_integration",
            company_id=self.company_a.id,
            company_ids=[self.company_a.id],
        )
        director_b = new_test_user(
            self.env,
            login="mc_director_b",
            groups="dealer_crm.group_dealer_manager",
            company_id=self.company_b.id,
            company_ids=[self.company_b.id],
        )
        Lead = self.env["crm.lead"].with_user(api_a).with_context(mail_notify_force_send=False)
        response, _lead = Lead._dealer_create_from_api(
            {"external_id": "MC-1", "name": "Web Visitor A", "phone": "+7 903 555 88 01", "email": "mc.a@example.com"}
        )
        partner = self.env["res.partner"].browse(response["partner_id"])
        self.assertEqual(partner.company_id, self.company_a)
        self.assertFalse(self.env["res.partner"].with_user(director_b).search([("id", "=", partner.id)]))
        self.assertFalse(
            self.env["res.partner"].with_user(director_b)._dealer_find_duplicates(phone="+79035558801"),
            "nor through the duplicate check of showroom B's own API or screens",
        )

    def test_a_campaign_of_no_showroom_reaches_only_its_authors_showrooms(self):
        marketer_a = new_test_user(
            self.env,
            login="mc_marketer_a",
            groups="dealer_crm.group_marketer",
            company_id=self.company_a.id,
            company_ids=[self.company_a.id],
        )
        Campaign = self.env["dealer.campaign"]
        # a marketer of one showroom makes no campaign of every showroom (only someone of every showroom does) …
        with self.assertRaises(AccessError):
            Campaign.with_user(marketer_a).create({"name": "No showroom, refused", "company_id": False})
        # … and one they made before that rule (created as them, past the check) still reaches only A; one of a
        # director of A and B reaches both (the database may hold other showrooms: made past the check too)
        campaigns = {
            user: Campaign.with_user(user).sudo().create({"name": f"No showroom {user.login}", "company_id": False})
            for user in (marketer_a, self.group_director)
        }
        vehicle_b = self.records_b["dealer.vehicle"]
        for user, campaign in campaigns.items():
            audience = self.env[campaign.audience_model].sudo().search(campaign._audience_domain())
            if user == marketer_a:
                self.assertNotIn(vehicle_b, audience, "the superuser cron plans A's campaign for B's cars")
            else:
                self.assertIn(vehicle_b, audience, "guard: a campaign of a user of both showrooms reaches both")

    def test_a_strategy_of_no_showroom_reaches_only_its_authors_showrooms(self):
        marketer_a = new_test_user(
            self.env,
            login="mc_marketer_sa",
            groups="dealer_crm.group_marketer",
            company_id=self.company_a.id,
            company_ids=[self.company_a.id],
        )
        partner_b = self.records_b["res.partner"]
        score = (
            self.env["dealer.customer.score"]
            .sudo()
            .create({"partner_id": partner_b.id, "segment_id": self.env.ref("dealer_loyalty.segment_loyal").id})
        )
        partner_b.sudo().rfm_id = score
        Strategy = self.env["dealer.retention.strategy"]
        with self.assertRaises(AccessError):
            Strategy.with_user(marketer_a).create({"name": "No showroom, refused", "company_id": False})
        # one made by the marketer of A before that rule (created as them, past the check) reaches only A
        strategy_a = Strategy.with_user(marketer_a).sudo().create({"name": "No showroom A", "company_id": False})
        self.assertEqual(strategy_a.create_uid, marketer_a)
        strategy_ab = (
            Strategy.with_user(self.group_director).sudo().create({"name": "No showroom AB", "company_id": False})
        )
        Partner = self.env["res.partner"].sudo()
        self.assertNotIn(partner_b, Partner.search(strategy_a._partner_domain()))
        self.assertIn(partner_b, Partner.search(strategy_ab._partner_domain()), "guard")

    def test_a_deal_names_only_its_showrooms_cars(self):
        vehicle_b = self.records_b["dealer.vehicle"]
        with self.assertRaises(UserError):
            self.env["crm.lead"].create({"name": "A deal", "company_id": self.company_a.id, "vehicle_id": vehicle_b.id})
        with self.assertRaises(UserError):
            self.env["crm.lead"].with_user(self.director_a).create({"name": "A deal", "vehicle_id": vehicle_b.id})

    def test_winning_a_deal_writes_its_car_with_the_users_rights(self):
        vehicle_b = self.records_b["dealer.vehicle"]
        # a deal of no showroom, set up by a user of both, then won by a user of A only
        env_ab = self.env(
            user=self.group_director, context={"allowed_company_ids": [self.company_a.id, self.company_b.id]}
        )
        # a buyer with complete data (passport included): only the car's showroom may refuse the win
        partner_a = self.env["res.partner"].create(
            {
                "name": "A buyer",
                "phone": "+79035558802",
                "dealer_id_number": "45 10 123456",
                "dealer_id_issued_by": "OVD Tverskoy, Moscow",
                "dealer_id_issue_date": "2015-06-01",
            }
        )
        lead = env_ab["crm.lead"].create(
            {"name": "Shared deal", "company_id": False, "partner_id": partner_a.id, "vehicle_id": vehicle_b.id}
        )
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        with self.assertRaises(AccessError):
            as_a = self.env["crm.lead"].with_user(self.director_a).browse(lead.id)
            as_a.write({"stage_id": won.id})
            as_a.env.flush_all()
        self.assertNotEqual(vehicle_b.sudo().partner_id, partner_a, "B's car was sold by A's user")
