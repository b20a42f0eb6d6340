from datetime import date, timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import DealerApiCase, DealerCrmCase, DealerTourCase, slow


class CatalogueCase(DealerCrmCase):
    """Two models of one make, a package per model, an accessory for every model, a catalogue car."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Product = cls.env["product.product"]
        brand = cls.env["dealer.vehicle.brand"].create({"name": "Catmake"})
        cls.model_a, cls.model_b = cls.env["dealer.vehicle.model"].create(
            [{"name": "Alpha", "brand_id": brand.id}, {"name": "Beta", "brand_id": brand.id}]
        )
        cls.oil = cls.Product.create(
            {"name": "Oil 1 l", "default_code": "T-OIL", "dealer_item_kind": "part", "type": "consu", "list_price": 900}
        )
        cls.oil_labour = cls.Product.create(
            {
                "name": "Oil change (labour)",
                "default_code": "T-LAB",
                "dealer_item_kind": "labour",
                "type": "service",
                "list_price": 1200,
                "dealer_labour_hours": 0.5,
            }
        )
        cls.to2_a, cls.to2_b = cls.Product.create(
            [
                {
                    "name": f"TO-2 {model.name}",
                    "default_code": f"T-TO2-{model.name}",
                    "dealer_item_kind": "maintenance",
                    "type": "service",
                    "dealer_maintenance_number": 2,
                    "dealer_model_ids": [(6, 0, model.ids)],
                    "list_price": price,
                    "dealer_package_line_ids": [
                        (0, 0, {"product_id": cls.oil_labour.id, "quantity": 1}),
                        (0, 0, {"product_id": cls.oil.id, "quantity": litres}),
                    ],
                }
                for model, price, litres in ((cls.model_a, 15000, 4), (cls.model_b, 19000, 6))
            ]
        )
        cls.mats = cls.Product.create(
            {"name": "Floor mats", "default_code": "T-MATS", "dealer_item_kind": "accessory", "list_price": 4900}
        )
        cls.car = cls.Product.create(
            {
                "name": "Catmake Alpha Style 2026",
                "default_code": "T-CAR-A",
                "dealer_item_kind": "car",
                "dealer_model_ids": [(6, 0, cls.model_a.ids)],
                "dealer_trim": "Style",
                "dealer_model_year": 2026,
                "list_price": 3_100_000,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Catalogue Customer"})
        cls.vehicle = cls.env["dealer.vehicle"].create(
            {"vin": "XW8ZZZ61ZHG000777", "model_id": cls.model_a.id, "partner_id": cls.customer.id}
        )


class TestCatalogue(CatalogueCase):
    def test_a_visit_line_from_the_catalogue_takes_its_name_code_and_price(self):
        form = Form(self.env["dealer.visit"])
        form.vehicle_id = self.vehicle
        form.partner_id = self.customer
        with form.line_ids.new() as line:
            line.product_id = self.mats
            self.assertEqual(line.name, "Floor mats")
            self.assertEqual(line.code, "T-MATS")
            self.assertEqual(line.amount, 4900)
            line.amount = 4500  # the advisor may still give a discount
        with form.line_ids.new() as line:
            line.name = "Rattle under the dashboard"  # a free-text line stays valid
            line.amount = 1000
        visit = form.save()
        catalogue, free = visit.line_ids.sorted("id")
        self.assertEqual((catalogue.product_id, catalogue.amount), (self.mats, 4500))
        self.assertFalse(free.product_id)
        self.assertEqual(visit.revenue, 5500)

    def test_a_package_is_priced_per_model_with_its_labour_and_parts(self):
        fits_b = self.Product.search(
            [
                ("dealer_item_kind", "=", "maintenance"),
                ("dealer_maintenance_number", "=", 2),
                ("dealer_model_ids", "in", self.model_b.ids),
            ]
        )
        self.assertEqual(fits_b, self.to2_b, "each model has its own TO-2")
        self.assertEqual(self.to2_b.lst_price, 19000)
        self.assertEqual(self.to2_b.dealer_package_line_ids.product_id, self.oil_labour | self.oil)
        self.assertEqual(self.to2_a.dealer_package_amount, 1200 + 4 * 900)
        self.assertEqual(self.to2_b.dealer_package_amount, 1200 + 6 * 900)

    def test_the_kind_chooses_goods_or_service(self):
        form = Form(self.env["product.template"])
        form.name = "Tyre change with storage"
        form.dealer_item_kind = "tyre"
        self.assertEqual(form.type, "service")
        form.dealer_item_kind = "accessory"
        self.assertEqual(form.type, "consu")

    def test_a_catalogue_car_fills_the_stock_car(self):
        form = Form(self.env["dealer.vehicle"])
        form.vin = "XW8ZZZ61ZHG000778"
        form.state = "stock"
        form.product_id = self.car
        self.assertEqual(form.model_id, self.model_a)
        self.assertEqual(form.model_year, 2026)
        self.assertEqual(form.list_price, 3_100_000)

    def test_codes_find_the_showrooms_own_item_before_the_shared_one(self):
        own = self.Product.create(
            {
                "name": "Mats, our own",
                "default_code": "T-MATS",
                "dealer_item_kind": "accessory",
                "company_id": self.company.id,
            }
        )
        self.Product.create({"name": "Not sold by the dealership", "default_code": "T-PLAIN"})
        found = self.env["product.template"]._dealer_products_by_code(["T-MATS", "T-PLAIN", "T-NONE", False])
        self.assertEqual(found, {"T-MATS": own}, "a product outside the catalogue is not a catalogue item")

    def test_an_employee_without_a_dealership_role_duplicates_products(self):
        """Products are Odoo's: an employee of Inventory or Invoicing with no dealership role copies
        a product, a catalogue item fitting some models too; the copy keeps the models."""
        clerk = new_test_user(
            self.env,
            login="t_catalogue_clerk",
            groups="base.group_user,product.group_product_manager",
            company_id=self.company.id,
        )
        self.assertFalse(clerk.has_group("dealer_crm.group_dealer_user"))
        copy = self.car.product_tmpl_id.with_user(clerk).copy()  # Duplicate on the product's form
        self.assertEqual(copy.dealer_model_ids, self.model_a, "the copy fits the same models")
        self.assertEqual(self.oil.product_tmpl_id.with_user(clerk).copy().dealer_item_kind, "part")
        with self.assertRaises(AccessError):
            # the dealership's own catalogue data stays the dealership's to change
            self.model_a.with_user(clerk).name = "Renamed"


class TestPromotions(DealerCrmCase):
    def test_current_domain_includes_both_ends_and_open_ends(self):
        day = date(2026, 3, 10)
        Promotion = self.env["dealer.promotion"]
        promos = {
            name: Promotion.create({"name": name, "date_from": start, "date_to": end})
            for name, start, end in (
                ("starts today", day, day + timedelta(days=30)),
                ("ends today", day - timedelta(days=30), day),
                ("open-ended", day - timedelta(days=1), False),
                ("already running", False, day + timedelta(days=1)),
                ("expired yesterday", day - timedelta(days=30), day - timedelta(days=1)),
                ("starts tomorrow", day + timedelta(days=1), day + timedelta(days=30)),
            )
        }
        current = Promotion.search(Promotion._current_domain(day) + [("id", "in", [p.id for p in promos.values()])])
        self.assertEqual(
            sorted(current.mapped("name")), ["already running", "ends today", "open-ended", "starts today"]
        )
        later = Promotion.search(
            Promotion._current_domain(day + timedelta(days=1)) + [("id", "in", [p.id for p in promos.values()])]
        )
        self.assertIn("starts tomorrow", later.mapped("name"))
        self.assertNotIn("ends today", later.mapped("name"))

    @mute_logger("odoo.sql_db")
    def test_a_promotion_cannot_end_before_it_starts(self):
        with self.assertRaises(IntegrityError):
            self.env["dealer.promotion"].create(
                {"name": "Backwards", "date_from": date(2026, 3, 10), "date_to": date(2026, 3, 9)}
            )


class TestCatalogueRights(CatalogueCase):
    def test_who_keeps_the_catalogue(self):
        salesperson = new_test_user(self.env, login="cat_sales", groups="dealer_crm.group_sales_manager")
        advisor = new_test_user(self.env, login="cat_advisor", groups="dealer_crm.group_service_advisor")
        head = new_test_user(self.env, login="cat_head", groups="dealer_crm.group_sales_head")
        marketer = new_test_user(self.env, login="cat_marketer", groups="dealer_crm.group_marketer")
        # everybody reads it
        self.assertEqual(self.mats.with_user(salesperson).lst_price, 4900)
        with self.assertRaises(AccessError):
            self.mats.product_tmpl_id.with_user(salesperson).write({"list_price": 1})
        with self.assertRaises(AccessError):
            self.env["dealer.promotion"].with_user(salesperson).create({"name": "My own discount"})
        # the service advisor keeps the service packages, the sales head the cars
        self.to2_a.product_tmpl_id.with_user(advisor).write(
            {"list_price": 15500, "dealer_package_line_ids": [(0, 0, {"product_id": self.oil.id, "quantity": 1})]}
        )
        self.assertEqual(self.to2_a.lst_price, 15500)
        self.car.product_tmpl_id.with_user(head).write({"list_price": 3_050_000})
        self.assertEqual(self.car.lst_price, 3_050_000)
        with self.assertRaises(AccessError):
            self.car.product_tmpl_id.with_user(head).unlink()
        promo = (
            self.env["dealer.promotion"].with_user(marketer).create({"name": "Spring service", "discount_percent": 5})
        )
        promo.with_user(marketer).unlink()

    def test_a_showrooms_package_contents_are_its_own(self):
        """The contents of another showroom's package are neither read nor changed; a package of every showroom
        is everyone's, as its product is."""
        other = self.env["res.company"].create({"name": "Catalogue other showroom"})
        self.to2_b.product_tmpl_id.company_id = other
        advisor = new_test_user(self.env, login="cat_advisor_a", groups="dealer_crm.group_service_advisor")
        self.assertNotIn(other, advisor.company_ids)
        Line = self.env["dealer.package.line"].with_user(advisor)
        theirs = self.to2_b.product_tmpl_id.dealer_package_line_ids
        self.assertFalse(Line.search([("id", "in", theirs.ids)]), "another showroom's package is not listed")
        for attempt in (
            lambda: theirs.with_user(advisor).write({"quantity": 40}),
            lambda: theirs.with_user(advisor).unlink(),
            lambda: Line.create({"package_tmpl_id": self.to2_b.product_tmpl_id.id, "product_id": self.oil.id}),
        ):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                attempt()
        self.assertEqual(theirs.mapped("quantity"), [1, 6])
        shared = self.to2_a.product_tmpl_id.dealer_package_line_ids
        self.assertEqual(Line.search([("id", "in", shared.ids)]), shared)


