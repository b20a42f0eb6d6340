#!/usr/bin/env python3
"""Where a lead request's time goes: py-spy samples of the P4 server while it takes leads.

    python3 bench/p4_profile.py --db bench_db --leads 300          # /dealer/api/v1/leads, one per request
    python3 bench/p4_profile.py --db bench_db --leads 300 --json2  # the same leads through /json/2/crm.lead/create
    python3 bench/p4_profile.py --db bench_db --leads 1000 --batch 100          # /leads/batch, 100 per request
    python3 bench/p4_profile.py --db bench_db --leads 1000 --batch 100 --json2  # json/2 with 100 vals per request

The server of P4 (``--workers=2``) is started on the benchmark database, ``py-spy record
--subprocesses`` samples its workers while the client sends the leads (4 threads), and every
sample is put in the first bucket whose function is on its stack (the buckets are ordered from
the most specific: contact matching before the lead's ``create``, which holds routing and the
response clock).  Prints each bucket's share of the workers' busy samples; ``--raw`` keeps the
collapsed stacks (``py-spy``'s raw format) for a flame graph.  Needs ``py-spy`` (pip) and the
right to trace the server (root, or ``ptrace_scope`` 0).
"""

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import generate
import p4_api

# (bucket, function names): a sample goes to the first bucket with one of its functions on the stack
BUCKETS = [
    ("API key check (Odoo's PBKDF2 hash)", {"_dealer_api_check_credentials", "_check_credentials"}),
    ("idempotency (claim, store the answer)", {"_claim", "_store_result"}),
    ("contact matching and new contacts (res.partner)", {"_dealer_api_partners"}),
    ("dedupe: open leads of the contacts", {"_dealer_api_open_leads"}),
    ("request checks, UTM, lead values", {"_dealer_api_parse_lead", "_dealer_api_lead_vals"}),
    ("routing (team, salesperson)", {"_dealer_route_targets"}),
    ("response clock (SLA deadline, policy)", {"_dealer_clock_vals"}),
    ("presets: defaults and in-memory probes", {"_dealer_presets"}),
    ("won/lifecycle checks after create", {"_dealer_deals", "_dealer_sync_lifecycle"}),
    ("mail: followers, assignment notification", {"_message_auto_subscribe_notify", "_message_auto_subscribe"}),
    ("mail: tracking values, chatter messages", {"_track_finalize", "_message_track", "_message_log_batch"}),
    ("mail: other mail.thread work", {"message_post", "_notify_thread", "message_subscribe"}),
    ("ir.cron._trigger (the mail queue)", {"_trigger"}),
    ("base_automation rules", {"_get_actions", "_process"}),
    ("lead INSERT and its computed fields (ORM create)", {"create", "_create"}),
    ("flush of pending writes", {"flush_all", "flush_model", "_flush"}),
    ("commit (precommit hooks, COMMIT)", {"commit"}),
    ("json/2 dispatch (read the body, call create)", {"json2", "call_kw", "_call_kw_model_create"}),
]
OTHER = "HTTP, environment, routing of the request (Odoo's stack)"


def frame_function(frame):
    """``Class.func (path:line)`` → ``func``."""
    return frame.split(" (", 1)[0].strip().rsplit(".", 1)[-1]


def bucket_of(frames):
    names = {frame_function(f) for f in frames}
    for bucket, functions in BUCKETS:
        if names & functions:
            return bucket
    return OTHER


def worker_samples(raw_path):
    """Samples of the request workers only (stacks through Odoo's request handling), by bucket."""
    counts, total = collections.Counter(), 0
    for line in Path(raw_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if not any(frame_function(f) in ("_serve_db", "_serve_ir_http", "dispatch") for f in frames):
            continue  # the master process, idle loops, the client
        counts[bucket_of(frames)] += int(count)
        total += int(count)
    return counts, total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="bench_db")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--leads", type=int, default=300)
    parser.add_argument("--json2", action="store_true", help="profile /json/2/crm.lead/create with the same leads")
    parser.add_argument("--batch", type=int, default=1, help="leads per request (the batch endpoint when > 1)")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--raw", help="keep py-spy's collapsed stacks in this file")
    opts = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        sys.exit("py-spy not found: pip install py-spy")
    odoo, pg = benchlib.odoo_and_pg()
    benchlib.setup_odoo(odoo, pg, opts.db)
    name = f"{'json2' if opts.json2 else 'leads'}-{opts.batch}"
    raw = Path(opts.raw or benchlib.STATE / f"p4-profile-{name}.txt")
    with benchlib.odoo_env(opts.db) as env:
        company = env["res.company"].search([("name", "=", generate.company_name(opts.seed))], limit=1)
        if not company:
            sys.exit(f"no benchmark data in {opts.db}: run bench/run.py or bench/generate.py first")
        bench = argparse.Namespace(env=env, cr=env.cr, company_id=company.id, opts=opts)
        key, rpc_key = p4_api.make_api_user(bench)
    tag = f"prof{int(time.time())}"
    leads = p4_api.lead_bodies(tag, opts.leads, first=int(time.time()) % 9000 * 1000)
    if opts.json2:
        path, bodies = p4_api.JSON2, p4_api.json2_bodies(leads, opts.batch)
    elif opts.batch > 1:
        path, bodies = p4_api.BATCH, p4_api.batch_bodies(leads, opts.batch)
    else:
        path, bodies = p4_api.LEADS, leads
    key = rpc_key if opts.json2 else key
    log_path = benchlib.STATE / "bench-p4-profile-server.log"
    proc, port = p4_api.start_server(odoo, pg, opts.db, log_path)
    try:
        warm = 2 if opts.batch > 1 else 10
        p4_api.load(port, key, path, bodies[:warm], 60)  # warm-up, not sampled
        spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(proc.pid), "--subprocesses", "--rate", str(opts.rate)]
            + ["--format", "raw", "--output", str(raw), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(2)
        res = p4_api.load(port, key, path, bodies[warm:], 600)
        res["ok"] *= opts.batch
        res["rate"] *= opts.batch
        spy.send_signal(signal.SIGINT)
        _out, err = spy.communicate(timeout=60)
    finally:
        p4_api.stop_server(proc)
    if not raw.exists():
        sys.exit(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")
    counts, total = worker_samples(raw)
    if not total:
        sys.exit(f"no sample of a request in {raw}")
    print(f"{path}: {res['ok']} leads in {res['wall']:.1f} s ({res['rate']:.1f}/s), statuses {res['statuses']}")
    print(f"{total} busy samples of the workers ({total / opts.rate / max(res['ok'], 1) * 1000:.0f} ms per lead)")
    print("| where | share | ms per lead |\n|---|---|---|")
    for bucket, n in counts.most_common():
        print(f"| {bucket} | {n / total * 100:.1f}% | {n / opts.rate / max(res['ok'], 1) * 1000:.1f} |")
    print(f"(collapsed stacks: {raw})")


if __name__ == "__main__":
    main()
