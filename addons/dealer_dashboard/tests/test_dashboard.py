import json
import re
from datetime import date, datetime, timedelta

from odoo.addons.spreadsheet.utils.validate_data import (
    chart_fields,
    fields_in_spreadsheet,
    list_fields,
    markdown_link_regex,
    menus_xml_ids_in_spreadsheet,
    odoo_charts,
    odoo_view_links,
    pivot_measure_fields,
)
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.translate import code_translations

MENU_LINK = "odoo://ir_menu_xml_id/"


def linked_menus(data):
    """Menus of the charts and of the title links (Odoo's helper only sees the charts' menus)."""
    titles = (re.match(markdown_link_regex, cell) for sheet in data["sheets"] for cell in sheet["cells"].values())
    return menus_xml_ids_in_spreadsheet(data) | {
        m.group(2).removeprefix(MENU_LINK) for m in titles if m and m.group(2).startswith(MENU_LINK)
    }


@tagged("post_install", "-at_install")
class TestDealershipDashboard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref("dealer_dashboard.spreadsheet_dashboard_dealership")
        cls.data = json.loads(cls.dashboard.spreadsheet_data)
        cls.head = new_test_user(cls.env, login="t_dash_head", groups="dealer_crm.group_sales_head")
        cls.seller = new_test_user(cls.env, login="t_dash_seller", groups="dealer_crm.group_sales_manager")

    def test_dashboard_in_its_group_for_the_sales_head_only(self):
        self.assertEqual(self.dashboard.dashboard_group_id.name, "Dealership")
        self.assertTrue(self.dashboard.is_published)
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(self.dashboard, Dashboard.with_user(self.head).search([]))
        self.assertNotIn(self.dashboard, Dashboard.with_user(self.seller).search([]))

    def test_russian_dashboard(self):
        """The name in the side panel and the titles in the sheet (translated by the web client)."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_dashboard"], ["ru_RU"], overwrite=True)
        dashboard = self.dashboard.with_context(lang="ru_RU")
        self.assertEqual((dashboard.name, dashboard.dashboard_group_id.name), ("Автосалон", "Автосалон"))
        messages = code_translations.get_web_translations("dealer_dashboard", "ru_RU")["messages"]
        web = {message["id"]: message["string"] for message in messages}
        self.assertEqual(web.get("Sales funnel: plan and fact"), "Воронка продаж: план и факт")
        self.assertEqual(web.get("Period"), "Период")
        self.assertEqual(web.get("NPS and CSI by month"), "NPS и CSI по месяцам")
        self.assertEqual(web.get("Time to first human contact"), "Время до первого живого контакта")

    def test_every_model_field_and_menu_exists(self):
        """A renamed report field or menu breaks this test, not the dealer's dashboard; every menu
        a title or chart links to opens for the sales head."""
        used = fields_in_spreadsheet(self.data)
        self.assertLessEqual(
            {
                "dealer.funnel.report",
                "dealer.lead.response.report",
                "dealer.lost.revenue.report",
                "dealer.campaign.report",
                "dealer.campaign",
                "res.partner",
                "dealer.call",
                "crm.lead",
                "dealer.feedback",
                "dealer.effect.report",
            },
            set(used),
        )
        for model, names in used.items():
            self.assertIn(model, self.env)
            self.assertLessEqual(set(names), set(self.env[model]._fields), model)
        # the menus the web client gets (a menu under a parent hidden from the role is left out)
        menus = self.env["ir.ui.menu"].with_user(self.head).load_menus(False)
        reachable = {menu["xmlid"] for key, menu in menus.items() if key != "root"}
        links = linked_menus(self.data)
        self.assertGreaterEqual(len(links), 5)
        for xmlid in links:
            self.assertTrue(self.env.ref(xmlid).action, xmlid)
            self.assertTrue(xmlid in reachable, f"the sales head cannot open {xmlid}")
        for view in odoo_view_links(self.data):
            self.assertTrue(self.env[view["action"]["modelName"]].with_user(self.head).has_access("read"))

    def test_sales_head_reads_every_figure(self):
        """Each pivot and chart is grouped, each list read, as the web client does for the sales head."""
        for pivot in self.data["pivots"].values():
            Model = self.env[pivot["model"]].with_user(self.head)
            info = Model.fields_get()
            dimensions = pivot["rows"] + pivot["columns"]
            meas = pivot_measure_fields(pivot)
            for name in (d["fieldName"] for d in dimensions):
                self.assertTrue(info[name].get("groupable"), f"{pivot['model']}.{name} cannot be grouped")
            groupby = [":".join(filter(None, (d["fieldName"], d.get("granularity")))) for d in dimensions]
            for name in meas:
                self.assertTrue(info[name].get("aggregator"), f"{pivot['model']}.{name} is no measure")
            aggregates = [f"{m}:{info[m]['aggregator']}" for m in meas] + ["__count"]
            Model.formatted_read_group(pivot["domain"], groupby, aggregates)
        for chart in odoo_charts(self.data):
            model, _fields = chart_fields(chart)
            Model, meta = self.env[model].with_user(self.head), chart["metaData"]
            measure = meta["measure"]
            if measure != "__count":
                measure = f"{measure}:{Model.fields_get([measure])[measure]['aggregator']}"
            Model.formatted_read_group(chart["searchParams"]["domain"], meta["groupBy"], [measure])
        for definition in self.data["lists"].values():
            model, names = list_fields(definition)
            records = self.env[model].with_user(self.head).search(definition["domain"], limit=10)
            records.read(definition["columns"])

    # ------------------------------------------------------------
    # The figures of issue 21: calls, first human contact, NPS and CSI
    # ------------------------------------------------------------

    def _figure(self, name, records):
        """The totals of the dashboard's pivot ``name`` over ``records``, read by the sales head with
        the pivot's own domain and measures (as the spreadsheet asks the server)."""
        pivot = next(p for p in self.data["pivots"].values() if p["name"] == name)
        Model = self.env[pivot["model"]].with_user(self.head)
        info = Model.fields_get()
        measures = [m for m in pivot_measure_fields(pivot) if m != "__count"]
        aggregates = [f"{m}:{info[m]['aggregator']}" for m in measures] + ["__count"]
        domain = [*pivot["domain"], ("id", "in", records.ids)]
        values = Model.with_context(active_test=False)._read_group(domain, [], aggregates)[0]
        return dict(zip([*measures, "__count"], values, strict=True))

    def test_calls_figures_answered_in_norm_missed_and_call_back(self):
        customer = self.env["res.partner"].create({"name": "Caller", "phone": "+79160000001"})
        start = datetime(2026, 3, 2, 10, 0)
        Call = self.env["dealer.call"]
        base = {"source": "api", "direction": "inbound", "partner_id": customer.id, "line": "sales"}
        calls = Call.create(
            [
                {**base, "status": "answered", "started_at": start, "ring_seconds": 10, "duration_seconds": 60},
                {**base, "status": "answered", "started_at": start, "ring_seconds": 40, "duration_seconds": 60},
                {**base, "status": "missed", "started_at": start + timedelta(hours=1), "ring_seconds": 30},
            ]
        )
        missed = calls[2]
        callback = Call.create(
            {
                **base,
                "direction": "outbound",
                "status": "answered",
                "started_at": missed.started_at + timedelta(minutes=12),
                "duration_seconds": 90,
            }
        )
        self.assertEqual(missed.callback_call_id, callback, "the call journal links the call-back")
        inbound = self._figure("Inbound calls: answered within the norm and missed", calls | callback)
        self.assertEqual(inbound["__count"], 3, "outbound calls are not in the answering figures")
        self.assertAlmostEqual(inbound["in_norm_percent"], 100 / 3, places=1, msg="one of three within 15 s")
        self.assertAlmostEqual(inbound["missed_percent"], 100 / 3, places=1)
        callbacks = self._figure("Time to call back a missed call (min)", calls | callback)
        self.assertEqual(callbacks["__count"], 1, "only the missed call that was called back")
        self.assertAlmostEqual(callbacks["callback_minutes"], 12.0)

    def test_first_human_contact_figure(self):
        team = self.env["crm.team"].create({"name": "Dashboard team"})
        leads = (
            self.env["crm.lead"]
            .with_context(dealer_sla_skip=True)
            .create([{"name": f"Lead {i}", "team_id": team.id, "dealer_channel": "web"} for i in range(3)])
        )
        start = datetime(2026, 3, 2, 7, 0)
        for lead in leads:
            lead._dealer_start_sla(start=start)
        leads[0]._dealer_register_contact(start + timedelta(minutes=6))
        leads[1]._dealer_register_contact(start + timedelta(minutes=30))
        figure = self._figure("Time to first human contact", leads)
        self.assertEqual(figure["__count"], 2, "the lead still waiting is not in the average")
        self.assertAlmostEqual(figure["dealer_response_minutes"], 18.0)
        self.assertAlmostEqual(figure["dealer_response_in_policy"], 50.0, msg="one of two within 15 minutes")
        self.assertTrue(figure["dealer_response_work_minutes"] <= figure["dealer_response_minutes"])

    def test_nps_and_csi_figure(self):
        customer = self.env["res.partner"].create({"name": "Rater"})
        base = {
            "partner_id": customer.id,
            "kind": "service",
            "company_id": self.env.company.id,
            "event_date": date(2026, 3, 2),
        }
        feedback = self.env["dealer.feedback"].create(
            [
                {**base, "state": "answered", "score": score, "answer_date": datetime(2026, 3, 3, 9, 0)}
                for score in (10, 8, 3)
            ]
            + [{**base, "state": "sent"}]
        )
        figure = self._figure("NPS and CSI by month", feedback)
        self.assertEqual(figure["__count"], 3, "a survey not answered yet is not counted")
        self.assertAlmostEqual(figure["nps_points"], 0.0, msg="one promoter, one passive, one detractor")
        self.assertAlmostEqual(figure["csi_points"], 70.0)

    def test_incremental_effect_figure(self):
        """Booking rate of the treated group against the control group of a campaign, as the head reads it."""
        campaign = self.env["dealer.campaign"].create(
            {"name": "Measured", "trigger": "insurance", "state": "done", "control_share": 50}
        )
        people = self.env["res.partner"].create([{"name": f"Enrolled {i}"} for i in range(4)])
        cars = self.env["dealer.vehicle"].create([{"partner_id": p.id} for p in people])
        enrolments = self.env["dealer.campaign.enrolment"].create(
            [
                {
                    "campaign_id": campaign.id,
                    "partner_id": car.partner_id.id,
                    "vehicle_id": car.id,
                    "occurrence_date": date(2026, 3, 1),
                    "enrolled_at": datetime(2026, 3, 1, 9, 0),
                    "control": index >= 2,
                }
                for index, car in enumerate(cars)
            ]
        )
        # one of the two treated cars came in within the window, neither control car did
        self.env["dealer.visit"].create(
            {"vehicle_id": cars[0].id, "partner_id": people[0].id, "date": date(2026, 3, 5), "state": "done"}
        )
        name = "Incremental effect of campaigns: treated against control"
        treated = self._figure(name, enrolments.filtered(lambda e: not e.control))
        control = self._figure(name, enrolments.filtered("control"))
        self.assertEqual((treated["customer_count"], control["customer_count"]), (2, 2))
        self.assertAlmostEqual(treated["booking_rate"], 50.0)
        self.assertAlmostEqual(control["booking_rate"], 0.0)
