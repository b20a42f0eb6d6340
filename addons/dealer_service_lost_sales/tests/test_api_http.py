from odoo.addons.dealer_crm.tests.common import DealerApiCase
from odoo.tests import tagged

URL = "/dealer/api/v1/service-bookings"


def booking(**over):
    body = {
        "external_id": "WEB-77",
        "name": "Irina Web",
        "email": "Irina@Example.com",
        "plate": "M777MM77",
        "planned_at": "2026-06-02T12:00:00+03:00",
        "source": "web",
        "operations": [{"code": "TO1", "name": "TO-1", "amount": 12000}],
    }
    body.update(over)
    return body


@tagged("post_install", "-at_install")
class TestServiceBookingsHttp(DealerApiCase):
    def test_booking_then_replay_then_cancel(self):
        status, body = self.post(URL, booking())
        self.assertEqual(status, 201, body)
        self.assertEqual(body["stage"], "scheduled")
        self.assertEqual(body["expected_revenue"], 12000)
        self.assertFalse(body["replayed"])
        lead = self.env["crm.lead"].browse(body["opportunity_id"])
        self.assertEqual(lead.dealer_interest, "service")
        self.assertEqual(lead.partner_id.email, "irina@example.com")

        status, again = self.post(URL, booking())
        self.assertEqual(status, 200, again)
        self.assertTrue(again["replayed"])
        self.assertEqual(again["opportunity_id"], body["opportunity_id"])

        status, cancel = self.post(f"{URL}/WEB-77/cancel", {"reason": "no_contact", "comment": "No answer"})
        self.assertEqual(status, 200, cancel)
        self.assertEqual(cancel["lost_amount"], 12000)
        event = self.env["dealer.loss.event"].browse(cancel["loss_event_id"])
        self.assertEqual(event.reason_id.dealer_code, "no_contact")
        self.assertEqual(event.kind, "appointment_cancelled")

    def test_a_done_visit_is_not_cancelled(self):
        """A booking whose visit is won keeps its revenue: the DMS's cancel is a conflict and writes nothing."""
        _s, body = self.post(URL, booking())
        lead = self.env["crm.lead"].browse(body["opportunity_id"])
        lead.action_set_won()
        self.assertApiError(self.post(f"{URL}/WEB-77/cancel", {"reason": "customer_cancelled"}), 409, "conflict")
        self.assertEqual((lead.active, lead.won_status), (True, "won"))
        self.assertFalse(lead.loss_event_ids)

    def test_service_request_and_service_line_call_are_service_opportunities(self):
        """A website request with interest Service and an answered call on the service line land in
        the service team's Scheduling stage, as bookings do."""
        status, web = self.post(
            "/dealer/api/v1/leads",
            {"external_id": "WEB-S1", "name": "Pavel Web", "phone": "+7 903 555 40 01", "interest": "service"},
        )
        self.assertEqual(status, 201, web)
        status, call = self.post(
            "/dealer/api/v1/calls",
            {"call_id": "PBX-S1", "caller": "+7 903 555 40 02", "line": "service", "status": "answered"},
        )
        self.assertEqual(status, 201, call)
        team = self.env.ref("dealer_service_lost_sales.crm_team_service")
        scheduling = self.env.ref("dealer_service_lost_sales.crm_stage_service_scheduling")
        for lead in self.env["crm.lead"].browse([web["lead_id"], call["lead_id"]]):
            self.assertEqual((lead.dealer_interest, lead.team_id, lead.stage_id), ("service", team, scheduling))

    def test_bad_input_is_json_400_and_writes_nothing(self):
        counts = self.table_counts("crm.lead", "res.partner", "dealer.vehicle", "dealer.service.line")
        self.assertApiError(self.post(URL, booking(planned_at="tomorrow")), 400, "invalid_input", "planned_at")
        self.assertApiError(
            self.post(URL, booking(operations=[{"name": "X", "amount": "much"}])), 400, "invalid_input", "amount"
        )
        self.assertEqual(counts, self.table_counts("crm.lead", "res.partner", "dealer.vehicle", "dealer.service.line"))

    def test_cancel_unknown_booking_is_404_and_auth_is_checked(self):
        self.assertApiError(self.post(f"{URL}/NOPE/cancel", {"reason": "price"}), 404, "not_found")
        self.assertApiError(self.post(URL, booking(), key="wrong"), 401, "unauthorized")
        self.assertApiError(self.post(URL, booking(), key=self.plain_key), 403, "forbidden")


