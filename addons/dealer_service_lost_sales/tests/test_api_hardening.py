"""Systematic hardening of the service-booking endpoints: generated bodies, replays, auth.

Mirrors dealer_crm's ``test_api_hardening`` (same strategies, same sizes through
``DEALER_FUZZ_EXAMPLES``, default 150 per endpoint, and ``DEALER_REPLAYS``, default 1000) for
``POST /dealer/api/v1/service-bookings`` and ``.../{external_id}/cancel``.  Generated values are
mixed with valid ones so that the bodies also reach the parsing and writing code, not only the
first required-field check.
"""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.dealer_crm.tests.common import DealerApiCase, slow
from odoo.addons.dealer_crm.tests.test_api_hardening import ApiHardeningMixin, json_values
from odoo.tests import tagged

from .test_api_http import booking

FUZZ_EXAMPLES = int(os.environ.get("DEALER_FUZZ_EXAMPLES", "150"))
REPLAYS = int(os.environ.get("DEALER_REPLAYS", "1000"))

URL = "/dealer/api/v1/service-bookings"
CANCEL_TARGET = "FUZZ-CANCEL-TARGET"
COUNTED = [
    "res.partner",
    "crm.lead",
    "mail.activity",
    "mail.message",
    "dealer.vehicle",
    "dealer.vehicle.odometer",
    "dealer.api.request",
    "dealer.service.line",
    "dealer.loss.event",
    "dealer.customer.issue",
]

VALID = {
    "external_id": st.text(alphabet="ABCDEFGHIJ0123456789-", min_size=1, max_size=20).map(lambda s: f"FZ-{s}"),
    "name": st.sampled_from(["Fuzz Customer", "Анна Фаззова"]),
    "phone": st.sampled_from(["+79161112233", "8 916 111-22-33", "12"]),
    "email": st.sampled_from(["fuzz@example.com", "not-an-email"]),
    "vin": st.sampled_from(["1M8GDM9AXKP042788", "XTA21099012345678", "SHORT"]),
    "plate": st.sampled_from(["A123BC77", "M777MM77"]),
    "mileage_km": st.integers(min_value=-5, max_value=500000),
    "planned_at": st.sampled_from(["2026-06-02T12:00:00+03:00", "2026-06-02", "tomorrow"]),
    "source": st.sampled_from(["web", "phone", "oem", "campaign", "reminder", "fax"]),
    "operations": st.lists(
        st.fixed_dictionaries(
            {"name": st.sampled_from(["TO-1", ""]), "amount": st.one_of(st.integers(-10, 10**6), st.just("much"))},
            optional={"code": st.sampled_from(["TO1", None])},
        ),
        max_size=3,
    ),
    "comment": st.text(max_size=60),
    "reason": st.sampled_from(["no_show", "price", "competitor", "capacity", "no_contact", "bogus"]),
}
BOOKING_FIELDS = [
    "external_id",
    "name",
    "phone",
    "email",
    "vin",
    "plate",
    "mileage_km",
    "planned_at",
    "source",
    "operations",
    "comment",
]
CANCEL_FIELDS = ["reason", "comment"]


def bodies_for(fields, required=()):
    """Objects of valid, generated or absent values; near-valid bodies and their one-field mutations; any JSON."""
    keyed = st.fixed_dictionaries({}, optional={f: st.one_of(VALID[f], json_values) for f in fields})
    near_valid = st.fixed_dictionaries(
        {f: VALID[f] for f in required}, optional={f: VALID[f] for f in fields if f not in required}
    )
    mutated = st.tuples(near_valid, st.sampled_from(fields), json_values).map(lambda t: {**t[0], t[1]: t[2]})
    return st.one_of(keyed, near_valid, mutated, json_values)


