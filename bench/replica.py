#!/usr/bin/env python3
"""S2: reports from a read replica while the primary takes the writes (Odoo 19's replica routing).

    python3 bench/replica.py                       # database bench_replica, replica on a free port
    python3 bench/replica.py --db mydb --replica-port 55199 --http-port 55150 --seconds 60 --drop

What it does, and leaves nothing behind (replica stopped and its files removed, server stopped):

1. the database ``--db`` (the addons installed, 2,000 generated visits with their loss events),
   then a **streaming replica** of the whole PostgreSQL cluster on 127.0.0.1:``--replica-port``:
   ``pg_basebackup -R -X stream`` from the primary (the suite's cluster, or PG* variables) and
   ``pg_ctl start`` with ``hot_standby``, with Debian's binaries of the primary's major version;
2. one ``odoo-bin --workers=2 --db_replica_host=127.0.0.1 --db_replica_port=…``: Odoo 19 runs a
   request on a replica cursor when its route is ``readonly`` — ``/web/dataset/call_kw`` is when
   the method called is ``@api.readonly`` (``web_read_group``, ``formatted_read_group(ing_sets)``,
   ``web_search_read``, ``web_read``, …), the dashboards' data route always is — and on the
   primary otherwise (``create``, ``write``, buttons);
3. as the admin over JSON-RPC, a reader repeating the lost-revenue KPI (the report's
   ``web_read_group`` by reason × month, the pivot's ``formatted_read_grouping_sets``) and the
   pipeline kanban's ``web_read_group``: logged in and after a warm-up of 3 s (each worker loads
   Odoo's registry from the primary at its first requests, a login reads the user's rights),
   alone for ``--read-seconds``, then for ``--seconds`` while a writer creates leads and campaigns;
4. where each went: the transactions and rows read for the database on the replica and on the
   primary in each phase (``pg_stat_database``). During the reads alone the primary keeps only
   Odoo's own check of the registry's signals (a few transactions a second, one statement each,
   each on a new connection: their rows read are mostly the system catalogues a new PostgreSQL
   connection loads); and how soon a lead written on the primary is found by a read (replica).
"""

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

from repo_paths import STATE, as_pg_owner, db_exists, drop_db, free_port, odoo_args, odoo_home, pg_connect


def say(msg):
    benchlib.say(f"S2 {msg}")


def pg_binary(name, major):
    """Debian's binary of the primary's major version (``/usr/lib/postgresql/<major>/bin``), else PATH's."""
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if debian.exists():
        return str(debian)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"PostgreSQL {major}'s {name} not found (Debian: apt-get install postgresql-{major})")
    return found


def primary_major(pg):
    conn = pg_connect(pg)
    try:
        with conn.cursor() as cr:
            cr.execute("SHOW server_version_num")
            return int(cr.fetchone()[0]) // 10000
    finally:
        conn.close()


def replica_dir(port):
    # PostgreSQL runs as the 'postgres' user when we are root: a folder it can reach
    base = Path("/var/tmp/dealer-suite-replica") if os.geteuid() == 0 else STATE / "replica"
    return base / str(port)