@tagged("post_install", "-at_install")
class TestCatalogueApi(DealerApiCase):
    def test_visit_lines_of_the_dms_link_to_the_catalogue_by_code(self):
        mats = self.env["product.product"].create(
            {"name": "Floor mats", "default_code": "API-MATS", "dealer_item_kind": "accessory", "list_price": 4900}
        )
        labour = self.env["product.product"].create(
            {"name": "Wheel alignment", "default_code": "API-ALN", "dealer_item_kind": "repair", "type": "service"}
        )
        body = {
            "external_id": "RO-CAT-1",
            "vin": "XW8ZZZ61ZHG000999",
            "name": "Ivan Catalogue",
            "phone": "+7 916 765-43-21",
            "lines": [
                {"name": "Mats (DMS name)", "code": "API-MATS", "amount": 4500, "status": "done"},
                {"name": "Alignment", "code": "API-ALN", "amount": 3500, "status": "deferred"},
                {"name": "Local part 77", "code": "DMS-77", "amount": 700, "status": "done"},
                {"name": "Wash", "amount": 500, "status": "done"},
            ],
        }
        template_class = type(self.env["product.template"])
        lookup = template_class._dealer_products_by_code
        with patch.object(template_class, "_dealer_products_by_code", autospec=True, side_effect=lookup) as spy:
            status, answer = self.post("/dealer/api/v1/visits", body)
        self.assertEqual(status, 201, answer)
        self.assertEqual(spy.call_count, 1, "one look-up for all the lines of a payload")
        visit = self.env["dealer.visit"].browse(answer["visit_id"])
        by_name = {line.name: line for line in visit.line_ids}
        self.assertEqual(by_name["Mats (DMS name)"].product_id, mats)
        self.assertEqual(by_name["Mats (DMS name)"].amount, 4500, "the DMS's name and amount are kept")
        self.assertEqual(by_name["Alignment"].product_id, labour)
        self.assertFalse(by_name["Local part 77"].product_id, "an unknown code stays a free-text line")
        self.assertFalse(by_name["Wash"].product_id)


