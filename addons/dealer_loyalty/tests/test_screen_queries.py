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
