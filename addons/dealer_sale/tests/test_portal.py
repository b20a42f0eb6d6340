from datetime import date

from odoo.tests import HttpCase, tagged

from .common import DealerSaleCase

# A 1×1 PNG: the customer's drawn signature.
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@tagged("post_install", "-at_install")
class TestOfferAcceptedOnline(HttpCase, DealerSaleCase):
    """The customer signs the commercial offer in the portal: the order is confirmed, the prepayment follows."""

    def test_signature_confirms_the_order_and_brings_the_down_payment(self):
        self.company.portal_confirmation_pay = True  # the company asks for online payment on other orders
        self.deal.team_id.dealer_cashier_user_id = self.cashier
        self.env["dealer.reservation"].create(
            {
                "vehicle_id": self.car.id,
                "lead_id": self.deal.id,
                "prepayment_amount": 100_000.0,
                "prepayment_date": date(2026, 11, 20),
            }
        )
        order = self.quotation(self.mats, self.towbar, self.to1)
        order.action_quotation_sent()
        self.assertTrue(order._has_to_be_signed())
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order._portal_ensure_token(), "name": "Ольга Смирнова", "signature": SIGNATURE},
        )
        self.assertNotIn("error", result, result)
        self.assertEqual(order.state, "sale", "signing the offer confirms the order")
        self.assertEqual(order.signed_by, "Ольга Смирнова")
        down_payment = order.order_line.filtered(lambda line: line.is_downpayment and not line.display_type)
        self.assertEqual(len(down_payment), 1)
        self.assertAlmostEqual(down_payment.price_unit, 100_000.0)
        self.assertEqual(down_payment.invoice_lines.move_id.state, "draft", "the cashier posts it")
        task = order.activity_ids.filtered(lambda activity: activity.user_id == self.cashier)
        self.assertEqual(len(task), 1, "the showroom's cashier registers the prepayment")
        self.assertIn(down_payment.invoice_lines.move_id.display_name, str(task.note))
