import importlib.util
from pathlib import Path

from odoo.tools import SQL

from .common import ServiceLostSalesCase


def load_migration(version, name):
    path = Path(__file__).parents[1] / "migrations" / version / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"dealer_service_lost_sales_{name}_{version}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestServiceLeadUpgrade(ServiceLostSalesCase):
    """Upgrading from 19.0.1.2.0: the line of business (dealer_kind) becomes the interest."""

    def _old_column(self, values):
        """The column of the old version, back for this test (the test's transaction drops it).

        A database upgraded from that version may still have it: Odoo leaves the column of a removed
        field in place until the end of the upgrade, after the addon's tests ran.
        """
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS dealer_kind varchar")
        for kind, leads in values.items():
            self.env.cr.execute("UPDATE crm_lead SET dealer_kind = %s WHERE id IN %s", [kind, tuple(leads.ids)])

    def _store(self, record, fname, text):
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s = %s WHERE id = %s",
                SQL.identifier(record._table),
                SQL.identifier(fname),
                text,
                record.id,
            )
        )

    def test_service_kind_becomes_the_service_interest(self):
        booking = self.service_lead()
        # a service opportunity of the old version whose interest was not set to service
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead SET dealer_interest = 'new_car' WHERE id = %s", [booking.id])
        request = self.Lead.create({"name": "Web request", "dealer_interest": "service"})
        sales = self.Lead.create({"name": "New car", "type": "opportunity"})
        # a service request of the old version stayed in the sales team: it is not moved
        self.env.cr.execute(
            "UPDATE crm_lead SET team_id = %s, stage_id = NULL WHERE id = %s",
            [self.env.ref("dealer_crm.crm_team_dealer_showroom").id, request.id],
        )
        self._old_column({"service": booking, "sales": request | sales})
        saved = self.env["ir.filters"].create({"name": "Service, by kind", "model_id": "crm.lead"})
        self._store(saved, "domain", "[('dealer_kind', '=', 'sales')]")
        self._store(saved, "context", "{'default_dealer_kind': 'sales', 'group_by': ['dealer_kind']}")
        self._store(self.team, "assignment_domain", '[("dealer_kind", "=", "service")]')
        rule = self.env.ref("dealer_service_lost_sales.automation_no_show_call_back")
        self._store(rule, "filter_domain", "[('active', '=', False), ('dealer_kind', '=', 'service')]")
        action = self.env.ref("dealer_service_lost_sales.crm_lead_service_action")
        self._store(action, "context", "{'default_dealer_kind': 'service', 'default_type': 'opportunity'}")
        leads_before = self.Lead.with_context(active_test=False).search_count([])

        load_migration("19.0.1.3.0", "pre-migrate").migrate(self.env.cr, "19.0.1.2.0")
        self.env.invalidate_all()

        self.assertEqual(self.Lead.with_context(active_test=False).search_count([]), leads_before)
        self.assertEqual(
            [booking.dealer_interest, request.dealer_interest, sales.dealer_interest], ["service", "service", "new_car"]
        )
        self.assertEqual(request.team_id, self.env.ref("dealer_crm.crm_team_dealer_showroom"), "not re-routed")
        self.assertFalse(request.stage_id)
        self.assertEqual(saved.domain, "[('dealer_interest', '!=', 'service')]")
        self.assertEqual(saved.context, "{'group_by': ['dealer_interest']}")
        self.assertEqual(self.team.assignment_domain, '[("dealer_interest", "=", "service")]')
        self.assertEqual(rule.filter_domain, "[('active', '=', False), ('dealer_interest', '=', 'service')]")
        self.assertEqual(action.context, "{'default_dealer_interest': 'service', 'default_type': 'opportunity'}")

    def test_nothing_to_do_without_the_old_column(self):
        domain = self.team.assignment_domain
        load_migration("19.0.1.3.0", "pre-migrate").migrate(self.env.cr, "19.0.1.2.0")
        self.assertEqual(self.team.assignment_domain, domain)
