"""Base classes of dealer_crm's tests, also used by the addons built on it.

``DealerCrmCase`` is the root: an Odoo ``MailCase`` (its mail gateway mock and mail asserts at
hand) with tracking off. The fixture sets of the customer card, the sales floor and the
automation building blocks derive from it; the integration API and the browser tours run over
real HTTP (``HttpCase``).
"""

import json
import logging
import subprocess
from contextlib import contextmanager
from datetime import timedelta
from importlib import util
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.addons.mail.tests.common import MailCase
from odoo.modules.module import get_module_path
from odoo.tests import Form, HttpCase, freeze_time, new_test_user

# The suite's security groups, dealer_crm.group_<name>: the dealership's roles, the director
# (dealer_manager) and the integration account. The column order of the repository's access
# matrix (tests/test_access_matrix.py), which imports it, and the users of the role tests.
ROLE_GROUP_NAMES = (
    "call_center",
    "receptionist",
    "service_client_manager",
    "service_advisor",
    "sales_manager",
    "fi_manager",
    "documents_clerk",
    "cashier",
    "marketer",
    "sales_head",
    "dealer_manager",
    "integration",
)


# A private buyer's identity document: a deal of a private buyer is won only with it
# (res.company.dealer_require_identity); fixtures whose customers buy cars carry it.
BUYER_IDENTITY = {
    "dealer_id_number": "45 10 123456",
    "dealer_id_issued_by": "OVD Tverskoy, Moscow",
    "dealer_id_issue_date": "2015-06-01",
}


class DealerCrmCase(MailCase):
    """Tracking off, the current company at hand; nothing from demo data is relied upon."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        # A PDF test (force_report_rendering) runs wkhtmltopdf, which asks report.url, else this
        # very server, for the report's styles; that request waits for the test's own uncommitted
        # transaction (the report's asset bundle), and the test waits for wkhtmltopdf: it hangs.
        # Nothing answers here: the PDF is made without the styles, its text is the same.
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")


class DealerCustomerCase(DealerCrmCase):
    """Customers, cars and deals of the customer card, life-cycle, sales process and role tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=True))
        cls.company.country_id = cls.env.ref("base.ru")
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "Testmake"})
        cls.car_model = cls.env["dealer.vehicle.model"].create(
            {
                "name": "Roadster",
                "brand_id": cls.brand.id,
                "maintenance_interval_km": 15000,
                "maintenance_interval_months": 12,
            }
        )
        cls.team = cls.env.ref("dealer_crm.crm_team_dealer_showroom")
        cls.stage = {
            step: cls.env.ref(f"dealer_crm.crm_stage_dealer_{step}")
            for step in ("request", "needs", "test_drive", "offer", "fi", "contract", "payment", "delivery")
        }
        cls.salesman = new_test_user(
            cls.env, login="t_sales_manager", groups="dealer_crm.group_sales_manager", name="Sam Sales"
        )

    @classmethod
    def make_vehicle(cls, vin, **vals):
        return cls.env["dealer.vehicle"].create(
            {"vin": vin, "brand_id": cls.brand.id, "model_id": cls.car_model.id, **vals}
        )

    @classmethod
    def make_customer(cls, name="Ivan Petrov", **vals):
        return cls.env["res.partner"].create({"name": name, "phone": "+7 916 000-00-01", **BUYER_IDENTITY, **vals})

    @classmethod
    def make_deal(cls, partner, **vals):
        return cls.env["crm.lead"].create(
            {
                "name": "Car deal",
                "type": "opportunity",
                "partner_id": partner.id,
                "team_id": cls.team.id,
                "stage_id": cls.stage["request"].id,
                "user_id": cls.salesman.id,
                **vals,
            }
        )


