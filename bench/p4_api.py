"""P4: throughput of the integration API on a local Odoo with ``--workers=2`` (loopback only).

The server is started by this module on 127.0.0.1 and a free port, fed a bounded number of
requests (``--api-requests``, ``--api-seconds``) by a few client threads, then stopped.
The peer baseline creates the same leads through Odoo's generic ``POST /json/2/crm.lead/create`` (one lead
per request, and a list of 100 values against the batch endpoint's 100 leads); P4 reports ours ÷ json/2
in leads per second, the median of interleaved runs.
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
BATCH = "/dealer/api/v1/leads/batch"
JSON2 = "/json/2/crm.lead/create"
BATCH_SIZE = 100  # leads per request in the batch runs: the endpoint's maximum, and json/2's vals per request
MIN_RUNS = 3


def make_api_user(bench):
    """An integration user of the benchmark company and its keys (committed: the server must see them).

    Returns ``(key, rpc_key)``: a key of the dealer API's scope (the only one it accepts) and a
    global key of the same user for Odoo's ``/json/2`` (which refuses the dealer API's scope).
    """
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
    keys = env["res.users.apikeys"].with_user(user).sudo()
    key, rpc_key = keys._generate("dealer_api", "bench", None), keys._generate(None, "bench json2", None)
    make_sales_team(bench, user)
    env.cr.commit()
    return key, rpc_key


def make_sales_team(bench, api_user, sellers=3):
    """The benchmark company's showroom team with a few salespeople: new leads are routed to them
    (and each gets its assignment notification), as in a dealership.

    The integration user is a paused member (it takes no leads): its leads start in this team,
    whose salespeople routing then chooses from.
    """
    env = bench.env
    name = f"Bench showroom {bench.opts.seed}"
    team = env["crm.team"].search([("name", "=", name)])
    if team:
        if api_user not in team.crm_team_member_ids.user_id:
            team.crm_team_member_ids = [(0, 0, {"user_id": api_user.id, "assignment_optout": True})]
        return
    Users = env["res.users"].with_context(no_reset_password=True)
    users = Users.browse()
    for i in range(1, sellers + 1):
        login = f"bench-seller-{bench.opts.seed}-{i}"
        users |= Users.search([("login", "=", login)]) or Users.create(
            {
                "name": f"Bench seller {i}",
                "login": login,
                "email": f"{login}@bench.example.com",
                "company_id": bench.company_id,
                "company_ids": [(6, 0, [bench.company_id])],
                "group_ids": [(4, env.ref("dealer_crm.group_sales_manager").id)],
            }
        )
    env["crm.team"].create(
        {
            "name": name,
            "company_id": bench.company_id,
            "dealer_is_dealership": True,
            "assignment_optout": False,
            "crm_team_member_ids": [(0, 0, {"user_id": user.id}) for user in users]
            + [(0, 0, {"user_id": api_user.id, "assignment_optout": True})],
        }
    )


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


def json2_vals(lead):
    """The same lead as Odoo's generic API takes it: what a feed mapped onto ``crm.lead`` would send."""
    return {
        "name": f"{lead['name']}: New car",
        "type": "opportunity",
        "contact_name": lead["name"],
        "phone": lead["phone"],
        "email_from": lead["email"],
        "dealer_channel": lead["channel"],
        "dealer_interest": lead["interest"],
        "vehicle_model_text": lead["vehicle_model"],
        "description": lead["message"],
    }


def json2_bodies(leads, per_request=1):
    vals = [json2_vals(lead) for lead in leads]
    return [{"vals_list": vals[i : i + per_request]} for i in range(0, len(vals), per_request)]


def batch_bodies(leads, per_request):
    return [{"leads": leads[i : i + per_request]} for i in range(0, len(leads), per_request)]


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


def lead_runs(port, keys, tag, n, seconds, runs, first):
    """Ours and Odoo's json/2 on the same leads, interleaved ``runs`` times (who goes first alternates).

    Every run takes new contacts (its own range of phone numbers), the same for both sides:
    ours matches contacts, dedupes, routes and starts the response clock; json/2 creates the
    same leads with routing and the clock (our ``create``) but no matching or dedupe.
    Rates are leads per second (a batch request counts its leads).
    """
    sides = {"single": ([], []), "batch": ([], [])}
    key_of = {LEADS: keys[0], BATCH: keys[0], JSON2: keys[1]}  # json/2 refuses the dealer API's key
    for run in range(runs):
        base = first + run * 2 * n
        single = lead_bodies(f"{tag}r{run}", n, base)
        batch = lead_bodies(f"b{tag}r{run}", n, base + n)
        pairs = {
            "single": ((LEADS, single), (JSON2, json2_bodies(single))),
            "batch": ((BATCH, batch_bodies(batch, BATCH_SIZE)), (JSON2, json2_bodies(batch, BATCH_SIZE))),
        }
        for name, (ours, peer) in pairs.items():
            per = BATCH_SIZE if name == "batch" else 1
            order = ((0, ours), (1, peer)) if run % 2 == 0 else ((1, peer), (0, ours))
            for side, (path, bodies) in order:
                res = load(port, key_of[path], path, bodies, seconds)
                res["ok"] *= per
                res["rate"] *= per
                sides[name][side].append(res)
            o, p = sides[name][0][-1], sides[name][1][-1]
            benchlib.say(
                f"P4 {name} run {run + 1}: ours {o['rate']:.1f} leads/s {o['statuses']}, "
                f"json/2 {p['rate']:.1f} leads/s {p['statuses']}"
            )
    return sides


