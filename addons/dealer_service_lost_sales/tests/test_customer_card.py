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
