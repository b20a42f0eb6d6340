from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user

from .common import ROLE_GROUP_NAMES, DealerCustomerCase

# The role users of these record-rule and screen tests. What each role may read, write, create
# and delete on every model of the suite is one table, MATRIX in the repository's
# tests/test_access_matrix.py, asserted there with real users of these same groups.
ROLES = ROLE_GROUP_NAMES


class TestRoles(DealerCustomerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: new_test_user(cls.env, login=f"t_role_{role}", groups=f"dealer_crm.group_{role}") for role in ROLES
        }

    def test_sales_manager_sees_own_and_unassigned_leads_only(self):
        customer = self.make_customer()
        other = new_test_user(self.env, login="t_other_sales", groups="dealer_crm.group_sales_manager")
        own = self.make_deal(customer, user_id=self.users["sales_manager"].id)
        unassigned = self.make_deal(customer)
        unassigned.user_id = False  # created unassigned, a dealership lead would be routed at once
        foreign = self.make_deal(customer, user_id=other.id)
        deals = own | unassigned | foreign
        visible = self.env["crm.lead"].with_user(self.users["sales_manager"]).search([("id", "in", deals.ids)])
        self.assertEqual(visible, own | unassigned)
        head_sees = self.env["crm.lead"].with_user(self.users["sales_head"]).search([("id", "in", deals.ids)])
        self.assertEqual(head_sees, deals)
        with self.assertRaises(AccessError):
            foreign.with_user(self.users["sales_manager"]).read(["name"])
        with self.assertRaises(AccessError):
            own.with_user(self.users["service_advisor"]).read(["name"])

    def test_receptionist_hands_a_visitor_to_a_sales_manager(self):
        customer = self.make_customer()
        deal = (
            self.env["crm.lead"]
            .with_user(self.users["receptionist"])
            .create(
                {
                    "name": "Walk-in",
                    "partner_id": customer.id,
                    "user_id": self.users["sales_manager"].id,
                }
            )
        )
        self.assertEqual(deal.user_id, self.users["sales_manager"])
        with self.assertRaises(AccessError):
            deal.with_user(self.users["receptionist"]).unlink()

    def test_call_center_opens_contact_and_lead_forms_without_money(self):
        operator = self.users["call_center"]
        customer = self.make_customer()
        car = self.make_vehicle("XW8ZZZ1ZZPG000501", partner_id=customer.id)
        self.env["dealer.visit"].create(
            {"vehicle_id": car.id, "state": "done", "line_ids": [(0, 0, {"name": "Oil", "amount": 3000})]}
        )
        deal = self.make_deal(customer, budget=1_500_000, user_id=False)
        partner_form = Form(customer.with_user(operator))
        self.assertEqual(partner_form.dealer_visit_count, 1)
        lead_form = Form(deal.with_user(operator))
        self.assertEqual(lead_form.partner_id, customer)
        for model, money in (
            ("res.partner", "dealer_revenue_12m"),
            ("crm.lead", "budget"),
            ("dealer.vehicle", "list_price"),
            ("dealer.visit", "revenue"),
        ):
            arch = self.env[model].with_user(operator).get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertNotIn(f'name="{money}"', arch, model)
        with self.assertRaises(AccessError):
            customer.with_user(operator).read(["dealer_revenue_total"])
        visit_views = (
            self.env["dealer.visit"]
            .with_user(operator)
            .get_views([(False, "list"), (False, "pivot"), (False, "graph"), (False, "search")])["views"]
        )
        for view_type, view in visit_views.items():
            self.assertNotIn('name="revenue"', view["arch"], view_type)
            self.assertNotIn("declined_amount", view["arch"], view_type)
        # An advisor sees the money, the call centre creates a contact and an activity.
        self.assertTrue(customer.with_user(self.users["service_advisor"]).dealer_revenue_total)
        new = self.env["res.partner"].with_user(operator).create({"name": "Caller", "phone": "+7 900 000 00 00"})
        new.activity_schedule("mail.mail_activity_data_call", user_id=operator.id, summary="Call back")
        self.assertEqual(len(new.activity_ids), 1)

    def test_the_call_centre_reads_no_deal_amount_and_its_pipeline_still_opens(self):
        """A deal's expected revenue is money: not for the call centre (RPC, views, the kanban's column
        totals); Odoo's salespeople and the dealership's sales roles keep it."""
        operator = self.users["call_center"]
        deal = self.make_deal(
            self.make_customer(),
            expected_revenue=2_500_000,
            recurring_revenue=15_000,
            user_id=self.users["sales_manager"].id,
        )
        money = ("expected_revenue", "prorated_revenue", "recurring_revenue", "recurring_revenue_monthly")
        for fname in money:
            with self.assertRaises(AccessError, msg=fname):
                deal.with_user(operator).read([fname])
        self.assertEqual(deal.with_user(operator).read(["name"])[0]["name"], deal.name)
        kanban = self.env["crm.lead"].with_user(operator).get_views([(False, "kanban"), (False, "list")])
        self.assertNotIn("expected_revenue", kanban["models"]["crm.lead"]["fields"])
        self.assertNotIn('name="expected_revenue"', kanban["views"]["list"]["arch"])
        # the kanban asks for its columns' counts without the sum it no longer knows of
        groups = (
            self.env["crm.lead"].with_user(operator).web_read_group([("id", "=", deal.id)], ["stage_id"], ["__count"])
        )
        self.assertEqual(groups["groups"][0]["__count"], 1)
        copy = deal.with_user(operator).copy()
        self.assertNotEqual(copy, deal, "the call centre duplicates a deal")
        self.assertEqual(copy.partner_id, deal.partner_id)
        self.assertFalse(copy.sudo().expected_revenue, "without its amount")
        self.assertFalse(copy.sudo().recurring_revenue, "nor its recurring amount")
        odoo_seller = new_test_user(
            self.env, login="t_plain_odoo_seller", groups="sales_team.group_sale_salesman_all_leads"
        )
        for user in (self.users["sales_manager"], self.users["sales_head"], odoo_seller):
            amounts = deal.with_user(user).read(["expected_revenue", "recurring_revenue"])[0]
            self.assertEqual((amounts["expected_revenue"], amounts["recurring_revenue"]), (2_500_000, 15_000))

    def test_multi_company_rules(self):
        other = self.env["res.company"].create({"name": "Other showroom"})
        car = self.env["dealer.vehicle"].create({"vin": "XW8ZZZ1ZZPG000502", "company_id": other.id})
        advisor = self.users["service_advisor"]
        self.assertFalse(self.env["dealer.vehicle"].with_user(advisor).search([("id", "=", car.id)]))
        event = self.env["dealer.lifecycle.event"].create(
            {
                "partner_id": self.make_customer().id,
                "to_stage": "lead",
                "trigger": "manual",
                "company_id": other.id,
            }
        )
        self.assertFalse(self.env["dealer.lifecycle.event"].with_user(advisor).search([("id", "=", event.id)]))
