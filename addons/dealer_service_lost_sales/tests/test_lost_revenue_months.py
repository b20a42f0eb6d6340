from datetime import date, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.fields import Domain
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .common import ServiceLostSalesCase


class TestLostRevenueMonths(ServiceLostSalesCase):
    """The lost-revenue pivot of a dealer group reads closed months from their monthly figures:
    what it shows must be what the ledger's rows say, after any change, by any path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Months Motors"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env.user.company_ids |= cls.company
        cls.advisor.company_ids |= cls.company
        cls.Report = cls.env["dealer.lost.revenue.report"]
        this_month = date.today().replace(day=1)
        cls.m3, cls.m5 = this_month - relativedelta(months=3), this_month - relativedelta(months=5)
        cls.this_month = this_month
        cls.car = cls.env["dealer.vehicle"].create(
            {"plate": "M001MM77", "brand_id": cls.brand.id, "company_id": cls.company.id}
        )
        cls.events = cls.Event.create(
            [
                {
                    "date": day,
                    "kind": "no_show" if code == "no_show" else "order_cancelled",
                    "reason_id": cls.reason[code].id,
                    "amount": amount,
                    "company_id": cls.company.id,
                    "vehicle_id": cls.car.id,
                    "advisor_id": cls.advisor.id,
                }
                for day, code, amount in (
                    (cls.m5 + relativedelta(days=3), "no_show", 100),
                    (cls.m3 + relativedelta(days=9), "price", 300),
                    (cls.m3 + relativedelta(days=20), "capacity", 400),
                    (this_month, "no_show", 50),
                )
            ]
        )
        cls.visit = cls.env["dealer.visit"].create(
            {
                "vehicle_id": cls.car.id,
                "company_id": cls.company.id,
                "date": cls.m3 + relativedelta(days=14),
                "state": "done",
                "partner_id": cls.customer.id,
                "advisor_id": cls.advisor.id,
                "line_ids": [Command.create({"name": "Work", "amount": 600, "status": "done"})],
            }
        )
        cls.showroom = cls.env["crm.team"].create(
            {"name": "Months showroom", "dealer_is_dealership": True, "company_id": cls.company.id}
        )
        cls.deal = cls.Lead.create(
            {
                "name": "Lost sale",
                "type": "opportunity",
                "expected_revenue": 5000,
                "company_id": cls.company.id,
                "user_id": False,
                "team_id": cls.showroom.id,
            }
        )
        cls.deal.action_set_lost(lost_reason_id=cls.reason["competitor"].id)
        cls.deal.date_closed = f"{cls.m5 + relativedelta(days=1)} 10:00:00"
        cls.mine = [("company_id", "=", cls.company.id)]
        # the pivots a dealer opens: by reason and month, by make, the KPIs' totals, by line of business
        cls.reads = [
            (["reason_id", "date:month"], ["lost_amount:sum", "potential_amount:sum", "__count"]),
            (["brand_id", "advisor_id"], ["lost_amount:sum", "realised_amount:sum", "lost_pct:avg"]),
            ([], ["lost_amount:sum", "potential_amount:sum", "lost_pct:avg", "recovery_rate:avg", "__count"]),
            (["business", "row_type", "year", "month"], ["lost_amount:sum", "lost_count:sum", "__count"]),
        ]

    def grouped(self, domain, groupby, aggregates, live=False, user=None):
        report = self.Report.with_user(user) if user else self.Report
        if live:
            report = report.with_context(dealer_ledger_live=True)
        return sorted(report._read_group(domain, groupby, aggregates), key=repr)

    def assertSameAsRows(self, domain=None, user=None, msg=None):
        """Every pivot of ``reads`` gives the rows' answer (the monthly figures must not show through)."""
        for groupby, aggregates in self.reads:
            args = (domain if domain is not None else self.mine, groupby, aggregates)
            self.assertEqual(
                self.grouped(*args, user=user), self.grouped(*args, live=True, user=user), f"{msg}: {groupby}"
            )

    def lost_in(self, month):
        """Lost service revenue of ``month``, as the pivot by month shows it."""
        by_month = dict(
            self.Report._read_group([*self.mine, ("business", "=", "service")], ["date:month"], ["lost_amount:sum"])
        )
        return by_month.get(month, 0)

    def tamper(self, month, amount):
        """Add ``amount`` to the stored figures of ``month`` (not to any row): shows whether a read
        answers from them."""
        self.env.cr.execute(
            SQL(
                "UPDATE dealer_lost_revenue_month SET lost_amount = lost_amount + %s"
                " WHERE ctid = (SELECT ctid FROM dealer_lost_revenue_month"
                " WHERE month = %s AND company_id = %s AND business = 'service' AND row_type = 'lost' LIMIT 1)",
                amount,
                month,
                self.company.id,
            )
        )
        self.assertEqual(self.env.cr.rowcount, 1)

    def fresh_months(self):
        """{month: first day not summed} of the months whose figures are read."""
        self.env.cr.execute(
            "SELECT month, built_until FROM dealer_lost_revenue_month_state s"
            " WHERE NOT EXISTS (SELECT 1 FROM dealer_lost_revenue_month_dirty d WHERE d.month = s.month)"
        )
        return dict(self.env.cr.fetchall())

    def today(self):
        self.env.cr.execute("SELECT CURRENT_DATE")
        return self.env.cr.fetchone()[0]

    def test_closed_months_are_read_from_their_figures_and_match_the_rows(self):
        self.assertSameAsRows(msg="before any figures")
        self.assertGreater(self.Report._cron_dealer_refresh_months(), 0)
        fresh = self.fresh_months()
        self.assertEqual(fresh[self.m3], self.m3 + relativedelta(months=1), "a closed month is summed whole")
        self.assertEqual(fresh[self.m5], self.m5 + relativedelta(months=1))
        limit = self.today() - timedelta(days=2)
        self.assertTrue(all(until <= limit for until in fresh.values()), "the last two days are read from rows")
        self.assertEqual(self.Report._cron_dealer_refresh_months(), 0, "nothing new to sum")
        self.assertSameAsRows(msg="after the refresh")
        self.assertEqual(self.lost_in(self.m3), 700)
        [(reason, _lost)] = self.Report._read_group(
            [*self.mine, ("reason_id", "=", self.reason["price"].id)], ["reason_id"], ["lost_amount:sum"]
        )
        self.assertEqual(reason.env, self.Report.env, "group values come back in the caller's environment")
        self.assertEqual(self.lost_in(self.this_month), 50)
        # the grouped read answers from the figures: a change made to them (and to no row) shows
        self.tamper(self.m3, 1000)
        self.assertEqual(self.lost_in(self.m3), 1700)
        # the pivot view reads its rows, columns and totals in one query (grouping sets): the same
        service = [*self.mine, ("business", "=", "service")]
        by_month, [(total,)] = self.Report._read_grouping_sets(service, [["date:month"], []], ["lost_amount:sum"])
        self.assertIn((self.m3, 1700), by_month)
        self.assertEqual(total, 100 + 1700 + 50)
        live = self.grouped(service, ["date:month"], ["lost_amount:sum"], live=True)
        self.assertIn((self.m3, 700), live)
        # ... and a read the figures cannot answer reads the rows: a day's detail, an amount filter,
        # a period that ends mid-month, the opportunity
        for domain, groupby in (
            ([*self.mine], ["date:day"]),
            ([*self.mine, ("lost_amount", ">", 0)], ["reason_id"]),
            ([*self.mine, ("date", ">=", self.m3), ("date", "<=", self.m3 + relativedelta(days=15))], ["reason_id"]),
            ([*self.mine], ["lead_id"]),
        ):
            self.assertEqual(
                self.grouped(domain, groupby, ["lost_amount:sum"]),
                self.grouped(domain, groupby, ["lost_amount:sum"], live=True),
                f"{domain} {groupby}",
            )
        # ... whatever months a request's context names: only the application says which figures are fresh
        forged = [[self.m3.isoformat(), (self.m3 + relativedelta(months=1)).isoformat()]]
        self.assertEqual(
            sorted(
                self.Report.with_context(dealer_ledger_fresh_months=forged)._read_group(
                    [*self.mine], ["date:day"], ["lost_amount:sum"]
                ),
                key=repr,
            ),
            self.grouped([*self.mine], ["date:day"], ["lost_amount:sum"], live=True),
        )
        # ... as does a filter written in SQL (Domain.custom), which the figures cannot check
        raw = Domain(self.mine) & Domain.custom(to_sql=lambda model, alias, query: SQL("TRUE"))
        self.assertFalse(self.Report._dealer_months_answer(raw, ["reason_id"], ["lost_amount:sum"], ()))
        self.assertTrue(self.Report._dealer_months_answer(self.mine, ["reason_id"], ["lost_amount:sum"], ()))
        # whole months (the filters *This year* and *Last quarter* of the search view) are answered
        quarter = [*self.mine, ("date", ">=", self.m5), ("date", "<", self.this_month)]
        [(total,)] = self.Report._read_group(quarter, [], ["lost_amount:sum"])
        self.assertEqual(total, 100 + 1700 + 5000)

    def test_every_change_of_a_closed_month_shows_at_once(self):
        self.Report._cron_dealer_refresh_months()
        Event = self.Event.with_context(allowed_company_ids=[self.company.id])
        changes = [
            (
                "a back-dated loss event",
                lambda: Event.create(
                    {
                        "date": self.m3,
                        "kind": "no_show",
                        "reason_id": self.reason["no_show"].id,
                        "amount": 70,
                        "company_id": self.company.id,
                        "vehicle_id": self.car.id,
                    }
                ),
                770,
            ),
            ("an amount corrected", lambda: self.events[1].write({"amount": 330}), 800),
            ("a loss moved to another month", lambda: self.events[2].write({"date": self.m5}), 400),
            ("a loss deleted", lambda: self.events[1].unlink(), 70),
            (
                "a loss changed in SQL",
                lambda: self.env.cr.execute(
                    SQL("UPDATE dealer_loss_event SET amount = amount + 5 WHERE id = %s", self.events[0].id)
                ),
                70,
            ),
        ]
        for name, change, lost_m3 in changes:
            change()
            self.assertEqual(self.lost_in(self.m3), lost_m3, name)
            self.assertSameAsRows(msg=name)
            self.assertNotIn(self.m3 if name != "a loss changed in SQL" else self.m5, self.fresh_months(), name)
            self.Report._cron_dealer_refresh_months()
            self.assertSameAsRows(msg=f"{name}, refreshed")
        self.assertEqual(self.lost_in(self.m5), 100 + 5 + 400)
        # today's work never marks a month (it is read from its rows), a loss of days ago does
        fresh = self.fresh_months()
        today = self.today()
        loss = {"kind": "no_show", "reason_id": self.reason["no_show"].id, "company_id": self.company.id}
        Event.create({**loss, "date": today, "amount": 9})
        self.assertSameAsRows(msg="a loss of today")
        self.assertEqual(self.fresh_months(), fresh, "today's work leaves the figures as they are")
        self.assertIn(9, [lost for _month, lost in self.grouped(self.mine, ["date:day"], ["lost_amount:sum"])])
        Event.create({**loss, "date": today - timedelta(days=5), "amount": 11})
        self.assertSameAsRows(msg="a loss of five days ago")
        self.assertNotIn((today - timedelta(days=5)).replace(day=1), self.fresh_months())

    def test_changes_of_what_the_rows_are_joined_to_show_at_once(self):
        """Realised revenue of a visit's lines, the car's make, a deal's reason, team and outcome."""
        self.Report._cron_dealer_refresh_months()
        other = self.env["dealer.vehicle.brand"].create({"name": "Lada Test"})
        category = "price" if self.reason["competitor"].dealer_category != "price" else "customer"
        changes = [
            ("a visit line's amount", lambda: self.visit.line_ids.write({"amount": 650})),
            (
                "a visit line added",
                lambda: self.visit.write(
                    {"line_ids": [Command.create({"name": "Oil", "amount": 40, "status": "done"})]}
                ),
            ),
            ("the car's make", lambda: self.car.write({"brand_id": other.id})),
            ("a reason's category", lambda: self.reason["competitor"].write({"dealer_category": category})),
            ("the team is no showroom", lambda: self.showroom.write({"dealer_is_dealership": False})),
            ("the team is a showroom again", lambda: self.showroom.write({"dealer_is_dealership": True})),
            ("a lost deal reopened", lambda: self.deal.action_unarchive()),
            ("a visit cancelled", lambda: self.visit.write({"state": "cancelled"})),
        ]
        columns = ["brand_id", "business", "row_type", "category"]
        pivot = (self.mine, columns, ["realised_amount:sum", "lost_amount:sum"])
        for name, change in changes:
            before = self.grouped(*pivot, live=True)
            change()
            self.assertNotEqual(self.grouped(*pivot, live=True), before, f"{name} changes the ledger")
            self.assertSameAsRows(msg=name)
            self.Report._cron_dealer_refresh_months()
            self.assertSameAsRows(msg=f"{name}, refreshed")

    def test_a_service_advisor_sees_the_rows_answer(self):
        """The advisor's record rules are filters the figures answer: same pivot as from the rows."""
        self.Report._cron_dealer_refresh_months()
        self.assertSameAsRows(user=self.advisor, msg="advisor")
        this_year = [("date", ">=", self.this_month.replace(month=1)), ("date", "<=", date(date.today().year, 12, 31))]
        self.assertSameAsRows([*self.mine, ("business", "=", "service"), *this_year], user=self.advisor, msg="year")

    def plan(self, domain):
        """PostgreSQL's plan of the pivot's grouped read on ``domain`` (answered from the figures)."""
        seen = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            seen.append(query)
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            self.Report._read_group(domain, ["reason_id", "date:month"], ["lost_amount:sum"])
        [query] = [q for q in seen if isinstance(q, SQL) and "dealer_lost_revenue_month m" in q.code]
        self.env.cr.execute(SQL("EXPLAIN %s", query))
        return "\n".join(row[0] for row in self.env.cr.fetchall())

    def test_a_service_pivot_does_not_read_the_sales_deals(self):
        """The service pivot (the screen's default filter) reads no sales deal: its filter on the line
        of business reaches the rows of every source, also beside the monthly figures."""
        self.Report._cron_dealer_refresh_months()
        sales_deals = "IS DISTINCT FROM 'service'"  # the condition only the sales deals' rows have
        self.assertIn(sales_deals, self.plan(self.mine), "without the filter, the sales deals are read")
        self.assertNotIn(sales_deals, self.plan([*self.mine, ("business", "=", "service")]))

    def test_the_figures_are_emptied_on_upgrade_and_dropped_on_uninstall(self):
        self.Report._cron_dealer_refresh_months()
        self.assertTrue(self.fresh_months())
        self.Report.init()  # what an upgrade runs: the ledger may have changed
        self.assertFalse(self.fresh_months())
        self.assertSameAsRows(msg="after upgrade")
        self.Report._dealer_months_drop()
        self.env.cr.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'dealer_lost_revenue_%%'")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.events[0].amount = 1  # the sources are writable without the addon's tables
        self.env.flush_all()


