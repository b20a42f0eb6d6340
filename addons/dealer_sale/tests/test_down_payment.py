from datetime import date

from odoo.tests import new_test_user, tagged

from .common import DealerSaleCase

SETTLE_SUMMARY = "Register the reservation prepayment"


@tagged("post_install", "-at_install")
class TestReservationDownPayment(DealerSaleCase):
    """A reservation's prepayment is the order's down payment: Odoo's own, made once, paid as recorded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant_sales = new_test_user(
            cls.env,
            login="t_sales_billing",
            groups="dealer_crm.group_sales_manager,account.group_account_invoice",
            name="Bill Sales",
        )

    def setUp(self):
        super().setUp()
        # the salesperson of the deal has Odoo's invoicing rights (as the showroom's head often has)
        self.deal.user_id = self.accountant_sales
        self.deal.team_id.dealer_cashier_user_id = self.cashier

    def reserve(self, amount=100_000.0, paid_on=date(2026, 11, 20)):
        return self.env["dealer.reservation"].create(
            {
                "vehicle_id": self.car.id,
                "lead_id": self.deal.id,
                "prepayment_amount": amount,
                "prepayment_date": paid_on,
            }
        )

    def down_payment_lines(self, order):
        return order.order_line.filtered(lambda line: line.is_downpayment and not line.display_type)

    def test_prepayment_becomes_a_paid_down_payment_once(self):
        reservation = self.reserve()
        order = self.quotation(self.mats, user=self.accountant_sales)
        order.with_user(self.accountant_sales).action_confirm()
        line = self.down_payment_lines(order)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.dealer_reservation_id, reservation)
        self.assertAlmostEqual(line.price_unit, 100_000.0)
        invoice = line.invoice_lines.move_id
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 100_000.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the reservation says it was paid")
        self.assertEqual(invoice.matched_payment_ids.date, date(2026, 11, 20), "paid on the reservation's day")

        # recording the prepayment again, or confirming the flow again, makes no second down payment
        reservation.with_user(self.accountant_sales).write({"prepayment_date": date(2026, 11, 21)})
        order._dealer_create_prepayment_down_payments()
        self.assertEqual(len(self.down_payment_lines(order)), 1)
        self.assertEqual(len(order.invoice_ids), 1)

    def test_salesperson_leaves_the_money_to_the_cashier(self):
        self.deal.user_id = self.salesman
        self.reserve()
        order = self.quotation(self.mats)
        order.with_user(self.salesman).action_confirm()
        invoice = self.down_payment_lines(order).invoice_lines.move_id
        self.assertEqual(invoice.state, "draft", "a salesperson does not post invoices")
        task = order.activity_ids.filtered(lambda activity: activity.summary == SETTLE_SUMMARY)
        self.assertEqual(task.user_id, self.cashier, "the showroom's cashier registers the payment")

    def test_prepayment_recorded_after_confirmation(self):
        reservation = self.reserve(amount=0.0, paid_on=False)
        order = self.quotation(user=self.accountant_sales)
        order.action_confirm()
        self.assertFalse(self.down_payment_lines(order), "no prepayment yet")
        reservation.with_user(self.accountant_sales).write(
            {"prepayment_amount": 50_000.0, "prepayment_date": date(2026, 11, 25)}
        )
        line = self.down_payment_lines(order)
        self.assertAlmostEqual(line.price_unit, 50_000.0)
        self.assertIn(line.invoice_lines.move_id.payment_state, ("paid", "in_payment"))

    def test_promised_prepayment_is_invoiced_not_paid(self):
        self.reserve(paid_on=False)
        order = self.quotation(user=self.accountant_sales)
        order.with_user(self.accountant_sales).action_confirm()
        invoice = self.down_payment_lines(order).invoice_lines.move_id
        self.assertEqual(invoice.state, "draft", "nothing received yet: the invoice waits for the money")
        self.assertFalse(order.activity_ids.filtered(lambda activity: activity.summary == SETTLE_SUMMARY))