class DealerSalesCase(DealerCrmCase):
    """A showroom team with two salespeople, its head, reception, F&I and the director."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson_1 = new_test_user(cls.env, login="north_sales_1", groups="dealer_crm.group_sales_manager")
        cls.salesperson_2 = new_test_user(cls.env, login="north_sales_2", groups="dealer_crm.group_sales_manager")
        cls.team_head = new_test_user(cls.env, login="north_head", groups="dealer_crm.group_sales_head")
        cls.director = new_test_user(cls.env, login="north_director", groups="dealer_crm.group_dealer_manager")
        cls.receptionist = new_test_user(cls.env, login="north_reception", groups="dealer_crm.group_receptionist")
        cls.fi_manager = new_test_user(cls.env, login="north_fi", groups="dealer_crm.group_fi_manager")
        cls.company.dealer_director_id = cls.director
        cls.team = cls.env["crm.team"].create(
            {
                "name": "North showroom",
                "dealer_is_dealership": True,
                "sequence": 0,
                "user_id": cls.team_head.id,
                "company_id": cls.company.id,
                "crm_team_member_ids": [
                    Command.create({"user_id": cls.salesperson_1.id}),
                    Command.create({"user_id": cls.salesperson_2.id}),
                ],
            }
        )
        cls.stage_new, cls.stage_won = cls.env["crm.stage"].create(
            [
                {"name": "North: new request", "sequence": 0, "team_ids": [Command.set(cls.team.ids)]},
                {"name": "North: won", "sequence": 99, "is_won": True, "team_ids": [Command.set(cls.team.ids)]},
            ]
        )
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "Volga Motors"})
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "Alpha", "brand_id": cls.brand.id})
        cls.other_model = cls.env["dealer.vehicle.model"].create({"name": "Beta", "brand_id": cls.brand.id})

    @classmethod
    def _lead(cls, **vals):
        """A lead without the automatic clock (tests start it explicitly when they need it)."""
        values = {"name": "Lead", "team_id": cls.team.id, "user_id": False, "dealer_channel": "web"}
        values.update(vals)
        return cls.env["crm.lead"].with_context(dealer_sla_skip=True).create(values)

    @classmethod
    def _vehicle(cls, model=None, state="stock", **vals):
        values = {"brand_id": cls.brand.id, "model_id": (model or cls.car_model).id, "state": state}
        values.update(vals)
        return cls.env["dealer.vehicle"].create(values)

    def activities_of(self, user, records):
        return self.env["mail.activity"].search(
            [
                ("user_id", "=", user.id),
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
            ]
        )


class DealerAutomationCase(DealerCrmCase):
    """Automation rules and building blocks of the three addons: a showroom and a fleet team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login="east_admin", groups="base.group_system,dealer_crm.group_dealer_manager"
        )
        cls.sales_1 = new_test_user(cls.env, login="east_sales_1", groups="dealer_crm.group_sales_manager")
        cls.sales_2 = new_test_user(cls.env, login="east_sales_2", groups="dealer_crm.group_sales_manager")
        cls.fleet_1 = new_test_user(cls.env, login="fleet_sales_1", groups="dealer_crm.group_sales_manager")
        cls.fi_manager = new_test_user(cls.env, login="east_fi", groups="dealer_crm.group_fi_manager")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "East showroom",
                "dealer_is_dealership": True,
                "sequence": 0,
                "company_id": cls.company.id,
                "crm_team_member_ids": [
                    Command.create({"user_id": cls.sales_1.id}),
                    Command.create({"user_id": cls.sales_2.id}),
                ],
            }
        )
        # Every real lead sits in a stage (crm looks one up lead by lead for those without).
        cls.stage = cls.env["crm.stage"].create(
            {"name": "East: new request", "sequence": 0, "team_ids": [Command.set(cls.team.ids)]}
        )
        cls.fleet_team = cls.env["crm.team"].create(
            {
                "name": "Fleet sales",
                "dealer_is_dealership": True,
                "sequence": 1,
                "company_id": cls.company.id,
                "crm_team_member_ids": [Command.create({"user_id": cls.fleet_1.id})],
            }
        )
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "Kama Motors"})
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "Kama Alpha", "brand_id": cls.brand.id})
        cls.customer = cls.env["res.partner"].create({"name": "Pavel Orlov", "phone": "+79005550101"})

    @classmethod
    def _lead(cls, **vals):
        values = {
            "name": "Web request",
            "team_id": cls.team.id,
            "stage_id": cls.stage.id,
            "user_id": False,
            "dealer_channel": "web",
        }
        values.update(vals)
        return cls.env["crm.lead"].with_context(dealer_sla_skip=True).create(values)

    @classmethod
    def _vehicle(cls, state="customer", **vals):
        values = {"brand_id": cls.brand.id, "model_id": cls.car_model.id, "state": state}
        values.update(vals)
        return cls.env["dealer.vehicle"].create(values)

    def activities(self, records, summary):
        return self.env["mail.activity"].search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids), ("summary", "=", summary)]
        )

    @contextmanager
    def admin_rule_form(self, name, model, trigger):
        """The Automation Rules screen as an administrator fills it in."""
        form = Form(self.env["base.automation"].with_user(self.admin), view="base_automation.view_base_automation_form")
        form.name = name
        form.model_id = self.env["ir.model"]._get(model)
        form.trigger = trigger
        yield form

    def run_time_rules(self, when, rules):
        """Run Odoo's time-based automation cron at ``when`` (naive UTC), as the scheduler would.

        The given rules are made to look as if the cron last ran a day earlier; the cron commits
        between rules, which a test must not do, so that commit is skipped.
        """
        rules.write({"last_run": when - timedelta(days=1)})
        cron_class = type(self.env["ir.cron"])
        with (
            freeze_time(when),
            patch.object(self.env.cr, "_now", when),
            patch.object(cron_class, "_commit_progress", lambda *args, **kwargs: float("inf")),
        ):
            self.env["base.automation"]._cron_process_time_based_actions()