@contextlib.contextmanager
def streaming_replica(pg, port):
    """A hot-standby streaming replica of the primary ``pg`` on 127.0.0.1:``port``, removed at the end."""
    major = primary_major(pg)
    folder = replica_dir(port)
    data, log = folder / "data", folder / "replica.log"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(folder.parent, "postgres")
        shutil.chown(folder, "postgres")
    env = {**os.environ, "PGPASSWORD": pg["password"] or ""}
    say(f"pg_basebackup of {pg['host']}:{pg['port']} (PostgreSQL {major}) into {data}")
    with benchlib.Timer() as t:
        subprocess.run(
            as_pg_owner(
                [
                    pg_binary("pg_basebackup", major),
                    *("-h", pg["host"], "-p", str(pg["port"]), "-U", pg["user"]),
                    *("-D", str(data), "-R", "-X", "stream", "-c", "fast"),
                ]
            ),
            check=True,
            env=env,
        )
    say(f"base backup in {t.seconds:.0f} s; starting the replica on 127.0.0.1:{port}")
    opts = (
        f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c hot_standby=on "
        "-c fsync=off -c shared_buffers=128MB -c max_connections=100"
    )
    pg_ctl = pg_binary("pg_ctl", major)
    started = False
    try:
        subprocess.run(
            as_pg_owner([pg_ctl, "-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", "120", "start"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = True
        replica = {**pg, "host": "127.0.0.1", "port": str(port)}
        conn = pg_connect(replica)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT pg_is_in_recovery()")
                assert cr.fetchone()[0], "the replica is not in recovery (not a standby)"
        finally:
            conn.close()
        yield replica
    finally:
        if started:
            subprocess.run(
                as_pg_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                check=False,
                stdout=subprocess.DEVNULL,
            )
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # when no other replica is there
        say("replica stopped and removed")


def db_stats(pg, db):
    """(transactions, rows read) of ``db`` on the server ``pg`` (its own statistics)."""
    conn = pg_connect(pg)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_stat_clear_snapshot()")
            cr.execute(
                "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched"
                " FROM pg_stat_database WHERE datname = %s",
                [db],
            )
            return cr.fetchone()
    finally:
        conn.close()


class Session:
    """A JSON-RPC session of the web client (cookie ``session_id``)."""

    def __init__(self, port, db):
        self.port, self.db, self.cookie = port, db, None

    def post(self, path, params):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie and "session_id=" in cookie:
            self.cookie = cookie.split(";", 1)[0]
        conn.close()
        payload = json.loads(raw)
        if "error" in payload:
            raise RuntimeError(f"{path}: {payload['error'].get('data', {}).get('message') or payload['error']}")
        return payload["result"]

    def login(self, login, password):
        return self.post("/web/session/authenticate", {"db": self.db, "login": login, "password": password})

    def call(self, model, method, args=(), **kwargs):
        return self.post(
            f"/web/dataset/call_kw/{model}.{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


READS = [
    # the lost-revenue KPI: the report grouped by reason and month (list/graph), and its pivot
    (
        "dealer.lost.revenue.report",
        "web_read_group",
        [],
        {"domain": [], "groupby": ["reason_id", "date:month"], "aggregates": ["lost_amount:sum", "__count"]},
    ),
    (
        "dealer.lost.revenue.report",
        "formatted_read_grouping_sets",
        [],
        {"domain": [], "grouping_sets": [["reason_id"], ["date:month"], []], "aggregates": ["lost_amount:sum"]},
    ),
    # the pipeline kanban's columns
    (
        "crm.lead",
        "web_read_group",
        [],
        {"domain": [], "groupby": ["stage_id"], "aggregates": ["expected_revenue:sum", "__count"]},
    ),
]


def prepare(db, odoo, pg):
    benchlib.ensure_db(db, odoo, pg)
    conn = pg_connect(pg, db)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT count(*) FROM dealer_loss_event")
            events = cr.fetchone()[0]
    finally:
        conn.close()
    if not events:
        say(f"generating 2,000 visits and their loss events in {db}")
        home = odoo_home(odoo)  # generate.py imports Odoo's source tree through ODOO_HOME
        env = {**os.environ, **({"ODOO_HOME": str(home)} if home else {})}
        subprocess.run(
            [sys.executable, str(benchlib.BENCH / "generate.py"), "--db", db, "--scale", "2k", "--seed", "7"],
            check=True,
            env=env,
        )


def start_server(odoo, pg, db, port, replica, log_path):
    import p4_api

    args = [
        *p4_api.server_command(odoo),
        *odoo_args(odoo, pg, db)[len(odoo[0]) :],
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--workers=2",
        "--max-cron-threads=0",
        f"--db-filter=^{db}$",
        f"--db_replica_host={replica['host']}",
        f"--db_replica_port={replica['port']}",
        "--log-level=warn",
    ]
    log = log_path.open("w")
    # prefork: the server and its workers in a group of their own, stopped together
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Odoo server exited: see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/web/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"the Odoo server did not answer within 180 s: see {log_path}")


def stop_server(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def sessions(port, db):
    """A reader's and a writer's web sessions, logged in (a login reads the user's rights on the primary)."""
    reader, writer = Session(port, db), Session(port, db)
    reader.login("admin", "admin")
    writer.login("admin", "admin")
    return reader, writer


def load(reader, writer, seconds, tag, write=True):
    """A reader and (``write``) a writer side by side for ``seconds``; returns the counts and any errors."""
    stop = time.monotonic() + seconds
    counts = {"reads": 0, "leads": 0, "campaigns": 0}
    errors = []

    def read_loop():
        while time.monotonic() < stop:
            for model, method, args, kwargs in READS:
                try:
                    reader.call(model, method, args, **kwargs)
                    counts["reads"] += 1
                except Exception as error:  # reported at the end
                    errors.append(f"read {model}.{method}: {error}")

    def write_loop():
        i = 0
        while time.monotonic() < stop:
            i += 1
            try:
                writer.call("crm.lead", "create", [[{"name": f"Replica lead {tag} {i}", "type": "opportunity"}]])
                counts["leads"] += 1
                if i % 10 == 0:
                    writer.call(
                        "dealer.campaign",
                        "create",
                        [[{"name": f"Replica campaign {tag} {i}", "trigger": "tyre_season"}]],
                    )
                    counts["campaigns"] += 1
            except Exception as error:
                errors.append(f"write: {error}")

    threads = [threading.Thread(target=read_loop)] + ([threading.Thread(target=write_loop)] if write else [])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not write:
        return counts, errors, None
    # a lead written on the primary, then read through a read-only route (the replica)
    name = f"Replica lead {tag} last"
    writer.call("crm.lead", "create", [[{"name": name, "type": "opportunity"}]])
    seen_after = None
    started = time.monotonic()
    while time.monotonic() - started < 30:
        found = reader.call("crm.lead", "web_search_read", [[("name", "=", name)]], specification={"name": {}})
        if found["length"]:
            seen_after = time.monotonic() - started
            break
        time.sleep(0.05)
    return counts, errors, seen_after


def measure(odoo, pg, db, read_seconds, seconds, replica_port=0, http_port=0, drop=False):
    """Reads alone, then reads beside writes, on a server routed to a fresh streaming replica; the outcome."""
    STATE.mkdir(exist_ok=True)
    tag = str(int(time.time()))
    try:
        prepare(db, odoo, pg)
        with streaming_replica(pg, replica_port or free_port()) as replica:
            port = http_port or free_port()
            proc = start_server(odoo, pg, db, port, replica, STATE / "replica-odoo.log")
            try:
                # logged in and warmed up first: each worker loads Odoo's registry from the primary at its
                # first requests, and a login reads the user's rights there
                reader, writer = sessions(port, db)
                load(reader, writer, 3, tag, write=False)
                stats = [{"primary": db_stats(pg, db), "replica": db_stats(replica, db)}]
                # 1. reads alone: what the primary does meanwhile is the part of the reads it still serves
                read_counts, read_errors, _seen = load(reader, writer, read_seconds, tag, write=False)
                stats.append({"primary": db_stats(pg, db), "replica": db_stats(replica, db)})
                # 2. reads and writes side by side
                counts, errors, seen_after = load(reader, writer, seconds, tag)
                stats.append({"primary": db_stats(pg, db), "replica": db_stats(replica, db)})
            finally:
                stop_server(proc)
    finally:
        if drop and db_exists(pg, db):
            drop_db(pg, db)

    def delta(a, b):
        return {side: {"transactions": b[side][0] - a[side][0], "rows_read": b[side][1] - a[side][1]} for side in a}

    return {
        "reads_only": {"seconds": read_seconds, "reads": read_counts["reads"], "stats": delta(*stats[:2])},
        "mixed": {"seconds": seconds, **counts, "stats": delta(*stats[1:])},
        "errors": (read_errors + errors)[:10],
        "error_count": len(read_errors) + len(errors),
        "lead_seen_on_replica_after_s": seen_after,
    }


SHARE_TARGET = 0.95


def result_rows(outcome):
    """The S2 rows of bench/results: where the reports ran, and what the writes cost them."""
    alone, mixed = outcome["reads_only"], outcome["mixed"]
    replica, primary = alone["stats"]["replica"], alone["stats"]["primary"]
    total = replica["transactions"] + primary["transactions"]
    share = replica["transactions"] / total if total else 0.0
    lag = outcome["lead_seen_on_replica_after_s"]
    rate_alone = alone["reads"] / alone["seconds"] if alone["seconds"] else 0.0
    rate_mixed = mixed["reads"] / mixed["seconds"] if mixed["seconds"] else 0.0
    errors = outcome["error_count"]
    return [
        {
            "key": "S2",
            "name": (
                "Reports from a streaming replica (Odoo's db_replica_host): transactions of the KPI and pipeline "
                "reads run on the replica ÷ all transactions of the database meanwhile"
            ),
            "ours": float(replica["transactions"]),
            "base": float(total),
            "ratio": share,
            "target": f"≥ {SHARE_TARGET}×, no error",
            "ok": share >= SHARE_TARGET and errors == 0,
            "rows": alone["reads"],
            "note": (
                f"{alone['reads']} reads in {alone['seconds']} s; rows read: replica {replica['rows_read']:,}, "
                f"primary {primary['rows_read']:,} (its transactions are Odoo's check of the registry's signals, "
                f"one statement each on a new connection, whose rows are mostly the catalogue reads of a new "
                f"PostgreSQL connection); errors {errors}"
            ),
            "unit": "transactions",
            "growth_rows": None,
        },
        {
            "key": "S2w",
            "name": "Report reads/s while the primary takes leads and campaigns ÷ reads alone (information)",
            "ours": rate_mixed,
            "base": rate_alone,
            "ratio": rate_mixed / rate_alone if rate_alone else None,
            "target": None,
            "ok": None,
            "rows": mixed["reads"],
            "note": (
                f"{mixed.get('leads', 0)} leads and {mixed.get('campaigns', 0)} campaigns written in "
                f"{mixed['seconds']} s; transactions: replica {mixed['stats']['replica']['transactions']:,}, "
                f"primary {mixed['stats']['primary']['transactions']:,}; a lead written on the primary was read "
                f"from the replica after {'-' if lag is None else f'{lag:.3f}'} s"
            ),
            "unit": "reads/s",
            "growth_rows": None,
        },
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="bench_replica")
    parser.add_argument("--replica-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--http-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--read-seconds", type=int, default=10, help="length of the reads alone")
    parser.add_argument("--seconds", type=int, default=30, help="length of the reads and writes side by side")
    parser.add_argument("--json", action="store_true", help="print the outcome as one BENCH-JSON line")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    opts = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    odoo, pg = benchlib.odoo_and_pg()
    outcome = measure(
        odoo, pg, opts.db, opts.read_seconds, opts.seconds, opts.replica_port, opts.http_port, drop=opts.drop
    )
    for phase, values in (("reads only", outcome["reads_only"]), ("reads + writes", outcome["mixed"])):
        writes = f", {values['leads']} leads and {values['campaigns']} campaigns written" if "leads" in values else ""
        say(f"{phase}: {values['reads']} KPI reads{writes} in {values['seconds']} s")
        for side, numbers in values["stats"].items():
            say(f"  {side}: {numbers['transactions']} transactions, {numbers['rows_read']} rows read for {opts.db}")
    say(
        f"errors: {outcome['error_count']}; a lead written on the primary was read (replica) after "
        f"{outcome['lead_seen_on_replica_after_s']} s"
    )
    if opts.json:
        print("BENCH-JSON " + json.dumps(outcome))


if __name__ == "__main__":
    main()