@tagged("post_install", "-at_install")
class TestLostRevenueMonthsRace(TransactionCase):
    """The race the dirty list exists for, on real transactions: a change committed while the
    daily job sums its month is not in the sums, so its month must stay read from the rows."""

    def test_a_change_committed_while_its_month_is_summed_stays_read_from_rows(self):
        registry = self.env.registry
        month = date.today().replace(day=1) - relativedelta(months=2)
        writer, summer = registry.cursor(), registry.cursor()
        self.addCleanup(self._clean, writer, summer)
        for cr in (writer, summer):
            cr.execute("SET lock_timeout = '20s'")
        w_env = api.Environment(writer, SUPERUSER_ID, {})
        s_env = api.Environment(summer, SUPERUSER_ID, {})
        company = w_env.ref("base.main_company")
        # the job's snapshot is taken before the writer commits
        summer.execute("SELECT 1")
        self.event_id = (
            w_env["dealer.loss.event"]
            .create(
                {
                    "date": month + relativedelta(days=4),
                    "kind": "no_show",
                    "reason_id": w_env.ref("dealer_service_lost_sales.lost_reason_no_show").id,
                    "amount": 12345,
                    "company_id": company.id,
                }
            )
            .id
        )
        writer.commit()
        self.assertGreater(s_env["dealer.lost.revenue.report"]._cron_dealer_refresh_months(), 0)
        summer.commit()

        def by_month(env, live=False):
            report = env["dealer.lost.revenue.report"].with_context(dealer_ledger_live=live)
            domain = [("company_id", "=", company.id), ("business", "=", "service")]
            return dict(report._read_group(domain, ["date:month"], ["lost_amount:sum"]))

        # a new transaction: the summed month does not hold the change, and is not read from the sums
        self.assertEqual(by_month(s_env), by_month(s_env, live=True))
        self.assertGreaterEqual(by_month(s_env)[month], 12345)
        summer.execute("SELECT count(*) FROM dealer_lost_revenue_month_dirty WHERE month = %s", [month])
        self.assertTrue(summer.fetchone()[0], "the writer's entry outlived the job that did not see it")
        # the next run sums it
        s_env["dealer.lost.revenue.report"]._cron_dealer_refresh_months()
        summer.commit()
        summer.execute("SELECT count(*) FROM dealer_lost_revenue_month_dirty WHERE month = %s", [month])
        self.assertFalse(summer.fetchone()[0])
        self.assertEqual(by_month(s_env), by_month(s_env, live=True))

    def _clean(self, writer, summer):
        writer.rollback()
        summer.rollback()
        if getattr(self, "event_id", None):
            writer.execute("DELETE FROM dealer_loss_event WHERE id = %s", [self.event_id])
        # back to no figures, as every other test of the run finds them
        writer.execute(
            "DELETE FROM dealer_lost_revenue_month; DELETE FROM dealer_lost_revenue_month_state;"
            " DELETE FROM dealer_lost_revenue_month_dirty"
        )
        writer.commit()
        writer.close()
        summer.close()
