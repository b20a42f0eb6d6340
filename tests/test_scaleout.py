"""Two Odoo servers send one campaign's e-mails at the same time: each customer gets exactly one.

A small run of bench/scaleout.py (``--servers 2``): two ``odoo-bin --workers=0
--max-cron-threads=1`` processes on 127.0.0.1 share the crons of one database (the sending
cron, the four jobs of the campaign e-mail queue, Odoo's mail queue, the delivery sync), with
``DEALER_SCALEOUT_MESSAGES`` (default 300) due e-mail reminders, into the script's SMTP sink on
127.0.0.1.  Asserted where a customer would
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

from odoo_env import pg_cursor, require_test_db, run_bench_script, running

require_test_db()  # ./suite test gives Odoo and PostgreSQL; the test database itself is not used

import os  # noqa: E402

import pytest  # noqa: E402

from repo_paths import throwaway_db  # noqa: E402

pytestmark = pytest.mark.slow  # ./suite test --full

MESSAGES = int(os.environ.get("DEALER_SCALEOUT_MESSAGES", "300"))
TIMEOUT = 1500  # seconds: installing the addons, two servers starting, the campaign, on a busy machine
FINAL = {"sent", "delivered", "failed", "bounced", "skipped", "cancelled"}


def drop(db):
    with pg_cursor("postgres") as cr:
        for name in (db, f"{db}_run"):
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def two_servers():
    db = throwaway_db("scaleout")
    args = ["--db", db, "--messages", str(MESSAGES), "--runs", "1", "--servers", "2", "--no-results", "--drop"]
    try:
        outcome = run_bench_script("scaleout.py", args, TIMEOUT)
    finally:
        drop(db)
    (run,) = outcome["runs"]
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


def test_nothing_is_left_running_or_behind(two_servers):
    db = throwaway_db("scaleout")
    names = {f"{db}_run".encode(), f"--db-filter=^{db}_run$".encode()}
    assert running(lambda arg: arg in names) == [], "an Odoo server of the run is still running"
    with pg_cursor("postgres") as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname IN %s", [(db, f"{db}_run")])
        assert cr.fetchall() == [], "the run's databases were not dropped"
