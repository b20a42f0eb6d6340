#!/usr/bin/env python3
"""S1 scale-out: one large reminder campaign sent by one Odoo server, then by two, on one database.

    python3 bench/scaleout.py --messages 20000 --runs 3          # both sides, results merged (S1)
    python3 bench/scaleout.py --messages 300 --runs 1 --json --servers 2 --no-results   # the test's run

Odoo's own multi-server design: every ``odoo-bin`` runs cron threads; a cron *job* (an
``ir.cron`` row) is taken by one thread at a time (``FOR NO KEY UPDATE SKIP LOCKED`` on the
row), so the servers share the work job by job.  Sending a campaign's e-mails is
``dealer.dispatch._cron_send_due`` (checks, rendering in the customer's language, links,
the dispatch log: the rows go to Odoo's outbox, ``mail.mail``, in batches committed one by one)
then the campaign e-mail queue (SMTP): Odoo's mail queue run as four jobs, each for one part
of the campaign rows (``mail.mail._dealer_send_queue_part``), which the sending starts
(``_trigger``) after each batch.  One server runs the jobs one after the other; two servers run
them side by side, one job each at a time, on the same database.

Each server: ``odoo-bin --workers=0 --max-cron-threads=1`` on 127.0.0.1 (its own HTTP port)
with ``ODOO_NOTIFY_CRON_CHANGES=1``, so that a job that stops with work left (Odoo gives a job
10 runs or 10 s at a time) wakes the cron threads at once instead of at their next minute.
One cron thread per server makes "servers" the unit that is scaled: a ``--workers=2`` server
has two cron worker processes by default, so one server would already be two cron workers.

Everything runs from the same starting state: the base database (``--db``: the addons, N
customers with an e-mail address and e-mail consent, one running campaign whose e-mail step
is due for each of them, N queued ``dealer.dispatch`` rows; every cron but the sending, the
mail queue and the delivery sync switched off) is copied for each run (``CREATE DATABASE …
TEMPLATE``), the run's servers are started, then the sending cron is made due and the cron
threads are notified: the clock starts there and stops at the last message the SMTP sink
accepted.  The sink is a small asyncio SMTP server of this script on 127.0.0.1, the copy's
outgoing mail server record points at it; it keeps every message's Message-Id and
recipient, so duplicates are also counted where the customer would see them.

Per run: mails/s, duplicates (a recipient or a Message-Id received twice), lost (a customer
who got nothing), rows not in a final state (``queued``/``sending``) after the queue went
empty, rows per state after the delivery sync.  Sides interleave (1, 2, 2, 1, …); medians go
to bench/results/results-<--results-scale>.json as rows S1/S1x (ratio two ÷ one, target ≥ 1.6×)
and RESULTS.md.  Servers, sink and copies are stopped and dropped whatever happens.
"""

import argparse
import asyncio
import contextlib
import datetime
import email.parser
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

from repo_paths import STATE, db_exists, drop_db, free_port, odoo_args, odoo_home, pg_connect

DOMAIN = "scaleout.example.com"
CAMPAIGN = "Bench S1 scale-out reminders"
TEMPLATE = "Bench S1 reminder e-mail"
SUBJECT = "Your car is due for its maintenance"
BODY = (
    '<div><p>Dear <t t-out="object.name"/>,</p>'
    "<p>Your car is due for its yearly maintenance. Book a visit this month and get the "
    "seasonal check for free.</p><p>Best regards,<br/>Your dealer</p></div>"
)
# the jobs the two servers share; every other cron of the copy is switched off
CRONS = {
    "send": "dealer_loyalty.ir_cron_dealer_dispatch_send",
    "mail": "mail.ir_cron_mail_scheduler_action",
    **{f"mail{part}": f"dealer_loyalty.ir_cron_dealer_email_queue_{part}" for part in range(1, 5)},
    "sync": "dealer_loyalty.ir_cron_dealer_dispatch_sync",
}
NOT_FINAL = ("queued", "sending")
TARGET = 1.6


