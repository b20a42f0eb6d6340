import threading

import psycopg2

from odoo import api
from odoo.exceptions import ConcurrencyError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DealerApiCase

URL = "/dealer/api/v1/visits"
COUNTED = [
    "res.partner",
    "dealer.vehicle",
    "dealer.visit",
    "dealer.visit.line",
    "dealer.vehicle.odometer",
    "dealer.api.request",
    "mail.message",
    "mail.activity",
]


def visit_body(**over):
    body = {
        "external_id": "RO-1001",
        "vin": "xw8zzz61zhg000123",
        "plate": "A123BC77",
        "name": "Ivan Petrov",
        "phone": "+7 (916) 123-45-67",
        "email": "Ivan.Petrov@Example.com",
        "date": "2026-03-02",
        "mileage_km": 15230,
        "kind": "maintenance",
        "lines": [
            {"name": "TO-1 oil and filters", "amount": 12000, "status": "done"},
            {"name": "Brake pads", "amount": 8000, "status": "declined"},
            {"name": "Wiper blades", "amount": 1500, "status": "deferred", "deferred_until": "2026-05-01"},
        ],
    }
    body.update(over)
    return body


@tagged("post_install", "-at_install")
class TestVisitsApi(DealerApiCase):
    def test_visit_created_with_customer_vehicle_and_odometer(self):
        status, body = self.post(URL, visit_body())
        self.assertEqual(status, 201, body)
        self.assertFalse(body["replayed"])
        visit = self.env["dealer.visit"].browse(body["visit_id"])
        self.assertEqual(visit.state, "done")
        self.assertEqual(body["revenue"], 12000)
        self.assertEqual(visit.declined_amount, 8000)
        self.assertEqual(visit.deferred_amount, 1500)
        vehicle = visit.vehicle_id
        self.assertEqual(vehicle.id, body["vehicle_id"])
        self.assertEqual(vehicle.vin, "XW8ZZZ61ZHG000123", "the VIN is stored normalised")
        self.assertEqual(vehicle.partner_id.id, body["partner_id"])
        self.assertEqual(vehicle.partner_id.email, "ivan.petrov@example.com")
        self.assertEqual(vehicle.partner_id.phone, "+79161234567")
        self.assertEqual(vehicle.last_odometer_km, 15230, "the visit's odometer feeds the vehicle's log")

    def test_a_known_car_is_found_by_its_plate_however_the_dms_types_it(self):
        """Without a VIN the plate finds the car, in Cyrillic or Latin, any case, with spaces or dashes (the key
        the booking page uses, read by its index); a plate's % or _ matches no other car."""
        status, first = self.post(URL, visit_body(external_id="RO-P1", vin=None))
        self.assertEqual(status, 201, first)
        for i, plate in enumerate(("а 123 вс-77", "a123bc77", "A123 BC 77")):
            with self.subTest(plate=plate):
                status, body = self.post(URL, visit_body(external_id=f"RO-P{i + 2}", vin=None, plate=plate))
                self.assertEqual((status, body["vehicle_id"]), (201, first["vehicle_id"]), body)
        for i, plate in enumerate(("A123BC%", "A_23BC77")):
            with self.subTest(plate=plate):
                status, body = self.post(URL, visit_body(external_id=f"RO-W{i}", vin=None, plate=plate))
                self.assertNotEqual(body.get("vehicle_id"), first["vehicle_id"], body)
        # a plate of separators only names no car: refused, not a new car at every request
        cars = self.env["dealer.vehicle"].search_count([])
        status, body = self.post(URL, visit_body(external_id="RO-DASH", vin=None, plate="-"))
        self.assertEqual((status, body["error"]["field"]), (400, "plate"), body)
        self.assertEqual(self.env["dealer.vehicle"].search_count([]), cars)
        # two cars of one key (typed apart before): the one typed exactly so
        showroom = self.env["dealer.vehicle"].browse(first["vehicle_id"]).company_id
        twin = self.env["dealer.vehicle"].create({"plate": "А123ВС77", "state": "customer", "company_id": showroom.id})
        status, body = self.post(URL, visit_body(external_id="RO-TWIN", vin=None, plate="А123ВС77"))
        self.assertEqual(body["vehicle_id"], twin.id, body)
        status, body = self.post(URL, visit_body(external_id="RO-TWIN2", vin=None, plate="a123bc77"))
        self.assertEqual(body["vehicle_id"], first["vehicle_id"], body)

    def test_replay_returns_the_original_and_creates_nothing(self):
        status, first = self.post(URL, visit_body())
        self.assertEqual(status, 201)
        before = self.table_counts(*COUNTED[:5])
        for _i in range(3):
            status, again = self.post(URL, visit_body())
            self.assertEqual(status, 200)
            self.assertTrue(again["replayed"])
            self.assertEqual(again["visit_id"], first["visit_id"])
        self.assertEqual(self.table_counts(*COUNTED[:5]), before)
        log = self.env["dealer.api.request"].search([("endpoint", "=", "visits"), ("key", "=", "RO-1001")])
        self.assertEqual(log.replay_count, 3)

    def test_a_repair_order_sent_again_after_the_log_is_purged_is_the_same_visit(self):
        """The API's log of requests is purged after its retention days; the visit's own reference still
        answers a repair order sent again: the same visit, nothing written twice."""
        status, first = self.post(URL, visit_body())
        self.assertEqual(status, 201, first)
        self.env["dealer.api.request"].sudo().search([]).unlink()  # what the retention purge does
        before = self.table_counts(*COUNTED[:5])
        status, again = self.post(URL, visit_body())
        self.assertEqual(status, 200, again)
        self.assertEqual((again["visit_id"], again["replayed"]), (first["visit_id"], True))
        self.assertEqual(again["revenue"], first["revenue"])
        self.assertEqual(self.table_counts(*COUNTED[:5]), before)

    def test_same_key_other_body_is_a_conflict(self):
        self.post(URL, visit_body())
        self.assertApiError(self.post(URL, visit_body(mileage_km=99999)), 409, "conflict")

    def test_second_visit_reuses_vehicle_and_customer(self):
        _s, first = self.post(URL, visit_body())
        _s, second = self.post(
            URL, visit_body(external_id="RO-1002", phone="89161234567", date="2026-09-01", mileage_km=25000, lines=[])
        )
        self.assertEqual(second["vehicle_id"], first["vehicle_id"])
        self.assertEqual(second["partner_id"], first["partner_id"])
        vehicle = self.env["dealer.vehicle"].browse(first["vehicle_id"])
        self.assertEqual(len(vehicle.odometer_ids), 2)
        self.assertAlmostEqual(vehicle.km_per_day, (25000 - 15230) / 183, places=1)

    def test_bad_input_names_the_field_and_writes_nothing(self):
        cases = [
            ({"external_id": ""}, "external_id"),
            ({"external_id": "x" * 129}, "external_id"),
            ({"vin": None, "plate": None}, "vin"),
            ({"vin": "XW8ZZZ61ZHG00012"}, "vin"),
            ({"vin": "1M8GDM9AXKP042788"[:8] + "1" + "1M8GDM9AXKP042788"[9:]}, "vin"),
            ({"phone": "not a phone"}, "phone"),
            ({"email": "nobody@"}, "email"),
            ({"date": "02.03.2026"}, "date"),
            ({"mileage_km": -5}, "mileage_km"),
            ({"mileage_km": "15000"}, "mileage_km"),
            ({"mileage_km": 3_000_000_000}, "mileage_km"),
            ({"date": "2099-01-01"}, "date"),
            ({"kind": "teleport"}, "kind"),
            ({"lines": {"name": "x"}}, "lines"),
            ({"lines": [{"name": "x", "amount": -1}]}, "amount"),
            ({"lines": [{"name": "x", "amount": 1, "status": "maybe"}]}, "status"),
            ({"lines": [{"amount": 1}]}, "name"),
        ]
        before = self.table_counts(*COUNTED)
        for over, field in cases:
            with self.subTest(field=field, over=over):
                self.assertApiError(self.post(URL, visit_body(**over)), 400, "invalid_input", field)
        self.assertEqual(self.table_counts(*COUNTED), before)

    def test_malformed_bodies_are_json_errors(self):
        self.assertApiError(self.post(URL, None, raw="{not json"), 400, "invalid_input")
        self.assertApiError(self.post(URL, None, raw="[1, 2]"), 400, "invalid_input")
        self.assertApiError(
            self.post(URL, None, raw="{}", headers={"Content-Type": "text/plain"}), 400, "invalid_input"
        )

    def test_authentication_errors_are_json(self):
        self.assertApiError(self.post(URL, visit_body(), key=False), 401, "unauthorized")
        self.assertApiError(self.post(URL, visit_body(), key="wrong-key"), 401, "unauthorized")
        # a key's index with a huge tail: refused as any wrong key, before Odoo's hashing refuses its size (a 500)
        self.assertApiError(self.post(URL, visit_body(), key=self.api_key[:8] + "a" * 5000), 401, "unauthorized")
        self.assertApiError(self.post(URL, visit_body(), key=self.plain_key), 403, "forbidden")
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.api_user.id)]).unlink()
        self.assertApiError(self.post(URL, visit_body()), 401, "unauthorized")
        self.assertFalse(self.env["dealer.visit"].search([("external_id", "=", "RO-1001")]))


