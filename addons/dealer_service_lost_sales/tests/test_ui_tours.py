"""Aftersales flows in a real browser: a booking cut and delivered, the lost-revenue KPIs downloaded as xlsx."""

from odoo.addons.dealer_crm.tests.common import DealerTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install", "dealer_slow")
class TestServiceTours(DealerTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.advisor = cls._tour_user("tour_advisor", "dealer_crm.group_service_advisor")
        cls.customer = cls.env["res.partner"].create({"name": "Tour Service Customer", "phone": "+79165550011"})
        cls.vehicle = cls.env["dealer.vehicle"].create({"name": "Tour Service Car", "partner_id": cls.customer.id})

    def _check_booking(self, lang):
        self.run_tour(
            "/odoo/action-dealer_service_lost_sales.crm_lead_service_action",
            "dealer_service_booking_tour",
            self.advisor,
            lang,
        )
        lead = self.env["crm.lead"].search([("name", "=", "Tour service booking")])
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.dealer_interest, "service")
        self.assertEqual(lead.vehicle_id, self.vehicle)
        self.assertEqual(lead.stage_id, self.env.ref("dealer_service_lost_sales.crm_stage_service_delivery"))
        self.assertEqual(lead.service_accepted_amount, 5000, "the accepted oil change is what was sold")
        event = self.env["dealer.loss.event"].search([("lead_id", "=", lead.id)])
        self.assertEqual(event.kind, "scope_reduced", "the refused brake pads are a partial loss")
        self.assertEqual(event.amount, 12000)
        self.assertEqual(event.advisor_id, self.advisor)

    def test_service_booking_tour(self):
        self._check_booking("en_US")

    def test_service_booking_tour_ru(self):
        self._check_booking("ru_RU")

    def _check_dashboard(self, lang):
        """The KPIs pivot of this year and its Download xlsx: the tour waits for the file the server
        produced (its name ends in .xlsx) and fails without it."""
        self.env["dealer.loss.event"].create(
            {"kind": "no_show", "amount": 4000, "advisor_id": self.advisor.id, "vehicle_id": self.vehicle.id}
        )
        self.run_tour("/odoo", "dealer_lost_revenue_dashboard_tour", self.advisor, lang)

    def test_lost_revenue_dashboard_tour(self):
        self._check_dashboard("en_US")

    def test_lost_revenue_dashboard_tour_ru(self):
        self._check_dashboard("ru_RU")
