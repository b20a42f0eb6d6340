from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import DealerSaleCase

SALE_BUTTONS = ("action_sale_quotations_new", "action_view_sale_quotation", "action_view_sale_order")


@tagged("post_install", "-at_install")
class TestLeadFormRights(DealerSaleCase):
    """Staff without Sales rights open a deal's form; its quotations and orders are for Sales users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_centre = new_test_user(cls.env, login="t_call_centre", groups="dealer_crm.group_call_center")
        cls.advisor = new_test_user(cls.env, login="t_service_advisor", groups="dealer_crm.group_service_advisor")
        cls.booking = cls.make_deal(cls.customer, name="Service booking", dealer_interest="service")

    def form_arch(self, user):
        return self.env["crm.lead"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]

    def test_salesperson_sees_the_quotations_and_the_orders_total(self):
        self.quotation(self.mats).action_confirm()
        form = Form(self.deal.with_user(self.salesman))
        self.assertEqual(form.sale_order_count, 1)
        self.assertEqual(form.sale_amount_total, self.CAR_PRICE + 15_000, "the confirmed order's untaxed total")
        self.assertEqual(form.quotation_count, 0)
        arch = self.form_arch(self.salesman)
        for button in SALE_BUTTONS:
            self.assertIn(f'name="{button}"', arch)

    def test_odoos_own_salesperson_sees_the_orders_total(self):
        """A salesperson of Odoo's Sales with no dealership role keeps sale_crm's "Orders" button figure."""
        odoo_seller = new_test_user(self.env, login="t_odoo_seller", groups="sales_team.group_sale_salesman")
        lead = self.env["crm.lead"].with_user(odoo_seller).create({"name": "Office chairs", "type": "opportunity"})
        self.assertIn("sale_amount_total", lead.fields_get())
        self.assertEqual(lead.read(["sale_amount_total"])[0]["sale_amount_total"], 0)

    def test_call_centre_opens_the_deal_without_its_sales_and_money(self):
        deal = self.deal.with_user(self.call_centre)
        form = Form(deal)
        self.assertEqual(form.name, "Car deal")
        arch = self.form_arch(self.call_centre)
        for button in SALE_BUTTONS:
            self.assertNotIn(f'name="{button}"', arch)
        self.assertNotIn("sale_amount_total", deal.fields_get(), "the orders' total is money")
        with self.assertRaises(AccessError):
            deal.read(["sale_amount_total"])

    def test_service_advisor_opens_a_service_booking(self):
        booking = self.booking.with_user(self.advisor)
        if not booking.has_access("read"):
            self.skipTest("the service staff read leads with dealer_service_lost_sales installed")
        form = Form(booking)
        self.assertEqual(form.name, "Service booking")
        arch = self.form_arch(self.advisor)
        for button in SALE_BUTTONS:
            self.assertNotIn(f'name="{button}"', arch, "the service advisor has no Sales rights")