@tagged("post_install", "-at_install")
class TestServiceBookingsTrust(DealerApiCase):
    """A web booking is anonymous: it neither rewrites the customer it names nor the car's history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Oleg Known", "phone": "+79035550101", "consent_sms": False}
        )
        cls.car = cls.env["dealer.vehicle"].create(
            {"vin": "XW8ZZZ61ZHG010101", "plate": "A123BC77", "partner_id": cls.customer.id, "state": "customer"}
        )
        cls.env["dealer.vehicle.odometer"].create(
            {"vehicle_id": cls.car.id, "value_km": 50000, "date": "2026-01-01", "source": "visit"}
        )

    def test_booking_leaves_the_customer_card_alone(self):
        before = self.customer.read(["name", "phone", "email", "consent_email", "consent_sms"])
        status, body = self.post(
            URL, booking(vin="XW8ZZZ61ZHG010101", plate=None, phone="+7 916 000 11 22", name="Not Oleg")
        )
        self.assertEqual(status, 201, body)
        self.assertNotEqual(body["partner_id"], self.customer.id, "not the owner's phone: the requester's booking")
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.read(["name", "phone", "email", "consent_email", "consent_sms"]), before)

    def test_plate_wildcards_match_no_other_car(self):
        for plate in ("A123BC%", "A_23BC77"):
            with self.subTest(plate=plate):
                status, body = self.post(URL, booking(external_id=f"WEB-{plate}", plate=plate, email="x@example.com"))
                self.assertEqual(status, 201, body)
                self.assertNotEqual(body["vehicle_id"], self.car.id, "another car's plate matched a wildcard")
                self.assertNotEqual(body["partner_id"], self.customer.id)
        status, body = self.post(URL, booking(external_id="WEB-CASE", plate="a123bc77"))
        self.assertEqual(body["vehicle_id"], self.car.id, "the plate itself still matches, in any case")

    def test_an_implausible_odometer_is_noted_not_recorded(self):
        readings = self.car.odometer_ids
        # the owner books (their phone): their reading is the car's, when plausible
        owner = {"name": "Oleg Known", "phone": "+79035550101", "email": None}
        status, body = self.post(URL, booking(external_id="WEB-KM1", plate="A123BC77", mileage_km=10, **owner))
        self.assertEqual(status, 201, body)
        self.assertEqual(self.car.odometer_ids, readings, "a reading below the last one was recorded")
        self.assertEqual(self.car.last_odometer_km, 50000)
        lead = self.env["crm.lead"].browse(body["opportunity_id"])
        self.assertIn("10 km", str(lead.description))
        status, body = self.post(URL, booking(external_id="WEB-KM2", plate="A123BC77", mileage_km=52000, **owner))
        self.assertEqual(status, 201, body)
        self.assertEqual(self.car.last_odometer_km, 52000, "a plausible reading is recorded")
        self.assertEqual((self.car.odometer_ids - readings).source, "api")

    def test_the_comment_is_text_not_html(self):
        comment = '<a href="https://evil.example/login">Confirm your booking</a><img src="https://evil.example/p.gif">'
        status, body = self.post(URL, booking(external_id="WEB-HTML", comment=comment))
        self.assertEqual(status, 201, body)
        description = str(self.env["crm.lead"].browse(body["opportunity_id"]).description)
        self.assertNotIn(">Confirm your booking</a>", description, "a link disguised as the dealer's")
        self.assertNotIn("<img", description)
        self.assertIn("&lt;a href=", description, "the customer's words are kept, as text")

    def test_a_stranger_typing_a_customers_plate_books_in_their_own_name(self):
        """A plate typed into a web form with someone else's phone: the booking is the requester's, noted for the
        service desk with the car's owner; the owner gets nothing and the API answers nothing of theirs.
        The owner's own phone books in the owner's name."""
        owner = self.env["res.partner"].create({"name": "Plate Owner", "phone": "+79165550188"})
        car = self.env["dealer.vehicle"].create({"plate": "E110KX77", "partner_id": owner.id, "state": "customer"})
        status, body = self.post(
            URL,
            booking(
                external_id="WEB-STRANGER",
                plate="E110KX77",
                name="Mallory",
                phone="+79165550177",
                email=None,
                mileage_km=730000,
            ),
        )
        self.assertEqual((status, body["vehicle_id"]), (201, car.id), body)
        self.assertNotEqual(body["partner_id"], owner.id)
        lead = self.env["crm.lead"].browse(body["opportunity_id"])
        self.assertEqual((lead.partner_id.name, lead.partner_id.phone_sanitized), ("Mallory", "+79165550177"))
        self.assertIn("Plate Owner", str(lead.description))
        car.invalidate_recordset()
        self.assertEqual(car.partner_id, owner, "the car keeps its owner")
        # nor its odometer: the stranger's kilometres would move the owner's next service and reminders
        self.assertFalse(car.odometer_ids)
        self.assertIn("730000 km", str(lead.description))
        status, body = self.post(
            URL,
            booking(
                external_id="WEB-OWNER",
                plate="E110KX77",
                name="P. Owner",
                phone="8 916 555-01-88",
                email=None,
                mileage_km=41000,
            ),
        )
        self.assertEqual((status, body["partner_id"]), (201, owner.id), body)
        car.invalidate_recordset()
        self.assertEqual(car.last_odometer_km, 41000, "the owner's reading is recorded")

    def test_a_known_car_without_owner_or_plate_is_not_taken_by_a_booking(self):
        """A VIN typed into a web form proves nothing about whose car it is."""
        ownerless = self.env["dealer.vehicle"].create({"vin": "XW8ZZZ61ZHG010202", "state": "customer"})
        status, body = self.post(
            URL, booking(external_id="WEB-OWNERLESS", vin="XW8ZZZ61ZHG010202", plate="B202BB77", phone="+79165550202")
        )
        self.assertEqual((status, body["vehicle_id"]), (201, ownerless.id), body)
        ownerless.invalidate_recordset()
        self.assertFalse(ownerless.partner_id, "the booking gave a known car an owner")
        self.assertFalse(ownerless.plate, "the booking wrote a plate on a known car")
        lead = self.env["crm.lead"].browse(body["opportunity_id"])
        self.assertEqual(lead.partner_id.id, body["partner_id"], "the booking is still the requester's")
        self.assertIn("no owner", str(lead.description))
        # a car the register did not know is the requester's
        status, body = self.post(URL, booking(external_id="WEB-NEWCAR", vin="XW8ZZZ61ZHG010303", phone="+79165550303"))
        car = self.env["dealer.vehicle"].browse(body["vehicle_id"])
        self.assertEqual(car.partner_id.id, body["partner_id"])
