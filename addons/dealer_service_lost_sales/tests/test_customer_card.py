from datetime import date

from lxml import etree

from odoo.tests import new_test_user

from .common import ServiceLostSalesCase


class TestCustomerCardIssues(ServiceLostSalesCase):
    def test_open_issues_in_the_card_block_for_a_sales_manager(self):
        """A sales manager cannot open issues, but sees on the card that the customer has one open."""
        seller = new_test_user(self.env, login="t_card_seller", groups="dealer_crm.group_sales_manager")
        self.env["dealer.customer.issue"].create(
            {
                "name": "Brakes squeal",
                "partner_id": self.customer.id,
                "vehicle_id": self.vehicle.id,
                "category": "brakes",
                "date": date.today(),
            }
        )
        views = self.env["res.partner"].with_user(seller).get_views([(False, "form")])
        block = etree.fromstring(views["views"]["form"]["arch"]).xpath("//sheet/group[@name='dealer_card']")[0]
        self.assertIn("dealer_open_issue_count", {f.get("name") for f in block.iter("field")})
        self.assertEqual(self.customer.with_user(seller).dealer_open_issue_count, 1)

    def test_the_count_leaves_out_the_issues_of_other_showrooms(self):
        """A customer of the whole group (no company) with an open issue at another showroom: a
        salesperson who works only here sees none; one who works in both showrooms sees it."""
        other = self.env["res.company"].create({"name": "Other showroom", "country_id": self.env.ref("base.ru").id})
        customer = self.env["res.partner"].create({"name": "Group customer", "company_id": False})
        self.env["dealer.customer.issue"].create(
            {
                "name": "Rattle",
                "partner_id": customer.id,
                "category": "brakes",
                "date": date.today(),
                "company_id": other.id,
            }
        )
        here = new_test_user(self.env, login="t_card_here", groups="dealer_crm.group_sales_manager")
        both = new_test_user(
            self.env,
            login="t_card_both",
            groups="dealer_crm.group_sales_manager",
            company_ids=[(6, 0, [self.env.company.id, other.id])],
        )
        self.assertEqual(customer.with_user(here).dealer_open_issue_count, 0)
        as_both = customer.with_user(both).with_context(allowed_company_ids=[self.env.company.id, other.id])
        self.assertEqual(as_both.dealer_open_issue_count, 1)
        # the same user with only this showroom ticked in the company switcher
        as_here = customer.with_user(both).with_context(allowed_company_ids=[self.env.company.id])
        self.assertEqual(as_here.dealer_open_issue_count, 0)
