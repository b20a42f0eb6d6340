from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import ServiceLostSalesCase


class TestAccess(ServiceLostSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_manager = new_test_user(cls.env, login="svc_scm", groups="dealer_crm.group_service_client_manager")
        cls.sales_head = new_test_user(cls.env, login="svc_head", groups="dealer_crm.group_sales_head")
        cls.operator = new_test_user(cls.env, login="svc_cc", groups="dealer_crm.group_call_center")
        cls.salesman = new_test_user(cls.env, login="svc_sales", groups="dealer_crm.group_sales_manager")
        cls.lead = cls.service_lead([("Oil", 5000, "proposed")], user_id=False)
        cls.sales_lead = cls.Lead.create(
            {
                "name": "Someone's car deal",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "team_id": cls.env.ref("dealer_crm.crm_team_dealer_showroom").id,
            }
        )

    def test_advisor_works_every_service_opportunity_but_not_others_sales(self):
        Lead = self.Lead.with_user(self.advisor)
        self.assertIn(self.lead, Lead.search([]))
        self.assertNotIn(self.sales_lead, Lead.search([]))
        lead = self.lead.with_user(self.advisor)
        lead.service_line_ids.amount = 6000
        self.lost_via_wizard(lead, self.reason["price"])
        self.assertEqual(self.Event.with_user(self.advisor).search([("lead_id", "=", self.lead.id)]).amount, 6000)
        new = Lead.create({"name": "Walk-in", "dealer_interest": "service", "vehicle_id": self.vehicle.id})
        self.assertEqual(new.stage_id, self.stage["scheduling"])
        with self.assertRaises(AccessError):
            new.unlink()

    def test_client_manager_creates_but_cannot_delete(self):
        lead = self.Lead.with_user(self.client_manager).create(
            {"name": "Booking by phone", "dealer_interest": "service", "vehicle_id": self.vehicle.id}
        )
        issue = (
            self.env["dealer.customer.issue"]
            .with_user(self.client_manager)
            .create({"name": "Noise", "partner_id": self.customer.id, "category": "noise", "date": date(2026, 1, 1)})
        )
        with self.assertRaises(AccessError):
            lead.unlink()
        with self.assertRaises(AccessError):
            issue.unlink()
        with self.assertRaises(AccessError):
            self.Event.with_user(self.client_manager).create({"kind": "no_show", "amount": 1})

    def test_sales_head_reads_the_ledger_only(self):
        self.lost_via_wizard(self.lead, self.reason["price"])
        Report = self.env["dealer.lost.revenue.report"].with_user(self.sales_head)
        self.assertTrue(Report.search([("lead_id", "=", self.lead.id)]))
        event = self.lead.loss_event_ids.with_user(self.sales_head)
        self.assertEqual(event.amount, 5000)
        with self.assertRaises(AccessError):
            event.write({"amount": 1})

    def test_advisor_ledger_shows_no_one_elses_sales_deals(self):
        self.sales_lead.expected_revenue = 2_500_000
        self.sales_lead.action_set_lost()
        self.lost_via_wizard(self.lead, self.reason["price"])
        sales_row = [("lead_id", "=", self.sales_lead.id), ("business", "=", "sales")]
        self.assertTrue(self.env["dealer.lost.revenue.report"].with_user(self.sales_head).search(sales_row))
        director = new_test_user(self.env, login="svc_director", groups="dealer_crm.group_dealer_manager")
        self.assertTrue(self.env["dealer.lost.revenue.report"].with_user(director).search(sales_row))
        Report = self.env["dealer.lost.revenue.report"].with_user(self.advisor)
        self.assertFalse(Report.search(sales_row), "a service advisor sees a salesperson's lost deal")
        self.assertTrue(Report.search([("lead_id", "=", self.lead.id)]), "the service losses stay")

    def test_call_centre_sees_no_money(self):
        self.lost_via_wizard(self.lead, self.reason["price"])
        for model in ("dealer.loss.event", "dealer.lost.revenue.report", "dealer.service.line"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.operator).search([])
        for field in ("loss_amount", "service_accepted_amount", "service_line_ids", "loss_event_ids"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                self.lead.with_user(self.operator).read([field])
        issue = (
            self.env["dealer.customer.issue"]
            .with_user(self.operator)
            .create({"name": "Rude staff", "partner_id": self.customer.id, "category": "communication"})
        )
        self.assertTrue(issue.exists())

    def test_multi_company_rule(self):
        other = self.env["res.company"].create({"name": "Other showroom"})
        event = self.Event.create({"kind": "no_show", "amount": 10, "company_id": other.id})
        self.assertNotIn(event, self.Event.with_user(self.advisor).search([]))

    def test_nothing_of_another_showroom_is_tied_to_this_ones_records(self):
        """Odoo shows a linked record's name whatever its reader's rights: an advisor who wrote another
        showroom's ids on an opportunity, a visit's line or an opportunity's line would read that showroom's
        names, switch off its deferred-work follow-up or add lines to its deals. Each is refused."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        their_car = self.env["dealer.vehicle"].create(
            {"plate": "O001OO77", "brand_id": self.brand.id, "company_id": other.id}
        )
        their_visit = self.env["dealer.visit"].create(
            {"vehicle_id": their_car.id, "date": date(2026, 4, 1), "company_id": other.id}
        )
        their_team = self.env["crm.team"].create({"name": "Other showroom's service", "company_id": other.id})
        their_lead = self.Lead.create({"name": "Ivan Petrov: brakes", "type": "opportunity", "team_id": their_team.id})
        self.assertEqual(their_lead.company_id, other)
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicle.id,
                "date": date(2026, 4, 1),
                "line_ids": [Command.create({"name": "Brakes", "amount": 100, "status": "declined"})],
            }
        )
        advisor = self.env(user=self.advisor)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            advisor["crm.lead"].browse(self.lead.id).write({"service_visit_id": their_visit.id})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            advisor["dealer.visit.line"].browse(visit.line_ids.id).write({"service_opportunity_id": their_lead.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            advisor["dealer.service.line"].browse(self.lead.service_line_ids.id).write({"lead_id": their_lead.id})
        self.assertFalse(self.lead.service_visit_id or visit.line_ids.service_opportunity_id)
        self.assertEqual(self.lead.service_line_ids.lead_id, self.lead)
        # their own showroom's are tied as before
        advisor["crm.lead"].browse(self.lead.id).write({"service_visit_id": visit.id})
        self.assertEqual(self.lead.service_visit_id, visit)

    def test_nothing_of_this_showroom_is_moved_into_another(self):
        """Odoo checks a record rule before a write, not after: an advisor who moved their visit's line under
        another showroom's visit (its revenue and ledger), or wrote another showroom on their visit, issue or
        ledger row, would change that showroom's figures. Refused, and nothing moves."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        shared_car = self.env["dealer.vehicle"].create(
            {"plate": "S001SS77", "brand_id": self.brand.id, "company_id": False}
        )
        their_visit = self.env["dealer.visit"].create(
            {"vehicle_id": shared_car.id, "date": date(2026, 4, 1), "company_id": other.id, "state": "done"}
        )
        shared_customer = self.env["res.partner"].create({"name": "Shared customer", "company_id": False})
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": shared_car.id,
                "partner_id": shared_customer.id,
                "date": date(2026, 4, 1),
                "line_ids": [Command.create({"name": "Brakes", "amount": 100, "status": "declined"})],
            }
        )
        issue = self.env["dealer.customer.issue"].create(
            {"name": "Noise", "partner_id": shared_customer.id, "category": "brakes", "user_id": False}
        )
        event = self.Event.create({"kind": "no_show", "amount": 10})
        advisor = self.env(user=self.advisor)
        moves = (
            (visit.line_ids, {"visit_id": their_visit.id}, "visit_id"),
            (visit, {"company_id": other.id}, "company_id"),
            (issue, {"company_id": other.id}, "company_id"),
            (event, {"company_id": other.id}, "company_id"),
        )
        for record, vals, fname in moves:
            with self.subTest(model=record._name):
                before = record[fname]
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    advisor[record._name].browse(record.ids).write(vals)
                self.assertEqual(record[fname], before)
        self.assertFalse(their_visit.line_ids)
        self.assertFalse(self.Event.search([("company_id", "=", other.id)]))

    def test_what_the_application_works_out_is_not_typed_in(self):
        """A line tied by hand to a won win-back deal would have its loss counted as recovered; an accepted amount
        typed in would stand in the lost-revenue report; an issue marked closed would drop out of the open issues
        while still new. Refused."""
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicle.id,
                "date": date(2026, 4, 1),
                "line_ids": [Command.create({"name": "Brakes", "amount": 100, "status": "declined"})],
            }
        )
        issue = self.env["dealer.customer.issue"].create(
            {"name": "Noise", "partner_id": self.customer.id, "category": "brakes"}
        )
        advisor = self.env(user=self.advisor)
        for attempt in (
            lambda: advisor["dealer.visit.line"]
            .browse(visit.line_ids.id)
            .write({"service_opportunity_id": self.lead.id}),
            lambda: advisor["crm.lead"].browse(self.lead.id).write({"service_accepted_amount": 1000000}),
            lambda: advisor["dealer.customer.issue"].browse(issue.id).write({"is_open": False}),
            # a booking turned "declined work" (nothing lost when lost), or given another booking's DMS reference
            lambda: advisor["crm.lead"].browse(self.lead.id).write({"service_source": "declined"}),
            lambda: advisor["crm.lead"].browse(self.lead.id).write({"service_external_id": "DMS-42"}),
        ):
            with self.subTest(), self.assertRaises(AccessError), self.env.cr.savepoint():
                attempt()
        self.assertFalse(visit.line_ids.service_opportunity_id)
        self.assertEqual(self.lead.service_accepted_amount, 0.0)
        self.assertTrue(issue.is_open)

    def test_every_screen_opens_for_its_roles(self):
        """The actions behind the menus load their views for the roles that see the menu."""
        screens = {
            "dealer_service_lost_sales.crm_lead_service_action": [self.advisor, self.client_manager],
            "dealer_service_lost_sales.dealer_customer_issue_action": [
                self.advisor,
                self.client_manager,
                self.operator,
            ],
            "dealer_service_lost_sales.dealer_lost_revenue_report_action": [self.advisor, self.sales_head],
            "dealer_service_lost_sales.dealer_lost_revenue_report_action_ledger": [self.sales_head],
            "dealer_service_lost_sales.dealer_lost_revenue_report_action_seasonality": [self.sales_head],
            "dealer_service_lost_sales.dealer_loss_event_action": [self.advisor, self.sales_head],
            "dealer_service_lost_sales.dealer_loss_improvement_action": [self.advisor, self.sales_head],
            "dealer_service_lost_sales.dealer_lost_revenue_report_action_kpis": [self.advisor, self.sales_head],
            "dealer_service_lost_sales.dealer_service_import_action": [self.advisor],
        }
        for xmlid, users in screens.items():
            action = self.env.ref(xmlid)
            for user in users:
                with self.subTest(action=xmlid, user=user.login):
                    Model = self.env[action.res_model].with_user(user)
                    views = Model.get_views(
                        [(False, mode) for mode in action.view_mode.split(",")] + [(False, "search")]
                    )
                    self.assertTrue(views["views"])
                    self.assertTrue(Model.has_access("read"))
        partner_form = self.env["res.partner"].with_user(self.advisor).get_views([(False, "form")])
        self.assertIn("dealer_open_issue_count", partner_form["views"]["form"]["arch"])