@tagged("post_install", "-at_install")
class TestCatalogueTours(DealerTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.advisor = cls._tour_user("tour_catalogue_advisor", "dealer_crm.group_service_advisor")
        brand = cls.env["dealer.vehicle.brand"].create({"name": "Tourmake"})
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "Roadster", "brand_id": brand.id})
        cls.oil = cls.env["product.product"].create(
            {"name": "Tour oil 1 l", "dealer_item_kind": "part", "list_price": 900}
        )
        coupe = cls.env["dealer.vehicle.model"].create({"name": "Coupe", "brand_id": brand.id})
        cls.env["product.product"].create(
            {"name": "Tour TO-2 Coupe", "dealer_item_kind": "maintenance", "dealer_model_ids": [(6, 0, coupe.ids)]}
        )
        customer = cls.env["res.partner"].create({"name": "Tour Catalogue Customer"})
        vehicle = cls.env["dealer.vehicle"].create(
            {"vin": "XW8ZZZ61ZHG000555", "model_id": cls.car_model.id, "partner_id": customer.id}
        )
        cls.visit = cls.env["dealer.visit"].create(
            {"vehicle_id": vehicle.id, "partner_id": customer.id, "advisor_id": cls.advisor.id}
        )

    def _check_catalogue(self, lang):
        self.run_tour(
            "/odoo/action-dealer_crm.product_template_action_dealer", "dealer_catalogue_tour", self.advisor, lang
        )
        package = self.env["product.product"].search([("name", "=", "Tour TO-2 Roadster")])
        self.assertEqual(len(package), 1)
        self.assertEqual(package.dealer_item_kind, "maintenance")
        self.assertEqual(package.type, "service", "a package is a service")
        self.assertEqual(package.dealer_model_ids, self.car_model)
        self.assertEqual(package.dealer_maintenance_number, 2)
        self.assertEqual(package.lst_price, 16000)
        self.assertEqual(
            [(line.product_id, line.quantity) for line in package.dealer_package_line_ids], [(self.oil, 5)]
        )
        line = self.visit.line_ids
        self.assertEqual(line.product_id, package)
        self.assertEqual((line.name, line.amount), ("Tour TO-2 Roadster", 16000))

    @slow
    def test_catalogue_tour(self):
        self._check_catalogue("en_US")

    @slow
    def test_catalogue_tour_ru(self):
        self._check_catalogue("ru_RU")
