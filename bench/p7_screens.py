"""P7: the screens a person waits for, against Odoo's own nearest screen on the same database.

Each screen replays the web client's requests (``dealer_crm/tests/screens.py``: the same helper
as the query-count guards of the addons' tests) as a user of the role, in the benchmark company,
after one warm-up; ours and Odoo's screen are interleaved and the median of ``--runs`` is kept.
The SQL query count of each screen is reported beside its time.
"""

import json
import statistics
import time

import benchlib

ROLES = {
    "sales": "dealer_crm.group_sales_manager",
    "advisor": "dealer_crm.group_service_advisor",
    "marketer": "dealer_crm.group_marketer",
    "head": "dealer_crm.group_sales_head",
}
TARGET = 1.5


def role_users(bench):
    """One user per role in the benchmark company (created once, committed)."""
    env = bench.env
    users = {}
    for role, group in ROLES.items():
        login = f"bench-screens-{bench.opts.seed}-{role}"
        user = env["res.users"].with_context(active_test=False).search([("login", "=", login)])
        users[role] = user or env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": f"Bench {role}",
                "login": login,
                "company_id": bench.company_id,
                "company_ids": [(6, 0, [bench.company_id])],
                "group_ids": [(4, env.ref(group).id)],
            }
        )
    bench.checkpoint()
    return users


def make_deals(bench, per_team=1000):
    """Sales deals of the benchmark company (the generated data has none): ``per_team`` in the
    dealership showroom team, spread over its stages, and as many in a plain Odoo sales team, for
    the customers of the company.  Made once and committed."""
    env = bench.env
    Lead = env["crm.lead"].with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
    if Lead.search_count([("company_id", "=", bench.company_id), ("name", "=like", "Bench deal %")], limit=1):
        return
    showroom = env.ref("dealer_crm.crm_team_dealer_showroom")
    plain = env["crm.team"].create({"name": f"Bench direct sales {bench.opts.seed}", "company_id": bench.company_id})
    stages = env["crm.stage"].search(
        [("is_won", "=", False), "|", ("team_ids", "=", False), ("team_ids", "in", showroom.ids)]
    )
    env.cr.execute(
        "SELECT id FROM res_partner WHERE company_id = %s AND active ORDER BY id LIMIT %s",
        [bench.company_id, per_team],
    )
    partners = [row[0] for row in env.cr.fetchall()]
    with benchlib.Timer() as t:
        for team in (showroom, plain):
            Lead.create(
                [
                    {
                        "name": f"Bench deal {team.id}-{i}",
                        "type": "opportunity",
                        "partner_id": partner_id,
                        "team_id": team.id,
                        "user_id": False,
                        "company_id": bench.company_id,
                        "stage_id": stages[i % len(stages)].id,
                        "expected_revenue": 500_000 + 1000 * (i % 997),
                    }
                    for i, partner_id in enumerate(partners)
                ]
            )
    bench.checkpoint("crm_lead")
    benchlib.say(f"P7: {2 * len(partners)} sales deals made in {t.seconds:.0f} s")


def busiest(env, company_id, field):
    """The record a person would open: the one with the most history (the heaviest card)."""
    env.cr.execute(
        f"SELECT {field} FROM dealer_visit WHERE company_id = %s AND {field} IS NOT NULL"
        f" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        [company_id],
    )
    row = env.cr.fetchone()
    return row and row[0]


