"""SQL queries of the lost-revenue pivot against Odoo's CRM pipeline analysis pivot (see
dealer_crm/tests/screens.py): a guard on the count and at most 1.5× (+2) Odoo's own."""

from datetime import date

from odoo.addons.dealer_crm.tests.screens import Screen, ScreenQueriesMixin
from odoo.tests import tagged

from .common import ServiceLostSalesCase


@tagged("post_install", "-at_install")
class TestScreenQueries(ScreenQueriesMixin, ServiceLostSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        codes = ("no_show", "price", "capacity", "competitor")
        cls.env["dealer.loss.event"].create(
            [
                {
                    "date": date(2026, month, 10),
                    "kind": "no_show" if code == "no_show" else "order_cancelled",
                    "reason_id": cls.reason[code].id,
                    "amount": 100 * month,
                    "company_id": cls.env.company.id,
                    "vehicle_id": cls.vehicle.id,
                    "stage_id": cls.stage["scheduling"].id,
                    "advisor_id": cls.advisor.id,
                }
                for month in range(1, 7)
                for code in codes
            ]
        )
        for month in range(1, 7):
            cls.service_lead(name=f"Service job {month}", lines=[("Brakes", 5000, "declined")])
        cls.env["dealer.lost.revenue.report"]._cron_dealer_refresh_months()  # the nightly monthly figures
        cls.env = cls.env(user=cls.advisor)

    def test_lost_revenue_pivot(self):
        # measured 2026-12: 6 queries as a service advisor (Odoo's CRM pipeline analysis pivot: 5):
        # the pivot's one grouped query, and which months it reads from their monthly figures
        ours = Screen(
            self.env,
            "dealer.lost.revenue.report",
            "pivot",
            "dealer_service_lost_sales.dealer_lost_revenue_report_view_pivot",
            domain=[("business", "=", "service")],
        )
        odoo = Screen(self.env, "crm.lead", "pivot", "crm.crm_lead_view_pivot", odoo_only=True)
        self.assertScreenQueries(ours, 6, odoo)
