"""Systematic hardening of the integration API: generated bodies, replays, auth.

``DEALER_FUZZ_EXAMPLES`` (default 150 per endpoint) and ``DEALER_REPLAYS`` (default 1000)
set the sizes; ``./suite test`` runs the defaults, a long run sets e.g. 10000.
"""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .common import DealerApiCase, slow
from .test_api_leads import lead_body
from .test_api_visits import visit_body

FUZZ_EXAMPLES = int(os.environ.get("DEALER_FUZZ_EXAMPLES", "150"))
REPLAYS = int(os.environ.get("DEALER_REPLAYS", "1000"))

BATCH = "/dealer/api/v1/leads/batch"
ENDPOINTS = {
    "/dealer/api/v1/leads": [
        "external_id",
        "name",
        "phone",
        "email",
        "channel",
        "interest",
        "vehicle_model",
        "vin",
        "budget",
        "message",
        "utm",
        "consent",
    ],
    "/dealer/api/v1/calls": [
        "call_id",
        "caller",
        "line",
        "direction",
        "status",
        "started_at",
        "duration_s",
        "agent_login",
        "recording_url",
    ],
    "/dealer/api/v1/visits": [
        "external_id",
        "vin",
        "plate",
        "phone",
        "email",
        "name",
        "date",
        "mileage_km",
        "kind",
        "lines",
    ],
}
COUNTED = [
    "res.partner",
    "crm.lead",
    "mail.activity",
    "mail.message",
    "dealer.vehicle",
    "dealer.visit",
    "dealer.visit.line",
    "dealer.vehicle.odometer",
    "dealer.api.request",
    "utm.source",
    "utm.medium",
    "utm.campaign",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(
        [
            "",
            " ",
            "web",
            "missed",
            "answered",
            "service",
            "2026-01-01",
            "2026-01-01T10:00:00+03:00",
            "+79161234567",
            "a@b.co",
            "1M8GDM9AXKP042788",
            "\x00",
            "😀" * 10,
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def bodies_for(fields):
    keyed = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, json_values))
    return st.one_of(keyed, keyed, json_values)


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"{", b"null", b"[]", b'{"a": NaN}', b"\xff\xfe", b'{"external_id": "x"' * 3]),
)


LINE = {"name": "Wiper blades", "amount": 1500, "status": "done"}

CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin-1",
]


class ApiHardeningMixin:
    """Checks shared by the hardening tests of every endpoint (``counted_models``: tables to watch)."""

    counted_models = ()

    def assert_clean_rejection_or_success(self, path, status, payload, before):
        self.assertNotEqual(status, 500, payload)
        self.assertIn(status, (200, 201, 400, 401, 403, 404, 409), payload)
        if status >= 400:
            self.assertEqual(set(payload), {"error"})
            self.assertEqual(set(payload["error"]), {"code", "message", "field"})
            after = self.table_counts(*self.counted_models)
            self.assertEqual(after, before, f"a rejected request to {path} left rows behind")

    def check_malformed_bodies(self, paths, examples):
        """Random bytes under every content type: always a 400 JSON error, nothing written."""

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(raw=raw_bodies, path=st.sampled_from(paths), content_type=st.sampled_from(CONTENT_TYPES))
        def run(raw, path, content_type):
            before = self.table_counts(*self.counted_models)
            status, payload = self.post(path, None, raw=raw, headers={"Content-Type": content_type})
            self.assert_clean_rejection_or_success(path, status, payload, before)
            self.assertEqual(status, 400)

        run()


