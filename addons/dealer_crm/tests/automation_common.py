"""Base class of the automation tests of the three addons (rules, building blocks, webhooks)."""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user


class DealerAutomationCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.admin = new_test_user(cls.env, login="h7_admin", groups="base.group_system,dealer_crm.group_dealer_manager")
        cls.sales_1 = new_test_user(cls.env, login="h7_sales_1", groups="dealer_crm.group_sales_manager")
        cls.sales_2 = new_test_user(cls.env, login="h7_sales_2", groups="dealer_crm.group_sales_manager")
        cls.fleet_1 = new_test_user(cls.env, login="h7_fleet_1", groups="dealer_crm.group_sales_manager")
        cls.fi_manager = new_test_user(cls.env, login="h7_fi", groups="dealer_crm.group_fi_manager")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "H7 showroom",
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
            {"name": "H7 new", "sequence": 0, "team_ids": [Command.set(cls.team.ids)]}
        )
        cls.fleet_team = cls.env["crm.team"].create(
            {
                "name": "H7 fleet sales",
                "dealer_is_dealership": True,
                "sequence": 1,
                "company_id": cls.company.id,
                "crm_team_member_ids": [Command.create({"user_id": cls.fleet_1.id})],
            }
        )
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "H7 Motors"})
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "H7 Alpha", "brand_id": cls.brand.id})
        cls.customer = cls.env["res.partner"].create({"name": "H7 Customer", "phone": "+79005550101"})

    @classmethod
    def _lead(cls, **vals):
        values = {
            "name": "H7 lead",
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
