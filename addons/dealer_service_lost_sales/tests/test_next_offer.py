from datetime import date

from odoo import Command
from odoo.addons.dealer_crm.tests.common import DealerTourCase
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ServiceLostSalesCase


@tagged("post_install", "-at_install")
class TestNextOfferOnServiceBooking(ServiceLostSalesCase):
    """Accepting a next-best offer on a service booking proposes its catalogue item as a service line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.template"].search([("dealer_item_kind", "!=", False)]).active = False
        cls.env["dealer.promotion"].search([]).active = False
        cls.pads = cls.env["product.product"].create(
            {
                "name": "Brake pads replacement",
                "default_code": "BRK-PAD",
                "type": "service",
                "dealer_item_kind": "repair",
                "list_price": 6400.0,
            }
        )
        cls.env["dealer.visit"].create(
            {
                "vehicle_id": cls.vehicle.id,
                "date": date(2026, 5, 3),
                "kind": "repair",
                "state": "done",
                "line_ids": [
                    Command.create(
                        {"name": "brake pads", "product_id": cls.pads.id, "status": "declined", "amount": 6000.0}
                    )
                ],
            }
        )
        cls.env["dealer.next.offer"]._refresh(cls.vehicle)
        cls.offer = cls.env["dealer.next.offer"].search(
            [("vehicle_id", "=", cls.vehicle.id), ("product_id", "=", cls.pads.id), ("state", "=", "open")]
        )

    def test_accepting_adds_the_service_line(self):
        self.assertEqual(self.offer.source, "declined")
        booking = self.service_lead([("Oil change", 3000.0, "proposed")])
        self.assertIn(self.offer, booking.dealer_next_offer_ids, "the booking lists its car's offers")
        self.offer.with_user(self.advisor).with_context(dealer_lead_id=booking.id).action_accept()
        line = booking.service_line_ids.filtered(lambda line: line.product_id == self.pads)
        self.assertEqual(line.name, "Brake pads replacement")
        self.assertEqual(line.code, "BRK-PAD")
        self.assertEqual(line.amount, 6400.0)
        self.assertEqual(line.state, "proposed")
        self.assertEqual(booking.expected_revenue, 9400.0, "the proposed item counts in the expected revenue")
        self.assertEqual(self.offer.state, "accepted")
        self.assertEqual(self.offer.lead_id, booking)
        # accepted twice (a double click): one line
        self.offer.with_user(self.advisor).with_context(dealer_lead_id=booking.id).action_accept()
        self.assertEqual(len(booking.service_line_ids.filtered(lambda line: line.product_id == self.pads)), 1)

    def test_another_customers_offer_is_not_taken_on_this_booking(self):
        """The "Add" button names the lead in its context: over RPC any offer id could be sent with any lead. An
        offer of another customer's car would be taken from that customer (never offered again) and its item put
        on this booking: refused, naming the offer, and nothing changes."""
        stranger = self.env["res.partner"].create({"name": "Another customer"})
        their_car = self.vehicle.copy({"vin": False, "partner_id": stranger.id, "plate": False})
        booking = self.service_lead(
            [("Oil change", 3000.0, "proposed")], partner_id=stranger.id, vehicle_id=their_car.id
        )
        with self.assertRaisesRegex(UserError, "Brake pads"), self.env.cr.savepoint():
            self.offer.with_user(self.advisor).with_context(dealer_lead_id=booking.id).action_accept()
        self.assertEqual(self.offer.state, "open")
        self.assertFalse(booking.service_line_ids.filtered(lambda line: line.product_id == self.pads))

    def test_the_promotion_of_the_offer_lowers_the_line(self):
        self.env["dealer.promotion"].create(
            {
                "name": "Brakes week",
                "discount_percent": 10,
                "product_tmpl_ids": [Command.set(self.pads.product_tmpl_id.ids)],
            }
        )
        self.env["dealer.next.offer"]._refresh(self.vehicle)
        self.assertEqual(self.offer.promotion_id.name, "Brakes week")
        booking = self.service_lead()
        booking._dealer_add_offer(self.offer)
        self.assertEqual(booking.service_line_ids.amount, 5760.0, "6,400 less 10%")

    def test_a_sales_deal_gets_no_service_line(self):
        deal = self.Lead.create(
            {"name": "New car", "type": "opportunity", "partner_id": self.customer.id, "dealer_interest": "new_car"}
        )
        deal._dealer_add_offer(self.offer)
        self.assertFalse(deal.service_line_ids)
        self.assertEqual(self.offer.state, "accepted", "the base still records the acceptance")


@tagged("post_install", "-at_install", "dealer_slow")
class TestNextOfferTour(DealerTourCase):
    """The "Add" button of a booking's next best offers, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # with Sales installed the lead form also reads the deal's quotations (sale_crm), which a
        # service advisor without a Sales right cannot: that is the sale bridge's to settle
        cls.advisor = cls._tour_user(
            "tour_offer_advisor", "dealer_crm.group_service_advisor,sales_team.group_sale_salesman"
        )
        cls.env["product.template"].search([("dealer_item_kind", "!=", False)]).active = False
        cls.env["dealer.promotion"].search([]).active = False
        customer = cls.env["res.partner"].create({"name": "Tour Offer Customer", "phone": "+79165550012"})
        cls.vehicle = cls.env["dealer.vehicle"].create({"name": "Tour Offer Car", "partner_id": customer.id})
        cls.pads = cls.env["product.product"].create(
            {"name": "Brake pads", "default_code": "BRK-PAD", "type": "service", "dealer_item_kind": "repair"}
        )
        cls.env["dealer.visit"].create(
            {
                "vehicle_id": cls.vehicle.id,
                "date": date.today(),
                "kind": "repair",
                "state": "done",
                "line_ids": [Command.create({"name": "brake pads", "product_id": cls.pads.id, "status": "declined"})],
            }
        )

    def _check_add(self, lang):
        booking = self.env["crm.lead"].create(
            {
                "name": "Tour offer booking",
                "dealer_interest": "service",
                "partner_id": self.vehicle.partner_id.id,
                "vehicle_id": self.vehicle.id,
                "user_id": self.advisor.id,
            }
        )
        self.env["dealer.next.offer"]._refresh(self.vehicle)
        url = f"/odoo/action-dealer_service_lost_sales.crm_lead_service_action/{booking.id}"
        self.run_tour(url, "dealer_next_offer_add_tour", self.advisor, lang)
        self.assertEqual(booking.service_line_ids.product_id, self.pads)
        offer = self.env["dealer.next.offer"].search([("vehicle_id", "=", self.vehicle.id)])
        self.assertEqual(offer.mapped("state"), ["accepted"])

    def test_add_offer_tour(self):
        self._check_add("en_US")

    def test_add_offer_tour_ru(self):
        self._check_add("ru_RU")
