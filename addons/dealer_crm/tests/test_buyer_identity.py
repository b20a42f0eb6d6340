from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import BUYER_IDENTITY, DealerCustomerCase


@tagged("post_install", "-at_install")
class TestBuyerIdentity(DealerCustomerCase):
    """The buyer's passport for the sales contract: required to win a private buyer's deal, seen by sales staff only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.make_customer("Anna Smirnova", dealer_id_number=False, dealer_id_issued_by=False)
        cls.car = cls.make_vehicle("XW8ZZZ1ZZPG000777", state="stock")
        cls.deal = cls.make_deal(cls.buyer, vehicle_id=cls.car.id)

    def test_private_buyer_without_passport_cannot_win(self):
        with self.assertRaises(UserError) as caught:
            self.deal.with_user(self.salesman).action_set_won()
        message = str(caught.exception)
        self.assertIn("passport series and number", message)
        self.assertIn("passport issued by", message)
        self.assertNotIn("passport issue date", message, "the issue date is filled in")
        # Refused before anything is written, even without a rollback around the call.
        try:
            self.deal.write({"stage_id": self.stage["delivery"].id})
        except UserError:
            pass
        self.assertEqual(self.deal.stage_id, self.stage["request"])
        self.assertEqual(self.car.state, "stock")
        self.buyer.write(BUYER_IDENTITY)
        self.deal.with_user(self.salesman).action_set_won()
        self.assertEqual(self.deal.won_status, "won")
        self.assertEqual((self.car.state, self.car.partner_id), ("sold", self.buyer))

    def test_company_buyer_wins_without_passport(self):
        fleet = self.env["res.partner"].create({"name": "Taxi Park LLC", "is_company": True, "phone": "+74950000000"})
        driver = self.env["res.partner"].create(
            {"name": "Fleet manager", "parent_id": fleet.id, "phone": "+74950000001"}
        )
        for buyer in (fleet, driver):
            car = self.make_vehicle(f"XW8ZZZ1ZZPG00088{buyer.id % 10}", state="stock")
            deal = self.make_deal(buyer, vehicle_id=car.id)
            deal.with_user(self.salesman).action_set_won()
            self.assertEqual(deal.won_status, "won", buyer.name)

    def test_the_showroom_may_not_require_it(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.dealer_require_identity, "required by default")
        settings.dealer_require_identity = False
        settings.execute()
        self.assertFalse(self.company.dealer_require_identity)
        self.deal.with_user(self.salesman).action_set_won()
        self.assertEqual(self.deal.won_status, "won")

    def test_service_opportunity_needs_no_passport(self):
        self.deal.dealer_interest = "service"
        self.deal.action_set_won()
        self.assertEqual(self.deal.won_status, "won")

    def test_only_sales_staff_read_the_passport(self):
        self.buyer.write(BUYER_IDENTITY)
        clerk = new_test_user(self.env, login="t_id_clerk", groups="dealer_crm.group_documents_clerk")
        for user in (self.salesman, clerk):
            self.assertEqual(self.buyer.with_user(user).dealer_id_number, "45 10 123456")
        advisor = new_test_user(self.env, login="t_id_advisor", groups="dealer_crm.group_service_advisor")
        api = new_test_user(self.env, login="t_id_api", groups="base.group_user,dealer_crm.group_integration")
        for user in (advisor, api):
            with self.assertRaises(AccessError):
                self.buyer.with_user(user).read(["dealer_id_number"])
            self.assertNotIn("dealer_id_number", self.env["res.partner"].with_user(user).fields_get())
        # The customer card shows the "Documents" group to the sales staff only.
        for user, shown in ((self.salesman, True), (advisor, False)):
            arch = self.env["res.partner"].with_user(user).get_view(view_type="form")["arch"]
            self.assertEqual('name="dealer_identity"' in arch, shown, user.login)
            self.assertEqual('name="dealer_id_issued_by"' in arch, shown, user.login)
