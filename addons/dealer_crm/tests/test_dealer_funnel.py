import psycopg2
from lxml import etree

from odoo import fields
from odoo.addons.dealer_crm.report.dealer_funnel_report import KPIS
from odoo.tools import mute_logger

from .common import BUYER_IDENTITY, DealerCrmCase, DealerSalesCase


class TestDealerFunnel(DealerSalesCase):
    """A month of one team with hand-computed plan, fact and %.

    Plan: NV 1000, NG 100, NL 20, NS 4, AC 2,000,000.
    Fact: NV 600 (web traffic) → 60 %; NG 40 + 20 counted + 3 walk-ins = 63 → 63 %;
    NL 5 leads → 25 %; NS 2 won → 50 %; AC (1,800,000 + 2,400,000) / 2 = 2,100,000 → 105 %.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env["res.users"])
        cls.month = today.replace(day=1)
        cls.env["dealer.funnel.target"].create(
            {
                "month": today,
                "team_id": cls.team.id,
                "target_nv": 1000,
                "target_ng": 100,
                "target_nl": 20,
                "target_ns": 4,
                "target_ac": 2_000_000,
            }
        )
        cls.env["dealer.traffic"].create(
            [
                {"date": today, "channel": "web", "team_id": cls.team.id, "views_count": 600, "visitors_count": 40},
                {"date": today, "channel": "phone", "team_id": cls.team.id, "views_count": 0, "visitors_count": 20},
            ]
        )
        cls.env["dealer.walkin"].create([{"name": f"Guest {i}", "team_id": cls.team.id} for i in range(3)])
        customer = cls.env["res.partner"].create({"name": "Buyer", "phone": "+79001230000", **BUYER_IDENTITY})
        leads = cls.env["crm.lead"]
        for i in range(5):
            leads |= cls._lead(
                name=f"Deal {i}",
                user_id=cls.salesperson_1.id,
                partner_id=customer.id,
                expected_revenue=(1_800_000, 2_400_000, 999, 999, 999)[i],
            )
        for lead, plate in zip(leads[:2], ("W001WW77", "W002WW77"), strict=True):
            lead.vehicle_id = cls._vehicle(plate=plate)
        leads[:2].action_set_won()
        cls.other_team = cls.env["crm.team"].create({"name": "North used cars"})
        cls._lead(name="Elsewhere", team_id=cls.other_team.id, user_id=cls.salesperson_2.id)

    def _row(self):
        return self.env["dealer.funnel.report"].search([("team_id", "=", self.team.id), ("month", "=", self.month)])

    def test_plan_fact_and_percent(self):
        row = self._row()
        self.assertEqual(len(row), 1)
        expected = {
            "nv": (1000, 600, 60.0),
            "ng": (100, 63, 63.0),
            "nl": (20, 5, 25.0),
            "ns": (4, 2, 50.0),
            "ac": (2_000_000, 2_100_000, 105.0),
        }
        for kpi, (plan, fact, pct) in expected.items():
            self.assertAlmostEqual(row[f"plan_{kpi}"], plan, msg=f"plan {kpi}")
            self.assertAlmostEqual(row[f"fact_{kpi}"], fact, msg=f"fact {kpi}")
            self.assertAlmostEqual(row[f"pct_{kpi}"], pct, msg=f"% {kpi}")

    def test_totals_are_ratios_of_sums_not_averages(self):
        """Both teams together: AC = 4,200,000 / 2 deals, NL % = 6 leads / 20 planned, NS % = 2 / 4.

        An average over the two rows would say AC 1,050,000 (the other team sold nothing) and
        NL 25 % (the other team has no plan).
        """
        [(fact_ac, pct_nl, pct_ns, pct_ac, plan_ac)] = self.env["dealer.funnel.report"]._read_group(
            [("team_id", "in", [self.team.id, self.other_team.id]), ("month", "=", self.month)],
            [],
            ["fact_ac:avg", "pct_nl:avg", "pct_ns:avg", "pct_ac:avg", "plan_ac:avg"],
        )
        self.assertAlmostEqual(fact_ac, 2_100_000)
        self.assertAlmostEqual(pct_nl, 30.0)
        self.assertAlmostEqual(pct_ns, 50.0)
        self.assertAlmostEqual(plan_ac, 2_000_000)
        self.assertAlmostEqual(pct_ac, 105.0)

    def test_team_without_plan_has_facts_and_no_percent(self):
        row = self.env["dealer.funnel.report"].search(
            [("team_id", "=", self.other_team.id), ("month", "=", self.month)]
        )
        self.assertEqual(row.fact_nl, 1)
        self.assertFalse(row.pct_nl)

    def test_kpi_pivot_has_every_plan_fact_and_percent(self):
        """The pivot behind *Funnel plan-fact by KPI* (its Download xlsx writes what it shows): one
        row per month and team, with plan, fact and % of every KPI, read as the pivot reads them."""
        Report = self.env["dealer.funnel.report"]
        view = self.env.ref("dealer_crm.dealer_funnel_report_view_pivot_kpis")
        arch = etree.fromstring(Report.get_views([(view.id, "pivot")])["views"]["pivot"]["arch"])
        rows = [node.get("name") for node in arch.iterfind("field[@type='row']")]
        measures = [node.get("name") for node in arch.iterfind("field[@type='measure']")]
        self.assertEqual(rows, ["month", "team_id"])
        self.assertEqual(measures, [f"{kind}_{kpi}" for kpi in KPIS for kind in ("plan", "fact", "pct")])
        specs = {name: f"{name}:{Report._fields[name].aggregator}" for name in measures}
        [group] = Report.formatted_read_group(
            [("team_id", "in", self.team.ids), ("month", ">=", self.month), ("month", "<=", self.month)],
            ["month:month", "team_id"],
            list(specs.values()),
        )
        self.assertEqual(group["month:month"][0], self.month.strftime("%Y-%m-%d"))
        self.assertEqual(group["team_id"][0], self.team.id)
        expected = {
            "nv": (1000, 600, 60),
            "ng": (100, 63, 63),
            "nl": (20, 5, 25),
            "ns": (4, 2, 50),
            "ac": (2_000_000, 2_100_000, 105),
        }
        for kpi, numbers in expected.items():
            values = tuple(group[specs[f"{kind}_{kpi}"]] for kind in ("plan", "fact", "pct"))
            self.assertEqual(values, numbers, kpi)

    def test_plan_month_is_stored_as_first_day(self):
        target = self.env["dealer.funnel.target"].search([("team_id", "=", self.team.id)])
        self.assertEqual(target.month, self.month)

    def test_a_team_of_several_showrooms_keeps_their_figures_apart(self):
        """The default showroom team has no company: each showroom sees its own leads in its funnel,
        not the sum of the group's under the first showroom."""
        shared = self.env["crm.team"].create({"name": "Group showroom", "company_id": False})
        other = self.env["res.company"].create({"name": "Other showroom"})
        self.env.user.company_ids |= other
        self._lead(name="Here 1", team_id=shared.id)
        self._lead(name="Here 2", team_id=shared.id)
        self._lead(name="There", team_id=shared.id, company_id=other.id)
        rows = self.env["dealer.funnel.report"].search([("team_id", "=", shared.id)])
        self.assertEqual({(row.company_id, row.fact_nl) for row in rows}, {(self.env.company, 2), (other, 1)})
        # what the report's company rule then gives a user of one showroom
        seller = self.salesperson_1.with_context(allowed_company_ids=self.env.company.ids)
        seen = self.env["dealer.funnel.report"].with_user(seller).search([("team_id", "=", shared.id)])
        self.assertEqual(seen.mapped("fact_nl"), [2])
        # each showroom plans the shared team's month for itself: one showroom's plan neither blocks nor tells
        Target = self.env["dealer.funnel.target"]
        Target.create({"team_id": shared.id, "company_id": self.env.company.id, "month": self.month, "target_nl": 5})
        Target.create({"team_id": shared.id, "company_id": other.id, "month": self.month, "target_nl": 3})
        self.env.flush_all()
        self.env.invalidate_all()  # the report is a view: its rows read above are read again
        rows = self.env["dealer.funnel.report"].search([("team_id", "=", shared.id), ("month", "=", self.month)])
        self.assertEqual({(row.company_id, row.plan_nl) for row in rows}, {(self.env.company, 5), (other, 3)})
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            Target.create({"team_id": shared.id, "company_id": other.id, "month": self.month})


class TestDemoFunnel(DealerCrmCase):
    """Installed with demo data, the plan-fact funnel of the showroom has a plan and facts."""

    def test_showroom_month_has_plan_and_traffic(self):
        target = self.env.ref("dealer_crm.dealer_funnel_target_this_month_demo", raise_if_not_found=False)
        if not target:
            self.skipTest("installed without demo data")
        row = self.env["dealer.funnel.report"].search(
            [("team_id", "=", target.team_id.id), ("month", "=", target.month)]
        )
        self.assertEqual((row.plan_nv, row.plan_nl, row.plan_ns), (12000, 60, 12))
        self.assertEqual(row.fact_nv, 4100, "the month's advertising views")
        self.assertGreaterEqual(row.fact_ng, 201, "counted web and phone guests, plus the walk-ins of this month")
        self.assertAlmostEqual(row.pct_nv, 4100 / 12000 * 100, places=0)