def summarize(ours_runs, peer_runs):
    """Median rates, median p95 and the median of the per-run ratios (each run's pair is interleaved)."""
    ratios = [o["rate"] / p["rate"] if p["rate"] else 0 for o, p in zip(ours_runs, peer_runs, strict=True)]
    return {
        "ours": statistics.median(r["rate"] for r in ours_runs),
        "peer": statistics.median(r["rate"] for r in peer_runs),
        "ours_p95": statistics.median(r["p95"] for r in ours_runs),
        "peer_p95": statistics.median(r["p95"] for r in peer_runs),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "ok": sum(r["ok"] for r in ours_runs),
        "peer_ok": sum(r["ok"] for r in peer_runs),
        "sent": sum(r["sent"] for r in ours_runs),
        "errors": [e for r in ours_runs + peer_runs for e in r["errors"]][:1],
        "statuses": [r["statuses"] for r in ours_runs],
        "peer_statuses": [r["statuses"] for r in peer_runs],
    }


def add_ratio(bench, key, name, s, target, per_request, n):
    runs = ", ".join(f"{o['rate']:.1f}/{p['rate']:.1f}" for o, p in zip(*s["runs"], strict=True))
    bench.add(
        key,
        f"{name} ÷ {JSON2} with {per_request} per request, same leads: leads/s ratio (higher is better)",
        s["ours"],
        s["peer"],
        f"≥ {target:.1f}×",
        s["ratio"] >= target,
        rows=s["ok"],
        unit="leads/s",
        note=f"median of {len(s['ratios'])} interleaved runs of {n} leads each side; per run ours/json2 leads/s "
        f"{runs} (ratios {', '.join(f'{r:.2f}' for r in s['ratios'])}); statuses ours {s['statuses']}, json/2 "
        f"{s['peer_statuses']} {s['errors'] if s['errors'] else ''}",
        ratio=s["ratio"],
    )
    bench.add(
        key + "-p95",
        f"{name}, {per_request} per request: p95 latency of a request (information)",
        s["ours_p95"],
        s["peer_p95"],
        "-",
        None,
        rows=s["ok"],
    )


def bench_p4(bench, odoo, pg, opts):
    key, rpc_key = make_api_user(bench)
    tag = str(int(time.time()))
    n = opts.api_requests
    runs = max(opts.runs, MIN_RUNS)
    # a range of phone numbers of its own per invocation (10M numbers): earlier runs' contacts are not matched
    first = int(tag) // 60 * 7919 % 9_000 * 1_000
    if first + runs * 2 * n > 9_999_999:
        first = 0
    log_path = benchlib.STATE / "bench-p4-server.log"
    log_path.parent.mkdir(exist_ok=True)
    proc, port = start_server(odoo, pg, bench.cr.dbname, log_path)
    try:
        warm_leads = lead_bodies(f"warm{tag}", 20, first=9_999_000 + int(tag) % 900)
        warm = load(port, key, LEADS, warm_leads[:10], 60)
        load(port, rpc_key, JSON2, json2_bodies(warm_leads[:10]), 60)
        load(port, key, BATCH, batch_bodies(warm_leads[10:], 10), 60)
        load(port, rpc_key, JSON2, json2_bodies(warm_leads[10:], 10), 60)
        benchlib.say(f"P4 warm-up: {warm['statuses']} {warm['errors'][:1]}")
        sides = lead_runs(port, (key, rpc_key), tag, n, opts.api_seconds, runs, first)
        visits = load(port, key, "/dealer/api/v1/visits", visit_bodies(bench, tag, n), opts.api_seconds)
        floors = measure_floors(port, key, tag, n, opts.api_seconds)
    finally:
        stop_server(proc)
    single = {**summarize(*sides["single"]), "runs": sides["single"]}
    batch = {**summarize(*sides["batch"]), "runs": sides["batch"]}
    add_ratio(bench, "P4a", f"POST {LEADS}", single, 1.0, 1, n)
    add_ratio(bench, "P4d", f"POST {BATCH}", batch, 2.0, BATCH_SIZE, n)
    bench.add(
        "P4c",
        "POST /dealer/api/v1/visits: throughput",
        visits["rate"],
        None,
        "≥ 100/s",
        visits["rate"] >= 100,
        rows=visits["ok"],
        unit="req/s",
        note=f"{visits['ok']}/{n} created in {visits['wall']:.1f} s, statuses {visits['statuses']} "
        f"{visits['errors'][:1] if visits['ok'] < visits['sent'] else ''}",
    )
    bench.add(
        "P4c-p95",
        "POST /dealer/api/v1/visits: p95 latency",
        visits["p95"],
        None,
        "≤ 150 ms",
        visits["p95"] <= 0.150,
        rows=visits["ok"],
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
        f"POST {JSON2} (peer baseline of P4a), one lead per request: throughput (information)",
        single["peer"],
        None,
        "-",
        None,
        rows=single["peer_ok"],
        unit="leads/s",
        note=f"median of {runs} runs; ours (P4a) {single['ours']:.1f} leads/s; p95 {single['peer_p95'] * 1000:.0f} ms",
    )
