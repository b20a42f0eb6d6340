"""Fixtures shared by the customer card, life-cycle, sales process and role tests."""

from odoo.tests import TransactionCase, new_test_user


class DealerCustomerCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.company = cls.env.company
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
        return cls.env["res.partner"].create({"name": name, "phone": "+7 916 000-00-01", **vals})

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