def fuzz_settings(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


@tagged("post_install", "-at_install")
class TestServiceBookingApiHardening(ApiHardeningMixin, DealerApiCase):
    counted_models = COUNTED

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cancel_url = f"{URL}/{CANCEL_TARGET}/cancel"

    def fuzz(self, path, fields, required=()):
        seen = {"requests": 0, "accepted": 0}

        @fuzz_settings(FUZZ_EXAMPLES)
        @given(body=bodies_for(fields, required))
        def run(body):
            before = self.table_counts(*self.counted_models)
            try:
                data = json.dumps(body)
            except (TypeError, ValueError):
                return
            status, payload = self.post(path, None, raw=data)
            seen["requests"] += 1
            seen["accepted"] += status < 300
            self.assert_clean_rejection_or_success(path, status, payload, before)

        run()
        self.assertGreater(seen["requests"], FUZZ_EXAMPLES // 2)
        return seen

    @slow
    def test_fuzz_bookings(self):
        seen = self.fuzz(URL, BOOKING_FIELDS, required=("external_id", "phone", "plate", "planned_at"))
        # the mix of valid values makes some bookings go through: the writing code is exercised too
        self.assertGreater(seen["accepted"], 0, seen)

    @slow
    def test_fuzz_cancel(self):
        status, body = self.post(URL, booking(external_id=CANCEL_TARGET))
        self.assertEqual(status, 201, body)
        self.fuzz(self.cancel_url, CANCEL_FIELDS)

    @slow
    def test_malformed_bytes_and_content_types(self):
        self.post(URL, booking(external_id=CANCEL_TARGET))
        self.check_malformed_bodies([URL, self.cancel_url], max(FUZZ_EXAMPLES // 3, 20))

    def test_every_endpoint_answers_401_403_405_in_json(self):
        for path in (URL, f"{URL}/ANY/cancel"):
            with self.subTest(path=path):
                before = self.table_counts(*self.counted_models)
                self.assertApiError(self.post(path, None, raw="", method="GET"), 405, "method_not_allowed")
                self.assertApiError(self.post(path, booking(), key=False), 401, "unauthorized")
                self.assertApiError(self.post(path, booking(), key="0" * 40), 401, "unauthorized")
                self.assertApiError(self.post(path, booking(), key=self.plain_key), 403, "forbidden")
                self.assertEqual(self.table_counts(*self.counted_models), before)

    @slow
    def test_replays_never_duplicate(self):
        per_endpoint = max(REPLAYS // 2, 1)
        status, first = self.post(URL, booking(external_id="REPLAY-B"))
        self.assertEqual(status, 201, first)
        before = self.table_counts(*self.counted_models)
        for _i in range(per_endpoint):
            status, again = self.post(URL, booking(external_id="REPLAY-B"))
            self.assertEqual(status, 200, again)
            self.assertTrue(again["replayed"])
            self.assertEqual(again["opportunity_id"], first["opportunity_id"])
        self.assertEqual(self.table_counts(*self.counted_models), before, "a booking replay created something")

        cancel = {"reason": "price", "comment": "Too expensive"}
        status, cancelled = self.post(f"{URL}/REPLAY-B/cancel", cancel)
        self.assertEqual(status, 200, cancelled)
        before = self.table_counts(*self.counted_models)
        for _i in range(per_endpoint):
            status, again = self.post(f"{URL}/REPLAY-B/cancel", cancel)
            self.assertEqual(status, 200, again)
            self.assertEqual(again["loss_event_id"], cancelled["loss_event_id"])
        self.assertEqual(self.table_counts(*self.counted_models), before, "a cancel replay created something")

    def test_nul_in_an_id_or_a_code_is_refused_naming_the_field(self):
        status, first = self.post(URL, booking(external_id="NUL-TARGET"))
        self.assertEqual(status, 201, first)
        before = self.table_counts(*self.counted_models)
        cases = [
            (URL, booking(external_id="WEB-\x00"), "external_id"),
            (
                URL,
                booking(external_id="WEB-NUL-CODE", operations=[{"code": "TO\x00", "name": "TO-1", "amount": 1}]),
                "operations[0].code",
            ),
            (f"{URL}/NUL-TARGET%00/cancel", {"reason": "price"}, "external_id"),
            (f"{URL}/NUL-TARGET/cancel", {"reason": "price\x00"}, "reason"),
        ]
        for path, body, field in cases:
            with self.subTest(path=path, field=field):
                self.assertApiError(self.post(path, body), 400, "invalid_input", field)
        self.assertEqual(self.table_counts(*self.counted_models), before, "a refused request left rows behind")

    def test_same_key_different_body_is_409_and_writes_nothing(self):
        status, first = self.post(URL, booking(external_id="REPLAY-409"))
        self.assertEqual(status, 201, first)
        before = self.table_counts(*self.counted_models)
        self.assertApiError(self.post(URL, booking(external_id="REPLAY-409", plate="B222BB77")), 409, "conflict")
        self.assertEqual(self.table_counts(*self.counted_models), before)
