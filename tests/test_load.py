"""A bounded burst of leads through the integration API on a loopback Odoo with ``--workers=2``.

The server is bench/p4_api.py's (``start_server``/``stop_server``): odoo-bin in prefork mode on
127.0.0.1 and a free port, started on the test database of ``./suite test`` itself
(``DEALER_TEST_DB``).  A template copy was not chosen: ``CREATE DATABASE … TEMPLATE`` needs the
source without other connections, and this pytest process keeps the registry of that database.
The burst therefore leaves its leads (all tagged ``load-<run>``) in the test database, which
``./suite test`` drops at the end (a ``--db`` database keeps them; they harm no other test).

The burst: ``DEALER_LOAD_LEADS`` new leads (default 300; the long variant sets 10000), every
25th deliberately invalid, and every 10th valid one sent a second time concurrently (a replay
racing its original) from a thread pool of this process.  It stops by itself after the count or
``DEALER_LOAD_SECONDS`` (default 40 s).  Asserted: no server error and no dropped connection,
every rejected lead answered with a 400 JSON error naming the field, every accepted lead
present exactly once (one idempotency row, one crm.lead) under its external_id.
"""

from odoo_env import benchlib, committed_env, pg_cursor, require_test_db

DB = require_test_db()

import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import pytest  # noqa: E402

from repo_paths import STATE  # noqa: E402

pytestmark = pytest.mark.slow  # ./suite test --full

LEADS = int(os.environ.get("DEALER_LOAD_LEADS", "300"))
SECONDS = float(os.environ.get("DEALER_LOAD_SECONDS", "40"))
THREADS = 6
PATH = "/dealer/api/v1/leads"
INVALID_EVERY = 25
REPLAY_EVERY = 10


def make_api_key(tag):
    """An integration user and API key, committed so that the separate server sees them."""
    with committed_env(DB) as env:
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": f"Load test integration {tag}",
                    "login": f"load-api-{tag}",
                    "group_ids": [(4, env.ref("dealer_crm.group_integration").id)],
                }
            )
        )
        return env["res.users.apikeys"].with_user(user).sudo()._generate("dealer_api", "load test", None)


def lead_body(tag, i):
    body = {
        "external_id": f"load-{tag}-{i}",
        "name": f"Load lead {tag} {i}",
        "phone": f"+7 915 {i // 10000 % 1000:03d} {i % 10000:04d}",
        "email": f"load-{tag}-{i}@load.example.com",
        "channel": "web",
        "interest": "new_car",
        "vehicle_model": "Kia Rio",
        "budget": 1500000,
    }
    if i % INVALID_EVERY == INVALID_EVERY - 1:
        body["budget"] = -1  # invalid: the API must reject it, naming the field
    return body


class Client:
    """Keep-alive connections per thread; every answer is recorded with its status and body."""

    def __init__(self, port, key, deadline):
        self.port, self.deadline = port, deadline
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.answers, self.failures, self.not_sent = [], [], 0

    def connection(self):
        if getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self.local.conn

    def send(self, body):
        if time.time() > self.deadline:
            with self.lock:
                self.not_sent += 1
            return
        conn = self.connection()
        try:
            conn.request("POST", PATH, body=json.dumps(body), headers=self.headers)
            response = conn.getresponse()
            status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.local.conn = None
            with self.lock:
                self.failures.append((body["external_id"], repr(exc)))
            return
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"not_json": raw[:300].decode(errors="replace")}
        with self.lock:
            self.answers.append((body, status, payload))


@pytest.fixture(scope="module")
def burst():
    lib = benchlib()
    import p4_api

    odoo, pg = lib.odoo_and_pg()
    tag = f"{int(time.time())}{os.getpid()}"
    key = make_api_key(tag)
    log_path = STATE / f"load-server-{DB}.log"
    log_path.parent.mkdir(exist_ok=True)
    proc, port = p4_api.start_server(odoo, pg, DB, log_path)
    try:
        bodies = [lead_body(tag, i) for i in range(LEADS)]
        work = []
        for i, body in enumerate(bodies):
            work.append(body)
            if i % REPLAY_EVERY == 0 and body["budget"] >= 0:
                work.append(dict(body))  # the same request again, right behind: the two race
        client = Client(port, key, time.time() + SECONDS)
        started = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(client.send, work))
        wall = time.perf_counter() - started
    finally:
        p4_api.stop_server(proc)
    print(f"load: {len(client.answers)} answers in {wall:.1f} s, {client.not_sent} not sent (time bound)")
    return {"tag": tag, "client": client, "sent": len(work) - client.not_sent, "wall": wall, "log": log_path}


def test_no_server_error_and_no_dropped_connection(burst):
    client = burst["client"]
    server_errors = [(b["external_id"], s, p) for b, s, p in client.answers if s >= 500]
    assert not client.failures, client.failures[:5]
    assert not server_errors, server_errors[:5]
    assert len(client.answers) == burst["sent"]
    # the burst is meaningful: most of it was sent within the time bound
    assert burst["sent"] >= min(LEADS, 100), burst


def test_every_rejected_lead_is_reported(burst):
    rejected = [(b, s, p) for b, s, p in burst["client"].answers if s >= 300]
    for body, status, payload in rejected:
        assert status == 400, (body["external_id"], status, payload)
        assert payload.get("error", {}).get("code") == "invalid_input", payload
        assert payload["error"]["field"] == "budget", payload
    invalid_sent = [b for b, _s, _p in burst["client"].answers if b["budget"] < 0]
    assert len(rejected) == len(invalid_sent) > 0


def test_every_accepted_lead_is_present_exactly_once(burst):
    answers = burst["client"].answers
    accepted = {}
    for body, status, payload in answers:
        if status in (200, 201):
            accepted.setdefault(body["external_id"], set()).add(payload["lead_id"])
    # a replay, even racing its original, answers the original's lead
    assert all(len(ids) == 1 for ids in accepted.values()), {k: v for k, v in accepted.items() if len(v) > 1}
    assert sum(s == 201 for _b, s, _p in answers) == len(accepted)
    lead_ids = [next(iter(ids)) for ids in accepted.values()]
    with pg_cursor(DB) as cr:
        cr.execute(
            "SELECT key, count(*), min(res_id) FROM dealer_api_request WHERE endpoint = 'leads' AND key LIKE %s "
            "GROUP BY key",
            [f"load-{burst['tag']}-%"],
        )
        rows = {key: (count, res_id) for key, count, res_id in cr.fetchall()}
        cr.execute("SELECT count(*) FROM crm_lead WHERE name LIKE %s", [f"Load lead {burst['tag']} %"])
        (leads,) = cr.fetchone()
        cr.execute("SELECT count(*) FROM crm_lead WHERE id = ANY(%s)", [lead_ids])
        (present,) = cr.fetchone()
    # (one idempotency row per key is the unique index's job, not asserted here)
    assert set(rows) == set(accepted), "accepted leads without an idempotency row, or rows of rejected ones"
    assert {key: res_id for key, (_count, res_id) in rows.items()} == {k: next(iter(v)) for k, v in accepted.items()}
    # a racing replay that created a second lead would show here: one lead per accepted request
    assert leads == present == len(accepted)
