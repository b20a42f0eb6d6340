"""P4: throughput of the integration API on a local Odoo with ``--workers=2`` (loopback only).

The server is started by this module on 127.0.0.1 and a free port, fed a bounded number of
requests (``--api-requests``, ``--api-seconds``) by a few client threads, then stopped.
The peer baseline creates the same leads through Odoo's generic ``POST /json/2/crm.lead/create``.
"""

import http.client
import json
import os
import signal
import statistics
import subprocess
import threading
import time
from pathlib import Path

import benchlib

CLIENT_THREADS = 4
LEADS = "/dealer/api/v1/leads"
BATCH_SIZE = 10  # leads per request in the batch runs (OEM and web-form feeds push bursts)


def make_api_user(bench):
    """An integration user of the benchmark company and its API key (committed: the server must see them)."""
    env = bench.env
    login = f"bench-api-{bench.opts.seed}"
    user = env["res.users"].search([("login", "=", login)])
    if not user:
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bench integration",
                    "login": login,
                    "company_id": bench.company_id,
                    "company_ids": [(6, 0, [bench.company_id])],
                    "group_ids": [(4, env.ref("dealer_crm.group_integration").id)],
                }
            )
        )
    key = env["res.users.apikeys"].with_user(user).sudo()._generate("dealer_api", "bench", None)
    env.cr.commit()
    return key


def server_command(odoo):
    """odoo-bin when there is one: prefork re-executes ``sys.argv``, which ``python -m odoo`` breaks."""
    cmd = odoo[0]
    if cmd[1:] == ["-m", "odoo"]:
        import odoo as odoo_pkg

        for location in odoo_pkg.__path__:
            odoo_bin = Path(location).parent / "odoo-bin"
            if odoo_bin.exists():
                return [cmd[0], str(odoo_bin)]
    return cmd


def start_server(odoo, pg, db, log_path):
    port = benchlib.free_port()
    args = [
        *server_command(odoo),
        *benchlib.odoo_config_args(odoo, pg, db),
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--workers=2",
        "--max-cron-threads=0",
        f"--db-filter=^{db}$",
        "--log-level=warn",
        "--limit-time-real=120",
    ]
    log = log_path.open("w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/web/login")
            conn.getresponse().read()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"the Odoo server exited: see {log_path}") from None
            time.sleep(0.5)
    stop_server(proc)
    raise SystemExit(f"the Odoo server did not answer within 90 s: see {log_path}")


