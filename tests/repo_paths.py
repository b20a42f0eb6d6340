"""Where this repository, its Odoo 19 and its PostgreSQL are: shared by ``./suite``, ``bench/`` and ``tests/``.

Odoo is found through ODOO_HOME (a source checkout or an unpacked release holding odoo-bin),
an importable ``odoo`` package, or the Odoo that ``./suite`` set up itself in the user's cache
(``DEALER_ODOO_DIR``, default ``~/.cache/dealer-suite/odoo-19.0``).  PostgreSQL is whatever the
libpq variables PGHOST/PGPORT/PGUSER/PGPASSWORD point to; when they are unset and nothing
answers on the embedded default (127.0.0.1:``DEALER_PG_PORT``, default 54329, user ``odoo``),
:func:`ensure_postgres` creates a private cluster in ``.pgdata/`` of this repository and starts it.
Throwaway databases are named ``DEALER_DB_PREFIX`` (default ``dealer``) + ``_…``, so that two
runs on one PostgreSQL (two clones, two people) never drop each other's.

Plain Python (no Odoo import, psycopg2 imported when a connection is made), so that ``./suite``
can use it before it has found Odoo's interpreter.
"""

import contextlib
import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
MODULES = [
    "dealer_crm",
    "dealer_service_lost_sales",
    "dealer_loyalty",
    "dealer_loyalty_service",
    "dealer_dashboard",
    "dealer_sale",
    "dealer_satisfaction",
    "dealer_workshop",
]
STATE = ROOT / ".suite"  # logs and generated files of ./suite, bench/ and tests/
PGDATA = ROOT / ".pgdata"
EMBEDDED = {"host": "127.0.0.1", "port": os.environ.get("DEALER_PG_PORT", "54329"), "user": "odoo", "password": ""}
DB_PREFIX = os.environ.get("DEALER_DB_PREFIX") or "dealer"
# Lies in default_odoo_dir() from the moment a set-up starts changing it until it is complete:
# a cache holding it is resumed, never used.  (A cache without it and with src/odoo-bin and
# venv/ is complete, also one made by hand.)
INCOMPLETE = "SET-UP-INCOMPLETE"


def say(msg):
    print(f"[suite] {msg}", flush=True)


def throwaway_db(name):
    """The name of a database a run makes and drops: ``<DEALER_DB_PREFIX>_<name>_<pid>``."""
    return f"{DB_PREFIX}_{name}_{os.getpid()}"


# --------------------------------------------------------------------------
# Odoo
# --------------------------------------------------------------------------