def say(msg):
    benchlib.say(f"S1 {msg}")


# --------------------------------------------------------------------------
# The SMTP sink
# --------------------------------------------------------------------------


class SmtpSink:
    """An SMTP server on 127.0.0.1 (asyncio, in a thread of this process) that accepts everything.

    It speaks what Python's smtplib (Odoo's ``ir.mail_server``) needs: EHLO/HELO, MAIL, RCPT,
    DATA with dot-unstuffing, RSET, NOOP, QUIT; no TLS, no authentication.  For each message it
    keeps the envelope recipients, the Message-Id header and the time it was accepted.
    """

    def __init__(self, port=0):
        self.port = port
        self.messages = []  # (monotonic time, message id, recipients)
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="smtp-sink")
        self.server = None

    def __enter__(self):
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.handle, "127.0.0.1", self.port, backlog=64), self.loop
        )
        self.server = future.result(10)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc):
        async def close():
            self.server.close()
            for task in asyncio.all_tasks():  # connections still open (a server killed mid-session)
                if task is not asyncio.current_task():
                    task.cancel()
            await self.server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def reset(self):
        with self.lock:
            self.messages = []

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def store(self, rcpts, data):
        headers = email.parser.BytesHeaderParser().parsebytes(data)
        with self.lock:
            self.messages.append((time.monotonic(), (headers.get("Message-Id") or "").strip(), tuple(rcpts)))

    async def handle(self, reader, writer):
        writer.write(b"220 sink ESMTP\r\n")
        rcpts = []
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 104857600\r\n")
                elif verb == b"HELO":
                    writer.write(b"250 sink\r\n")
                elif verb == b"MAIL":
                    rcpts = []
                    writer.write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    match = re.search(rb"<([^>]*)>", line)
                    rcpts.append((match.group(1) if match else line[8:].strip()).decode(errors="replace").lower())
                    writer.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    await writer.drain()
                    chunks = []
                    while (chunk := await reader.readline()) not in (b".\r\n", b".\n", b""):
                        chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.store(rcpts, b"".join(chunks))
                    rcpts = []
                    writer.write(b"250 OK queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 Bye\r\n")
                    await writer.drain()
                    break
                elif verb in (b"RSET", b"NOOP"):
                    rcpts = [] if verb == b"RSET" else rcpts
                    writer.write(b"250 OK\r\n")
                else:
                    writer.write(b"502 Command not implemented\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


# --------------------------------------------------------------------------
# The base database: customers, the campaign, its due rows
# --------------------------------------------------------------------------


def seed(db, messages):
    """N customers with e-mail consent and N queued e-mail rows of one running campaign, due now (idempotent)."""
    from odoo import Command

    with benchlib.odoo_env(db) as env:
        Partner = env["res.partner"].with_context(active_test=False)
        have = Partner.search_count([("email", "=like", f"%@{DOMAIN}")])
        batch = 1000
        for start in range(have, messages, batch):
            Partner.create(
                [
                    {"name": f"Scale-out customer {i:06d}", "email": f"c{i:06d}@{DOMAIN}", "consent_email": True}
                    for i in range(start, min(start + batch, messages))
                ]
            )
            env.cr.commit()
            env.invalidate_all()
            say(f"customers: {min(start + batch, messages)} of {messages}")
        template = env["mail.template"].search([("name", "=", TEMPLATE)], limit=1) or env["mail.template"].create(
            {
                "name": TEMPLATE,
                "model_id": env["ir.model"]._get_id("res.partner"),
                "subject": SUBJECT,
                "body_html": BODY,
                "email_from": "Dealer service <service@dealer.example.com>",
                "lang": "{{ object.lang }}",
                "auto_delete": False,
            }
        )
        campaign = env["dealer.campaign"].with_context(active_test=False).search([("name", "=", CAMPAIGN)], limit=1)
        if not campaign:
            campaign = env["dealer.campaign"].create(
                {
                    "name": CAMPAIGN,
                    "trigger": "tyre_season",
                    "audience_domain": "[('id', '=', 0)]",  # nobody is enrolled by planning: the rows come below
                    "step_ids": [
                        Command.create(
                            {
                                "name": "E-mail",
                                "channel": "email",
                                "mail_template_id": template.id,
                                # no quiet hours: the benchmark must not depend on the hour it runs at
                                "quiet_start": 0,
                                "quiet_end": 0,
                            }
                        )
                    ],
                }
            )
            campaign.state = "running"
        step = campaign.step_ids[:1]
        env.flush_all()
        cr = env.cr
        cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = %s", [campaign.id])
        cr.execute(
            """
            INSERT INTO dealer_dispatch (campaign_id, step_id, company_id, partner_id, occurrence_date, channel,
                                         scheduled_at, state, attempts, create_uid, create_date, write_uid, write_date)
            SELECT %(campaign)s, %(step)s, %(company)s, p.id, CURRENT_DATE, 'email',
                   (now() AT TIME ZONE 'UTC') - interval '1 hour', 'queued', 0, 1, now() AT TIME ZONE 'UTC',
                   1, now() AT TIME ZONE 'UTC'
              FROM res_partner p
             WHERE p.email LIKE %(like)s
             ORDER BY p.id
             LIMIT %(n)s
            """,
            {"campaign": campaign.id, "step": step.id, "company": env.company.id, "like": f"%@{DOMAIN}", "n": messages},
        )
        # the base sends nothing else: no other due message, no e-mail waiting in the outbox
        cr.execute(
            "UPDATE dealer_dispatch SET state = 'cancelled' WHERE state IN ('queued', 'sending') AND campaign_id != %s",
            [campaign.id],
        )
        cr.execute("DELETE FROM mail_mail WHERE state = 'outgoing'")
        cron_ids = [env.ref(xmlid).id for xmlid in CRONS.values()]
        cr.execute("UPDATE ir_cron SET active = FALSE WHERE id != ALL(%s)", [cron_ids])
        # due far in the future: a run's servers start idle, the run makes the sending due ("go")
        cr.execute("UPDATE ir_cron SET active = TRUE, nextcall = '2999-01-01' WHERE id = ANY(%s)", [cron_ids])
        cr.execute("DELETE FROM ir_cron_trigger")
        server = env["ir.mail_server"].search([("name", "=", "Bench S1 sink")], limit=1)
        vals = {"name": "Bench S1 sink", "smtp_host": "127.0.0.1", "smtp_port": 25, "sequence": 0}
        if server:
            server.write(vals)
        else:
            server = env["ir.mail_server"].create(vals)
        env["ir.mail_server"].search([("id", "!=", server.id)]).active = False
        ids = {name: env.ref(xmlid).id for name, xmlid in CRONS.items()}
        cr.execute("SELECT count(*) FROM dealer_dispatch WHERE campaign_id = %s", [campaign.id])
        rows = cr.fetchone()[0]
    if rows != messages:
        raise SystemExit(f"{db}: {rows} due rows seeded, {messages} asked")
    return {"campaign": campaign.id, "crons": ids}


def prepare_base(db, messages, odoo, pg):
    benchlib.ensure_db(db, odoo, pg)
    home = odoo_home(odoo)  # Odoo's source tree, importable in this process too
    if home and str(home) not in sys.path:
        sys.path.insert(0, str(home))
    benchlib.setup_odoo(odoo, pg, db)
    with benchlib.Timer() as t:
        base = seed(db, messages)
    say(f"base {db}: {messages} due e-mail rows ready in {t.seconds:.0f} s")
    import odoo as odoo_pkg

    odoo_pkg.sql_db.close_db(db)  # CREATE DATABASE … TEMPLATE needs the base without connections
    return base


# --------------------------------------------------------------------------
# A run: a copy of the base, N servers, the sink
# --------------------------------------------------------------------------


def copy_db(pg, base, name):
    drop_db(pg, name)
    conn = pg_connect(pg)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            for attempt in range(30):
                try:
                    cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
                    return
                except Exception as error:  # "source database is being accessed by other users": retry
                    if "being accessed" not in str(error) or attempt == 29:
                        raise
                    time.sleep(1)
    finally:
        conn.close()


def start_server(odoo, pg, db, port, log_path):
    """``odoo-bin --workers=0 --max-cron-threads=1`` on 127.0.0.1:port (one process; stopped by ``stop_server``)."""
    import p4_api

    args = [
        *p4_api.server_command(odoo),
        *odoo_args(odoo, pg, db)[len(odoo[0]) :],
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--workers=0",
        "--max-cron-threads=1",
        f"--db-filter=^{db}$",
        "--log-level=info",
    ]
    env = {**os.environ, "ODOO_NOTIFY_CRON_CHANGES": "1"}
    log = log_path.open("w")
    # same process group as this script: whoever kills the group (the test on a timeout) kills the servers too
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_ready(proc, port, log_path, timeout=180):
    import http.client

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"an Odoo server exited (code {proc.returncode}): see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/web/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"an Odoo server did not answer within {timeout} s: see {log_path}")


def stop_server(proc):
    if proc.poll() is None:
        proc.terminate()  # Odoo's graceful shutdown waits for a running cron job
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def notify_crons(pg, db):
    """Wake the cron threads up, as ``ir.cron._notifydb`` does (they LISTEN on the ``postgres`` database)."""
    conn = pg_connect(pg, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_notify('cron_trigger', %s)", [db])
    finally:
        conn.close()


def make_due(cr, pg, db, cron_id):
    cr.execute("UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' - interval '1 second' WHERE id = %s", [cron_id])
    notify_crons(pg, db)


def progress(cr, campaign):
    cr.execute("SELECT state, count(*) FROM dealer_dispatch WHERE campaign_id = %s GROUP BY state", [campaign])
    states = dict(cr.fetchall())
    cr.execute("SELECT count(*) FROM mail_mail WHERE state = 'outgoing'")
    return states, cr.fetchone()[0]


def jobs_per_server(logs):
    """How many job runs of each of our crons each server's log shows (who did the work)."""
    result = []
    for log in logs:
        text = log.read_text(errors="replace")
        runs = {}
        for name in re.findall(r"Job '([^']+)' \(\d+\) starting", text):
            runs[name] = runs.get(name, 0) + 1
        result.append(runs)
    return result


def one_run(odoo, pg, base_db, base, sink, servers, messages, ports, timeout, tag):
    db = f"{base_db}_run"
    procs, logs = [], []
    conn = None
    try:
        copy_db(pg, base_db, db)
        conn = pg_connect(pg, db)
        conn.autocommit = True
        cr = conn.cursor()
        cr.execute("UPDATE ir_mail_server SET smtp_port = %s WHERE name = 'Bench S1 sink'", [sink.port])
        for i in range(servers):
            log_path = STATE / f"scaleout-{tag}-server{i + 1}.log"
            logs.append(log_path)
            procs.append(start_server(odoo, pg, db, ports[i], log_path))
        for proc, port, log_path in zip(procs, ports, logs, strict=False):
            wait_ready(proc, port, log_path)
        sink.reset()
        started = time.monotonic()
        make_due(cr, pg, db, base["crons"]["send"])
        deadline = started + timeout
        quiet_since = None
        while True:
            time.sleep(0.5)
            for proc, log_path in zip(procs, logs, strict=False):
                if proc.poll() is not None:
                    raise RuntimeError(f"an Odoo server exited during the run (code {proc.returncode}): see {log_path}")
            states, outgoing = progress(cr, base["campaign"])
            busy = sum(states.get(s, 0) for s in NOT_FINAL) or outgoing
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 3:  # late duplicates would still show here
                break
            if time.monotonic() > deadline:
                say(f"timeout after {timeout} s: {states}, {outgoing} mails outgoing")
                break
        received = sink.snapshot()
        states_sent, _outgoing = progress(cr, base["campaign"])
        # the delivery sync (not timed): sent rows whose mail Odoo's queue delivered become delivered
        cr.execute("SELECT lastcall FROM ir_cron WHERE id = %s", [base["crons"]["sync"]])
        before = cr.fetchone()[0]
        make_due(cr, pg, db, base["crons"]["sync"])
        sync_deadline = time.monotonic() + 120
        while time.monotonic() < sync_deadline:
            time.sleep(0.5)
            cr.execute("SELECT lastcall FROM ir_cron WHERE id = %s", [base["crons"]["sync"]])
            if cr.fetchone()[0] != before:
                break
        for proc in procs:
            stop_server(proc)
        states_final, outgoing = progress(cr, base["campaign"])
        cr.execute(
            "SELECT p.email FROM res_partner p JOIN dealer_dispatch d ON d.partner_id = p.id WHERE d.campaign_id = %s",
            [base["campaign"]],
        )
        expected = {row[0].lower() for row in cr.fetchall()}
    finally:
        for proc in procs:
            with contextlib.suppress(Exception):
                stop_server(proc)
        if conn is not None:
            conn.close()
        drop_db(pg, db)
    ours = [(t, mid, rcpts) for t, mid, rcpts in received if any(r.endswith(f"@{DOMAIN}") for r in rcpts)]
    recipients = {}
    for _t, _mid, rcpts in ours:
        for rcpt in rcpts:
            recipients[rcpt] = recipients.get(rcpt, 0) + 1
    message_ids = {mid for _t, mid, _r in ours}
    elapsed = (max(t for t, _m, _r in ours) - started) if ours else None
    result = {
        "servers": servers,
        "messages": messages,
        "received": len(ours),
        "seconds": elapsed,
        "rate": len(ours) / elapsed if elapsed else 0.0,
        "duplicates": sum(n - 1 for n in recipients.values()) + (len(ours) - len(message_ids)),
        "lost": len(expected - set(recipients)),
        "unexpected": len(set(recipients) - expected),
        "not_final": sum(states_sent.get(s, 0) for s in NOT_FINAL),
        "states_before_sync": states_sent,
        "states": states_final,
        "outgoing_left": outgoing,
        "jobs": jobs_per_server(logs),
        "logs": [str(p) for p in logs],
    }
    say(
        f"{servers} server(s): {result['received']} mails in {elapsed or 0:.1f} s = {result['rate']:.1f}/s; "
        f"duplicates {result['duplicates']}, lost {result['lost']}, not final {result['not_final']}; "
        f"states {states_final}; jobs {result['jobs']}"
    )
    return result


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


def result_rows(runs, messages, command):
    one = [r for r in runs if r["servers"] == 1]
    two = [r for r in runs if r["servers"] == 2]
    rate1 = statistics.median(r["rate"] for r in one) if one else None
    rate2 = statistics.median(r["rate"] for r in two) if two else None
    ratio = rate2 / rate1 if rate1 and rate2 else None
    dup = sum(r["duplicates"] for r in runs)
    lost = sum(r["lost"] for r in runs)
    not_final = sum(r["not_final"] for r in runs)
    exact = dup == 0 and lost == 0 and not_final == 0
    per_run = "; ".join(f"{r['servers']}: {r['rate']:.1f}/s" for r in runs)
    rows = [
        {
            "key": "S1",
            "name": f"Reminder e-mails of one campaign ({messages:,}): two Odoo servers ÷ one (crons, one database)",
            "ours": rate2,
            "base": rate1,
            "target": f"≥ {TARGET}× and exactly once",
            "ok": (ratio is not None and ratio >= TARGET and exact),
            "rows": messages,
            "note": (
                f"mails/s accepted by an SMTP sink on 127.0.0.1, median of {len(two)} and {len(one)} interleaved runs "
                f"({per_run}); --workers=0 --max-cron-threads=1 per server; duplicates {dup}, lost {lost}, "
                f"rows not final {not_final} over all runs"
            ),
            "unit": "mails/s",
            "growth_rows": messages,
            "command": command,
        },
        {
            "key": "S1x",
            "name": "Scale-out exactly once: duplicates + lost + rows not final, all runs",
            "ours": float(dup + lost + not_final),
            "base": 0.0,
            "target": "= 0",
            "ok": exact,
            "rows": sum(r["messages"] for r in runs),
            "note": f"{len(runs)} runs of {messages:,} rows; duplicates counted at the SMTP sink",
            "unit": "rows",
            "growth_rows": None,
            "command": command,
        },
    ]
    if ratio is not None:
        rows[0]["ratio"] = ratio
    return rows


def write_results(rows, scale, command, started):
    import report
    import run

    path = run.RESULTS / f"results-{scale}.json"
    record = {
        "scale": scale,
        "visits": benchlib.parse_scale(scale),
        "db": "-",
        "started": started.isoformat(timespec="seconds"),
        "machine": run.machine_info(),
        "command": command,
        "rows": rows,
    }
    if path.exists():
        record = run.merge_results(json.loads(path.read_text()), record)
    path.write_text(json.dumps(record, indent=1))
    report.write_results_md(run.RESULTS)
    say(f"written to {path} and {run.RESULTS / 'RESULTS.md'}")


def measure(odoo, pg, db, messages, runs_per_side, sides=(1, 2), port_base=0, timeout=0, drop=False):
    """``runs_per_side`` interleaved runs of each side (1 and 2 servers) on copies of ``db``; the runs."""
    timeout = timeout or 300 + messages // 10
    STATE.mkdir(exist_ok=True)
    runs = []
    try:
        base = prepare_base(db, messages, odoo, pg)
        order = []
        for i in range(runs_per_side):
            order += list(sides) if i % 2 == 0 else list(reversed(sides))
        with SmtpSink() as sink:
            say(f"SMTP sink on 127.0.0.1:{sink.port}; runs: {order}")
            for n, servers in enumerate(order, 1):
                ports = [port_base + i for i in range(servers)] if port_base else [free_port() for _ in range(servers)]
                runs.append(one_run(odoo, pg, db, base, sink, servers, messages, ports, timeout, f"{n}-{servers}"))
    finally:
        if drop and db_exists(pg, db):
            drop_db(pg, db)
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20000, help="due e-mail reminders (one customer each)")
    parser.add_argument("--db", default="bench_scaleout", help="base database (installed and seeded when needed)")
    parser.add_argument("--runs", type=int, default=3, help="runs per side (the median is reported)")
    parser.add_argument("--servers", default="1,2", help="sides to run: 1,2 (both) or one of them")
    parser.add_argument("--port-base", type=int, default=0, help="HTTP ports from here (default: free ports)")
    parser.add_argument("--timeout", type=int, default=0, help="seconds per run (default: 300 + messages / 10)")
    parser.add_argument("--results-scale", default="100k", help="results-<scale>.json the S1 rows are merged into")
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results")
    parser.add_argument("--json", action="store_true", help="print the runs as one BENCH-JSON line (for the test)")
    parser.add_argument("--drop", action="store_true", help="drop the base database at the end")
    opts = parser.parse_args()
    sides = [int(s) for s in opts.servers.split(",")]
    # a SIGTERM (a test's timeout, kill) ends like Ctrl-C: servers stopped, copies dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    odoo, pg = benchlib.odoo_and_pg()
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = measure(odoo, pg, opts.db, opts.messages, opts.runs, sides, opts.port_base, opts.timeout, opts.drop)
    command = "python3 bench/scaleout.py " + " ".join(sys.argv[1:])
    rows = result_rows(runs, opts.messages, command)
    for row in rows:
        ratio = f"{row['ratio']:.2f}×" if row.get("ratio") else "-"
        verdict = "PASS" if row["ok"] else "MISS"
        say(f"{row['key']} {row['name']}: ours {row['ours']}, base {row['base']}, ratio {ratio}: {verdict}")
    if opts.json:
        print("BENCH-JSON " + json.dumps({"runs": runs, "rows": rows}, default=str))
    if not opts.no_results and set(sides) == {1, 2}:
        write_results(rows, opts.results_scale, command, started)


if __name__ == "__main__":
    main()