def screens(bench, users):
    """(key, name, our screen, Odoo's nearest screen, its name) for the screens of the benchmark."""
    from odoo.addons.dealer_crm.tests.screens import Dashboard, Screen

    env = bench.env
    company = [("company_id", "=", bench.company_id)]

    def as_(role):
        return env(user=users[role], context={"allowed_company_ids": [bench.company_id]})

    sales, advisor, marketer, head = (as_(r) for r in ("sales", "advisor", "marketer", "head"))
    partner_id = busiest(env, bench.company_id, "partner_id")
    vehicle_id = busiest(env, bench.company_id, "vehicle_id")

    def contact_form(user_env):
        return Screen(user_env, "res.partner", "form", res_id=partner_id, odoo_only=True)

    def crm_pivot(user_env, domain=()):
        return Screen(user_env, "crm.lead", "pivot", "crm.crm_lead_view_pivot", domain=domain, odoo_only=True)

    # both analyses open on this year (their actions' default date filter, Odoo's "year" period)
    today = env.cr.now().date()
    this_year = (f"{today.year}-01-01", f"{today.year}-12-31")

    pipeline = [("type", "=", "opportunity"), ("team_id.dealer_is_dealership", "=", True)]
    rows = [
        (
            "P7a",
            "Dealership pipeline (crm.lead kanban)",
            Screen(sales, "crm.lead", "kanban", domain=pipeline, context={"dealer_lead": True}),
            Screen(sales, "crm.lead", "kanban", domain=[("type", "=", "opportunity")], odoo_only=True),
            "CRM pipeline kanban",
        ),
        (
            "P7b",
            "Customer card (res.partner form, busiest customer)",
            Screen(sales, "res.partner", "form", res_id=partner_id),
            contact_form(sales),
            "contact form (Odoo's fields)",
        ),
        (
            "P7c",
            "Vehicle card (dealer.vehicle form, busiest car)",
            Screen(advisor, "dealer.vehicle", "form", res_id=vehicle_id),
            contact_form(advisor),
            "contact form (Odoo's fields)",
        ),
        (
            "P7d",
            "Lost-revenue pivot (dealer.lost.revenue.report)",
            Screen(
                advisor,
                "dealer.lost.revenue.report",
                "pivot",
                "dealer_service_lost_sales.dealer_lost_revenue_report_view_pivot",
                domain=[
                    ("business", "=", "service"),
                    ("date", ">=", this_year[0]),
                    ("date", "<=", this_year[1]),
                    *company,
                ],
            ),
            # as a sales head, who reads the deals (a service advisor reads none: an empty pivot)
            crm_pivot(head, [("create_date", ">=", this_year[0]), ("create_date", "<=", f"{this_year[1]} 23:59:59")]),
            "CRM pipeline analysis pivot (sales head, this year)",
        ),
        (
            "P7e",
            "Customers by segment (res.partner list grouped by segment)",
            Screen(
                marketer,
                "res.partner",
                "list",
                "dealer_loyalty.res_partner_view_list_loyalty",
                domain=[("loyalty_status", "!=", False)],
                groupby=["segment_id"],
            ),
            Screen(marketer, "res.partner", "list", "base.view_partner_tree", odoo_only=True, groupby=["country_id"]),
            "contact list grouped by country",
        ),
    ]
    dashboard = env.ref("dealer_dashboard.spreadsheet_dashboard_dealership", raise_if_not_found=False)
    if dashboard:
        data = Dashboard(head, json.loads(dashboard.spreadsheet_data))
        rows.append(
            (
                "P7f",
                f"Dealership dashboard data ({len(data.requests)} pivots, charts and lists)",
                data,
                crm_pivot(head),
                "CRM pipeline analysis pivot",
            )
        )
    else:
        benchlib.say("P7f skipped: dealer_dashboard is not installed in this database")
    return rows


def bench_p7(bench, runs):
    users = role_users(bench)
    make_deals(bench)
    env = bench.env
    if not env["res.partner"].search_count([("company_id", "=", bench.company_id), ("loyalty_status", "!=", False)]):
        env["res.partner"]._dealer_refresh_loyalty()  # segments and statuses, as the daily run leaves them
        bench.checkpoint("res_partner", "dealer_customer_score")
    # the lost-revenue ledger's monthly figures, as the daily job leaves them (closed months summed)
    started = time.perf_counter()
    built = env["dealer.lost.revenue.report"]._cron_dealer_refresh_months()
    bench.checkpoint("dealer_lost_revenue_month", "dealer_lost_revenue_month_state")
    if built:
        benchlib.say(f"lost-revenue monthly figures: {built} months summed in {time.perf_counter() - started:.1f} s")
    for key, name, ours, odoo, odoo_name in screens(bench, users):
        ours.run()
        odoo.run()
        times, base_times, counts, base_counts = [], [], [], []
        for _ in range(max(runs, 3)):
            queries, seconds = ours.measure()
            counts.append(queries)
            times.append(seconds)
            queries, seconds = odoo.measure()
            base_counts.append(queries)
            base_times.append(seconds)
        t_ours, t_base = statistics.median(times), statistics.median(base_times)
        q_ours, q_base = max(counts), max(base_counts)
        per_source = ""
        if key == "P7f":
            # the dashboard's data sources are each one request like Odoo's pivot: the baseline is
            # that pivot once per data source
            sources = len(ours.requests)
            per_source = f" ({sources} × {q_base}); {q_ours / sources:.1f} queries per data source"
            t_base, q_base = t_base * sources, q_base * sources
            odoo_name = f"{odoo_name} × {sources}"  # noqa: PLW2901
        bench.add(
            key,
            name,
            t_ours,
            t_base,
            f"≤ {TARGET}×",
            t_ours <= TARGET * t_base,
            note=f"baseline: {odoo_name}; SQL queries {q_ours} vs {q_base}{per_source}",
        )
