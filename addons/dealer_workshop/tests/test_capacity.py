"""Workshop capacity: free hours and slots, over-booking refused, norm-hours, the load report."""

from datetime import datetime
from unittest.mock import patch

from odoo import Command
from odoo.addons.dealer_service_lost_sales.tests.common import ServiceLostSalesCase
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

# Monday 8 June 2026, 08:00 in Moscow (UTC+3): the showroom opens at 09:00 (06:00 UTC).
NOW = "2026-06-08 05:00:00"


def utc(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


@tagged("post_install", "-at_install")
class WorkshopCapacityCase(ServiceLostSalesCase):
    """A showroom of its own (Moscow time, 09:00-13:00 and 14:00-18:00 on weekdays, 10 June a
    holiday), two mechanical lifts and a body booth, so that demo data never interferes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.showroom = cls.env["res.company"].create({"name": "Workshop Test Showroom"})
        cls.env.user.tz = "Europe/Moscow"  # refusals speak the user's time
        cls.env.user.company_ids |= cls.showroom
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.showroom.id, cls.env.company.id]))
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Workshop hours",
                "company_id": cls.showroom.id,
                "tz": "Europe/Moscow",
                "attendance_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": h_from,
                            "hour_to": h_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for period, h_from, h_to in (("morning", 9, 13), ("afternoon", 14, 18))
                ],
            }
        )
        cls.holiday = cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "company_id": cls.showroom.id,
                "date_from": utc("2026-06-09 21:00"),
                "date_to": utc("2026-06-10 20:59"),
            }
        )
        Bay = cls.env["dealer.workshop.bay"]
        cls.lift1, cls.lift2, cls.booth = Bay.create(
            [
                {
                    "name": "Lift 1",
                    "kind": "mechanical",
                    "sequence": 1,
                    "company_id": cls.showroom.id,
                    "calendar_id": cls.calendar.id,
                },
                {
                    "name": "Lift 2",
                    "kind": "mechanical",
                    "sequence": 2,
                    "company_id": cls.showroom.id,
                    "calendar_id": cls.calendar.id,
                },
                {"name": "Body booth", "kind": "body", "company_id": cls.showroom.id, "calendar_id": cls.calendar.id},
            ]
        )
        cls.vehicle.company_id = cls.showroom
        cls.customer.company_id = False
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "Octavia Test", "brand_id": cls.brand.id})
        Product = cls.env["product.product"]
        cls.oil = Product.create(
            {"name": "Oil change", "dealer_item_kind": "labour", "dealer_labour_hours": 1.0, "type": "service"}
        )
        cls.filter = Product.create(
            {"name": "Filter change", "dealer_item_kind": "labour", "dealer_labour_hours": 0.5, "type": "service"}
        )
        cls.oil_part = Product.create({"name": "Engine oil 5W30", "dealer_item_kind": "part", "dealer_labour_hours": 3})
        cls.paint = Product.create(
            {
                "name": "Bumper paint",
                "dealer_item_kind": "repair",
                "dealer_labour_hours": 4.0,
                "dealer_bay_kind": "body",
                "type": "service",
            }
        )
        cls.package = Product.create(
            {
                "name": "Maintenance 1",
                "dealer_item_kind": "maintenance",
                "type": "service",
                "dealer_package_line_ids": [
                    Command.create({"product_id": cls.oil.id}),
                    Command.create({"product_id": cls.filter.id}),
                    Command.create({"product_id": cls.oil_part.id, "quantity": 4}),
                ],
            }
        )
        cls.norm = cls.env["dealer.workshop.norm"].create(
            {"product_tmpl_id": cls.oil.product_tmpl_id.id, "model_id": cls.car_model.id, "hours": 1.5}
        )
        cls.director = new_test_user(
            cls.env,
            login="ws_director",
            groups="dealer_crm.group_dealer_manager",
            company_id=cls.showroom.id,
            company_ids=[cls.showroom.id],
        )
        cls.showroom_advisor = new_test_user(
            cls.env,
            login="ws_advisor",
            groups="dealer_crm.group_service_advisor",
            company_id=cls.showroom.id,
            company_ids=[cls.showroom.id],
            tz="Europe/Moscow",
        )

    @classmethod
    def booking(cls, start, hours=2.0, **vals):
        return cls.Lead.create(
            {
                "name": "Service booking",
                "dealer_interest": "service",
                "company_id": cls.showroom.id,
                "partner_id": cls.customer.id,
                "vehicle_id": cls.vehicle.id,
                "service_planned_at": utc(start),
                **({"workshop_hours": hours} if hours else {}),
                **vals,
            }
        )


@freeze_time(NOW)
class TestFreeCapacity(WorkshopCapacityCase):
    def test_free_hours_working_time_and_holiday(self):
        Bay = self.env["dealer.workshop.bay"]
        free = Bay._free_hours(utc("2026-06-08 00:00"), utc("2026-06-11 00:00"), companies=self.showroom)
        # Monday and Tuesday are 8 working hours each, Wednesday is the holiday
        self.assertEqual(free, {self.lift1.id: 16.0, self.lift2.id: 16.0, self.booth.id: 16.0})
        self.booking("2026-06-08 07:00", 3.0, workshop_bay_id=self.lift1.id)
        free = Bay._free_hours(
            utc("2026-06-08 00:00"), utc("2026-06-09 00:00"), kinds=["mechanical"], companies=self.showroom
        )
        self.assertEqual(free, {self.lift1.id: 5.0, self.lift2.id: 8.0})

    def test_free_slots(self):
        Bay = self.env["dealer.workshop.bay"]
        slots = Bay._free_slots("body", 3.0, utc("2026-06-08 00:00"), utc("2026-06-11 00:00"), company=self.showroom)
        starts = [start for start, _bay in slots]
        self.assertTrue(all(bay == self.booth for _start, bay in slots))
        # Monday 09:00 local is the first start, a 3-hour job may run over lunch (12:00-13:00 + 14:00-16:00)
        self.assertEqual(starts[0], utc("2026-06-08 06:00"))
        self.assertIn(utc("2026-06-08 09:00"), starts)
        # the last start of the day ends at 18:00: 15:00 local
        self.assertIn(utc("2026-06-08 12:00"), starts)
        self.assertNotIn(utc("2026-06-08 12:30"), starts)
        # nothing on the holiday
        self.assertFalse([start for start in starts if start.date() == utc("2026-06-10 00:00").date()])
        # 30-minute grid
        self.assertEqual(starts[1], utc("2026-06-08 06:30"))

    def test_free_slots_skip_reservations(self):
        Bay = self.env["dealer.workshop.bay"]
        self.booking("2026-06-08 06:00", 4.0, workshop_bay_id=self.booth.id)
        slots = Bay._free_slots("body", 2.0, utc("2026-06-08 00:00"), utc("2026-06-09 00:00"), company=self.showroom)
        # the booth is taken 09:00-13:00 local: the first start is after lunch
        self.assertEqual(slots[0][0], utc("2026-06-08 11:00"))
        self.assertEqual(slots[-1][0], utc("2026-06-08 13:00"))


@freeze_time(NOW)
class TestOverbooking(WorkshopCapacityCase):
    def test_full_day_refuses_next_booking(self):
        self.booking("2026-06-08 06:00", 4.0, workshop_bay_id=self.booth.id)
        self.booking("2026-06-08 11:00", 4.0, workshop_bay_id=self.booth.id)
        count = self.Lead.search_count([("company_id", "=", self.showroom.id)])
        with self.assertRaises(ValidationError) as refused:
            self.booking("2026-06-08 13:00", 1.0, workshop_bay_id=self.booth.id)
        message = str(refused.exception)
        self.assertIn('Bay "Body booth" is fully booked on 06/08/2026 from', message)
        self.assertEqual(self.Lead.search_count([("company_id", "=", self.showroom.id)]), count, "nothing written")
        # the next working day is free; the holiday is not
        self.booking("2026-06-09 06:00", 1.0, workshop_bay_id=self.booth.id)
        with self.assertRaises(ValidationError) as closed:
            self.booking("2026-06-10 06:00", 1.0, workshop_bay_id=self.booth.id)
        self.assertIn(
            'Bay "Body booth" cannot take a 1-hour job starting on 06/10/2026 at 09:00', str(closed.exception)
        )

    def test_bay_given_by_kind_and_refused_when_all_taken(self):
        first = self.booking("2026-06-08 06:00", 8.0)
        second = self.booking("2026-06-08 06:00", 8.0)
        self.assertEqual((first | second).workshop_bay_id, self.lift1 | self.lift2)
        # 8 working hours from 09:00 local: over lunch, until 18:00 local
        self.assertEqual(first.workshop_end_at, utc("2026-06-08 15:00"))
        with self.assertRaises(ValidationError) as refused:
            self.booking("2026-06-08 10:00", 1.0)
        self.assertIn('Bay "Lift 1" is fully booked on 06/08/2026 from 09:00 to 18:00', str(refused.exception))
        self.assertIn('Bay "Lift 2" is fully booked', str(refused.exception))
        # an archived bay is out of service, also for a request that asks for archived records too
        spare = self.lift2.copy({"name": "Old lift", "active": False})
        with self.assertRaises(ValidationError):
            self.Lead.with_context(active_test=False).create(
                {
                    "name": "Service booking",
                    "dealer_interest": "service",
                    "company_id": self.showroom.id,
                    "partner_id": self.customer.id,
                    "vehicle_id": self.vehicle.id,
                    "service_planned_at": utc("2026-06-08 10:00"),
                    "workshop_hours": 1.0,
                }
            )
        self.assertFalse(self.Lead.search([("workshop_bay_id", "=", spare.id)]))
        # nor is it given when a booking names it
        with self.assertRaises(ValidationError) as named:
            self.booking("2026-06-09 06:00", 1.0, workshop_bay_id=spare.id)
        self.assertIn('Bay "Old lift" is out of service', str(named.exception))
        booked = self.booking("2026-06-09 06:00", 1.0)
        with self.assertRaises(ValidationError) as moved:
            booked.workshop_bay_id = spare
        self.assertIn('Bay "Old lift" is out of service', str(moved.exception))
        self.assertFalse(self.Lead.search([("workshop_bay_id", "=", spare.id)]))
        # a booking already on a bay archived afterwards (once its bookings to come are moved) is still edited
        kept = self.booking("2026-06-11 06:00", 1.0, workshop_bay_id=self.lift2.id)
        with freeze_time("2026-06-12 06:00:00"):
            self.lift2.active = False
            kept.write({"workshop_hours": 1.5, "description": "Noise from the front left wheel"})
        self.assertEqual((kept.workshop_bay_id, kept.workshop_hours), (self.lift2, 1.5))
        self.lift2.active = True
        # a body job goes to the booth
        body = self.booking(
            "2026-06-08 06:00",
            0.0,
            service_line_ids=[Command.create({"name": "Paint", "amount": 100, "product_id": self.paint.id})],
        )
        self.assertEqual(body.workshop_bay_id, self.booth)
        self.assertEqual(body.workshop_hours, 4.0)

    def test_a_bay_with_bookings_to_come_is_not_taken_out_of_service(self):
        """Archiving a lift that still has a booking to come is refused, naming the bay and the booking; moved to
        the other lift first, the bay is archived."""
        with freeze_time("2026-06-01 06:00:00"):
            kept = self.booking("2026-06-11 06:00", 1.0, workshop_bay_id=self.lift2.id)
            with self.assertRaises(UserError) as refused:
                self.lift2.action_archive()
            self.assertIn(self.lift2.name, str(refused.exception))
            self.assertIn(kept.display_name, str(refused.exception))
            self.assertTrue(self.lift2.active)
            kept.workshop_bay_id = self.lift1
            self.lift2.action_archive()
            self.assertFalse(self.lift2.active)

    def test_moving_a_booking_onto_a_taken_bay_is_refused(self):
        self.booking("2026-06-08 06:00", 2.0, workshop_bay_id=self.lift1.id)
        other = self.booking("2026-06-08 09:00", 2.0, workshop_bay_id=self.lift1.id)
        with self.assertRaises(ValidationError):
            other.service_planned_at = utc("2026-06-08 07:00")
        self.assertEqual(other.service_planned_at, utc("2026-06-08 09:00"))
        # the flag of the bay's own writes, sent by a person's request, does not skip the check
        with self.assertRaises(ValidationError):
            other.with_user(self.showroom_advisor).with_context(dealer_workshop_reserving=True).write(
                {"service_planned_at": utc("2026-06-08 07:00")}
            )
        self.assertEqual(other.service_planned_at, utc("2026-06-08 09:00"))
        other.service_planned_at = utc("2026-06-08 08:00")  # right after the first one
        self.assertEqual(other.workshop_end_at, utc("2026-06-08 10:00"))

    def test_manager_override(self):
        self.booking("2026-06-08 06:00", 8.0, workshop_bay_id=self.booth.id)
        vals = {
            "name": "Urgent body job",
            "dealer_interest": "service",
            "company_id": self.showroom.id,
            "partner_id": self.customer.id,
            "service_planned_at": utc("2026-06-08 07:00"),
            "workshop_bay_id": self.booth.id,
            "workshop_hours": 2.0,
            "workshop_override": True,
        }
        with self.assertRaises(AccessError):
            self.Lead.with_user(self.showroom_advisor).create(vals)
        overriding_default = {key: value for key, value in vals.items() if key != "workshop_override"}
        with self.assertRaises(AccessError):  # nor as a default of the request's context
            self.Lead.with_user(self.showroom_advisor).with_context(default_workshop_override=True).create(
                overriding_default
            )
        lead = self.Lead.with_user(self.director).create(vals)
        self.assertEqual(lead.workshop_bay_id, self.booth)
        with self.assertRaises(AccessError):
            lead.with_user(self.showroom_advisor).workshop_override = False

    def test_no_lead_holds_a_bay_past_the_capacity_check(self):
        """Bay time is a service booking's, checked whenever it holds the bay ahead: a lead of another interest
        given a bay and thousands of hours holds nothing; a booking entered as started a minute ago is checked as
        any other; a booking's hours cleared by hand are its operations' norm-hours, as the check counts them (no
        hours would reserve nothing and leave the bay to a second booking)."""
        blocker = self.booking("2026-06-08 06:00", 5000.0, workshop_bay_id=self.booth.id, dealer_interest="new_car")
        self.assertTrue(blocker.workshop_bay_id)
        self.booking("2026-06-08 06:00", 2.0, workshop_bay_id=self.booth.id)  # the booth is free for a booking
        with freeze_time("2026-06-08 06:31:00"), self.assertRaises(ValidationError):
            self.booking("2026-06-08 06:30", 5000.0, workshop_bay_id=self.booth.id)
        first = self.booking(
            "2026-06-09 06:00",
            2.0,
            workshop_bay_id=self.lift1.id,
            service_line_ids=[Command.create({"name": self.oil.name, "amount": 10, "product_id": self.oil.id})],
        )
        first.with_user(self.showroom_advisor).write({"workshop_hours": 0})
        self.assertEqual((first.workshop_hours, first.workshop_end_at), (1.0, utc("2026-06-09 07:00")))
        with self.assertRaises(ValidationError):
            self.booking("2026-06-09 06:00", 1.0, workshop_bay_id=self.lift1.id)

    def test_lost_booking_frees_its_time(self):
        taken = self.booking("2026-06-08 06:00", 8.0, workshop_bay_id=self.booth.id)
        with self.assertRaises(ValidationError):
            self.booking("2026-06-08 07:00", 1.0, workshop_bay_id=self.booth.id)
        taken.action_set_lost(lost_reason_id=self.reason["customer_cancelled"].id)
        again = self.booking("2026-06-08 07:00", 1.0, workshop_bay_id=self.booth.id)
        self.assertEqual(again.workshop_bay_id, self.booth)
        free = self.env["dealer.workshop.bay"]._free_hours(
            utc("2026-06-08 00:00"), utc("2026-06-09 00:00"), kinds=["body"], companies=self.showroom
        )
        self.assertEqual(free[self.booth.id], 7.0)


@freeze_time(NOW)
class TestNormHours(WorkshopCapacityCase):
    def lead_with(self, products, model=None):
        self.vehicle.model_id = model
        return self.Lead.create(
            {
                "name": "Maintenance",
                "dealer_interest": "service",
                "company_id": self.showroom.id,
                "partner_id": self.customer.id,
                "vehicle_id": self.vehicle.id,
                "service_line_ids": [
                    Command.create({"name": p.name, "amount": 10, "product_id": p.id}) for p in products
                ],
            }
        )

    def test_norm_per_model_beats_item_hours(self):
        self.assertEqual(self.lead_with(self.oil).workshop_hours, 1.0)
        self.assertEqual(self.lead_with(self.oil, self.car_model).workshop_hours, 1.5)

    def test_package_hours_from_its_labour(self):
        # oil 1.0 + filter 0.5; the part takes no bay time
        self.assertEqual(self.lead_with(self.package).workshop_hours, 1.5)
        self.assertEqual(self.lead_with(self.package, self.car_model).workshop_hours, 2.0)
        self.package.dealer_labour_hours = 3.0
        self.assertEqual(self.lead_with(self.package, self.car_model).workshop_hours, 3.0)

    def test_another_showrooms_norms_are_neither_read_nor_changed(self):
        """Norm-hours follow their service's showroom: an advisor of another showroom cannot move this
        showroom's bay time (a norm of a service of every showroom is everyone's, as the service is)."""
        self.oil.product_tmpl_id.company_id = self.showroom
        elsewhere = self.env["res.company"].create({"name": "Norms elsewhere"})
        advisor = new_test_user(
            self.env,
            login="norm_advisor_elsewhere",
            groups="dealer_crm.group_service_advisor",
            company_id=elsewhere.id,
            company_ids=[Command.set(elsewhere.ids)],
        )
        other_model = self.env["dealer.vehicle.model"].create({"name": "Fabia Test", "brand_id": self.brand.id})
        Norm = self.env["dealer.workshop.norm"].with_user(advisor).with_context(allowed_company_ids=elsewhere.ids)
        norm = self.norm.with_env(Norm.env)
        self.assertFalse(Norm.search([("id", "=", self.norm.id)]))
        for attempt in (
            lambda: norm.write({"hours": 40}),
            lambda: norm.unlink(),
            lambda: Norm.create(
                {"product_tmpl_id": self.oil.product_tmpl_id.id, "model_id": other_model.id, "hours": 9}
            ),
        ):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                attempt()
        self.assertEqual(self.lead_with(self.oil, self.car_model).workshop_hours, 1.5)
        # nor by moving one of their own norms, or one of their bays, into this showroom: Odoo checks the rules
        # before a write, not after
        own_service = self.oil.product_tmpl_id.copy({"company_id": elsewhere.id, "name": "Oil elsewhere"})
        own_norm = self.env["dealer.workshop.norm"].create(
            {"product_tmpl_id": own_service.id, "model_id": other_model.id, "hours": 0.0}
        )
        shared_hours = self.env["resource.calendar"].create({"name": "Hours of every showroom", "company_id": False})
        own_bay = self.env["dealer.workshop.bay"].create(
            {"name": "Lift elsewhere", "kind": "mechanical", "company_id": elsewhere.id, "calendar_id": shared_hours.id}
        )
        for record, vals in (
            (own_norm, {"product_tmpl_id": self.oil.product_tmpl_id.id}),
            (own_bay, {"company_id": self.showroom.id}),
        ):
            with self.subTest(model=record._name), self.assertRaises(AccessError), self.env.cr.savepoint():
                record.with_env(Norm.env).write(vals)
        self.assertEqual(own_norm.product_tmpl_id, own_service)
        self.assertEqual(own_bay.company_id, elsewhere)

    def test_another_showrooms_bay_is_refused_without_its_name(self):
        """A bay id typed over RPC on one's own booking: another showroom's bay is refused, its name untold,
        archived or not (an archived bay's "out of service" answer named it)."""
        elsewhere = self.env["res.company"].create({"name": "Bays elsewhere"})
        shared_hours = self.env["resource.calendar"].create({"name": "Hours of every showroom", "company_id": False})
        their_bays = self.env["dealer.workshop.bay"].create(
            [
                {"name": name, "kind": "mechanical", "company_id": elsewhere.id, "calendar_id": shared_hours.id}
                for name in ("Secret lift", "Secret old lift")
            ]
        )
        their_bays[1].active = False
        advisor = new_test_user(
            self.env,
            login="bay_probe_advisor",
            groups="dealer_crm.group_service_advisor",
            company_id=self.showroom.id,
            company_ids=[Command.set(self.showroom.ids)],
        )
        booked = self.booking("2026-06-09 06:00", 1.0)
        mine = booked.with_user(advisor).with_context(allowed_company_ids=self.showroom.ids)
        for bay in their_bays:
            with self.subTest(bay=bay.name):
                with self.assertRaises(UserError) as refused, self.env.cr.savepoint():
                    mine.write({"workshop_bay_id": bay.id})
                self.assertNotIn("Secret", str(refused.exception))
                if bay.active:
                    self.assertIn("workshop_bay_id", str(refused.exception), "refused by Odoo's company check")
        self.assertNotIn(booked.workshop_bay_id, their_bays)

    def test_needs_before_a_booking_exists(self):
        kind, hours = self.env["product.template"]._dealer_workshop_needs(self.oil | self.paint, self.car_model)
        self.assertEqual((kind, hours), ("body", 5.5))
        # a job without hours still takes one booking slot (30 minutes by default)
        kind, hours = self.env["product.template"]._dealer_workshop_needs(self.env["product.product"])
        self.assertEqual((kind, hours), ("mechanical", 0.5))
        lead = self.lead_with(self.oil | self.filter, self.car_model)
        self.assertEqual(lead._dealer_workshop_needs(), ("mechanical", 2.0))


@freeze_time(NOW)
class TestReceptionAndCompanies(WorkshopCapacityCase):
    def test_advisors_reception_limit(self):
        Bay = self.env["dealer.workshop.bay"]
        # one service advisor in the showroom: one car received per slot
        self.booking("2026-06-08 06:00", 1.0, workshop_bay_id=self.lift1.id)
        starts = [
            s
            for s, _bay in Bay._free_slots(
                "mechanical", 1.0, utc("2026-06-08 06:00"), utc("2026-06-08 08:00"), company=self.showroom
            )
        ]
        self.assertNotIn(utc("2026-06-08 06:00"), starts, "Lift 2 is free but the only advisor is busy")
        self.assertIn(utc("2026-06-08 06:30"), starts)
        new_test_user(
            self.env,
            login="ws_advisor2",
            groups="dealer_crm.group_service_advisor",
            company_id=self.showroom.id,
            company_ids=[self.showroom.id],
        )
        slots = Bay._free_slots(
            "mechanical", 1.0, utc("2026-06-08 06:00"), utc("2026-06-08 08:00"), company=self.showroom
        )
        self.assertEqual(slots[0], (utc("2026-06-08 06:00"), self.lift2))

    def test_showroom_sees_its_own_bays(self):
        Bay = self.env["dealer.workshop.bay"].with_context(allowed_company_ids=self.company.ids)
        self.assertFalse(Bay.with_user(self.advisor).search([("id", "in", (self.lift1 | self.booth).ids)]))
        self.assertEqual(
            Bay.with_user(self.showroom_advisor)
            .with_context(allowed_company_ids=self.showroom.ids)
            .search([("company_id", "=", self.showroom.id)]),
            self.lift1 | self.lift2 | self.booth,
        )
        self.assertFalse(
            Bay.with_user(self.advisor)._free_hours(
                utc("2026-06-08 00:00"), utc("2026-06-09 00:00"), companies=self.showroom
            )
        )


@freeze_time(NOW)
class TestLoadReport(WorkshopCapacityCase):
    def test_load_per_bay_and_day(self):
        self.booking("2026-06-08 06:00", 4.0, workshop_bay_id=self.booth.id)
        self.booking("2026-06-08 08:00", 3.0, workshop_bay_id=self.lift1.id)  # 11:00-13:00 and 14:00-15:00
        rows = self.env["dealer.workshop.load"].search(
            [("company_id", "=", self.showroom.id), ("day", ">=", "2026-06-08"), ("day", "<=", "2026-06-10")]
        )
        figures = {
            (row.bay_id, str(row.day)): (row.capacity_hours, row.booked_hours, row.free_hours, row.load_percent)
            for row in rows
        }
        self.assertEqual(figures[self.booth, "2026-06-08"], (8.0, 4.0, 4.0, 50.0))
        self.assertEqual(figures[self.lift1, "2026-06-08"], (8.0, 3.0, 5.0, 37.5))
        self.assertEqual(figures[self.lift2, "2026-06-08"], (8.0, 0.0, 8.0, 0.0))
        self.assertEqual(figures[self.lift1, "2026-06-09"], (8.0, 0.0, 8.0, 0.0))
        self.assertEqual(figures[self.lift1, "2026-06-10"][:3], (0.0, 0.0, 0.0), "the holiday has no capacity")
        # the report agrees with the bays' free hours
        free = self.env["dealer.workshop.bay"]._free_hours(
            utc("2026-06-08 00:00"), utc("2026-06-11 00:00"), companies=self.showroom
        )
        self.assertEqual(free[self.lift1.id], sum(v[2] for k, v in figures.items() if k[0] == self.lift1))
        # a user of another showroom does not see these rows
        Load = (
            self.env["dealer.workshop.load"].with_user(self.advisor).with_context(allowed_company_ids=self.company.ids)
        )
        self.assertFalse(Load.search([("bay_id", "=", self.booth.id)]))

    def test_workshop_screens_of_the_service_advisor(self):
        self.booking("2026-06-08 06:00", 4.0, workshop_bay_id=self.booth.id)
        env = self.env(user=self.showroom_advisor, context={"allowed_company_ids": self.showroom.ids})
        calendar = self.env.ref("dealer_workshop.crm_lead_view_calendar_workshop")
        views = env["crm.lead"].get_views([(calendar.id, "calendar"), (False, "form")])["views"]
        self.assertIn('name="workshop_bay_id"', views["calendar"]["arch"])
        self.assertIn('name="workshop_end_at"', views["form"]["arch"])
        self.assertNotIn('name="workshop_override"', views["form"]["arch"], "a director's switch only")
        groups = env["dealer.workshop.load"].formatted_read_group(
            [("day", "=", "2026-06-08")], ["bay_id"], ["booked_hours:sum", "capacity_hours:sum"]
        )
        booked = {group["bay_id"][0]: group["booked_hours:sum"] for group in groups}
        self.assertEqual(booked, {self.lift1.id: 0.0, self.lift2.id: 0.0, self.booth.id: 4.0})


@freeze_time(NOW)
class TestVisitsOccupyBays(WorkshopCapacityCase):
    def test_open_visit_occupies_its_bay_until_promised(self):
        Bay = self.env["dealer.workshop.bay"]
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicle.id,
                "company_id": self.showroom.id,
                "date": "2026-06-08",
                "workshop_bay_id": self.lift1.id,
                "promised_at": utc("2026-06-08 10:00"),  # 13:00 local
            }
        )
        day = (utc("2026-06-08 00:00"), utc("2026-06-09 00:00"))
        self.assertEqual(Bay._free_hours(*day, kinds=["mechanical"], companies=self.showroom)[self.lift1.id], 4.0)
        with self.assertRaises(ValidationError):
            self.booking("2026-06-08 07:00", 1.0, workshop_bay_id=self.lift1.id)
        # a job given no bay goes to the free lift
        self.assertEqual(self.booking("2026-06-08 07:00", 1.0).workshop_bay_id, self.lift2)
        visit.state = "done"  # the car left: the lift is free again
        self.assertEqual(Bay._free_hours(*day, kinds=["mechanical"], companies=self.showroom)[self.lift1.id], 8.0)

    def test_rescheduled_booking_keeps_its_own_time_free(self):
        booking = self.booking("2026-06-08 06:00", 4.0, workshop_bay_id=self.booth.id)
        Bay = self.env["dealer.workshop.bay"]
        window = (utc("2026-06-08 00:00"), utc("2026-06-09 00:00"))
        self.assertNotIn(
            utc("2026-06-08 06:00"), [s for s, _b in Bay._free_slots("body", 4.0, *window, company=self.showroom)]
        )
        slots = Bay._free_slots("body", 4.0, *window, company=self.showroom, exclude_lead=booking)
        self.assertEqual(slots[0], (utc("2026-06-08 06:00"), self.booth))
        # moving it an hour later on its own bay is fine
        booking.service_planned_at = utc("2026-06-08 07:00")
        self.assertEqual(booking.workshop_end_at, utc("2026-06-08 12:00"))  # 10:00-13:00 and 14:00-15:00 local


