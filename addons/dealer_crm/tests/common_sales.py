"""Base class for the showroom, routing/SLA, reservation, follow-up and funnel tests."""

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class DealerSalesCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.salesperson_1 = new_test_user(cls.env, login="h2_sales_1", groups="dealer_crm.group_sales_manager")
        cls.salesperson_2 = new_test_user(cls.env, login="h2_sales_2", groups="dealer_crm.group_sales_manager")
        cls.team_head = new_test_user(cls.env, login="h2_head", groups="dealer_crm.group_sales_head")
        cls.director = new_test_user(cls.env, login="h2_director", groups="dealer_crm.group_dealer_manager")
        cls.receptionist = new_test_user(cls.env, login="h2_reception", groups="dealer_crm.group_receptionist")
        cls.fi_manager = new_test_user(cls.env, login="h2_fi", groups="dealer_crm.group_fi_manager")
        cls.company.dealer_director_id = cls.director
        cls.team = cls.env["crm.team"].create(
            {
                "name": "H2 showroom",
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
                {"name": "H2 new", "sequence": 0, "team_ids": [Command.set(cls.team.ids)]},
                {"name": "H2 won", "sequence": 99, "is_won": True, "team_ids": [Command.set(cls.team.ids)]},
            ]
        )
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "H2 Motors"})
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
