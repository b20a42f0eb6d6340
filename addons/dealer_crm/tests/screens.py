"""The data requests of a screen, as the web client sends them, with their SQL query count and time.

Used by the query-count guards of the addons' tests and by ``bench/p7_screens.py``: one place builds
the field specification from the view the user gets (``get_views``, the arch already cut to the
user's groups) and replays the RPCs of opening the screen:

- a form: ``web_read`` of the form's fields (stat buttons' counts are fields of the form);
- a kanban: ``web_read_group`` grouped by the view's ``default_group_by``, groups unfolded with
  the cards' fields, and ``read_progress_bar`` when the view has a progress bar;
- a list: ``web_search_read`` (80 rows), or ``web_read_group`` of folded groups when grouped;
- a pivot: ``formatted_read_grouping_sets`` of the totals, rows, columns and cells;
- a dashboard: the ``formatted_read_group`` of each pivot and chart and the ``web_search_read`` of
  each list of its spreadsheet.

``odoo_only=True`` leaves out the fields the dealer addons add to a view Odoo ships (a field whose
first definition is in a ``dealer_*`` module): Odoo's own screen on the same database and data.

The view and its fields are loaded before the count starts: the web client caches ``get_views``
for the session.  The record cache is emptied before each request, as each RPC is a new request.
"""

import ast
import logging
import time

from lxml import etree

FORM_X2MANY_LIMIT = 40
LIST_LIMIT = 80
KANBAN_LIMIT = 40

_logger = logging.getLogger(__name__)


def is_ours(field):
    return bool(field._modules) and field._modules[0].startswith("dealer_")


def _node_spec(model, node, odoo_only):
    field = model._fields.get(node.get("name"))
    if field is None or (odoo_only and is_ours(field)):
        return None
    if field.type == "many2one":
        return {"fields": {"display_name": {}}}
    if field.type in ("one2many", "many2many"):
        comodel = model.env[field.comodel_name]
        subview = next((child for child in node if child.tag in ("list", "kanban")), None)
        if subview is not None:
            # the web client reads a page of the sub-view's rows: its ``limit`` (40 by default), in
            # its ``default_order``
            spec = {
                "fields": arch_spec(comodel, subview, odoo_only),
                "limit": int(subview.get("limit") or FORM_X2MANY_LIMIT),
            }
            if subview.get("default_order"):
                spec["order"] = subview.get("default_order")
            return spec
        spec = {"display_name": {}}
        options = ast.literal_eval(node.get("options") or "{}") if node.get("options") else {}
        color = isinstance(options, dict) and options.get("color_field")
        if color and color in comodel._fields:
            spec[color] = {}
        return {"fields": spec}
    return {}


def arch_spec(model, tree, odoo_only=False):
    """The ``specification`` of the fields of ``tree`` (not those of its x2many sub-views)."""
    level = len(tree.xpath("ancestor::field"))
    spec = {}
    for node in tree.xpath(f".//field[count(ancestor::field) = {level}]"):
        node_spec = _node_spec(model, node, odoo_only)
        if node_spec is not None:
            spec[node.get("name")] = spec.get(node.get("name")) or node_spec
    return spec


