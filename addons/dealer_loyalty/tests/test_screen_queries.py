"""SQL queries of the customers-by-segment list against Odoo's contact list grouped the same way
(see dealer_crm/tests/screens.py): a guard on the count and at most 1.5× (+2) Odoo's own."""

from datetime import timedelta

from odoo.addons.dealer_crm.tests.screens import Screen, ScreenQueriesMixin
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerLoyaltyCase


@freeze_time("2026-06-30")
@tagged("post_install", "-at_install")
class TestScreenQueries(ScreenQueriesMixin, DealerLoyaltyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for index in range(10):
            car = cls._vehicle(cls._customer(f"Segment customer {index}"))
            for visit in range(index % 4 + 1):
                cls._visit(car, cls.TODAY - timedelta(days=20 * (index + visit + 1)), amount=1000 * (index + 1))
        cls.env["res.partner"]._dealer_refresh_loyalty(today=cls.TODAY)
        cls.marketer = new_test_user(cls.env, login="t_screen_marketer", groups="dealer_crm.group_marketer")
        cls.env = cls.env(user=cls.marketer)

    def test_segment_list(self):
        # measured 2026-12: 3 queries as a marketer (the contact list grouped by country: 3)
        ours = Screen(
            self.env,
            "res.partner",
            "list",
            "dealer_loyalty.res_partner_view_list_loyalty",
            domain=[("loyalty_status", "!=", False)],
            groupby=["segment_id"],
        )
        odoo = Screen(self.env, "res.partner", "list", "base.view_partner_tree", odoo_only=True, groupby=["country_id"])
        self.assertScreenQueries(ours, 4, odoo)

    def test_a_branch_opens_the_card_of_a_customer_of_its_parent_company(self):
        """Odoo lets a branch's staff read the contacts of its parent company (not the company itself): the
        customer card opens for them, whatever it shows of the parent's showroom settings (the Telegram link
        read the parent company's bot and link lifetime with the user's rights: an access error)."""
        parent = self.env.company
        branch = self.env["res.company"].sudo().create({"name": "Branch showroom", "parent_id": parent.id})
        seller = new_test_user(
            self.env(su=True),
            login="t_screen_branch_sales",
            groups="dealer_crm.group_sales_manager",
            company_id=branch.id,
            company_ids=[(6, 0, branch.ids)],
        )
        customer = self.env["res.partner"].sudo().create({"name": "Customer of the parent", "company_id": parent.id})
        self.assertTrue(customer.with_user(seller).has_access("read"), "Odoo's contact rule: a parent's contacts")
        self.assertFalse(parent.with_user(seller).has_access("read"))
        values = Screen(self.env(user=seller), "res.partner", "form", res_id=customer.id).run()
        self.assertEqual(values[0]["name"], "Customer of the parent")
