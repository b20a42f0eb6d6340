from odoo.exceptions import UserError
from odoo.tests import new_test_user

from .common import DealerCustomerCase


class TestSalesProcess(DealerCustomerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fi_user = new_test_user(cls.env, login="t_fi", groups="dealer_crm.group_fi_manager")
        cls.clerk = new_test_user(cls.env, login="t_clerk", groups="dealer_crm.group_documents_clerk")
        cls.cashier = new_test_user(cls.env, login="t_cashier", groups="dealer_crm.group_cashier")
        cls.team.write(
            {
                "dealer_fi_user_id": cls.fi_user.id,
                "dealer_docs_user_id": cls.clerk.id,
                "dealer_cashier_user_id": cls.cashier.id,
            }
        )

    def test_pipeline_is_the_dealership_process(self):
        stages = self.env["crm.stage"].search([("team_ids", "in", self.team.ids)])
        self.assertEqual(
            stages.mapped("dealer_step"),
            ["request", "needs", "test_drive", "offer", "fi", "contract", "payment", "delivery"],
        )
        self.assertEqual(stages.filtered("is_won"), self.stage["delivery"])

    def test_stage_handoffs_schedule_activities(self):
        deal = self.make_deal(self.make_customer())
        for step, user in (("fi", self.fi_user), ("contract", self.clerk), ("payment", self.cashier)):
            deal.stage_id = self.stage[step]
            activity = deal.activity_ids.filtered(lambda a, u=user: a.user_id == u)
            self.assertEqual(len(activity), 1, step)
        self.assertEqual(len(deal.activity_ids), 3)
        self.assertIn("credit", deal.activity_ids.filtered(lambda a: a.user_id == self.fi_user).summary)

    def test_the_handoff_task_is_in_the_language_of_who_gets_it(self):
        """An English-speaking salesperson moves the deal; the Russian F&I manager's task is in Russian."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        self.fi_user.lang = "ru_RU"
        deal = self.make_deal(self.make_customer())
        deal.with_context(lang="en_US").stage_id = self.stage["fi"]
        task = deal.activity_ids.filtered(lambda a: a.user_id == self.fi_user)
        self.assertEqual(task.summary, "Подготовить кредит и страховку")
        self.assertIn("дошла до этого этапа", str(task.note))
        deal.with_context(lang="ru_RU").stage_id = self.stage["needs"]
        deal.with_context(lang="ru_RU").stage_id = self.stage["fi"]
        self.assertEqual(len(deal.activity_ids.filtered(lambda a: a.user_id == self.fi_user)), 1, "not twice")

    def test_handoff_falls_back_to_any_user_of_the_role(self):
        self.team.dealer_fi_user_id = False
        deal = self.make_deal(self.make_customer())
        deal.stage_id = self.stage["fi"]
        self.assertTrue(deal.activity_ids.user_id.has_group("dealer_crm.group_fi_manager"))

    def test_won_requires_complete_customer_data(self):
        anonymous = self.env["res.partner"].create({"name": "Walk-in guest"})
        deal = self.make_deal(anonymous)
        with self.assertRaises(UserError) as caught:
            deal.action_set_won()
        message = str(caught.exception)
        self.assertIn("customer phone or e-mail", message)
        self.assertIn("vehicle sold", message)
        self.assertNotEqual(deal.won_status, "won")
        # Refused before anything is written, even without a rollback around the call.
        try:
            deal.write({"stage_id": self.stage["delivery"].id})
        except UserError:
            pass
        self.assertEqual(deal.stage_id, self.stage["request"])
        with self.assertRaises(UserError) as caught:
            deal.write({"partner_id": False, "stage_id": self.stage["delivery"].id})
        self.assertIn("customer", str(caught.exception))

    def test_won_deal_delivers_the_car(self):
        customer = self.make_customer()
        car = self.make_vehicle("XW8ZZZ1ZZPG000401", state="stock", list_price=2_500_000)
        deal = self.make_deal(customer, vehicle_id=car.id)
        deal.stage_id = self.stage["delivery"]
        self.assertEqual(deal.won_status, "won")
        self.assertEqual((car.state, car.partner_id), ("sold", customer))
        self.assertTrue(car.delivery_date)
        self.assertEqual(customer.dealer_stage, "customer")

    def test_dealer_lost_reasons_exist(self):
        reasons = self.env["crm.lost.reason"].search([]).mapped("name")
        for name in (
            "Price too high",
            "Bought from a competitor",
            "Credit refused",
            "Car not in stock",
            "No contact with the customer",
            "Purchase postponed",
        ):
            self.assertIn(name, reasons)
