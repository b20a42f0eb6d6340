from datetime import date

from odoo import Command
from odoo.tests import Form

from .common import ServiceLostSalesCase


class TestCatalogueLines(ServiceLostSalesCase):
    """Service opportunity lines point at catalogue items; free-text lines stay valid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.oil = Product.create({"name": "Oil 1 l", "default_code": "LS-OIL", "dealer_item_kind": "part"})
        cls.to2 = Product.create(
            {
                "name": "Maintenance TO-2 Test",
                "default_code": "LS-TO2",
                "dealer_item_kind": "maintenance",
                "type": "service",
                "dealer_maintenance_number": 2,
                "list_price": 18000,
                "dealer_package_line_ids": [Command.create({"product_id": cls.oil.id, "quantity": 5})],
            }
        )
        cls.towbar = Product.create(
            {"name": "Towbar", "default_code": "LS-TOW", "dealer_item_kind": "accessory", "list_price": 28000}
        )

    def test_a_catalogue_item_fills_the_line_and_a_package_stays_one_line(self):
        lead = self.service_lead()
        form = Form(lead)
        with form.service_line_ids.new() as line:
            line.product_id = self.to2
            self.assertEqual((line.name, line.code, line.amount), ("Maintenance TO-2 Test", "LS-TO2", 18000))
            self.assertEqual(line.kind, "operation")
        with form.service_line_ids.new() as line:
            line.product_id = self.towbar
            self.assertEqual(line.kind, "part", "an accessory is sold as a part")
        with form.service_line_ids.new() as line:
            line.name = "Check the rattle"
            line.amount = 1500
        form.save()
        self.assertEqual(len(lead.service_line_ids), 3, "the package is one line: accepted or declined as a whole")
        self.assertEqual(lead.service_line_ids.product_id, self.to2 | self.towbar)
        self.assertEqual(lead.expected_revenue, 18000 + 28000 + 1500)

    def test_a_booking_links_operations_by_code(self):
        result = self.Lead._dealer_service_booking_from_api(
            {
                "external_id": "BK-CAT-1",
                "name": "Maria Booking",
                "phone": "+7 916 555-44-33",
                "vin": "XW8ZZZ61ZHG000321",
                "planned_at": "2026-06-01T10:00:00+03:00",
                "operations": [
                    {"code": "LS-TO2", "name": "TO-2 (site name)", "amount": 17500},
                    {"code": "SITE-9", "name": "Wash", "amount": 500},
                ],
            }
        )
        lines = self.Lead.browse(result["opportunity_id"]).service_line_ids
        by_code = {line.code: line for line in lines}
        self.assertEqual(by_code["LS-TO2"].product_id, self.to2)
        self.assertEqual(by_code["LS-TO2"].amount, 17500, "the booked price is kept")
        self.assertFalse(by_code["SITE-9"].product_id, "an unknown code stays a free-text line")

    def test_deferred_catalogue_work_keeps_its_item_in_the_follow_up(self):
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicle.id,
                "advisor_id": self.advisor.id,
                "date": date(2026, 3, 2),
                "state": "done",
                "line_ids": [
                    Command.create(
                        {
                            "product_id": self.towbar.id,
                            "name": "Towbar",
                            "amount": 28000,
                            "status": "deferred",
                            "deferred_until": date(2026, 5, 1),
                        }
                    ),
                ],
            }
        )
        lead = self.Lead.search([("service_visit_id", "=", visit.id)])
        self.assertEqual(lead.service_line_ids.product_id, self.towbar)