@freeze_time(NOW)
class TestCapacityLoopholes(WorkshopCapacityCase):
    """Every way of lengthening, moving or re-timing a booking meets the same capacity rule."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overhaul = cls.env["product.product"].create(
            {"name": "Engine overhaul", "dealer_item_kind": "repair", "dealer_labour_hours": 1.0, "type": "service"}
        )
        # on this model the overhaul takes three hours
        cls.env["dealer.workshop.norm"].create(
            {"product_tmpl_id": cls.overhaul.product_tmpl_id.id, "model_id": cls.car_model.id, "hours": 3.0}
        )
        cls.long_car = cls.env["dealer.vehicle"].create(
            {"plate": "T002TT77", "brand_id": cls.brand.id, "model_id": cls.car_model.id, "partner_id": cls.customer.id}
        )

    def two_bookings(self):
        """A: 1 h on Lift 1 at 10:00 local; B: right after it, 11:00 local."""
        first = self.booking(
            "2026-06-08 07:00",
            0.0,
            workshop_bay_id=self.lift1.id,
            service_line_ids=[Command.create({"name": "Overhaul", "amount": 100, "product_id": self.overhaul.id})],
        )
        self.assertEqual(first.workshop_hours, 1.0)
        second = self.booking("2026-06-08 08:00", 1.0, workshop_bay_id=self.lift1.id)
        return first, second

    def test_negative_hours_reserve_nothing_and_are_refused(self):
        """Bay hours of -3 would end the job before it starts and leave the bay free for anyone: refused, naming the
        field, for a booking's hours, a model's norm-hours and an item's labour."""
        first, second = self.two_bookings()
        with self.assertRaisesRegex(ValidationError, "Bay hours cannot be negative"), self.env.cr.savepoint():
            second.workshop_hours = -3.0
        self.assertEqual((second.workshop_hours, second.workshop_end_at), (1.0, datetime(2026, 6, 8, 9, 0)))
        with self.assertRaisesRegex(ValidationError, "Norm-hours cannot be negative"), self.env.cr.savepoint():
            self.env["dealer.workshop.norm"].search(
                [("product_tmpl_id", "=", self.overhaul.product_tmpl_id.id)]
            ).hours = -2
        with (
            self.assertRaisesRegex(ValidationError, "Labour \\(norm-hours\\) cannot be negative"),
            self.env.cr.savepoint(),
        ):
            self.overhaul.dealer_labour_hours = -1.0
        self.assertEqual(first.workshop_hours, 1.0)

    def test_changing_the_car_to_a_longer_norm_is_refused(self):
        first, _second = self.two_bookings()
        with self.assertRaises(ValidationError) as refused:
            first.vehicle_id = self.long_car
        self.assertIn('Bay "Lift 1" is fully booked', str(refused.exception))
        self.assertEqual((first.vehicle_id, first.workshop_hours), (self.vehicle, 1.0))

    def test_adding_an_operation_directly_is_refused(self):
        first, _second = self.two_bookings()
        first.vehicle_id = False  # any car: the paint job alone takes 4 hours on the lift
        Line = self.env["dealer.service.line"]
        with self.assertRaises(ValidationError):
            Line.create({"lead_id": first.id, "name": "More work", "amount": 10, "product_id": self.paint.id})
        # nor with the booking's own saving flag sent in the request's context
        with self.assertRaises(ValidationError):
            Line.with_context(dealer_workshop_saving=True).create(
                {"lead_id": first.id, "name": "More work", "amount": 10, "product_id": self.paint.id}
            )
        self.assertEqual(len(first.service_line_ids), 1, "nothing written")
        # a line on a free day is counted: its hours follow the operations
        third = self.booking("2026-06-09 06:00", 1.0, workshop_bay_id=self.lift2.id)
        Line.create({"lead_id": third.id, "name": "Overhaul", "amount": 10, "product_id": self.overhaul.id})
        third.invalidate_recordset()
        self.assertEqual(third.workshop_hours, 1.0)
        line = Line.create({"lead_id": third.id, "name": "Filter", "amount": 10, "product_id": self.filter.id})
        self.assertEqual(third.workshop_hours, 1.5)
        line.state = "declined"
        self.assertEqual(third.workshop_hours, 1.0)
        line.unlink()
        self.assertEqual(third.workshop_hours, 1.0)

    def test_changing_an_operation_directly_is_refused(self):
        first, _second = self.two_bookings()
        first.vehicle_id = False
        with self.assertRaises(ValidationError):
            first.service_line_ids.product_id = self.paint
        self.assertEqual(first.service_line_ids.product_id, self.overhaul)

    def test_end_cannot_be_pulled_back_to_free_the_bay(self):
        first, _second = self.two_bookings()
        first.write({"workshop_hours": 0.5})
        self.assertEqual(first.workshop_end_at, utc("2026-06-08 07:30"))
        # the planner's event resized: the end becomes hours, and the hours must fit
        first.write({"workshop_end_at": utc("2026-06-08 08:00")})
        self.assertEqual((first.workshop_hours, first.workshop_end_at), (1.0, utc("2026-06-08 08:00")))
        with self.assertRaises(ValidationError):
            first.write({"workshop_end_at": utc("2026-06-08 09:00")})
        # a long booking cannot claim an early end: the end is always start + hours
        long_job = self.booking("2026-06-09 06:00", 8.0, workshop_bay_id=self.lift1.id)
        long_job.write({"workshop_end_at": utc("2026-06-09 07:00")})
        self.assertEqual(long_job.workshop_hours, 1.0)
        self.assertEqual(long_job.workshop_end_at, utc("2026-06-09 07:00"))
        # moving the event keeps its hours
        long_job.write({"service_planned_at": utc("2026-06-09 08:00"), "workshop_end_at": utc("2026-06-09 08:10")})
        self.assertEqual(long_job.workshop_end_at, utc("2026-06-09 09:00"))
        self.assertTrue(self.Lead._fields["workshop_end_at"].readonly, "not editable in the form")

    def test_override_ends_when_an_advisor_moves_the_booking(self):
        self.booking("2026-06-08 06:00", 8.0, workshop_bay_id=self.booth.id)
        urgent = self.Lead.with_user(self.director).create(
            {
                "name": "Urgent body job",
                "dealer_interest": "service",
                "company_id": self.showroom.id,
                "partner_id": self.customer.id,
                "service_planned_at": utc("2026-06-08 07:00"),
                "workshop_bay_id": self.booth.id,
                "workshop_hours": 2.0,
                "workshop_override": True,
            }
        )
        as_advisor = urgent.with_user(self.showroom_advisor)
        # still over-booked at the new time: refused, nothing written
        with self.assertRaises(ValidationError) as refused:
            as_advisor.service_planned_at = utc("2026-06-08 09:00")
        self.assertIn("ask a director to allow over-booking", str(refused.exception))
        self.assertEqual((urgent.service_planned_at, urgent.workshop_override), (utc("2026-06-08 07:00"), True))
        with self.assertRaises(ValidationError):
            as_advisor.workshop_hours = 3.0
        # moved to a free day: the booking now fits, the permission is gone
        as_advisor.service_planned_at = utc("2026-06-09 06:00")
        self.assertFalse(urgent.workshop_override)
        # the director may still move an over-booking he allowed
        urgent.with_user(self.director).write(
            {"service_planned_at": utc("2026-06-08 07:00"), "workshop_override": True}
        )
        urgent.with_user(self.director).workshop_hours = 3.0
        self.assertTrue(urgent.workshop_override)


