"""Shared plumbing of the benchmarks: find Odoo and PostgreSQL exactly as ``./suite`` does.

Both take them from ``tests/repo_paths.py`` (ODOO_HOME, an importable ``odoo`` or the Odoo that
``./suite`` set up; PG* variables or the embedded 127.0.0.1:54329, started when nothing answers).
"""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))
from repo_paths import STATE, db_exists, ensure_postgres, find_odoo, free_port, odoo_args  # noqa: E402

MODULES = ["dealer_crm", "dealer_service_lost_sales", "dealer_loyalty"]
SCALES = {"2k": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def say(msg):
    print(f"[bench] {msg}", flush=True)


def parse_scale(text):
    text = text.lower()
    if text in SCALES:
        return SCALES[text]
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise SystemExit(f"unknown scale {text!r}: use one of {', '.join(SCALES)} or a number") from None


def odoo_and_pg():
    odoo = find_odoo()
    if odoo is None:
        sys.exit("Odoo 19 not found: set ODOO_HOME or install Odoo 19 (see README, 'Prerequisites').")
    pg = ensure_postgres()
    # the runs' logs, the SMTP sink's file: a fresh clone has no state folder until ./suite makes one
    STATE.mkdir(parents=True, exist_ok=True)
    return odoo, pg


def ensure_db(db, odoo, pg, update=False):
    """Create ``db`` with the three addons (no demo data) the way ``./suite`` installs them.

    ``update`` upgrades the addons of an existing database first (the code may have new fields).
    """
    exists = db_exists(pg, db)
    if exists and not update:
        return False
    say(f"{'upgrading' if exists else 'installing'} {', '.join(MODULES)} in {db} (a minute or more)")
    args = [
        *odoo_args(odoo, pg, db),
        f"--http-port={free_port()}",
        "--stop-after-init",
        "-u" if exists else "-i",
        ",".join(MODULES),
    ]
    log = STATE / f"bench-install-{db}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        rc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    if rc:
        sys.exit(f"installing/upgrading {db} failed (exit {rc}): see {log}")
    return True


def odoo_config_args(odoo, pg, db):
    """Command-line arguments of odoo-bin minus the command itself (for ``config.parse_config``)."""
    return odoo_args(odoo, pg, db)[len(odoo[0]) :]


def setup_odoo(odoo, pg, db):
    """Import Odoo in this process, configured for ``db``; returns the ``odoo`` package."""
    home = os.environ.get("ODOO_HOME")
    if home and home not in sys.path:
        sys.path.insert(0, home)
    import odoo as odoo_pkg
    from odoo.tools import config

    config.parse_config([*odoo_config_args(odoo, pg, db), "--log-level=warn"], setup_logging=True)
    return odoo_pkg


@contextlib.contextmanager
def odoo_env(db, commit=True):
    """An ``odoo.api.Environment`` as superuser on ``db``; commits at the end unless ``commit=False``."""
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})
        try:
            yield env
        except BaseException:
            cr.rollback()
            raise
        if commit:
            cr.commit()
        else:
            cr.rollback()


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