def stop_server(proc):
    """Stop the server we started (its own process group: the workers go with it)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def load(port, key, path, bodies, seconds):
    """POST every body (bounded by ``seconds``) from CLIENT_THREADS keep-alive connections."""
    latencies, statuses, errors = [], {}, []
    lock = threading.Lock()
    queue = list(reversed(bodies))
    deadline = time.time() + seconds
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.time() < deadline:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=json.dumps(body), headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                if resp.status >= 300 and len(errors) < 3:
                    errors.append(data[:300].decode(errors="replace"))

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ok = sum(n for status, n in statuses.items() if status < 300)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies or [0])
    return {
        "ok": ok,
        "sent": len(latencies),
        "wall": wall,
        "rate": ok / wall if wall else 0,
        "p95": p95,
        "statuses": statuses,
        "errors": errors,
    }


def lead_bodies(tag, n, first=0):
    """New contacts each time: a run starting at ``first`` matches no contact of another run."""
    return [
        {
            "external_id": f"bench-{tag}-{i}",
            "name": f"Bench lead {tag} {i}",
            "phone": f"+7 916 {i // 10000 % 1000:03d} {i % 10000:04d}",
            "email": f"lead-{tag}-{i}@bench.example.com",
            "channel": "web",
            "interest": "new_car",
            "vehicle_model": "Kia Rio",
            "message": "Test drive, please",
        }
        for i in range(first, first + n)
    ]


def json2_bodies(tag, n, per_request=1):
    vals = [
        {
            "name": f"Bench json2 lead {tag} {i}",
            "type": "lead",
            "phone": f"+7 917 {i // 10000 % 1000:03d} {i % 10000:04d}",
            "email_from": f"json2-{tag}-{i}@bench.example.com",
            "description": "Test drive, please",
        }
        for i in range(n)
    ]
    return [{"vals_list": vals[i : i + per_request]} for i in range(0, n, per_request)]


def batch_bodies(tag, n, per_request):
    leads = lead_bodies(tag, n, first=1_000_000)
    return [{"leads": leads[i : i + per_request]} for i in range(0, n, per_request)]


def visit_bodies(bench, tag, n):
    bench.cr.execute(
        "SELECT plate FROM dealer_vehicle WHERE company_id = %s AND plate IS NOT NULL ORDER BY id LIMIT %s",
        [bench.company_id, n],
    )
    plates = [r[0] for r in bench.cr.fetchall()]
    return [
        {
            "external_id": f"bench-visit-{tag}-{i}",
            "plate": plates[i % len(plates)],
            "kind": "maintenance",
            "mileage_km": 10000 + i,
            "lines": [
                {"name": "Oil change", "amount": 3500, "status": "done"},
                {"name": "Brake pads", "amount": 8000, "status": "declined"},
            ],
        }
        for i in range(n)
    ]


def measure_floors(port, key, tag, n, seconds):
    """What the same server answers per second when a request creates nothing.

    The ceiling any endpoint of this server can reach on this machine: Odoo's HTTP stack
    alone (a 401 answered before any lookup), plus Odoo's API-key check (a 400 for an empty
    body, answered right after authentication), plus the idempotency lookup (a replay).
    """
    replay = lead_bodies(f"floor{tag}", 1)
    load(port, key, "/dealer/api/v1/leads", replay, seconds)  # stored once, replayed below
    return [
        ("P4e", "request rejected before authentication (401)", load(port, "wrong", LEADS, [{}] * n, seconds)),
        ("P4f", "authenticated request rejected for an empty body (400)", load(port, key, LEADS, [{}] * n, seconds)),
        ("P4g", "replay of a stored lead request (200)", load(port, key, LEADS, replay * n, seconds)),
    ]


def bench_p4(bench, odoo, pg, opts):
    key = make_api_user(bench)
    tag = str(int(time.time()))
    log_path = benchlib.STATE / "bench-p4-server.log"
    log_path.parent.mkdir(exist_ok=True)
    proc, port = start_server(odoo, pg, bench.cr.dbname, log_path)
    try:
        n = opts.api_requests
        warm = load(port, key, "/dealer/api/v1/leads", lead_bodies(f"warm{tag}", 20), 60)
        load(port, key, "/json/2/crm.lead/create", json2_bodies(f"warm{tag}", 20), 60)
        benchlib.say(f"P4 warm-up: {warm['statuses']} {warm['errors'][:1]}")
        leads = load(port, key, "/dealer/api/v1/leads", lead_bodies(tag, n), opts.api_seconds)
        json2 = load(port, key, "/json/2/crm.lead/create", json2_bodies(tag, n), opts.api_seconds)
        batch = load(port, key, "/dealer/api/v1/leads/batch", batch_bodies(f"b{tag}", n, BATCH_SIZE), opts.api_seconds)
        json2_batch = load(
            port, key, "/json/2/crm.lead/create", json2_bodies(f"b{tag}", n, BATCH_SIZE), opts.api_seconds
        )
        visits = load(port, key, "/dealer/api/v1/visits", visit_bodies(bench, tag, n), opts.api_seconds)
        floors = measure_floors(port, key, tag, n, opts.api_seconds)
    finally:
        stop_server(proc)
    for res in (batch, json2_batch):  # leads per second, not requests
        res["ok"] *= BATCH_SIZE
        res["rate"] *= BATCH_SIZE
    for key_, name, res in (("P4a", "POST /dealer/api/v1/leads", leads), ("P4c", "POST /dealer/api/v1/visits", visits)):
        bench.add(
            key_,
            f"{name}: throughput",
            res["rate"],
            json2["rate"] if key_ == "P4a" else None,
            "≥ 100/s",
            res["rate"] >= 100,
            rows=res["ok"],
            unit="req/s",
            note=f"{res['ok']}/{n} created in {res['wall']:.1f} s, statuses {res['statuses']} "
            f"{res['errors'][:1] if res['ok'] < res['sent'] else ''}",
        )
        bench.add(
            key_ + "-p95",
            f"{name}: p95 latency",
            res["p95"],
            json2["p95"] if key_ == "P4a" else None,
            "≤ 150 ms",
            res["p95"] <= 0.150,
            rows=res["ok"],
        )
    bench.add(
        "P4d",
        f"POST /dealer/api/v1/leads/batch, {BATCH_SIZE} leads per request: throughput",
        batch["rate"],
        json2_batch["rate"],
        "≥ 100 leads/s",
        batch["rate"] >= 100,
        rows=batch["ok"],
        unit="leads/s",
        note=f"{batch['ok']}/{n} leads created in {batch['wall']:.1f} s, statuses {batch['statuses']} "
        f"{batch['errors'][:1] if batch['errors'] else ''}; baseline: /json/2/crm.lead/create with "
        f"{BATCH_SIZE} vals per request, {json2_batch['ok']} leads, statuses {json2_batch['statuses']}",
    )
    bench.add(
        "P4d-p95",
        f"POST /dealer/api/v1/leads/batch, {BATCH_SIZE} leads per request: p95 latency of a request",
        batch["p95"],
        json2_batch["p95"],
        "≤ 150 ms",
        batch["p95"] <= 0.150,
        rows=batch["ok"],
    )
    for key_, name, res in floors:
        bench.add(
            key_,
            f"Ceiling, nothing created: {name}",
            res["sent"] / res["wall"] if res["wall"] else 0,
            None,
            "-",
            None,
            rows=res["sent"],
            unit="req/s",
            note=f"p95 {res['p95'] * 1000:.0f} ms, statuses {res['statuses']}",
        )
    bench.add(
        "P4b",
        "POST /json/2/crm.lead/create (peer baseline): throughput",
        json2["rate"],
        None,
        "-",
        None,
        rows=json2["ok"],
        unit="req/s",
        note=f"{json2['ok']}/{n} created in {json2['wall']:.1f} s, p95 {json2['p95'] * 1000:.0f} ms, "
        f"statuses {json2['statuses']}",
    )