@freeze_time(NOW)
class TestHolidaysPerShowroom(WorkshopCapacityCase):
    def test_other_showroom_public_holiday_does_not_close_these_bays(self):
        other = self.env["res.company"].create({"name": "Other Showroom"})
        # a global time off of the other showroom on Tuesday, for every calendar (its company is the creator's)
        leave = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .with_company(other)
            .create(
                {
                    "name": "Other region's holiday",
                    "calendar_id": False,
                    "date_from": utc("2026-06-08 21:00"),
                    "date_to": utc("2026-06-09 20:59"),
                }
            )
        )
        self.assertEqual((leave.company_id, leave.calendar_id), (other, self.env["resource.calendar"]))
        Bay = self.env["dealer.workshop.bay"]
        tuesday = (utc("2026-06-09 00:00"), utc("2026-06-10 00:00"))
        self.assertEqual(Bay._free_hours(*tuesday, kinds=["body"], companies=self.showroom), {self.booth.id: 8.0})
        # the advisor of the showroom, the booking page (sudo) and the load report agree
        self.assertEqual(
            Bay.with_user(self.showroom_advisor)
            .with_context(allowed_company_ids=self.showroom.ids)
            ._free_hours(*tuesday, kinds=["body"], companies=self.showroom),
            {self.booth.id: 8.0},
        )
        self.assertEqual(
            Bay.sudo()._free_hours(*tuesday, kinds=["body"], companies=self.showroom), {self.booth.id: 8.0}
        )
        row = self.env["dealer.workshop.load"].search([("bay_id", "=", self.booth.id), ("day", "=", "2026-06-09")])
        self.assertEqual(row.capacity_hours, 8.0)
        lead = self.booking("2026-06-09 06:00", 1.0, workshop_bay_id=self.booth.id)
        self.assertEqual(lead.workshop_bay_id, self.booth)
        # the showroom's own time off for every calendar closes its bays
        self.env["resource.calendar.leaves"].sudo().with_company(self.showroom).create(
            {
                "name": "Showroom's holiday",
                "calendar_id": False,
                "date_from": utc("2026-06-11 21:00"),
                "date_to": utc("2026-06-12 20:59"),
            }
        )
        friday = (utc("2026-06-12 00:00"), utc("2026-06-13 00:00"))
        self.assertEqual(Bay._free_hours(*friday, kinds=["body"], companies=self.showroom), {self.booth.id: 0.0})

    def test_a_shared_calendar_shows_a_bay_its_own_showrooms_closures_only(self):
        """Bays of two showrooms on one working calendar of no company: the other showroom's closure is on the
        calendar, not on this showroom's bay as its advisor reads it (nor does it close the bay)."""
        other = self.env["res.company"].create({"name": "Other Showroom"})
        self.calendar.company_id = False
        closures = self.env["resource.calendar.leaves"].sudo()
        theirs = closures.create(
            {
                "name": "Other showroom's stocktaking",
                "calendar_id": self.calendar.id,
                "company_id": other.id,
                "date_from": utc("2026-06-11 06:00"),
                "date_to": utc("2026-06-11 15:00"),
            }
        )
        ours = closures.create(
            {
                "name": "Our training day",
                "calendar_id": self.calendar.id,
                "company_id": self.showroom.id,
                "date_from": utc("2026-06-12 06:00"),
                "date_to": utc("2026-06-12 15:00"),
            }
        )
        theirs.company_id, ours.company_id = other, self.showroom
        self.assertIn(theirs, self.calendar.global_leave_ids)
        self.env.invalidate_all()  # the advisor's request reads with a cache of its own
        booth = self.booth.with_user(self.showroom_advisor).with_context(allowed_company_ids=self.showroom.ids)
        shown = booth.calendar_leave_ids
        self.assertIn(ours, shown)
        self.assertNotIn(theirs, shown)
        self.assertNotIn("stocktaking", str(booth.web_read({"calendar_leave_ids": {"fields": {"name": {}}}})))


@freeze_time(NOW)
class TestSimultaneousBookings(WorkshopCapacityCase):
    """Staff, API and auto-assigned bookings touch the bay's row before reading its reservations: two
    bookings of the same bay at once are made one after the other (the second is replayed and refused)."""

    def test_auto_assign_and_bay_check_serialize_on_the_bays(self):
        queries = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(str(query.code if hasattr(query, "code") else query))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            self.booking("2026-06-08 06:00", 1.0)  # auto-assigned
            self.booking("2026-06-08 09:00", 1.0, workshop_bay_id=self.lift2.id)  # staff's bay checked
        locks = [q for q in queries if q.startswith("UPDATE dealer_workshop_bay SET write_date = write_date")]
        self.assertEqual(len(locks), 2)
