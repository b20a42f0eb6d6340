"""Plumbing of the repo-level tests that need the Odoo test database of ``./suite test``.

``./suite test`` runs ``pytest tests/`` with pytest-odoo bound to a freshly installed database
(the three addons with demo data) and sets ``DEALER_TEST_DB`` to its name; without a database
it unsets the variable and disables the plugin.  Modules that need Odoo call
:func:`require_test_db` first, at module level, so that they skip cleanly.

The connection settings and the Odoo command line come from ``repo_paths`` (as for ``./suite``
and ``bench/``), so these tests reach exactly the PostgreSQL and Odoo that ``./suite`` uses.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys

import pytest

import repo_paths
from repo_paths import ROOT

DB = os.environ.get("DEALER_TEST_DB")
SKIP_REASON = "no Odoo test database (DEALER_TEST_DB unset)"


def require_test_db():
    """Skip the calling test module when ``./suite test`` gave no Odoo test database."""
    if not DB:
        pytest.skip(SKIP_REASON, allow_module_level=True)
    return DB


def benchlib():
    """``bench/benchlib.py`` (Odoo in this process, the benchmarks' data)."""
    bench = str(ROOT / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import benchlib as module

    return module


def odoo_and_pg():
    return benchlib().odoo_and_pg()


def pg_connect(dbname):
    """A plain psycopg2 connection (autocommit) to ``dbname`` on ``./suite``'s PostgreSQL."""
    _odoo, pg = odoo_and_pg()
    conn = repo_paths.pg_connect(pg, dbname)
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def pg_cursor(dbname):
    conn = pg_connect(dbname)
    try:
        with conn.cursor() as cr:
            yield cr
    finally:
        conn.close()


def committed_env(dbname):
    """A superuser environment whose work is committed (for data a separate server must see)."""
    return benchlib().odoo_env(dbname, commit=True)


def write_conf(name):
    """An Odoo config file for sub-commands that take no connection options (``odoo module …``)."""
    odoo, pg = odoo_and_pg()
    return repo_paths.write_odoo_conf(odoo, pg, name)


def run_odoo(args, log_name, timeout=300):
    """Run ``odoo <args>`` (a sub-command or a --stop-after-init run); return (exit code, log tail)."""
    odoo, _pg = odoo_and_pg()
    log_path = repo_paths.STATE / log_name
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        rc = subprocess.run(
            [*odoo[0], *args], stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False
        ).returncode
    tail = log_path.read_text(errors="replace").splitlines()[-30:]
    return rc, "\n".join(tail)


def _stop_group(proc):
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
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_bench_script(script, args, timeout):
    """``bench/<script> <args> --json`` in a process group of its own, stopped whole on a timeout or a
    failure, so that no server it started outlives the test; returns its BENCH-JSON outcome."""
    cmd = [sys.executable, str(ROOT / "bench" / script), *args, "--json"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(proc)
        out = proc.communicate()[0]
        pytest.fail(f"bench/{script} did not finish within {timeout} s:\n{out[-4000:]}")
    finally:
        _stop_group(proc)
    lines = [line for line in out.splitlines() if line.startswith("BENCH-JSON ")]
    assert proc.returncode == 0 and lines, f"bench/{script} failed (exit {proc.returncode}):\n{out[-4000:]}"
    return json.loads(lines[-1][len("BENCH-JSON ") :])


def running(match):
    """PIDs of the processes with a command-line argument (bytes) that ``match`` accepts."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if any(match(arg) for arg in args):
            found.append(int(pid))
    return found
