"""The dashboard and the KPI screens are read from a replica when Odoo has one (``db_replica_host``).

Odoo 19 runs a ``/web/dataset/call_kw`` request on a replica cursor when the method called is
``@api.readonly`` (``DataSet._call_kw_readonly`` walks the model's classes for the mark, so our
overrides keep it), and on the primary otherwise.  The suite has no read method of its own that
the screens call: they use Odoo's ``web_read_group``, ``formatted_read_group(ing_sets)``,
``web_search_read``, ``web_read`` and ``read_progress_bar``.  This test asks Odoo's own rule, for
every data source of the Dealership dashboard and for the lost-revenue, pipeline and customer
screens, whether the request would go to the replica — and that a write would not.
bench/replica.py shows it with a real streaming replica.

Runs under pytest-odoo in the test database of ``./suite test`` (nothing is written).
"""

from odoo_env import require_test_db

require_test_db()

import json  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from unittest.mock import patch  # noqa: E402

from odoo.addons.web.controllers import dataset  # noqa: E402
from odoo.tests import TransactionCase  # noqa: E402

from repo_paths import ADDONS  # noqa: E402

DASHBOARD = ADDONS / "dealer_dashboard" / "data" / "files" / "dealership_dashboard.json"
# what the web client calls to draw a pivot, a list and a chart of a spreadsheet
PIVOT, LIST, CHART = "formatted_read_grouping_sets", "web_search_read", "formatted_read_group"
SCREENS = [
    ("dealer.lost.revenue.report", "web_read_group"),  # lost revenue by reason × month (list, graph)
    ("dealer.lost.revenue.report", PIVOT),  # its pivot
    ("dealer.lost.revenue.report", LIST),
    ("dealer.loss.event", "web_read_group"),
    ("crm.lead", "web_read_group"),  # the pipeline kanban
    ("crm.lead", "read_progress_bar"),
    ("res.partner", "web_read"),  # the customer card
    ("res.partner", "web_read_group"),  # customers by segment
]


def dashboard_sources():
    data = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    sources = {(pivot["model"], PIVOT) for pivot in data.get("pivots", {}).values()}
    sources |= {(lst["model"], LIST) for lst in data.get("lists", {}).values()}
    for sheet in data["sheets"]:
        for figure in sheet.get("figures", []):
            model = figure.get("data", {}).get("metaData", {}).get("resModel")
            if figure.get("tag") == "chart" and model:
                sources.add((model, CHART))
    return sorted(sources)


class TestReplicaRouting(TransactionCase):
    # outside odoo.addons.* Odoo does not tag test classes itself; pytest-odoo needs the attributes
    test_tags = {"standard", "at_install"}
    test_module = "repo_tests"

    def routed_to_replica(self, model, method):
        """Odoo's decision for ``POST /web/dataset/call_kw/<model>.<method>``, asked of Odoo itself."""
        fake_request = SimpleNamespace(
            registry=self.env.registry,
            get_json_data=lambda: {"params": {"model": model, "method": method, "args": [], "kwargs": {}}},
        )
        with patch.object(dataset, "request", fake_request):
            return bool(dataset.DataSet()._call_kw_readonly(None, {}))

    def test_dashboard_data_sources_are_read_from_the_replica(self):
        sources = dashboard_sources()
        self.assertGreaterEqual(len(sources), 10, "the dashboard's pivots, lists and charts were found")
        on_primary = [source for source in sources if not self.routed_to_replica(*source)]
        self.assertEqual(on_primary, [], "dashboard data sources that would be read from the primary")

    def test_kpi_and_screens_are_read_from_the_replica(self):
        on_primary = [screen for screen in SCREENS if not self.routed_to_replica(*screen)]
        self.assertEqual(on_primary, [], "screens that would be read from the primary")

    def test_writes_stay_on_the_primary(self):
        for model, method in [
            ("crm.lead", "create"),
            ("crm.lead", "write"),
            ("dealer.campaign", "action_start"),
            ("dealer.dispatch", "write"),
        ]:
            with self.subTest(model=model, method=method):
                self.assertFalse(self.routed_to_replica(model, method))
