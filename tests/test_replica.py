"""Reports from a real streaming replica while the primary takes writes: the small run of bench/replica.py.

The script makes a database of its own (``<DEALER_DB_PREFIX>_replica_<pid>``, the addons installed
and 2,000 generated visits), a hot-standby streaming replica of the whole cluster on a free
loopback port (``pg_basebackup``, Debian's binaries), and one ``odoo-bin --workers=2`` given
``--db_replica_host/--db_replica_port``; a client repeats the lost-revenue KPI and the pipeline
kanban's reads, alone and then beside a writer creating leads and campaigns. Asserted where an
admin would look: the reports were read on the replica (the primary saw next to none of their
rows), none failed, the writes went to the primary and a lead written there was read back
through the replica, and the replica, the server and the database are gone at the end.
"""

from odoo_env import pg_cursor, require_test_db, run_bench_script, running

require_test_db()  # ./suite test gives Odoo and PostgreSQL; the test database itself is not used

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from repo_paths import ROOT, throwaway_db  # noqa: E402

pytestmark = pytest.mark.slow  # ./suite test --full

TIMEOUT = 1500  # seconds: installing the addons and generating the data on a busy machine
REPLICA_DIRS = (Path("/var/tmp/dealer-suite-replica"), ROOT / ".suite" / "replica")


@pytest.fixture(scope="module")
def replica_run():
    db = throwaway_db("replica")
    try:
        outcome = run_bench_script(
            "replica.py", ["--db", db, "--read-seconds", "5", "--seconds", "10", "--drop"], TIMEOUT
        )
    finally:
        with pg_cursor("postgres") as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(f"replica: {outcome['reads_only']} / {outcome['mixed']}")
    return db, outcome


def test_reports_are_read_on_the_replica(replica_run):
    _db, outcome = replica_run
    alone = outcome["reads_only"]
    assert outcome["error_count"] == 0, outcome["errors"]
    assert alone["reads"] > 0
    replica, primary = alone["stats"]["replica"], alone["stats"]["primary"]
    # the primary keeps only Odoo's check of the registry's signals at each request (a few a second)
    assert replica["transactions"] >= 0.9 * (replica["transactions"] + primary["transactions"]), alone["stats"]
    assert replica["rows_read"] > primary["rows_read"], alone["stats"]


def test_writes_go_to_the_primary_and_are_seen_through_the_replica(replica_run):
    _db, outcome = replica_run
    mixed = outcome["mixed"]
    assert mixed["leads"] > 0 and mixed["reads"] > 0, mixed
    assert mixed["stats"]["primary"]["transactions"] > mixed["leads"], "every lead is a transaction on the primary"
    assert outcome["lead_seen_on_replica_after_s"] is not None, (
        "a lead written on the primary never reached the replica"
    )


def test_nothing_is_left_running_or_behind(replica_run):
    db, _outcome = replica_run
    with pg_cursor("postgres") as cr:
        cr.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [db])
        assert cr.fetchone()[0] == 0, "the run's database was not dropped"
    for base in REPLICA_DIRS:
        assert not base.exists() or not any(base.iterdir()), f"the replica's files are left in {base}"
    server = f"--db-filter=^{db}$".encode()
    assert running(lambda arg: arg == server) == [], "the run's Odoo server is still running"
    assert running(lambda arg: b"dealer-suite-replica" in arg) == [], "the replica is still running"
