from odoo import Command
from odoo.addons.dealer_crm.tests.common import load_migration
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DealerSaleCase


@tagged("post_install", "-at_install")
class TestDealQuotation(DealerSaleCase):
    """A deal's "New Quotation" starts with its car; accessories, services, discounts and trade-in credit."""

    def test_new_quotation_starts_with_the_deal_car(self):
        self.company.portal_confirmation_sign = False
        self.company.portal_confirmation_pay = True
        form = self.new_quotation()
        self.assertEqual(form.dealer_vehicle_id, self.car)
        self.assertEqual(len(form.order_line), 1, "the car is prefilled as the first line")
        order = form.save()
        line = order.order_line
        self.assertEqual(line.product_id, self.car_product, "the catalogue car of the model")
        self.assertEqual(line.dealer_vehicle_id, self.car)
        self.assertEqual(line.price_unit, self.CAR_PRICE, "the car is sold at the register's price")
        self.assertEqual(line.product_uom_qty, 1)
        self.assertEqual(order.amount_total, self.CAR_PRICE)
        self.assertIn(self.CAR_VIN, line.name)
        # the line is described in the customer's language
        self.assertIn("Цвет", line.name)
        self.assertIn("White", line.name)
        self.assertIn("2025", line.name)
        self.assertEqual(order.opportunity_id, self.deal)
        self.assertTrue(order.require_signature, "a dealership offer is accepted by signing it online")
        self.assertFalse(order.require_payment, "nobody pays for a car online to accept its offer")

    def test_a_line_cannot_name_another_showrooms_car(self):
        """The line's description and price come from its car as the application: a car of a showroom the
        salesperson does not work in would put its VIN, colour and price on this showroom's offer."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        secret = self.make_vehicle(
            "XW8ZZZ1ZZSA500999", company_id=other.id, color="Secret red", list_price=5_555_555, state="stock"
        )
        line = self.quotation().order_line
        with self.assertRaises(UserError) as refused:
            line.with_user(self.salesman).write({"dealer_vehicle_id": secret.id})
        self.assertNotIn("Secret red", str(refused.exception))
        self.assertEqual((line.dealer_vehicle_id, line.price_unit), (self.car, self.CAR_PRICE))
        self.assertNotIn("Secret red", line.name)

    def test_car_sold_as_its_own_item_else_model_else_generic(self):
        other_year = self.car_product.create(
            {
                "name": "Testmake Roadster GT 2024",
                "dealer_item_kind": "car",
                "dealer_model_ids": [Command.set(self.car_model.ids)],
                "dealer_model_year": 2024,
            }
        )
        self.car.model_year = 2024
        self.assertEqual(self.car._dealer_sale_product(), other_year, "the catalogue car of its model year first")
        own = self.car_product.create({"name": "Testmake Roadster Sport", "dealer_item_kind": "car"})
        self.car.product_id = own
        self.assertEqual(self.car._dealer_sale_product(), own)
        foreign_model = self.env["dealer.vehicle.model"].create({"name": "Cruiser", "brand_id": self.brand.id})
        unknown = self.make_vehicle("XW8ZZZ1ZZSA500002", state="stock", model_id=foreign_model.id)
        self.assertEqual(unknown._dealer_sale_product(), self.env.ref("dealer_sale.product_car"))
        deal = self.make_deal(self.customer, vehicle_id=unknown.id)
        order = self.new_quotation(deal=deal).save()
        self.assertEqual(order.order_line.product_id, self.env.ref("dealer_sale.product_car"))
        self.assertIn("XW8ZZZ1ZZSA500002", order.order_line.name, "the generic car line names the car")

    def test_accessories_services_discount_and_trade_in_lower_the_total(self):
        old_car = self.make_vehicle("XW8ZZZ1ZZSA500003", state="customer", partner_id=self.customer.id)
        self.deal.trade_in_vehicle_id = old_car
        form = self.new_quotation()
        with form.order_line.new() as line:
            line.product_id = self.mats
            line.discount = 10
        with form.order_line.new() as line:
            line.product_id = self.to1
        with form.order_line.new() as line:
            line.product_id = self.trade_in_product
            line.price_unit = -500_000
        order = form.save()
        trade_in = order.order_line.filtered(lambda line: line.product_id == self.trade_in_product)
        self.assertEqual(trade_in.dealer_vehicle_id, old_car, "the credit names the deal's trade-in car")
        self.assertIn("XW8ZZZ1ZZSA500003", trade_in.name)
        self.assertFalse(trade_in.tax_ids, "a trade-in is a part payment, not a taxed discount")
        self.assertAlmostEqual(order.amount_total, self.CAR_PRICE + 13_500 + 12_000 - 500_000)

    def test_later_change_of_the_deal_car_keeps_the_order(self):
        order = self.quotation(self.mats)
        other = self.make_vehicle("XW8ZZZ1ZZSA500004", state="stock", list_price=1_000_000)
        self.deal.vehicle_id = other
        self.assertEqual(order.dealer_vehicle_id, self.car)
        self.assertEqual(order.order_line[0].price_unit, self.CAR_PRICE)

    def test_order_of_a_plain_crm_opportunity_is_untouched(self):
        lead = self.env["crm.lead"].create(
            {"name": "Office chairs", "type": "opportunity", "partner_id": self.customer.id, "team_id": False}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "opportunity_id": lead.id,
                "order_line": [Command.create({"product_id": self.mats.id})],
            }
        )
        self.assertFalse(order.dealer_vehicle_id)
        self.assertFalse(order.order_line.dealer_vehicle_id)
        self.assertFalse(order._dealer_is_dealership_order())

    def test_sales_user_without_a_dealership_role_quotes_other_products(self):
        """Odoo's own Sales users of the company (no dealership role, so no right to the register's
        prices) still build quotations: picking a product prices it as Odoo does."""
        clerk = new_test_user(
            self.env,
            login="plain-sales-clerk",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        self.assertFalse(clerk.has_group("dealer_crm.group_dealer_see_money"))
        form = Form(self.env["sale.order"].with_user(clerk).with_context(allowed_company_ids=self.company.ids))
        form.partner_id = self.customer
        with form.order_line.new() as line:
            line.product_id = self.mats
        order = form.save()
        self.assertEqual(order.order_line.price_unit, 15_000, "Odoo's price of the product")
        self.assertFalse(order.order_line.dealer_vehicle_id)

    def test_a_plain_sales_user_reads_nothing_of_the_register_through_a_line(self):
        """A Sales user of the company without a dealership role has no right to the register. Naming a car of it
        on a quotation line over RPC (by its id) would have the line priced and described as superuser: the car's
        price, VIN, colour and model year, and its plate in the line's car. Refused; and a line whose car the
        application set still gets neither the price nor the car's details for such a user."""
        clerk = new_test_user(
            self.env,
            login="plain-sales-rpc",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        Order = self.env["sale.order"].with_user(clerk).with_context(allowed_company_ids=self.company.ids)
        line = {"product_id": self.car_product.id, "dealer_vehicle_id": self.car.id}
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Order.create({"partner_id": self.customer.id, "order_line": [Command.create(line)]})
        order = Order.create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.car_product.id})]}
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            order.order_line.write({"dealer_vehicle_id": self.car.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            order.write({"dealer_vehicle_id": self.car.id})
        self.assertFalse(order.sudo().dealer_vehicle_id | order.order_line.sudo().dealer_vehicle_id)
        # the order's car (a deal's, set by dealership staff) reaches the line as the application's value
        order.sudo().dealer_vehicle_id = self.car
        order.order_line.with_user(clerk).write({"product_id": self.mats.id})
        order.order_line.with_user(clerk).write({"product_id": self.car_product.id})
        self.assertEqual(order.order_line.sudo().dealer_vehicle_id, self.car)
        order.order_line.invalidate_recordset()
        text = order.order_line.read(["price_unit", "name"])[0]
        self.assertNotEqual(
            text["price_unit"], self.CAR_PRICE, "the register's price reached a user who may not read it"
        )
        self.assertNotIn(self.CAR_VIN, text["name"])

    def test_a_down_payment_line_names_its_reservation_only_by_the_application(self):
        """Which reservation a down payment settles is the application's: a line tagged by hand with the order's
        reservation keeps its prepayment off the order, and another showroom's reservation would show its car
        and customer on the line."""
        order = self.quotation(self.mats)
        reservation = self.env["dealer.reservation"].create({"vehicle_id": self.car.id, "lead_id": self.deal.id})
        with self.assertRaisesRegex(AccessError, "Reservation"):
            order.order_line[:1].with_user(self.salesman).write({"dealer_reservation_id": reservation.id})


@tagged("post_install", "-at_install")
class TestDiscountSetting(DealerSaleCase):
    """Line discounts are Odoo's Sales setting "Discounts": ticked at install, and unticking it takes
    the discount column away from the dealership staff too."""

    def settings(self, **values):
        return self.env["res.config.settings"].create(values)

    def test_installed_with_discounts_ticked_and_the_setting_holds_when_unticked(self):
        self.assertTrue(self.settings().group_discount_per_so_line, "the setting shows ticked")
        self.assertTrue(self.salesman.has_group("sale.group_discount_per_so_line"))
        self.settings(group_discount_per_so_line=False).execute()
        self.assertFalse(self.settings().group_discount_per_so_line)
        self.assertFalse(
            self.salesman.has_group("sale.group_discount_per_so_line"),
            "a dealership salesperson no longer sees line discounts",
        )
        self.settings(group_discount_per_so_line=True).execute()
        self.assertTrue(self.salesman.has_group("sale.group_discount_per_so_line"))

    def test_upgrade_moves_the_discounts_of_the_dealership_roles_to_the_setting(self):
        discount = self.env.ref("sale.group_discount_per_so_line")
        employees = self.env.ref("base.group_user")
        dealer_user = self.env.ref("dealer_crm.group_dealer_user")
        # the previous version: the dealership roles implied the discounts, the setting was unticked
        employees._remove_group(discount)
        dealer_user.implied_ids = [Command.link(discount.id)]
        self.assertFalse(self.settings().group_discount_per_so_line)
        migration = load_migration("dealer_sale", "19.0.1.1.0")
        migration.migrate(self.env.cr, "19.0.1.0.0")
        self.assertNotIn(discount, dealer_user.implied_ids)
        self.assertTrue(self.settings().group_discount_per_so_line, "the staff keep their discounts")
        self.assertTrue(self.salesman.has_group("sale.group_discount_per_so_line"))
        self.settings(group_discount_per_so_line=False).execute()
        self.assertFalse(self.salesman.has_group("sale.group_discount_per_so_line"))
