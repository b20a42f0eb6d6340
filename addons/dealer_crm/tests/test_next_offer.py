from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCustomerCase

TODAY = date(2026, 10, 1)  # the winter tyre change (15 Oct, 4 weeks ahead) is on offer


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestNextOffer(DealerCustomerCase):
    """Each source of the next best offer gives the expected item with a reason a person understands."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        # the items and promotions of this test only (demo data may hold a catalogue)
        cls.env["product.template"].search([("dealer_item_kind", "!=", False)]).active = False
        cls.env["dealer.promotion"].search([]).active = False
        cls.other_model = cls.env["dealer.vehicle.model"].create({"name": "Van", "brand_id": cls.brand.id})
        cls.to = {
            n: cls._item(f"TO-{n}", "maintenance", dealer_maintenance_number=n, dealer_model_ids=cls.car_model)
            for n in (1, 2, 3)
        }
        cls.van_to2 = cls._item(
            "Van TO-2", "maintenance", dealer_maintenance_number=2, dealer_model_ids=cls.other_model
        )
        cls.tyres = cls._item("Tyre change", "tyre")
        cls.tyres_stored = cls._item("Tyre change with storage", "tyre", dealer_tyre_storage=True)
        cls.mats = cls._item("Floor mats", "accessory", dealer_model_ids=cls.car_model)
        cls.pads = cls._item("Brake pads replacement", "repair")
        cls.warranty = cls._item("Extended warranty", "warranty")

    @classmethod
    def _item(cls, name, kind, **vals):
        return cls.env["product.product"].create(
            {"name": name, "type": "service", "dealer_item_kind": kind, "list_price": 1000.0, **vals}
        )

    def _car(self, name="Owner", plate="A001AA77", **vals):
        partner = self.make_customer(name)
        return self.env["dealer.vehicle"].create(
            {
                "plate": plate,
                "brand_id": self.brand.id,
                "model_id": self.car_model.id,
                "partner_id": partner.id,
                "state": "customer",
                **vals,
            }
        )

    def _due(self, vehicle, km, in_days, odometer=None):
        vehicle.write(
            {
                "next_service_km": km,
                "next_service_date": TODAY + timedelta(days=in_days),
                "last_odometer_km": odometer or km - 1100,
                "last_odometer_date": TODAY,
            }
        )

    def _visit(self, vehicle, day, lines):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "date": day,
                "kind": "repair",
                "state": "done",
                "line_ids": [
                    Command.create({"name": name, "product_id": product.id, "status": status, "amount": 100.0})
                    for name, product, status in lines
                ],
            }
        )

    def _refresh(self, vehicles=None):
        self.env["dealer.next.offer"]._refresh(vehicles)

    def _offers(self, vehicle, source=None):
        domain = [("vehicle_id", "=", vehicle.id), ("state", "=", "open")]
        if source:
            domain.append(("source", "=", source))
        return self.env["dealer.next.offer"].search(domain)

    # ------------------------------------------------------------
    # Sources
    # ------------------------------------------------------------

    def test_due_maintenance_package(self):
        due, later, cycled = self._car("Due"), self._car("Later", "A002AA77"), self._car("Cycled", "A003AA77")
        van = self._car("Van owner", "A004AA77", model_id=self.other_model.id)
        self._due(due, 30000, 10, odometer=28900)
        self._due(later, 30000, 200)
        self._due(cycled, 60000, 0)  # the 4th service of a model with TO-1..TO-3: TO-1 again
        self._due(van, 30000, 5)
        self._refresh()
        offer = self._offers(due, "maintenance")
        self.assertEqual(offer.product_id, self.to[2])
        self.assertEqual(
            offer.reason, "Maintenance due at 30,000 km by 11 October 2026 — projected mileage today 28,900 km"
        )
        self.assertFalse(self._offers(later, "maintenance"), "a car not due within the look-ahead gets no package")
        bare = self._car("No odometer", "A005AA77", next_service_km=15000, next_service_date=TODAY)
        self._refresh(bare)
        self.assertEqual(self._offers(bare, "maintenance").reason, "Maintenance due at 15,000 km by 1 October 2026")
        self.assertEqual(self._offers(cycled, "maintenance").product_id, self.to[1])
        self.assertEqual(self._offers(van, "maintenance").product_id, self.van_to2, "the package of the car's model")
        self.assertGreater(
            self._offers(cycled, "maintenance").score, offer.score, "due today ranks above due in 10 days"
        )

    def test_tyre_season_with_storage_for_those_who_stored(self):
        plain, stored = self._car("Plain"), self._car("Stored", "A002AA77")
        self._visit(stored, date(2026, 4, 2), [("Tyre change + storage", self.tyres_stored, "done")])
        self._refresh()
        self.assertEqual(self._offers(plain, "tyre_season").product_id, self.tyres)
        self.assertEqual(
            self._offers(plain, "tyre_season").reason, "Winter tyre change: the season starts 15 October 2026"
        )
        offer = self._offers(stored, "tyre_season")
        self.assertEqual(offer.product_id, self.tyres_stored)
        self.assertIn("(tyres stored with us before)", offer.reason)
        # tyres changed this autumn: no more offer
        self._visit(plain, date(2026, 9, 28), [("Tyre change", self.tyres, "done")])
        self._refresh()
        self.assertFalse(self._offers(plain, "tyre_season"))
        with freeze_time(date(2026, 7, 1)):
            self._refresh()
        self.assertFalse(self._offers(stored, "tyre_season"), "no tyre change offered out of season")

    def test_declined_work_until_done(self):
        car = self._car()
        self._visit(car, date(2026, 5, 3), [("brake pads", self.pads, "declined"), ("oil", self.to[1], "done")])
        self._refresh()
        offer = self._offers(car, "declined")
        self.assertEqual(offer.product_id, self.pads)
        self.assertEqual(offer.reason, "Declined on 3 May 2026: brake pads")
        self._visit(car, date(2026, 9, 20), [("brake pads", self.pads, "done")])
        self._refresh()
        self.assertFalse(self._offers(car, "declined"), "done since: not offered any more")
        self.assertFalse(self._offers(car).filtered(lambda o: o.product_id == self.pads))

    def test_deferred_work(self):
        car = self._car()
        visit = self._visit(car, date(2026, 8, 14), [("wipers", self.pads, "deferred")])
        visit.line_ids.deferred_until = date(2026, 11, 1)
        self._refresh()
        self.assertEqual(self._offers(car, "deferred").reason, "Deferred on 14 August 2026 to 1 November 2026: wipers")

    def test_accessory_popular_with_owners_of_the_model(self):
        buyer, *others = (self._car(f"Owner {i}", f"A00{i}AA77") for i in range(3))
        van = self._car("Van owner", "A009AA77", model_id=self.other_model.id)
        self._visit(buyer, date(2026, 6, 1), [("Floor mats", self.mats, "done")])
        self._refresh()
        for car in others:
            offer = self._offers(car, "accessory")
            self.assertEqual(offer.product_id, self.mats)
            self.assertEqual(offer.reason, "Bought by 33% of Testmake Roadster owners")
        self.assertFalse(self._offers(buyer, "accessory"), "the buyer already has it")
        self.assertFalse(self._offers(van, "accessory"), "another model's owners did not buy it")

    def test_promotion_for_the_model(self):
        car = self._car()
        van = self._car("Van owner", "A009AA77", model_id=self.other_model.id)
        self._due(car, 30000, 3)
        promotion = self.env["dealer.promotion"].create(
            {
                "name": "Winter service",
                "date_from": date(2026, 9, 1),
                "date_to": date(2026, 12, 31),
                "discount_percent": 15,
                "model_ids": [Command.set(self.car_model.ids)],
                "product_tmpl_ids": [Command.set((self.warranty | self.to[2]).product_tmpl_id.ids)],
            }
        )
        self.env["dealer.promotion"].create(
            {
                "name": "Expired",
                "date_to": date(2026, 9, 30),
                "discount_percent": 30,
                "product_tmpl_ids": [Command.set(self.pads.product_tmpl_id.ids)],
            }
        )
        self._refresh()
        offer = self._offers(car, "promotion")
        self.assertEqual(offer.product_id, self.warranty)
        self.assertEqual(offer.reason, "Promotion 'Winter service' −15% until 31 December 2026")
        package = self._offers(car, "maintenance")
        self.assertEqual(package.promotion_id, promotion, "the due package it discounts names the promotion")
        self.assertTrue(package.reason.endswith("; Promotion 'Winter service' −15% until 31 December 2026"))
        self.assertFalse(self._offers(van, "promotion"), "the promotion is for another model")
        self.assertNotIn(self.pads, self._offers(car).product_id, "an expired promotion offers nothing")

    # ------------------------------------------------------------
    # Ranking, acceptance, scale, showrooms
    # ------------------------------------------------------------

    def test_best_offers_per_car(self):
        car = self._car()
        self._due(car, 30000, 3)
        self._visit(car, date(2026, 5, 3), [("brake pads", self.pads, "declined")])
        self.env["ir.config_parameter"].sudo().set_param("dealer_crm.next_offer_count", "2")
        self._refresh()
        offers = self._offers(car)
        self.assertEqual(offers.mapped("source"), ["maintenance", "tyre_season"], "the two best, best first")
        self.assertEqual(offers.mapped("rank"), [1, 2])

    def test_accepted_offer_is_not_offered_again(self):
        car = self._car()
        self._visit(car, date(2026, 5, 3), [("brake pads", self.pads, "declined")])
        self._refresh()
        lead = self.make_deal(car.partner_id, vehicle_id=car.id)
        self.assertIn(self._offers(car, "declined"), lead.dealer_next_offer_ids)
        offer = self._offers(car, "declined")
        offer.with_user(self.salesman).with_context(dealer_lead_id=lead.id).action_accept()
        self.assertEqual(offer.state, "accepted")
        self.assertEqual(offer.lead_id, lead)
        self.assertIn("brake pads", lead.message_ids[0].body)
        self._refresh()
        self.assertFalse(self._offers(car, "declined"), "accepted: not offered again")
        self.assertEqual(offer.exists().state, "accepted", "the acceptance is kept")
        lead.invalidate_recordset()
        self.assertNotIn(offer, lead.dealer_next_offer_ids)

    def test_refresh_is_set_based(self):
        def cars(count, start):
            partner = self.make_customer("Fleet")
            return self.env["dealer.vehicle"].create(
                [
                    {
                        "plate": f"F{start + i:05d}",
                        "brand_id": self.brand.id,
                        "model_id": self.car_model.id,
                        "partner_id": partner.id,
                        "next_service_km": 15000,
                        "next_service_date": TODAY,
                    }
                    for i in range(count)
                ]
            )

        def queries(vehicles):
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            self._refresh(vehicles)
            return self.env.cr.sql_log_count - before

        self._refresh()  # settings and promotions read once, as the nightly run has them
        small, large = cars(10, 0), cars(50, 100)
        self.assertEqual(queries(small), queries(large))
        self.assertLessEqual(queries(large), 20)
        self.assertEqual(len(self._offers(large[-1], "maintenance")), 1)
        self.assertEqual(self.env["dealer.next.offer"].search_count([("vehicle_id", "in", large.ids)]), 100)

    def test_another_showroom_does_not_see_the_offers(self):
        car = self._car()
        self._visit(car, date(2026, 5, 3), [("brake pads", self.pads, "declined")])
        self._refresh()
        offers = self._offers(car)
        self.assertTrue(offers)
        self.assertEqual(offers.company_id, car.company_id)
        other = self.env["res.company"].create({"name": "Other showroom"})
        stranger = new_test_user(
            self.env,
            login="other_showroom_advisor",
            groups="dealer_crm.group_service_advisor",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(self.env["dealer.next.offer"].with_user(stranger).search([("id", "in", offers.ids)]))
        with self.assertRaises(AccessError):
            offers.with_user(stranger).read(["reason"])

    def test_an_offer_of_a_shared_car_accepted_here_is_this_showrooms(self):
        """A shared car's offer (no showroom) accepted on showroom A's deal: showroom B no longer reads it, nor
        which of A's deals took it; it is offered again in neither showroom."""
        car = self._car(company_id=False)
        car.partner_id.company_id = False
        self._due(car, 30000, 10, odometer=28900)
        self._refresh()
        offer = self._offers(car, "maintenance")
        self.assertTrue(offer)
        self.assertFalse(offer.company_id)
        other = self.env["res.company"].create({"name": "Showroom B"})
        there = new_test_user(
            self.env,
            login="offer_b_advisor",
            groups="dealer_crm.group_service_advisor",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertTrue(self.env["dealer.next.offer"].with_user(there).search([("id", "=", offer.id)]))
        lead = self.make_deal(car.partner_id, vehicle_id=car.id)
        self.assertEqual(lead.company_id, self.env.company)
        offer.with_user(self.salesman).with_context(dealer_lead_id=lead.id).action_accept()
        self.assertEqual((offer.state, offer.company_id), ("accepted", lead.company_id))
        self.assertFalse(self.env["dealer.next.offer"].with_user(there).search([("id", "=", offer.id)]))
        self._refresh()
        self.assertFalse(self._offers(car, "maintenance"), "not offered again")

    def test_work_declined_in_another_showroom_is_that_showrooms_offer(self):
        """A car shared by the showrooms (no showroom of its own) declined work in showroom B: the offer is B's.
        It used to be the car's (none): showroom A's staff saw B's declined work, and the card and the car's form
        did not open for them (the offer's reason reads B's visit)."""
        other = self.env["res.company"].create({"name": "Showroom B"})
        car = self._car(company_id=False)
        car.partner_id.company_id = False
        visit = self._visit(car, date(2026, 5, 3), [("brake pads in B", self.pads, "declined")])
        visit.company_id = other
        self._refresh()
        offer = self._offers(car, "declined")
        self.assertEqual(offer.company_id, other)
        here = new_test_user(self.env, login="showroom_a_advisor", groups="dealer_crm.group_service_advisor")
        there = new_test_user(
            self.env,
            login="showroom_b_advisor",
            groups="dealer_crm.group_service_advisor",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        mine = car.with_user(here)
        self.assertNotIn("brake pads in B", mine.next_offer_text or "", "showroom A does not see B's declined work")
        self.assertNotIn("brake pads in B", mine.partner_id.dealer_next_offer_text or "")
        mine.next_offer_ids.read(["reason", "product_id"])  # what the car's form reads: no AccessError
        self.env.invalidate_all()  # each user reads in their own request
        self.assertIn("brake pads in B", car.with_user(there).next_offer_text)

    def test_refresh_buttons_and_customer_placeholder(self):
        car = self._car()
        self._visit(car, date(2026, 5, 3), [("brake pads", self.pads, "declined")])
        car.partner_id.with_user(self.salesman).action_dealer_refresh_next_offers()
        self.assertEqual(self._offers(car, "declined").product_id, self.pads, "the customer card's Refresh")
        self._visit(car, date(2026, 9, 1), [("brake pads", self.pads, "done")])
        car.with_user(self.salesman).action_refresh_next_offers()
        self.assertFalse(self._offers(car, "declined"), "the vehicle's Refresh")
        self._visit(car, date(2026, 9, 2), [("brake pads", self.pads, "declined")])
        self._refresh()
        self.assertIn(
            "Brake pads replacement: Declined on 2 September 2026: brake pads", car.partner_id.dealer_next_offer_text
        )
        self.assertIn("Brake pads replacement: Declined on 2 September 2026: brake pads", car.next_offer_text)


@tagged("post_install", "-at_install")
class TestNextOfferDemo(DealerCustomerCase):
    """Installed with demo data, the demo customers have plausible next best offers, each saying why."""

    def setUp(self):
        super().setUp()
        if not self.env.ref("dealer_crm.dealer_visit_catalogue_01_demo", raise_if_not_found=False):
            self.skipTest("installed without demo data")

    def test_demo_customers_have_explained_offers(self):
        Offer = self.env["dealer.next.offer"]
        Offer._refresh()  # as the nightly run (and the demo data, at install) works them out
        offers = Offer.search([("state", "=", "open")])
        self.assertGreaterEqual(len(set(offers.mapped("source"))), 3, "several kinds of reason")
        self.assertTrue(all(offers.mapped("reason")), "each offer says why")
        self.assertTrue(all(offer.product_id.dealer_item_kind for offer in offers), "catalogue items only")
        per_car = {car: len(group) for car, group in offers.grouped("vehicle_id").items()}
        self.assertLessEqual(max(per_car.values()), 5)