def default_odoo_dir():
    """Where ``./suite`` keeps an Odoo it set up itself: the user's cache, shared by every clone."""
    if os.environ.get("DEALER_ODOO_DIR"):
        return Path(os.environ["DEALER_ODOO_DIR"]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "dealer-suite" / "odoo-19.0"


def odoo_python(home):
    """The interpreter that holds Odoo's requirements for the source tree ``home``.

    ``ODOO_PYTHON`` when set; else a virtualenv beside or inside the tree (``../venv``, as
    ``./suite`` lays it out, ``.venv``, ``venv``); else the interpreter running ``./suite``
    (an activated virtualenv).
    """
    if os.environ.get("ODOO_PYTHON"):
        return os.environ["ODOO_PYTHON"]
    for venv in (home.parent / "venv", home / ".venv", home / "venv"):
        if (venv / "bin" / "python").exists():
            return str(venv / "bin" / "python")
    return sys.executable


def find_odoo():
    """Return (command prefix, addons dirs, description) or None.

    ODOO_HOME first, then an importable ``odoo`` package, then the Odoo that ``./suite``
    set up in the user's cache (``default_odoo_dir()``).
    """
    home = os.environ.get("ODOO_HOME")
    pkg = importable_odoo()
    if not home and pkg is None and cache_ready(default_odoo_dir()):
        home = str(default_odoo_dir() / "src")
    if home:
        home = Path(home).expanduser().resolve()
        bin_ = home / "odoo-bin"
        if not bin_.exists():
            sys.exit(f"ODOO_HOME={home} has no odoo-bin")
        dirs = [p for p in (home / "addons", home / "odoo" / "addons") if p.is_dir()]
        return [odoo_python(home), str(bin_)], dirs, f"ODOO_HOME={home}"
    if pkg is None:
        return None
    dirs = [p for p in (pkg / "addons", pkg.parent / "addons") if p.is_dir()]
    return [sys.executable, "-m", "odoo"], dirs, f"importable odoo at {pkg}"


def importable_odoo():
    """The folder of an importable Odoo package (one with release.py), else None."""
    spec = importlib.util.find_spec("odoo")
    if spec is None or not spec.submodule_search_locations:
        return None
    pkg = Path(list(spec.submodule_search_locations)[0])
    return pkg if (pkg / "release.py").exists() else None


def odoo_home(odoo):
    """The source tree of an Odoo found through ODOO_HOME or the cache, else None."""
    return Path(odoo[0][1]).parent if odoo and len(odoo[0]) == 2 else None


def cache_ready(target):
    """``target`` (a default_odoo_dir()) holds a complete Odoo: source, virtualenv, no set-up under way."""
    return (
        (target / "src" / "odoo-bin").exists()
        and (target / "venv" / "bin" / "python").exists()
        and not (target / INCOMPLETE).exists()
    )


def write_odoo_conf(odoo, pg, name):
    """A config file for Odoo's sub-commands (i18n …) that take no connection options."""
    STATE.mkdir(exist_ok=True)
    conf = STATE / name
    addons_path = ",".join(str(p) for p in [ADDONS, *odoo[1]])
    conf.write_text(
        "[options]\n"
        f"addons_path = {addons_path}\ndb_host = {pg['host']}\ndb_port = {pg['port']}\n"
        f"db_user = {pg['user']}\ndb_password = {pg['password'] or 'False'}\n",
        encoding="utf-8",
    )
    return conf


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------


def pg_settings():
    if any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGUSER")):
        return {
            "host": os.environ.get("PGHOST", "localhost"),
            "port": os.environ.get("PGPORT", "5432"),
            "user": os.environ.get("PGUSER", os.environ.get("USER", "odoo")),
            "password": os.environ.get("PGPASSWORD", ""),
        }, False
    return dict(EMBEDDED), True


def pg_connect(pg, dbname="postgres"):
    import psycopg2  # Odoo's own dependency

    return psycopg2.connect(
        host=pg["host"],
        port=pg["port"],
        user=pg["user"],
        password=pg["password"] or None,
        dbname=dbname,
        connect_timeout=3,
    )


def pg_reachable(pg):
    try:
        pg_connect(pg).close()
        return True
    except ImportError:  # not "unreachable": a second cluster must not be started on a running one
        sys.exit(
            f"{sys.executable} cannot import psycopg2 (Odoo's PostgreSQL driver): run ./suite with Odoo's Python, "
            "or let ./suite find Odoo (README, 'Set-up')"
        )
    except Exception:  # any other failure means "not reachable"
        return False


def pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for cand in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(cand)
    sys.exit(f"PostgreSQL's {name} not found: install PostgreSQL (Debian: apt-get install postgresql)")


def as_pg_owner(cmd):
    """PostgreSQL refuses to run as root: run its binaries as the 'postgres' OS user."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def private_cluster_dir():
    """``.pgdata/`` of the repository; as root, somewhere the ``postgres`` user can reach.

    PostgreSQL refuses to run as root, so its files belong to ``postgres``; a clone inside a
    folder only root may enter (``mktemp -d`` makes such folders) cannot hold them.
    """
    if os.geteuid() != 0:
        return PGDATA
    reachable = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(ROOT)], check=False)
    if reachable.returncode == 0:
        return PGDATA
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    return Path("/var/tmp/dealer-suite-pg") / digest


def memory_bytes():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def start_private_cluster(pg):
    base = private_cluster_dir()
    data = base / "data"
    if os.geteuid() == 0 and subprocess.run(["id", "postgres"], capture_output=True, check=False).returncode:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    if not (data / "PG_VERSION").exists():
        say(f"creating a private PostgreSQL cluster in {data}")
        subprocess.run(
            as_pg_owner(
                [pg_bin("initdb"), "-D", str(data), "-U", pg["user"], "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    say(f"starting the private PostgreSQL on {pg['host']}:{pg['port']}")
    opts = f"-c listen_addresses={pg['host']} -c port={pg['port']} -c unix_socket_directories='' -c fsync=off"
    if memory_bytes() >= 8 * 1024**3:
        # PostgreSQL's default 128 MB stops holding a dealer group's tables (bench/ at 1M visits)
        opts += " -c shared_buffers=1GB"
    subprocess.run(
        as_pg_owner([pg_bin("pg_ctl"), "-D", str(data), "-l", str(base / "postgres.log"), "-o", opts, "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_postgres():
    pg, embedded = pg_settings()
    if pg_reachable(pg):
        return pg
    if not embedded:
        sys.exit(f"PostgreSQL at {pg['host']}:{pg['port']} (user {pg['user']}) is not reachable")
    start_private_cluster(pg)
    for _ in range(30):
        if pg_reachable(pg):
            return pg
        time.sleep(1)
    sys.exit(f"the private PostgreSQL did not start: see {private_cluster_dir() / 'postgres.log'}")


def db_exists(pg, name):
    conn = pg_connect(pg)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_db(pg, name):
    conn = pg_connect(pg)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def odoo_args(odoo, pg, db):
    cmd, dirs, _ = odoo
    args = [
        *cmd,
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={','.join(str(p) for p in [ADDONS, *dirs])}",
        f"--db_host={pg['host']}",
        f"--db_port={pg['port']}",
        f"--db_user={pg['user']}",
        "-d",
        db,
    ]
    if pg["password"]:
        args.append(f"--db_password={pg['password']}")
    return args


# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# For the tests: the script ./suite and the addons' plain-Python helpers, loaded without Odoo
# --------------------------------------------------------------------------


def load_suite():
    """``./suite`` as a module, for the tests of the script itself (its set-up of Odoo, its runner)."""
    from importlib.machinery import SourceFileLoader

    loader = SourceFileLoader("dealer_suite", str(ROOT / "suite"))
    spec = importlib.util.spec_from_loader("dealer_suite", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def load_plain_module(addon, relpath):
    """Import a plain-Python helper of an addon (``tools/``) without importing Odoo."""
    path = ADDONS / addon / relpath
    name = f"_plain_{addon}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