@tagged("post_install", "-at_install")
class TestApiHardening(ApiHardeningMixin, DealerApiCase):
    counted_models = COUNTED

    def fuzz(self, path, fields):
        seen = {"requests": 0}

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(body=bodies_for(fields))
        def run(body):
            before = self.table_counts(*self.counted_models)
            try:
                data = json.dumps(body)
            except (TypeError, ValueError):
                return
            status, payload = self.post(path, None, raw=data)
            seen["requests"] += 1
            self.assert_clean_rejection_or_success(path, status, payload, before)

        run()
        self.assertGreater(seen["requests"], FUZZ_EXAMPLES // 2)

    @slow
    def test_fuzz_leads(self):
        self.fuzz("/dealer/api/v1/leads", ENDPOINTS["/dealer/api/v1/leads"])

    @slow
    def test_fuzz_calls(self):
        self.fuzz("/dealer/api/v1/calls", ENDPOINTS["/dealer/api/v1/calls"])

    @slow
    def test_fuzz_visits(self):
        self.fuzz("/dealer/api/v1/visits", ENDPOINTS["/dealer/api/v1/visits"])

    @slow
    def test_malformed_bytes_and_content_types(self):
        self.check_malformed_bodies([*ENDPOINTS, BATCH], max(FUZZ_EXAMPLES // 3, 20))

    def test_strings_the_database_cannot_hold_are_refused_naming_the_field(self):
        """A NUL or a lone surrogate anywhere in a body is a 400 naming its field; nothing is written.

        Before, an idempotency key with a NUL reached the request log's query (a 500), and a line code
        was refused under the bare name ``code``.
        """
        cases = [
            ("/dealer/api/v1/visits", visit_body(external_id="RO-\x00"), "external_id"),
            ("/dealer/api/v1/calls", {"call_id": "\x00", "caller": "+79160009988", "status": "missed"}, "call_id"),
            ("/dealer/api/v1/leads", lead_body(external_id="\x00WEB"), "external_id"),
            (
                "/dealer/api/v1/visits",
                visit_body(external_id="RO-NUL-CODE", lines=[{"name": "Oil", "amount": 10}, {**LINE, "code": "T\x00"}]),
                "lines[1].code",
            ),
            ("/dealer/api/v1/leads", lead_body(external_id="WEB-NUL-UTM", utm={"source": "ya\x00"}), "utm.source"),
            ("/dealer/api/v1/leads", lead_body(external_id="WEB-SURROGATE", message="broken \ud800 text"), "message"),
            ("/dealer/api/v1/leads", lead_body(external_id="WEB-NUL-NAME", utm={"source\x00": "ya"}), "utm"),
            (
                BATCH,
                {"leads": [lead_body(external_id="B-OK"), lead_body(external_id="B-\x00")]},
                "leads[1].external_id",
            ),
        ]
        before = self.table_counts(*self.counted_models)
        for path, body, field in cases:
            with self.subTest(path=path, field=field):
                answer = self.post(path, body)
                self.assertApiError(answer, 400, "invalid_input", field)
                self.assertIn(field, answer[1]["error"]["message"])
        # a body nested deeper than the JSON parser goes (well under 1 MiB) is a 400 too, not a 500
        deep = "[" * 200000 + "]" * 200000
        self.assertApiError(self.post("/dealer/api/v1/leads", None, raw=deep), 400, "invalid_input")
        self.assertEqual(self.table_counts(*self.counted_models), before, "a refused request left rows behind")
        # the same values without the bad character go through: it is the character that is refused
        status, created = self.post(
            "/dealer/api/v1/visits", visit_body(external_id="RO-", lines=[{**LINE, "code": "T"}])
        )
        self.assertEqual(status, 201, created)

    def test_every_endpoint_answers_401_403_405_in_json(self):
        for path in [*ENDPOINTS, BATCH]:
            with self.subTest(path=path):
                self.assertApiError(self.post(path, None, raw="", method="GET"), 405, "method_not_allowed")
                self.assertApiError(self.post(path, {}, key=False), 401, "unauthorized")
                self.assertApiError(self.post(path, {}, key="0" * 40), 401, "unauthorized")
                self.assertApiError(self.post(path, {}, key=self.plain_key), 403, "forbidden")

    @slow
    def test_replays_never_duplicate(self):
        bodies = {
            "/dealer/api/v1/leads": lead_body(external_id="REPLAY-L"),
            "/dealer/api/v1/visits": visit_body(external_id="REPLAY-V"),
            "/dealer/api/v1/calls": {"call_id": "REPLAY-C", "caller": "+79160009988", "status": "missed"},
        }
        per_endpoint = max(REPLAYS // len(bodies), 1)
        for path, body in bodies.items():
            status, first = self.post(path, body)
            self.assertEqual(status, 201, first)
            before = self.table_counts(*self.counted_models)
            for _i in range(per_endpoint):
                status, again = self.post(path, body)
                self.assertEqual(status, 200)
                self.assertTrue(again["replayed"])
            self.assertEqual(self.table_counts(*self.counted_models), before, f"{path}: a replay created something")
