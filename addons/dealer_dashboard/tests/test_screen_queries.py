"""SQL queries of the dealership dashboard's data: each pivot, chart and list of the spreadsheet
read as the web client reads it (see dealer_crm/tests/screens.py), against Odoo's CRM pipeline
analysis pivot, one of the same kind of request: a guard on the count and, per data source, at
most 1.5× (+2) Odoo's own."""

import json
import logging

from odoo.addons.dealer_crm.tests.screens import Dashboard, Screen
from odoo.tests import TransactionCase, new_test_user, tagged

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestScreenQueries(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        head = new_test_user(cls.env, login="t_screen_head", groups="dealer_crm.group_sales_head")
        cls.env = cls.env(user=head)
        data = json.loads(cls.env.ref("dealer_dashboard.spreadsheet_dashboard_dealership").sudo().spreadsheet_data)
        cls.dashboard = Dashboard(cls.env, data)

    def test_dashboard_data(self):
        # measured 2026-12: 53 queries for its 17 data sources as a sales head (Odoo's pivot: 5); the two
        # lost-revenue sources each look up which months their monthly figures answer, and the two
        # incremental-effect reads switch PostgreSQL's JIT off and back
        odoo = Screen(self.env, "crm.lead", "pivot", "crm.crm_lead_view_pivot", odoo_only=True)
        self.dashboard.run()
        odoo.run()
        odoo_count, _seconds = odoo.measure()
        with self.assertQueryCount(53):
            self.dashboard.run()
        count, _seconds = self.dashboard.measure()
        sources = len(self.dashboard.requests)
        _logger.info("screen dashboard: %d queries for %d data sources, Odoo's pivot %d", count, sources, odoo_count)
        self.assertLessEqual(count, sources * (1.5 * odoo_count + 2), f"{count} queries, Odoo's pivot {odoo_count}")