def server_access_log(path):
    """What the server's access log writes for a request of ``path``: the record Odoo's request handler logs
    (``odoo.service.server.CommonRequestHandler.log_request``: logger ``werkzeug``, the request line as its
    first argument), passed through that logger's filters."""
    logger = logging.getLogger("werkzeug")
    args = (f"GET {path} HTTP/1.1", "200", "-")
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 0, '"%s" %s %s', args, None)
    logger.filter(record)
    return record.getMessage()


def pdf_text(pdf_bytes):
    """The text of a PDF, as a customer reads it (``pdftotext`` of poppler-utils).

    Render the PDF (``force_report_rendering=True``) in a test class derived from
    ``DealerCrmCase``: it points ``report.url`` where nothing answers, so that wkhtmltopdf does not
    ask the test server for the report's styles (that request would wait on the test's own
    transaction, and the test on wkhtmltopdf).
    """
    return subprocess.run(["pdftotext", "-", "-"], input=pdf_bytes, capture_output=True, check=True).stdout.decode()


def slow(test_method):
    """Tag one test method ``dealer_slow`` (a test case that honours it): only ``./suite test --full`` runs it."""
    test_method.dealer_slow = True
    return test_method


class SlowMethodsMixin:
    """Honours :func:`slow` on the test methods of an Odoo test case."""

    def get_method_additional_tags(self, test_method):
        tags = super().get_method_additional_tags(test_method)
        return [*tags, "dealer_slow"] if getattr(test_method, "dealer_slow", False) else tags


class DealerApiCase(SlowMethodsMixin, HttpCase):
    """The integration API over real HTTP, with an integration key and a key of a plain user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env.company.country_id = cls.env.ref("base.ru")
        cls.api_user = new_test_user(
            cls.env, login="dealer_api_bot", groups="base.group_user,dealer_crm.group_integration"
        )
        cls.api_key = cls.env["res.users.apikeys"].with_user(cls.api_user).sudo()._generate("dealer_api", "test", None)
        cls.plain_user = new_test_user(cls.env, login="dealer_api_plain", groups="base.group_user")
        cls.plain_key = (
            cls.env["res.users.apikeys"].with_user(cls.plain_user).sudo()._generate("dealer_api", "test", None)
        )

    def post(self, path, body, key=None, headers=None, raw=None, method="POST"):
        """POST ``body`` as JSON; returns ``(status, parsed JSON)`` and checks the answer is JSON."""
        all_headers = {"Content-Type": "application/json"}
        if key is not False:
            all_headers["Authorization"] = f"Bearer {key or self.api_key}"
        all_headers.update(headers or {})
        data = raw if raw is not None else json.dumps(body)
        response = self.url_open(path, data=data, headers=all_headers, timeout=60, method=method)
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json", response.text)
        return response.status_code, response.json()

    def assertApiError(self, answer, status, code, field=None):
        got_status, body = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        if field is not None:
            self.assertEqual(body["error"]["field"], field, body)

    def table_counts(self, *models):
        return {model: self.env[model].sudo().with_context(active_test=False).search_count([]) for model in models}


class DealerTourCase(SlowMethodsMixin, HttpCase):
    """Runs a tour as a given role user in a given language.

    The Russian run proves the tours (and so the screens) do not depend on English labels:
    Russian is activated and set on the user, the tour selects by field and button names.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")

    @classmethod
    def _tour_user(cls, login, groups):
        return new_test_user(cls.env, login=login, groups=groups, tz="Europe/Moscow")

    def run_tour(self, url, tour, user, lang="en_US"):
        user.lang = lang
        self.start_tour(url, tour, login=user.login)


def user_of(env, company, login, groups):
    """A user who works for ``company`` only: staff of another showroom."""
    return new_test_user(env, login=login, groups=groups, company_id=company.id, company_ids=[Command.set(company.ids)])


def load_migration(module, version):
    """``module``'s post-migrate script of ``version``, loaded as Odoo's upgrade does (call its ``migrate``)."""
    path = Path(get_module_path(module)) / "migrations" / version / "post-migrate.py"
    spec = util.spec_from_file_location(f"{module}_migrate_{version.replace('.', '_')}", path)
    migration = util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration
