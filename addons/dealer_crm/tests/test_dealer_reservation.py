from datetime import datetime

import psycopg2

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user
from odoo.tools import SQL, mute_logger

from .common import DealerSalesCase, user_of


class TestDealerReservation(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson_3 = cls.env["res.users"].create({"name": "Third seller", "login": "north_sales_3"})
        cls.car = cls._vehicle(vin=False, plate="A001AA77")
        cls.twin = cls._vehicle(plate="A002AA77")
        cls.other_car = cls._vehicle(model=cls.other_model, plate="B001BB77")
        cls.buyer_lead = cls._lead(name="Buyer", user_id=cls.salesperson_1.id)
        cls.same_car_lead = cls._lead(name="Wants the car", user_id=cls.salesperson_2.id, vehicle_id=cls.car.id)
        cls.same_model_lead = cls._lead(name="Wants an Alpha", user_id=cls.salesperson_3.id, vehicle_id=cls.twin.id)
        cls.other_lead = cls._lead(name="Wants a Beta", user_id=cls.team_head.id, vehicle_id=cls.other_car.id)

    def _reserve(self, car=None, lead=None, **vals):
        values = {
            "vehicle_id": (car or self.car).id,
            "lead_id": (lead or self.buyer_lead).id,
            "user_id": self.salesperson_1.id,
        }
        values.update(vals)
        return self.env["dealer.reservation"].with_user(self.salesperson_1).create(values)

    def test_reserving_marks_car_reserved_and_refuses_a_second_reservation(self):
        self._reserve()
        self.assertEqual(self.car.state, "reserved")
        with self.assertRaisesRegex(ValidationError, "already reserved"):
            self._reserve(lead=self.same_car_lead)
        self.assertEqual(self.env["dealer.reservation"].search_count([("vehicle_id", "=", self.car.id)]), 1)

    def test_another_showrooms_reserved_car_is_not_named_to_a_seller(self):
        """Reserving a car of a showroom one does not work in is refused before the "already reserved"
        message could name that car and its reservation."""
        self._reserve()
        south = self.env["res.company"].create({"name": "South showroom"})
        stranger = user_of(self.env, south, "south_seller_res", "dealer_crm.group_sales_manager")
        with self.assertRaises(AccessError):
            self.env["dealer.reservation"].with_user(stranger).with_company(south).create(
                {"vehicle_id": self.car.id, "user_id": stranger.id}
            )

    def test_database_refuses_two_active_reservations(self):
        reservation = self._reserve()
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    "INSERT INTO dealer_reservation (vehicle_id, lead_id, company_id, date_start, state)"
                    " VALUES (%s, %s, %s, now(), 'active')",
                    self.car.id,
                    self.same_car_lead.id,
                    reservation.company_id.id,
                )
            )

    def test_car_not_in_stock_cannot_be_reserved(self):
        sold = self._vehicle(state="sold", plate="C001CC77")
        with self.assertRaisesRegex(ValidationError, "not in stock"):
            self._reserve(car=sold)

    def test_released_after_hold_time_without_prepayment_and_interested_sellers_told(self):
        with freeze_time("2026-03-02 10:00:00"):
            reservation = self._reserve()
        self.assertEqual(reservation.date_expiry, datetime(2026, 3, 4, 10, 0), "48 hours by default")
        with freeze_time("2026-03-04 09:59:00"):
            self.env["dealer.reservation"]._cron_release_expired()
        self.assertEqual(reservation.state, "active")
        with freeze_time("2026-03-04 10:01:00"):
            self.env["dealer.reservation"]._cron_release_expired()
        self.assertEqual(reservation.state, "released")
        self.assertEqual(self.car.state, "stock")
        told = self.activities_of(self.salesperson_2, self.same_car_lead)
        self.assertEqual(len(told), 1, "the salesperson of a deal on the same car is told")
        self.assertIn(self.car.display_name, told.summary)
        self.assertEqual(len(self.activities_of(self.salesperson_3, self.same_model_lead)), 1, "same model too")
        self.assertFalse(self.activities_of(self.team_head, self.other_lead), "another model: nobody told")
        self.assertFalse(self.activities_of(self.salesperson_1, self.buyer_lead), "not the reserving deal")
        self.assertIn("no prepayment", self.buyer_lead.message_ids[0].body)

    def test_released_car_is_news_only_to_the_deals_of_its_showroom(self):
        """A deal of another showroom for the same model is not told about this showroom's car."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        seller = self.env["res.users"].create(
            {"name": "Other seller", "login": "other_sales", "company_id": other.id, "company_ids": [(6, 0, other.ids)]}
        )
        their_car = self._vehicle(plate="A003AA77", company_id=other.id)
        team = self.env["crm.team"].create({"name": "Other showroom team", "company_id": other.id})
        their_lead = self._lead(
            name="Wants an Alpha there",
            user_id=seller.id,
            vehicle_id=their_car.id,
            team_id=team.id,
            company_id=other.id,
        )
        reservation = self._reserve()
        reservation._release("Released by hand")
        self.assertEqual(len(self.activities_of(self.salesperson_3, self.same_model_lead)), 1, "same model, here")
        self.assertFalse(self.activities_of(seller, their_lead), "same model, another showroom: not told")

    def test_the_scheduled_release_writes_in_the_languages_of_its_readers(self):
        """The scheduled action has no language of its own: the task is in the salesperson's language,
        the note in the showroom's (Russian here), while an English-speaking colleague reads English."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        self.env.company.partner_id.lang = "ru_RU"
        self.salesperson_2.lang = "ru_RU"
        self.salesperson_3.lang = "en_US"
        with freeze_time("2026-03-02 10:00:00"):
            self._reserve()
        with freeze_time("2026-03-04 10:01:00"):
            self.env["dealer.reservation"].with_context(lang=None)._cron_release_expired()
        self.assertIn("Автомобиль снова доступен", self.activities_of(self.salesperson_2, self.same_car_lead).summary)
        self.assertIn("Car available again", self.activities_of(self.salesperson_3, self.same_model_lead).summary)
        self.assertIn("предоплата не поступила", self.buyer_lead.message_ids[0].body)
        # released again after the salesperson switched to English: the open task stands, no second one
        self.salesperson_2.lang = "en_US"
        self._reserve()._release("Released by hand")
        self.assertEqual(len(self.activities_of(self.salesperson_2, self.same_car_lead)), 1)

    def test_the_call_centre_does_not_see_prepayments_nor_the_planned_cheque(self):
        """Money is for the roles that see money: the prepayment of a reservation and the planned
        average cheque of the funnel are hidden from the call centre (screens, reads, exports)."""
        operator = new_test_user(self.env, login="t_money_cc", groups="dealer_crm.group_call_center")
        reservation = self._reserve(prepayment_amount=50000)
        target = self.env["dealer.funnel.target"].create(
            {"month": "2026-03-01", "team_id": self.team.id, "target_ac": 2e6}
        )
        for record, fname in ((reservation, "prepayment_amount"), (target, "target_ac")):
            as_operator = record.with_user(operator)
            self.assertNotIn(fname, as_operator.fields_get(), fname)
            with self.assertRaises(AccessError):
                as_operator.read([fname])
            self.assertTrue(as_operator.read(["display_name"]), "the record itself stays readable")
            self.assertIn(fname, record.with_user(self.salesperson_1).fields_get())

    def test_not_released_with_prepayment(self):
        with freeze_time("2026-03-02 10:00:00"):
            reservation = self._reserve(prepayment_amount=50000, prepayment_date="2026-03-02")
        with freeze_time("2026-03-10 10:00:00"):
            self.env["dealer.reservation"]._cron_release_expired()
        self.assertEqual(reservation.state, "active")
        self.assertEqual(self.car.state, "reserved")

    def test_hold_time_is_configurable(self):
        self.company.dealer_reservation_hours = 24
        with freeze_time("2026-03-02 10:00:00"):
            reservation = self._reserve()
        self.assertEqual(reservation.date_expiry, datetime(2026, 3, 3, 10, 0))

    def test_released_car_can_be_reserved_again_and_convert_sells_it(self):
        self._reserve().action_release()
        second = self._reserve(lead=self.same_car_lead)
        self.assertEqual(self.car.state, "reserved")
        second.action_convert()
        self.assertEqual(second.state, "converted")
        self.assertEqual(self.car.state, "sold")

    def test_a_reservation_ends_by_its_buttons_only(self):
        """Readonly on the form is no limit over RPC: a reservation written "converted" without the sale would keep
        the car reserved for good, past every hold time, and the scheduled release would never free it."""
        reservation = self._reserve()
        for state in ("converted", "released"):
            with self.subTest(state=state), self.assertRaises(AccessError), self.env.cr.savepoint():
                reservation.write({"state": state})
        self.assertEqual((reservation.state, self.car.state), ("active", "reserved"))
        reservation.action_release()
        self.assertEqual((reservation.state, self.car.state), ("released", "stock"))

    def test_prepayment_date_without_amount_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Prepayment"):
            self._reserve(prepayment_date="2026-03-02")

    def test_hold_and_prepayment_dates_that_cannot_be(self):
        """A prepayment dated ahead would hold the car for money not paid; a hold ending before it starts
        releases the car at once; a hold of 0 or -5 hours likewise: each refused naming the field."""
        with freeze_time("2026-03-02 10:00:00"):
            with (
                self.assertRaisesRegex(ValidationError, "Prepayment received cannot be in the future"),
                self.env.cr.savepoint(),
            ):
                self._reserve(prepayment_amount=50000, prepayment_date="2026-03-20")
            reservation = self._reserve()
            with (
                self.assertRaisesRegex(ValidationError, "Hold until must be after Reserved on"),
                self.env.cr.savepoint(),
            ):
                reservation.date_expiry = "2026-03-01 10:00:00"
            self.assertEqual(reservation.date_expiry, datetime(2026, 3, 4, 10, 0))
        for hours in (0, -5):
            with (
                self.assertRaisesRegex(ValidationError, "Reservation hold \\(hours\\) must be from 1"),
                self.env.cr.savepoint(),
            ):
                self.company.dealer_reservation_hours = hours

    def test_reserve_from_the_deal(self):
        action = self.same_car_lead.action_dealer_reserve_vehicle()
        form = Form(self.env["dealer.reservation"].with_context(action["context"]))
        self.assertEqual(form.vehicle_id, self.car, "the deal's car is proposed when in stock")
        reservation = form.save()
        self.assertEqual(reservation.lead_id, self.same_car_lead)
        self.assertEqual(reservation.user_id, self.salesperson_2)
        self.assertEqual(self.car.state, "reserved")