class Screen:
    """One screen: a model, a view type and view, the user's environment and what it shows."""

    def __init__(self, env, model, view_type, view=False, domain=(), context=None, odoo_only=False, **params):
        if isinstance(view, str):
            view = env.ref(view).id
        self.model = env[model].with_context(**(context or {}))
        self.view_type = view_type
        self.domain = list(domain)
        self.odoo_only = odoo_only
        self.params = params
        views = self.model.get_views([(view, view_type)])
        self.tree = etree.fromstring(views["views"][view_type]["arch"])
        self.spec = arch_spec(self.model, self.tree, odoo_only)
        if view_type == "form":
            self.spec.setdefault("display_name", {})

    # ---- the requests ------------------------------------------------------

    def _form(self):
        return self.model.browse(self.params["res_id"]).web_read(self.spec)

    def _list(self):
        groupby = self.params.get("groupby")
        if groupby:
            return self.model.with_context(read_group_expand=True).web_read_group(
                self.domain, groupby, self.params.get("aggregates", ()), limit=LIST_LIMIT
            )
        return self.model.web_search_read(self.domain, self.spec, limit=LIST_LIMIT, count_limit=10001)

    def _kanban(self):
        groupby = [self.params.get("groupby") or self.tree.get("default_group_by")]
        model = self.model.with_context(read_group_expand=True)
        progress = self.tree.find(".//progressbar")
        aggregates = [f"{progress.get('sum_field')}:sum"] if progress is not None and progress.get("sum_field") else []
        result = model.web_read_group(
            self.domain,
            groupby,
            aggregates,
            auto_unfold=True,
            unfold_read_specification=self.spec,
            unfold_read_default_limit=KANBAN_LIMIT,
        )
        if progress is not None:
            colors = ast.literal_eval(progress.get("colors") or "{}")
            model.read_progress_bar(
                self.domain, groupby[0], {"field": progress.get("field"), "colors": colors, "sum_field": False}
            )
        return result

    def _groupby(self, node):
        name, interval = node.get("name"), node.get("interval")
        if not interval and self.model._fields[name].type in ("date", "datetime"):
            interval = "month"
        return f"{name}:{interval}" if interval else name

    def _pivot(self):
        rows = self.params.get("rows") or [self._groupby(n) for n in self.tree.xpath("//field[@type='row']")]
        cols = self.params.get("cols") or [self._groupby(n) for n in self.tree.xpath("//field[@type='col']")]
        measures = self.params.get("measures") or [
            f"{n.get('name')}:{self.model._fields[n.get('name')].aggregator or 'sum'}"
            for n in self.tree.xpath("//field[@type='measure']")
        ]
        sets = [[], rows, cols, rows + cols]
        return self.model.formatted_read_grouping_sets(self.domain, sets, [*measures, "__count"])

    def run(self):
        """Open the screen once; returns what the requests returned."""
        self.model.env.invalidate_all()
        return getattr(self, f"_{self.view_type}")()

    def measure(self):
        """(SQL queries, seconds) of opening the screen once."""
        cr = self.model.env.cr
        self.model.env.flush_all()
        before, start = cr.sql_log_count, time.perf_counter()
        self.run()
        return cr.sql_log_count - before, time.perf_counter() - start


class Dashboard:
    """The data requests of a spreadsheet dashboard: each pivot, chart and list of its JSON."""

    def __init__(self, env, data):
        self.env = env
        self.requests = []
        for pivot in data.get("pivots", {}).values():
            groupby = [
                g["fieldName"] + (f":{g['granularity']}" if g.get("granularity") else "")
                for g in pivot.get("rows", []) + pivot.get("columns", [])
            ]
            measures = [self._measure(pivot["model"], m["fieldName"]) for m in pivot.get("measures", [])]
            self.requests.append(("pivot", pivot["model"], pivot.get("domain") or [], groupby, measures))
        for sheet in data.get("sheets", []):
            for figure in sheet.get("figures", []):
                meta = figure.get("data", {}).get("metaData")
                if figure.get("tag") == "chart" and meta:
                    domain = figure["data"].get("searchParams", {}).get("domain") or []
                    measure = self._measure(meta["resModel"], meta["measure"])
                    self.requests.append(("chart", meta["resModel"], domain, meta["groupBy"], [measure]))
        for listing in data.get("lists", {}).values():
            spec = {name: {} for name in listing.get("columns", [])}
            self.requests.append(("list", listing["model"], listing.get("domain") or [], spec, None))

    def _measure(self, model, name):
        if name == "__count":
            return "__count"
        return f"{name}:{self.env[model]._fields[name].aggregator or 'sum'}"

    def run(self):
        results = []
        for kind, model, domain, groupby_or_spec, measures in self.requests:
            self.env.invalidate_all()
            records = self.env[model]
            if kind == "list":
                results.append(records.web_search_read(domain, groupby_or_spec, limit=LIST_LIMIT))
            else:
                results.append(records.formatted_read_group(domain, groupby_or_spec, measures))
        return results

    def measure(self):
        cr = self.env.cr
        self.env.flush_all()
        before, start = cr.sql_log_count, time.perf_counter()
        self.run()
        return cr.sql_log_count - before, time.perf_counter() - start


class ScreenQueriesMixin:
    """For a test case: a screen's query-count guard and its comparison with Odoo's own screen."""

    def assertScreenQueries(self, screen, expected, odoo_screen, compare=True):
        """``screen`` takes at most ``expected`` queries and, with ``compare``, ≤ 1.5× (+2) those of
        ``odoo_screen``; returns both counts."""
        screen.run()
        odoo_screen.run()
        odoo_count, _seconds = odoo_screen.measure()
        with self.assertQueryCount(expected):
            screen.run()
        count, _seconds = screen.measure()
        _logger.info("screen %s: %d queries, Odoo's own screen %d", self._testMethodName, count, odoo_count)
        if compare:
            self.assertLessEqual(count, 1.5 * odoo_count + 2, f"{count} queries, Odoo's own screen {odoo_count}")
        return count, odoo_count