@tagged("post_install", "-at_install")
class TestIdempotencyKeyRace(DealerApiCase):
    """Two identical requests at the same instant: the unique index lets exactly one claim the key.

    Odoo runs requests in REPEATABLE READ: the second transaction waits on the index, then
    fails with a serialization error once the first commits, and Odoo's request runner
    retries it; the retry finds the committed key and answers as a replay.
    """

    @mute_logger("odoo.sql_db")  # the expected serialization failure is logged as a bad query
    def test_concurrent_claims_one_wins(self):
        db = db_connect(self.env.cr.dbname)
        company = self.env.company.id
        sql = """INSERT INTO dealer_api_request (endpoint, key, company_id, body_hash, replay_count)
                 VALUES ('race-test', 'K-1', %s, 'h', 0) ON CONFLICT DO NOTHING RETURNING id"""
        results = {}
        try:
            with db.cursor() as first, db.cursor() as second:
                first.execute(sql, [company])
                results["first"] = first.fetchone()

                def claim_second():
                    try:
                        second.execute(sql, [company])
                        results["second"] = second.fetchone()
                    except psycopg2.errors.SerializationFailure:
                        results["retried"] = True
                        second.rollback()
                        second.execute(sql, [company])  # what Odoo's retry runs
                        results["second"] = second.fetchone()

                racer = threading.Thread(target=claim_second)
                racer.start()
                racer.join(timeout=1)
                self.assertTrue(racer.is_alive(), "the second claim waits for the first transaction")
                first.commit()
                racer.join(timeout=10)
                second.commit()
            self.assertIsNotNone(results["first"])
            self.assertIsNone(results["second"], "the second identical request must not claim the key")
        finally:
            with db.cursor() as cleanup:
                cleanup.execute("DELETE FROM dealer_api_request WHERE endpoint = 'race-test'")
                cleanup.commit()

    def test_simultaneous_replays_both_answer(self):
        """Two replays of a stored key in flight together: both get the stored result.

        The second transaction took its snapshot before the first counted its replay and
        committed; it used to fail updating the row and, after Odoo's five retries, answer 500.
        """
        db = db_connect(self.env.cr.dbname)
        company = self.env.company.id
        try:
            with db.cursor() as setup:
                setup.execute(
                    """INSERT INTO dealer_api_request (endpoint, key, company_id, body_hash, status, response,
                                                      replay_count)
                       VALUES ('race-test', 'K-2', %s, 'h', 201, '{"visit_id": 7}', 0)""",
                    [company],
                )
                setup.commit()
            with db.cursor() as first, db.cursor() as second:
                second.execute("SELECT 1")  # its snapshot predates the first replay's commit
                claims = [
                    api.Environment(first, self.env.uid, {})["dealer.api.request"]._claim("race-test", "K-2", "h")
                ]
                first.commit()
                claims.append(
                    api.Environment(second, self.env.uid, {})["dealer.api.request"]._claim("race-test", "K-2", "h")
                )
                second.commit()
            for claim in claims:
                self.assertEqual(claim["status"], 201)
                self.assertEqual(claim["response"], {"visit_id": 7})
            with db.cursor() as check:
                check.execute("SELECT replay_count FROM dealer_api_request WHERE endpoint = 'race-test'")
                self.assertEqual(check.fetchone()[0], 1, "the replay that could not lock the row is not counted")
        finally:
            with db.cursor() as cleanup:
                cleanup.execute("DELETE FROM dealer_api_request WHERE endpoint = 'race-test'")
                cleanup.commit()

    @mute_logger("odoo.sql_db")  # the expected unique violation is logged as a bad query
    def test_a_new_utm_name_sent_by_two_requests_at_once_is_one_record(self):
        """Two leads naming the same new UTM source at the same instant: the second one's snapshot does not see
        the first one's source, and its insert hits the unique name. It used to answer 500; now Odoo's request
        runner runs it again (ConcurrencyError), and the run again finds the first one's source."""
        db = db_connect(self.env.cr.dbname)
        try:
            with db.cursor() as first, db.cursor() as second:
                second.execute("SELECT 1")  # its snapshot predates the first request's commit
                first_env = api.Environment(first, self.env.uid, {})
                second_env = api.Environment(second, self.env.uid, {})
                created = first_env["crm.lead"]._dealer_api_utm_record("utm.source", "race-utm-source")
                first.commit()
                with self.assertRaises(ConcurrencyError):
                    second_env["crm.lead"]._dealer_api_utm_record("utm.source", "race-utm-source")
                second.rollback()  # what Odoo's request runner does before running the request again
                second_env.invalidate_all()
                found = second_env["crm.lead"]._dealer_api_utm_record("utm.source", "race-utm-source")
                self.assertEqual(found.id, created.id, "the run again is credited to the one source")
                second.commit()
            with db.cursor() as check:
                check.execute("SELECT count(*) FROM utm_source WHERE name = 'race-utm-source'")
                self.assertEqual(check.fetchone()[0], 1)
        finally:
            with db.cursor() as cleanup:
                cleanup.execute("DELETE FROM utm_source WHERE name = 'race-utm-source'")
                cleanup.commit()

    def test_sequential_replays_are_counted(self):
        request_model = self.env["dealer.api.request"]
        self.assertIsNone(request_model._claim("count-test", "K-3", "h"))
        request_model._store_result("count-test", "K-3", 201, {"visit_id": 9})
        for _i in range(3):
            self.assertEqual(request_model._claim("count-test", "K-3", "h")["response"], {"visit_id": 9})
        stored = request_model.search([("endpoint", "=", "count-test")])
        self.assertEqual(stored.replay_count, 3)
