from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealerCrmCase


@tagged("post_install", "-at_install")
class TestDealerGroupDemo(DealerCrmCase):
    """Installed with demo data, the first login shows a Russian dealer group at work.

    post_install: the screens are checked as the whole suite shapes them (the service addon
    narrows the sales pipeline's action, for instance).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.south = cls.env.ref("dealer_crm.res_company_showroom_south_demo", raise_if_not_found=False)

    def setUp(self):
        super().setUp()
        if not self.south:
            self.skipTest("installed without demo data")

    def _action_records(self, xmlid, user=None):
        action = self.env.ref(xmlid)
        domain = safe_eval(action.domain or "[]", {"uid": (user or self.env.user).id})
        return self.env[action.res_model].with_user(user or self.env.user).search(domain)

    def test_pipeline_shows_dealership_deals_in_dealership_stages_only(self):
        deals = self._action_records("dealer_crm.crm_lead_action_dealer_sales")
        odoo_demo = self.env["ir.model.data"].search([("module", "=", "crm"), ("model", "=", "crm.lead")])
        self.assertTrue(odoo_demo, "Odoo's CRM demo is loaded too: the check below means something")
        self.assertFalse(deals & self.env["crm.lead"].browse(odoo_demo.mapped("res_id")), "no furniture deals")
        self.assertTrue(all(deals.team_id.mapped("dealer_is_dealership")))
        self.assertGreaterEqual(len(deals.stage_id.filtered("dealer_step")), 6, "deals spread over the dealer steps")
        self.assertFalse(deals.stage_id.filtered(lambda stage: not stage.dealer_step), "no generic CRM stage")

    def test_russian_dealer_group_with_two_showrooms(self):
        group = self.env.ref("base.main_company")
        self.assertEqual(group.country_id, self.env.ref("base.ru"))
        self.assertEqual(self.south.parent_id, group)
        if "account.move.line" in self.env and self.env["account.move.line"].sudo().search_count(
            [("company_id", "child_of", group.id), ("company_currency_id", "!=", self.env.ref("base.RUB").id)], limit=1
        ):
            # Odoo's Invoicing demo booked its entries before this demo: Odoo keeps the currency
            self.assertEqual(self.south.currency_id, group.currency_id, "one currency in the group")
        else:
            self.assertEqual(group.currency_id, self.env.ref("base.RUB"), "prices in roubles")
            self.assertEqual(self.south.currency_id, self.env.ref("base.RUB"))
        self.assertFalse(
            self.env.ref("base.group_user").implied_ids & self.env.ref("base.group_multi_currency"),
            "the demo turns on no multi-currency for every employee (one active currency, as Odoo's demo)",
        )
        teams = self.env["crm.team"].search([("dealer_is_dealership", "=", True), ("member_ids", "!=", False)])
        self.assertIn(self.south, teams.company_id, "the South showroom has its own team with members")
        self.assertIn(self.env.ref("dealer_crm.crm_team_dealer_showroom"), teams)

    def test_each_showroom_sees_its_own_deals(self):
        south_user = self.env.ref("dealer_crm.user_sales_head_south_demo")
        main_user = self.env.ref("dealer_crm.user_sales_head_demo")
        south_deals = self._action_records("dealer_crm.crm_lead_action_dealer_sales", south_user)
        main_deals = self._action_records("dealer_crm.crm_lead_action_dealer_sales", main_user)
        self.assertGreaterEqual(len(south_deals), 3)
        self.assertEqual(south_deals.company_id, self.south)
        self.assertGreaterEqual(len(main_deals), 10)
        self.assertNotIn(self.south, main_deals.company_id)
        for xmlid in ("dealer_crm.user_dealer_manager_demo", "base.user_admin"):
            self.assertIn(self.south, self.env.ref(xmlid).company_ids, f"{xmlid} can switch to the South showroom")

    def test_director_is_the_last_escalation_level(self):
        last = self.env["dealer.sla.escalation"].search([], order="sequence desc, id desc", limit=1)
        self.assertEqual(last.target, "director")
        director = self.env.ref("dealer_crm.user_dealer_manager_demo")
        self.assertEqual(self.env.ref("base.main_company").dealer_director_id, director)
        self.assertEqual(self.south.dealer_director_id, director)

    def test_reservations_active_prepaid_released_and_sold(self):
        reservations = self.env["dealer.reservation"].search([])
        self.assertEqual(set(reservations.mapped("state")), {"active", "released", "converted"})
        active = reservations.filtered(lambda r: r.state == "active")
        self.assertTrue(active.filtered("prepayment_date"), "one is held by a prepayment")
        self.assertTrue(active.filtered(lambda r: not r.prepayment_date), "one waits for its prepayment")
        self.assertEqual(set(active.vehicle_id.mapped("state")), {"reserved"})
        released = reservations.filtered(lambda r: r.state == "released")
        self.assertEqual(released.vehicle_id.state, "stock", "a released car is for sale again")
        converted = reservations.filtered(lambda r: r.state == "converted")
        self.assertEqual(converted.vehicle_id.state, "sold")

    def test_customers_menu_opens_on_dealership_customers(self):
        action = self.env.ref("dealer_crm.res_partner_action_dealer_customers")
        context = safe_eval(action.context, {"allowed_company_ids": [self.env.company.id]})
        self.assertEqual(context.get("search_default_dealer_customers"), 1)
        self.assertEqual(context.get("default_company_id"), self.env.company.id, "a new card is the showroom's")
        arch = self.env["res.partner"].get_view(action.search_view_id.id, "search")["arch"]
        node = etree.fromstring(arch).find(".//filter[@name='dealer_customers']")
        domain = safe_eval(action.domain) + safe_eval(node.get("domain"), {"uid": self.env.uid})
        customers = self.env["res.partner"].search(domain)
        odoo_demo = self.env["ir.model.data"].search([("module", "=", "base"), ("model", "=", "res.partner")])
        odoo_partners = self.env["res.partner"].browse(odoo_demo.mapped("res_id")).filtered("partner_share")
        self.assertTrue(odoo_partners, "Odoo's demo contacts are loaded too: the check below means something")
        self.assertFalse(customers & odoo_partners, "Odoo's demo companies are not the dealership's customers")
        self.assertIn(self.env.ref("dealer_crm.res_partner_customer_01_demo"), customers)
        self.assertIn(self.env.ref("dealer_crm.res_partner_customer_30_demo"), customers, "a prospect with a deal")
        self.assertGreaterEqual(len(customers), 30)

    def test_south_showroom_month_has_plan_and_fact(self):
        team = self.env.ref("dealer_crm.crm_team_showroom_south_demo")
        target = self.env.ref("dealer_crm.dealer_funnel_target_south_this_month_demo")
        row = self.env["dealer.funnel.report"].search([("team_id", "=", team.id), ("month", "=", target.month)])
        self.assertEqual(row.plan_nv, 6000)
        self.assertEqual(row.fact_nv, 2300)
        self.assertGreaterEqual(row.fact_nl, 1, "this month's new deals of the showroom")

    def test_response_times_are_measured(self):
        rows = self.env["dealer.lead.response.report"].search([])
        self.assertGreaterEqual(sum(rows.mapped("answered_count")), 12, "answered requests with their times")
        self.assertGreaterEqual(sum(rows.mapped("late_count")), 3, "a few answered late")
        self.assertTrue(any(row.median_minutes > 0 for row in rows))
        waiting = self.env["crm.lead"].search_count([("dealer_sla_state", "=", "running")])
        self.assertGreaterEqual(waiting, 3, "the newest requests still wait for a first contact")
        contacted = self.env["crm.lead"].search([("dealer_first_contact_date", "!=", False)])
        self.assertTrue(any(contacted.mapped("dealer_response_work_minutes")), "in working hours too")


class TestDemoCurrency(DealerCrmCase):
    """The demo's roubles where Odoo lets a company change its currency, its currency kept where not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Currency = cls.env["res.currency"]
        # two currencies of this test alone: the demo's rouble, inactive, and the showroom's own
        cls.rub = Currency.create({"name": "XRB", "symbol": "р.", "active": False})
        cls.usd = Currency.create({"name": "XUS", "symbol": "$"})
        cls.showroom = cls.env["res.company"].create({"name": "Avtodom Sever Zapad", "currency_id": cls.usd.id})

    def test_company_without_journal_entries_prices_in_roubles(self):
        self.showroom._dealer_demo_set_currency(self.rub)
        self.assertEqual(self.showroom.currency_id, self.rub)
        self.assertTrue(self.rub.active)
        self.assertFalse(self.usd.active, "a currency no company prices in any more is put away: one active currency")

    def test_company_whose_currency_odoo_keeps_keeps_it_and_the_log_says_why(self):
        company_class = type(self.showroom)
        write = company_class.write

        def refuse_currency(records, vals):
            if "currency_id" in vals:
                raise UserError(
                    records.env._(
                        "You cannot change the currency of the company since some journal items already exist"
                    )
                )
            return write(records, vals)

        with (
            patch.object(company_class, "write", refuse_currency),
            patch("odoo.addons.dealer_crm.models.res_company._logger") as logger,
        ):
            self.showroom._dealer_demo_set_currency(self.rub)
        self.assertEqual(self.showroom.currency_id, self.usd)
        self.assertFalse(self.rub.active, "nobody prices in roubles: not activated (no multi-currency for the demo)")
        self.assertTrue(self.usd.active)
        message, *args = logger.info.call_args.args
        logged = message % tuple(args)
        self.assertIn("Avtodom Sever Zapad keeps its currency XUS instead of XRB", logged)
        self.assertIn("journal items already exist", logged)
