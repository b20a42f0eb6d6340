from odoo import Command, fields
from odoo.tests import tagged

from .common import DealerSaleCase


@tagged("post_install", "-at_install")
class TestNextOfferOnDeal(DealerSaleCase):
    """Accepting a next-best offer on a deal puts its item on the deal's draft quotation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.promotion = cls.env["dealer.promotion"].create(
            {
                "name": "Winter accessories",
                "date_from": fields.Date.today(),
                "date_to": fields.Date.today(),
                "product_tmpl_ids": [Command.set(cls.towbar.product_tmpl_id.ids)],
                "discount_percent": 20.0,
            }
        )

    def offer(self, product, source="accessory", **vals):
        return self.env["dealer.next.offer"].create(
            {
                "partner_id": self.customer.id,
                "vehicle_id": self.car.id,
                "product_id": product.id,
                "source": source,
                "occurrence": f"test-{product.id}",
                **vals,
            }
        )

    def test_offer_starts_a_quotation_with_the_car(self):
        self.deal.with_user(self.salesman)._dealer_add_offer(self.offer(self.mats))
        order = self.deal.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.order_line.product_id, self.car_product | self.mats)
        self.assertEqual(order.order_line[0].dealer_vehicle_id, self.car, "the car comes first")

    def test_offer_joins_the_draft_quotation_with_its_promotion_discount(self):
        order = self.quotation(self.mats)
        offers = self.offer(self.towbar, source="promotion", promotion_id=self.promotion.id) | self.offer(self.mats)
        self.deal.with_user(self.salesman)._dealer_add_offer(offers)
        self.assertEqual(self.deal.order_ids, order, "no second quotation")
        towbar = order.order_line.filtered(lambda line: line.product_id == self.towbar)
        self.assertEqual(towbar.discount, 20.0)
        self.assertEqual(len(order.order_line.filtered(lambda line: line.product_id == self.mats)), 1)
        self.assertEqual(set(offers.mapped("state")), {"accepted"})

    def test_sent_quotation_stays_as_sent(self):
        sent = self.quotation()
        sent.action_quotation_sent()
        self.deal.with_user(self.salesman)._dealer_add_offer(self.offer(self.to1, source="maintenance"))
        self.assertEqual(sent.order_line.product_id, self.car_product)
        self.assertEqual(len(self.deal.order_ids), 2)

    def test_service_booking_gets_no_quotation(self):
        booking = self.make_deal(self.customer, vehicle_id=self.car.id, dealer_interest="service")
        offer = self.offer(self.to1, source="maintenance")
        booking._dealer_add_offer(offer)
        self.assertFalse(booking.order_ids, "a service booking takes offers as service lines, not quotations")
        self.assertEqual(offer.state, "accepted")
