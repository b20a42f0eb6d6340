"""The dealership's rules apply to dealership deals; Odoo's own CRM keeps its behaviour elsewhere."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user

from .common import DealerSalesCase


class TestDealershipScope(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fleet_seller = new_test_user(cls.env, login="scope_fleet", groups="sales_team.group_sale_salesman")
        cls.generic_team = cls.env["crm.team"].create(
            {
                "name": "Accessories (not a dealership team)",
                "crm_team_member_ids": [Command.create({"user_id": cls.fleet_seller.id})],
            }
        )
        cls.generic_stage, cls.generic_won = cls.env["crm.stage"].create(
            [
                {"name": "Scope new", "sequence": 0},
                {"name": "Scope won", "sequence": 98, "is_won": True},
            ]
        )
        cls.customer = cls.env["res.partner"].create({"name": "Scope customer"})

    def test_a_customer_made_from_a_dealership_lead_belongs_to_its_showroom(self):
        """Converting a lead creates the customer's card: in the lead's showroom for a dealership lead (the
        other showrooms neither see nor match it), shared as Odoo makes it for any other team."""
        dealership, generic = self.env["crm.lead"].create(
            [
                {"name": "Walk-in", "contact_name": "Oleg Sidorov", "team_id": self.team.id, "user_id": False},
                {"name": "Accessories", "contact_name": "Olga Sidorova", "team_id": self.generic_team.id},
            ]
        )
        (dealership | generic)._handle_partner_assignment(create_missing=True)
        self.assertEqual(dealership.partner_id.name, "Oleg Sidorov")
        self.assertEqual(dealership.partner_id.company_id, dealership.company_id)
        self.assertTrue(dealership.company_id)
        self.assertEqual(generic.partner_id.name, "Olga Sidorova")
        self.assertFalse(generic.partner_id.company_id, "Odoo's own CRM keeps its behaviour")
        fleet = self.env["crm.lead"].create(
            {"name": "Fleet", "partner_name": "Romashka LLC", "contact_name": "Ivan Romashkin", "team_id": self.team.id}
        )
        fleet._handle_partner_assignment(create_missing=True)
        self.assertEqual(fleet.partner_id.name, "Ivan Romashkin")
        self.assertEqual(fleet.partner_id.parent_id.name, "Romashka LLC")
        self.assertEqual((fleet.partner_id | fleet.partner_id.parent_id).company_id, fleet.company_id)

    def test_a_deal_cleared_of_its_salesperson_stays_in_its_showroom(self):
        """A shared customer's deal in a team of every showroom: the head clears the salesperson to route it
        again; the deal stays in its showroom, out of the other showrooms' sight (Odoo would leave it with no
        company, which every showroom reads and takes)."""
        shared_team = self.env["crm.team"].create(
            {
                "name": "Showroom sales (every showroom)",
                "dealer_is_dealership": True,
                "company_id": False,
                "crm_team_member_ids": [Command.create({"user_id": self.salesperson_1.id})],
            }
        )
        south = self.env["res.company"].create({"name": "South showroom"})
        south_reception = new_test_user(
            self.env,
            login="south_reception",
            groups="dealer_crm.group_receptionist",
            company_id=south.id,
            company_ids=[Command.set(south.ids)],
        )
        shared = self.env["res.partner"].create({"name": "Shared customer", "company_id": False})
        lead = self._lead(team_id=shared_team.id, user_id=self.salesperson_1.id, partner_id=shared.id)
        self.assertEqual(lead.company_id, self.company)
        lead.with_user(self.team_head).write({"user_id": False})
        self.assertEqual(lead.company_id, self.company, "still the showroom's deal")
        self.assertFalse(self.env["crm.lead"].with_user(south_reception).search([("id", "=", lead.id)]))
        lead.write({"user_id": self.salesperson_2.id})
        self.assertEqual(lead.company_id, self.company)
        # handed to a salesperson of the South showroom only: the deal goes there, as in Odoo, not to none
        south_seller = new_test_user(
            self.env,
            login="south_seller",
            groups="dealer_crm.group_sales_manager",
            company_id=south.id,
            company_ids=[Command.set(south.ids)],
        )
        shared_team.crm_team_member_ids = [Command.create({"user_id": south_seller.id})]
        lead.with_user(self.team_head).write({"user_id": south_seller.id})
        self.assertEqual(lead.team_id, shared_team)
        self.assertEqual(lead.company_id, south)

    def test_a_walk_in_cannot_be_tied_to_another_showrooms_lead(self):
        """Odoo shows a linked record's name whatever its reader's rights: a receptionist who writes another
        showroom's lead id on their walk-in would read that lead's name (customer, phone). Refused."""
        south = self.env["res.company"].create({"name": "South showroom"})
        theirs = self._lead(name="Ivan Petrov: new car", company_id=south.id, team_id=False)
        self.assertEqual(theirs.company_id, south)
        walkin = self.env["dealer.walkin"].with_user(self.receptionist).create({"name": "Visitor"})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            walkin.with_user(self.receptionist).write({"lead_id": theirs.id})
        self.assertFalse(walkin.lead_id)

    def test_a_refused_crossover_does_not_name_the_other_showrooms_record(self):
        """Odoo's company-crossover error reads the linked record's name as superuser: an id typed over RPC
        on one's own walk-in, car or visit answered with another showroom's lead, customer or car name. The
        change is refused naming the field; one who may read the record is told its name, as in Odoo."""
        south = self.env["res.company"].create({"name": "South showroom"})
        their_lead = self._lead(name="Ivan Petrov: new car", company_id=south.id, team_id=False)
        their_customer = self.env["res.partner"].create({"name": "Pyotr Sidorov", "company_id": south.id})
        their_car = self._vehicle(state="customer", company_id=south.id, plate="Y777YY77")
        walkin = self.env["dealer.walkin"].create({"name": "Visitor"})
        car = self._vehicle(state="customer", plate="A123AA77")
        visit = self.env["dealer.visit"].create({"vehicle_id": car.id, "date": "2026-04-01"})
        advisor = new_test_user(self.env, login="scope_crossing_advisor", groups="dealer_crm.group_service_advisor")
        for user, record, fname, theirs, secret in (
            (self.team_head, walkin, "lead_id", their_lead, "Ivan Petrov"),
            (self.team_head, car, "partner_id", their_customer, "Pyotr Sidorov"),
            (advisor, visit, "vehicle_id", their_car, "Y777YY77"),
        ):
            with self.subTest(model=record._name):
                with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
                    record.with_user(user).write({fname: theirs.id})
                message = str(caught.exception)
                self.assertNotIn(secret, message)
                self.assertIn(record._fields[fname].string, message)
                self.assertIn(fname, message)
        self.assertFalse(walkin.lead_id)
        self.assertEqual(visit.vehicle_id, car)
        # working in both showrooms (South not the current one), the head may read the lead: Odoo's message
        self.team_head.company_ids |= south
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
            walkin.with_user(self.team_head).with_context(allowed_company_ids=[self.env.company.id, south.id]).write(
                {"lead_id": their_lead.id}
            )
        self.assertIn("Ivan Petrov", str(caught.exception))

    def test_an_odometer_reading_cannot_name_another_showrooms_visit(self):
        """A reading names the visit it was taken at: another showroom's visit, its id typed over RPC, would show
        its repair-order number in the car's odometer log. Refused, also through a context default."""
        south = self.env["res.company"].create({"name": "South showroom"})
        their_car = self._vehicle(state="customer", company_id=south.id)
        their_visit = self.env["dealer.visit"].create(
            {"vehicle_id": their_car.id, "date": "2026-04-01", "company_id": south.id}
        )
        car = self._vehicle(state="customer", plate="A123AA77")
        Reading = self.env["dealer.vehicle.odometer"].with_user(self.salesperson_1)
        plain = {"vehicle_id": car.id, "value_km": 1000}
        for context, vals in (
            ({}, {**plain, "visit_id": their_visit.id}),
            ({}, {**plain, "visit_id": str(their_visit.id)}),  # PostgreSQL stores the text as the number
            ({"default_visit_id": their_visit.id}, plain),
        ):
            with self.subTest(context=context, vals=vals), self.assertRaises(AccessError), self.env.cr.savepoint():
                Reading.with_context(**context).create(vals)
        self.assertFalse(car.odometer_ids)

    def test_a_reading_taken_at_another_showrooms_visit_of_a_shared_car_is_that_showrooms(self):
        """A car the showrooms share (of no showroom) keeps one odometer log. A reading taken at South's visit
        names that visit: North sees neither the reading (South's repair-order number) nor may change its
        kilometres, while the car's last reading, a fact about the car, stays shown to both."""
        south = self.env["res.company"].create({"name": "South showroom"})
        shared = self._vehicle(state="customer", company_id=False, partner_id=self.customer.id)
        by_hand = self.env["dealer.vehicle.odometer"].create(
            {"vehicle_id": shared.id, "value_km": 10000, "date": "2026-01-10"}
        )
        their_visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": shared.id,
                "partner_id": self.customer.id,
                "date": "2026-03-01",
                "company_id": south.id,
                "odometer_km": 15000,
            }
        )
        theirs = self.env["dealer.vehicle.odometer"].search([("visit_id", "=", their_visit.id)])
        self.assertEqual((theirs.value_km, theirs.company_id), (15000, south))
        north_car = shared.with_user(self.salesperson_1)
        north_car.invalidate_recordset()
        self.assertEqual(north_car.odometer_ids, by_hand, "North reads South's visit in the odometer log")
        self.assertEqual(north_car.last_odometer_km, 15000)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            theirs.with_user(self.salesperson_1).write({"value_km": 1})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            theirs.with_user(self.salesperson_1).read(["visit_id"])
        # North's own readings of the shared car stay shared
        by_hand.with_user(self.salesperson_1).write({"value_km": 10100})
        self.assertEqual(by_hand.value_km, 10100)

    def test_nothing_of_this_showroom_is_moved_into_another(self):
        """Odoo checks a record rule before a write, not after: a person of this showroom who wrote another
        showroom into their own traffic count, funnel plan or walk-in (on the team every showroom shares), or
        moved a line of their service package into another showroom's package, would change that showroom's
        funnel and packages. Refused, and nothing moves."""
        south = self.env["res.company"].create({"name": "South showroom"})
        shared_team = self.env["crm.team"].create({"name": "Every showroom", "company_id": False})
        their_package = self.env["product.template"].create(
            {"name": "TO-2 South", "type": "service", "dealer_item_kind": "maintenance", "company_id": south.id}
        )
        own_package = self.env["product.template"].create(
            {"name": "TO-2 North", "type": "service", "dealer_item_kind": "maintenance"}
        )
        labour = self.env["product.product"].create({"name": "Oil change", "type": "service"})
        records = (
            (
                self.receptionist,
                self.env["dealer.traffic"].create({"team_id": shared_team.id, "visitors_count": 5}),
                "company_id",
                south.id,
            ),
            (
                self.team_head,
                self.env["dealer.funnel.target"].create(
                    {"team_id": shared_team.id, "month": "2026-12-01", "target_nl": 9}
                ),
                "company_id",
                south.id,
            ),
            (self.receptionist, self.env["dealer.walkin"].create({"name": "Guest"}), "company_id", south.id),
            (
                self.team_head,
                self.env["dealer.package.line"].create({"package_tmpl_id": own_package.id, "product_id": labour.id}),
                "package_tmpl_id",
                their_package.id,
            ),
        )
        for user, record, fname, value in records:
            before = record[fname]
            with self.subTest(model=record._name):
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    record.with_user(user).write({fname: value})
                self.assertEqual(record[fname], before)
        # a move within the showrooms the person works in is theirs to make
        self.team_head.company_ids |= south
        records[1][1].with_user(self.team_head).with_context(allowed_company_ids=[self.env.company.id, south.id]).write(
            {"company_id": south.id}
        )
        self.assertEqual(records[1][1].company_id, south)

    def test_what_the_application_works_out_is_not_typed_in(self):
        """Odoo enforces readonly in its forms only. Over RPC a person could type a visit's revenue (the campaigns'
        attributed revenue, RFM), a car's next service date (enrolled in a maintenance campaign now, never at the
        true date), a lead's call count, a request's proposal for the card (applied by a colleague as consent), a
        call's quality score, or create a reservation already converted (the car reserved for good). Refused."""
        advisor = new_test_user(self.env, login="scope_written_advisor", groups="dealer_crm.group_service_advisor")
        car = self._vehicle(state="customer", plate="W001WW77")
        visit = self.env["dealer.visit"].create({"vehicle_id": car.id, "partner_id": self.customer.id})
        lead = self._lead(name="Written", user_id=self.salesperson_1.id)
        call = self.env["dealer.call"].create(
            {"direction": "inbound", "status": "answered", "phone": "+79035550001", "user_id": self.salesperson_1.id}
        )
        stock = self._vehicle(plate="W002WW77")
        attempts = (
            (advisor, lambda env: env["dealer.visit"].browse(visit.id).write({"revenue": 99000})),
            (
                self.salesperson_1,
                lambda env: env["dealer.vehicle"].browse(car.id).write({"next_service_date": "2026-12-08"}),
            ),
            (self.salesperson_1, lambda env: env["dealer.vehicle"].browse(car.id).write({"last_odometer_km": 999999})),
            (self.salesperson_1, lambda env: env["crm.lead"].browse(lead.id).write({"dealer_call_count": 40})),
            (
                self.salesperson_1,
                lambda env: env["crm.lead"].browse(lead.id).write({"dealer_card_proposal": {"consent_email": True}}),
            ),
            (
                self.team_head,
                lambda env: env["dealer.call"].browse(call.id).write({"score_percent": 100, "reviewed": True}),
            ),
            (
                self.salesperson_1,
                lambda env: env["dealer.reservation"].create(
                    {"vehicle_id": stock.id, "lead_id": lead.id, "state": "converted"}
                ),
            ),
        )
        south = self.env["res.company"].create({"name": "South showroom"})
        attempts += (
            # a car reserved or sold by hand (blocked for good, or gone from stock without a deal), a reserved car
            # set back to stock (sold twice), a car moved into another showroom's stock, a stage with no history
            (self.salesperson_1, lambda env: env["dealer.vehicle"].browse(stock.id).write({"state": "reserved"})),
            (self.salesperson_1, lambda env: env["dealer.vehicle"].browse(stock.id).write({"state": "sold"})),
            (self.salesperson_1, lambda env: env["dealer.vehicle"].create({"plate": "W003WW77", "state": "sold"})),
            (self.salesperson_1, lambda env: env["dealer.vehicle"].browse(stock.id).write({"company_id": south.id})),
            (
                self.salesperson_1,
                lambda env: env["res.partner"].browse(self.customer.id).write({"dealer_stage": "customer"}),
            ),
        )
        for user, attempt in attempts:
            with self.subTest(user=user.login), self.assertRaises(AccessError), self.env.cr.savepoint():
                attempt(self.env(user=user))
        self.assertEqual((visit.revenue, lead.dealer_call_count, call.reviewed), (0.0, 0, False))
        self.assertFalse(lead.dealer_card_proposal or car.next_service_date == "2026-12-08")
        self.assertEqual((stock.state, stock.company_id), ("stock", self.env.company))
        self.assertEqual(self.customer.dealer_stage, "prospect")
        # the car is reserved and released by its reservation, as before; a car is still put in stock by hand
        reservation = (
            self.env["dealer.reservation"]
            .with_user(self.salesperson_1)
            .create({"vehicle_id": stock.id, "lead_id": lead.id})
        )
        self.assertEqual(stock.state, "reserved")
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            stock.with_user(self.salesperson_1).write({"state": "stock"})
        reservation.with_user(self.salesperson_1).action_release()
        self.assertEqual(stock.state, "stock")
        car.with_user(self.salesperson_1).write({"state": "trade_in"})
        self.assertEqual(car.state, "trade_in")

    def test_a_deal_of_another_team_is_won_without_a_car(self):
        lead = self.env["crm.lead"].create(
            {"name": "Roof boxes", "type": "opportunity", "team_id": self.generic_team.id, "partner_id": False}
        )
        lead.action_set_won()
        self.assertEqual(lead.won_status, "won")

    def test_a_dealership_deal_still_needs_the_car_and_the_customer(self):
        lead = self._lead(name="Octavia", type="opportunity")
        with self.assertRaisesRegex(UserError, "cannot be won"):
            lead.action_set_won()
        self.assertEqual(lead.won_status, "pending")

    def test_a_deal_about_a_car_is_a_dealership_deal_whatever_its_team(self):
        car = self._vehicle()
        lead = self.env["crm.lead"].create(
            {"name": "Fleet car", "type": "opportunity", "team_id": self.generic_team.id, "vehicle_id": car.id}
        )
        with self.assertRaisesRegex(UserError, "customer"):
            lead.action_set_won()

    def test_a_lead_of_another_team_is_neither_routed_nor_timed_and_leaves_the_life_cycle_alone(self):
        stage_before = self.customer.dealer_stage
        lead = self.env["crm.lead"].create(
            {"name": "Accessories request", "team_id": self.generic_team.id, "partner_id": self.customer.id}
        )
        self.assertFalse(lead.user_id.filtered(lambda user: user in (self.salesperson_1 | self.salesperson_2)))
        self.assertEqual(lead.team_id, self.generic_team)
        self.assertFalse(lead.dealer_sla_deadline)
        self.assertEqual(self.customer.dealer_stage, stage_before)
        dealer_lead = self._lead(name="Showroom request", partner_id=self.customer.id)
        self.assertEqual(dealer_lead.partner_id.dealer_stage, "lead", "a dealership lead moves the customer along")

    def test_a_new_dealership_lead_is_routed_and_timed(self):
        lead = self.env["crm.lead"].create({"name": "Showroom request", "team_id": self.team.id, "user_id": False})
        self.assertIn(lead.user_id, self.salesperson_1 | self.salesperson_2)
        self.assertTrue(lead.dealer_sla_deadline)

    def test_a_dealership_team_starts_in_its_own_pipeline(self):
        dealer_lead = self._lead(name="Showroom")
        self.assertEqual(dealer_lead.stage_id, self.stage_new)
        generic = self.env["crm.lead"].create({"name": "Generic", "team_id": self.generic_team.id})
        self.assertFalse(generic.stage_id.team_ids, "another team keeps Odoo's shared stages")

    def test_the_dealership_pipeline_shows_its_team_stages_only(self):
        """The kanban's empty columns (crm.lead's group_expand on stage_id) per pipeline."""
        no_stage = self.env["crm.stage"]
        columns = self.env["crm.lead"].with_context(default_team_id=self.team.id)._read_group_stage_ids(no_stage, [])
        self.assertIn(self.stage_new, columns)
        self.assertNotIn(self.generic_stage, columns, "a stage shared by every team stays out of this pipeline")
        generic = self.env["crm.lead"].with_context(default_team_id=self.generic_team.id)
        self.assertIn(self.generic_stage, generic._read_group_stage_ids(no_stage, []))

    def test_a_user_without_money_rights_duplicates_a_lead(self):
        lead = self._lead(name="To copy", user_id=self.fleet_seller.id)
        lead.sudo().budget = 30000
        copy = lead.with_user(self.fleet_seller).copy()
        self.assertNotEqual(copy, lead)
        self.assertFalse(copy.sudo().budget, "the budget stays on the original")

    def test_odoos_own_salesperson_keeps_odoos_screens(self):
        """A salesperson of Odoo's Sales with no dealership role sees Odoo's own lead form (no Dealership block
        with cars they may not open) and crm's Opportunities button on a contact; a dealership salesperson
        sees the Dealership block and the dealership's Deals button instead."""

        def arch(user, model):
            return self.env[model].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]

        seller_lead, seller_contact = arch(self.fleet_seller, "crm.lead"), arch(self.fleet_seller, "res.partner")
        self.assertNotIn('name="dealer_deal"', seller_lead)
        self.assertNotIn('name="vehicle_id"', seller_lead)
        self.assertIn('name="action_view_opportunity"', seller_contact)
        self.assertNotIn('name="action_dealer_view_leads"', seller_contact)
        dealer_lead, dealer_contact = arch(self.salesperson_1, "crm.lead"), arch(self.salesperson_1, "res.partner")
        self.assertIn('name="dealer_deal"', dealer_lead)
        self.assertIn('name="action_dealer_view_leads"', dealer_contact)
        self.assertNotIn('name="action_view_opportunity"', dealer_contact)

    def test_the_team_form_offers_the_switch(self):
        with Form(self.env["crm.team"]) as form:
            form.name = "New showroom"
            form.dealer_is_dealership = True
        self.assertTrue(form.record.dealer_is_dealership)
