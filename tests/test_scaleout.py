"""Two Odoo servers send one campaign's e-mails at the same time: each customer gets exactly one.

A small run of bench/scaleout.py (``--servers 2``): two ``odoo-bin --workers=0
--max-cron-threads=1`` processes on 127.0.0.1 share the crons of one database (the sending
cron, Odoo's mail queue, the delivery sync), with ``DEALER_SCALEOUT_MESSAGES`` (default 300) due
e-mail reminders, into the script's SMTP sink on 127.0.0.1.  Asserted where a customer would
notice: no customer got the e-mail twice and no Message-Id arrived twice at the SMTP server,
none got nothing, every row of the message log ended in a final state and was delivered.
Nothing about speed is asserted (that is the benchmark's job).

The run uses a database of its own (``<DEALER_DB_PREFIX>_scaleout_<pid>``, the addons installed
afresh, a minute or two) and a copy of it per run, both dropped at the end: the servers run
every due cron of their database, which must not be the test database other tests use (and
``CREATE DATABASE … TEMPLATE`` of that one is impossible while pytest-odoo holds it).  The script
runs in its own process group with the servers it starts: on a timeout or a failure the whole
group is stopped, so no server outlives the test.
"""

from odoo_env import pg_cursor, require_test_db

require_test_db()  # ./suite test gives Odoo and PostgreSQL; the test database itself is not used

import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

from repo_paths import ROOT, throwaway_db  # noqa: E402

pytestmark = pytest.mark.slow  # ./suite test --full

MESSAGES = int(os.environ.get("DEALER_SCALEOUT_MESSAGES", "300"))
TIMEOUT = 1500  # seconds: installing the addons, two servers starting, the campaign, on a busy machine
FINAL = {"sent", "delivered", "failed", "bounced", "skipped", "cancelled"}


def stop_group(proc):
    """The script and every server it started (they share its process group)."""
    for sig, wait in ((signal.SIGTERM, 60), (signal.SIGKILL, 30)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    # servers left by a script that died first are in the same group: make sure of it
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def drop(db):
    with pg_cursor("postgres") as cr:
        for name in (db, f"{db}_run"):
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def two_servers():
    db = throwaway_db("scaleout")
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "scaleout.py"),
        *("--db", db, "--messages", str(MESSAGES), "--runs", "1", "--servers", "2"),
        *("--json", "--no-results", "--drop"),
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        out = proc.communicate()[0]
        pytest.fail(f"bench/scaleout.py did not finish within {TIMEOUT} s:\n{out[-4000:]}")
    finally:
        stop_group(proc)
        drop(db)
    lines = [line for line in out.splitlines() if line.startswith("BENCH-JSON ")]
    assert proc.returncode == 0 and lines, f"bench/scaleout.py failed (exit {proc.returncode}):\n{out[-4000:]}"
    (run,) = json.loads(lines[-1][len("BENCH-JSON ") :])["runs"]
    print(f"scale-out: {run['received']} mails in {run['seconds']:.1f} s; jobs per server {run['jobs']}")
    return run


def test_every_customer_got_the_email_exactly_once(two_servers):
    run = two_servers
    assert run["servers"] == 2
    assert run["duplicates"] == 0, f"{run['duplicates']} e-mails arrived twice at the SMTP server"
    assert run["lost"] == 0, f"{run['lost']} customers got nothing"
    assert run["unexpected"] == 0
    assert run["received"] == MESSAGES


def test_every_log_row_ends_final_and_delivered(two_servers):
    run = two_servers
    assert run["not_final"] == 0, run["states_before_sync"]
    assert set(run["states"]) <= FINAL, run["states"]
    # the mail queue reported every e-mail sent, and the sync recorded it on its row
    assert run["states"] == {"delivered": MESSAGES}, run["states"]
    assert run["outgoing_left"] == 0


def running_on(db):
    """Processes whose command line names the database ``db`` (an Odoo server of the run)."""
    found = []
    for proc in os.listdir("/proc"):
        try:
            with open(f"/proc/{proc}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if db.encode() in args or f"--db-filter=^{db}$".encode() in args:
            found.append(int(proc))
    return found


def test_nothing_is_left_running_or_behind(two_servers):
    db = throwaway_db("scaleout")
    assert running_on(f"{db}_run") == [], "an Odoo server of the run is still running"
    with pg_cursor("postgres") as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname IN %s", [(db, f"{db}_run")])
        assert cr.fetchall() == [], "the run's databases were not dropped"
