"""``./suite run`` sets Odoo 19 up by itself when none is found (README, 'Set-up: the two commands').

These machines reach no source host, so the source is a small but real Odoo 19 tree: the Odoo
modules the repository's addons need and those Odoo installs with them (every other module by
its manifest only), taken with ``git archive`` from the Odoo the tests run on and committed into
a temporary git repository on branch 19.0 (the official repository's layout).
``DEALER_ODOO_SOURCE`` points at it and ``DEALER_ODOO_DIR`` at a temporary folder, so the user's
cache is never touched. ``./suite`` is started the way a new user starts it: with the system's
Python, no ODOO_HOME, no importable ``odoo``. The whole path runs: clone, virtualenv, Odoo's
requirements through pip (with the fallbacks for pins that do not install on this Python), the
first start serving /web/login with the Dealership menu, a second start that reuses everything,
``--update-odoo`` after a new commit of the source, and broken sources refused with a clear
message; psycopg2 on a machine without PostgreSQL's headers gets its prebuilt twin. The set-up
installs from pip's cache or index like a user's first run (under a minute with a warm wheel
cache, a few minutes otherwise), and the first start installs the three addons with demo data in
a throwaway database (minutes on a loaded machine); it runs with the Odoo tests of ``./suite
test`` (DEALER_TEST_DB set) or with DEALER_TEST_ODOO_SETUP=1.
"""

import ast
import functools
import http.cookiejar
import http.server
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from repo_paths import ROOT, load_suite

SUITE = load_suite()


def odoo_modules_needed():
    """The Odoo modules this repository's addons depend on, and those Odoo's server always loads."""
    ours = {p.parent.name: ast.literal_eval(p.read_text()) for p in (ROOT / "addons").glob("*/__manifest__.py")}
    return sorted({d for m in ours.values() for d in m.get("depends", []) if d not in ours} | {"web", "rpc"})


def odoo_tree():
    """The git source tree of the Odoo the tests run on (ODOO_HOME, the importable odoo or ./suite's cache)."""
    spec = importlib.util.find_spec("odoo")
    candidates = [
        os.environ.get("ODOO_HOME"),
        spec and spec.submodule_search_locations and Path(list(spec.submodule_search_locations)[0]).parent,
        SUITE.default_odoo_dir() / "src",
    ]
    for home in filter(None, candidates):
        head = subprocess.run(["git", "-C", str(home), "rev-parse", "HEAD"], capture_output=True, check=False)
        if (Path(home) / "odoo-bin").exists() and head.returncode == 0:
            return Path(home)
    return None


def module_closure(tree, modules):
    """``modules``, what they depend on and what Odoo installs with them (auto_install)."""
    manifests = {p.parent.name: ast.literal_eval(p.read_text()) for p in (tree / "addons").glob("*/__manifest__.py")}
    seen, todo = set(), list(modules)
    while todo:
        while todo:
            name = todo.pop()
            if name not in seen and name in manifests:  # base lives in odoo/addons, it comes with odoo/
                seen.add(name)
                todo += manifests[name].get("depends", [])
        for name, manifest in manifests.items():
            auto = manifest.get("auto_install")
            trigger = auto if isinstance(auto, list) else manifest.get("depends", [])
            if auto and name not in seen and all(d in seen or d == "base" for d in trigger):
                todo.append(name)
    return sorted(seen)


@pytest.fixture(scope="module")
def small_odoo(tmp_path_factory):
    """A git repository (branch 19.0) holding a small, real Odoo 19 tree."""
    tree = odoo_tree()
    if tree is None:
        pytest.skip("needs the Odoo 19 source tree the tests run on, as a git repository")
    repo = tmp_path_factory.mktemp("odoo-source")
    # every module's manifest (Odoo lists them all; base's data names their categories) and icon
    # (payment's data, which Sales brings, shows every provider's icon), the code of the modules
    # installed with the suite's addons only
    modules = [f"addons/{m}" for m in module_closure(tree, odoo_modules_needed())]
    paths = [
        "odoo-bin",
        "requirements.txt",
        "setup",
        "odoo",
        "addons/*/__manifest__.py",
        "addons/*/static/description/icon.*",
        *modules,
    ]
    leave_out = [":(exclude)**/i18n/**", ":(exclude)odoo/addons/test_*", ":(exclude)addons/**/tests/**"]
    archive = subprocess.run(
        ["git", "-C", str(tree), "archive", "HEAD", *paths, *leave_out], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
    commit(repo, "Odoo 19.0 (a small copy for the set-up tests)", init=True)
    return repo


def commit(repo, message, init=False):
    git = ["git", "-C", str(repo), "-c", "user.name=suite tests", "-c", "user.email=tests@example.com"]
    if init:
        subprocess.run([*git, "init", "--quiet", "-b", "19.0"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", message], check=True)


def fresh_user_env(source, cache):
    """The environment of a user with Python and git but no Odoo: no ODOO_HOME, no odoo on the path."""
    venv_bin = str(Path(sys.executable).parent)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ODOO_HOME", "ODOO_PYTHON", "PYTHONPATH", "VIRTUAL_ENV", "DEALER_SUITE_REEXEC", "DEALER_DB")
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["DEALER_ODOO_SOURCE"] = str(source)
    env["DEALER_ODOO_DIR"] = str(cache)
    return env


def system_python():
    return str(Path(sys.base_prefix) / "bin" / "python3")


def run_suite(env, *args, timeout=300):
    cmd = [system_python(), str(ROOT / "suite"), *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=timeout)


def test_a_fresh_user_has_no_odoo(tmp_path):
    env = fresh_user_env(tmp_path / "none", tmp_path / "cache")
    out = subprocess.run([system_python(), "-c", "import odoo"], env=env, capture_output=True, check=False)
    assert out.returncode, "odoo is importable without ODOO_HOME: the set-up tests would prove nothing"


def test_a_missing_source_is_named_with_what_to_do(tmp_path):
    cache = tmp_path / "cache"
    out = run_suite(fresh_user_env(tmp_path / "no-such-odoo", cache), "run", "--db", "never_made", "--port", "1")
    assert out.returncode != 0
    assert f"DEALER_ODOO_SOURCE={tmp_path / 'no-such-odoo'}: no such file or folder" in out.stderr
    assert "set ODOO_HOME to an Odoo 19 you installed yourself" in out.stderr
    assert not SUITE.cache_ready(cache) and not (cache / "src").exists() and not (cache / "venv").exists()


def test_an_archive_without_odoo_is_refused(tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "README.md").write_text("not Odoo\n")
    archive = tmp_path / "odoo.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(junk, arcname="odoo-19.0")
    cache = tmp_path / "cache"
    out = run_suite(fresh_user_env(archive, cache), "run", "--db", "never_made", "--port", "1")
    assert out.returncode != 0
    assert f"the source {archive} holds no Odoo source tree (no odoo-bin" in out.stderr
    assert not (cache / "src").exists() and not (cache / "src.new").exists()


def test_the_test_command_still_runs_the_rest_and_says_the_odoo_tests_were_skipped(tmp_path):
    out = run_suite(fresh_user_env(tmp_path / "no-such-odoo", tmp_path / "cache"), "test", "--no-pytest", "--no-lint")
    assert out.returncode != 0, "a set-up that failed is not a pass"
    assert "ODOO TESTS SKIPPED: setting up Odoo 19 failed: DEALER_ODOO_SOURCE=" in out.stdout
    assert "A SKIP IS NOT A PASS" in out.stdout
    assert out.stdout.strip().splitlines()[-1].startswith("TOTAL: ")


def test_without_git_the_user_is_told_to_install_it_or_use_an_archive(tmp_path):
    env = {**fresh_user_env("https://git.example.com/odoo/odoo.git", tmp_path / "cache"), "PATH": str(tmp_path)}
    out = run_suite(env, "run", "--db", "never_made", "--port", "1")
    assert out.returncode != 0
    assert "git is not installed" in out.stderr and "apt-get install git" in out.stderr
    assert "set DEALER_ODOO_SOURCE to an archive of Odoo 19's source" in out.stderr


def test_a_source_host_out_of_reach_is_answered_with_the_mirror_setting(tmp_path):
    url = f"http://127.0.0.1:{SUITE.free_port()}/odoo/odoo.git"  # nothing listens there
    out = run_suite(fresh_user_env(url, tmp_path / "cache"), "run", "--db", "never_made", "--port", "1")
    assert out.returncode != 0
    assert f"git could not clone {url} (branch 19.0" in out.stderr
    assert "set DEALER_ODOO_SOURCE to a mirror of Odoo's repository" in out.stderr
    assert not (tmp_path / "cache" / "src").exists() and not (tmp_path / "cache" / "src.new").exists()
    with pytest.raises(SUITE.SetupError, match="downloading http://127.0.0.1:.* failed"):
        SUITE.fetch_source(url.replace("odoo.git", "odoo_19.0.latest.tar.gz"), tmp_path / "cache")


def test_a_half_done_set_up_is_resumed_not_used(tmp_path):
    for path in ("src/odoo-bin", "venv/bin/python"):
        (tmp_path / path).parent.mkdir(parents=True)
        (tmp_path / path).write_text("")
    (tmp_path / SUITE.INCOMPLETE).write_text("")
    assert not SUITE.cache_ready(tmp_path)
    (tmp_path / SUITE.INCOMPLETE).unlink()
    assert SUITE.cache_ready(tmp_path), "a complete cache (also one made by hand) is used as it is"


def test_an_official_style_archive_and_a_plain_folder_are_unpacked_into_a_tree(small_odoo, tmp_path):
    """The nightly source archives have one top folder and carry odoo-bin as setup/odoo."""
    archive = tmp_path / "odoo_19.0.latest.tar.gz"
    subprocess.run(
        ["git", "-C", str(small_odoo), "archive", "--format=tar.gz", "--prefix=odoo-19.0.post20261203/", "-o"]
        + [str(archive), "HEAD", ":(exclude)odoo-bin"],
        check=True,
    )
    tree = SUITE.fetch_source(str(archive), tmp_path / "from-archive")
    assert (tree / "odoo-bin").read_bytes() == (small_odoo / "odoo-bin").read_bytes()
    assert (tree / "addons" / "crm" / "__manifest__.py").exists()
    zipped = tmp_path / "odoo-19.0.zip"
    subprocess.run(["git", "-C", str(small_odoo), "archive", "--format=zip", "-o", str(zipped), "HEAD"], check=True)
    assert (SUITE.fetch_source(str(zipped), tmp_path / "from-zip") / "addons" / "crm" / "__manifest__.py").exists()
    tree = SUITE.fetch_source(str(tree), tmp_path / "from-folder")
    assert (tree / "odoo" / "release.py").exists() and not (tree / ".git").exists()

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{httpd.server_address[1]}/{archive.name}"
            tree = SUITE.fetch_source(url, tmp_path / "from-url")
        finally:
            httpd.shutdown()
    assert (tree / "odoo-bin").exists() and not (tmp_path / "from-url" / "download" / archive.name).exists()


def test_a_requirement_that_does_not_build_is_named():
    metadata_failure = (
        "Collecting Babel==2.10.3 (from -r r.txt (line 5))\n"
        "Collecting cbor2==5.4.2 (from -r r.txt (line 7))\n"
        "  Getting requirements to build wheel: finished with status 'error'\n"
        "  error: subprocess-exited-with-error\n"
        "Collecting later==1.0\n"
    )
    assert SUITE.pip_failed_requirement(metadata_failure) == ("cbor2", "cbor2==5.4.2")
    build_failure = (
        "Collecting python-ldap==3.4.0 (from -r r.txt (line 68))\n"
        "ERROR: Could not build wheels for python-ldap, which is required to install pyproject.toml-based projects\n"
    )
    assert SUITE.pip_failed_requirement(build_failure) == ("python-ldap", "python-ldap==3.4.0")
    assert SUITE.pip_failed_requirement("ERROR: No matching distribution found for psycopg2==2.9.5\n")[0] == "psycopg2"
    newer_pip = "ERROR: Failed to build installable wheels for some pyproject.toml based projects (python-ldap)\n"
    assert SUITE.pip_failed_requirement(newer_pip) == ("python-ldap", "python-ldap")
    assert SUITE.pip_failed_requirement("ERROR: Could not install packages due to an OSError\n") is None


class Server:
    """``./suite run`` in the background, its output in a log file."""

    def __init__(self, env, db, log, *extra):
        self.port = SUITE.free_port()
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [system_python(), str(ROOT / "suite"), "run", "--db", db, "--port", str(self.port), *extra],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def output(self):
        return self.log.read_text(errors="replace")

    def wait_for_login_page(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/web/login", timeout=10) as resp:
                    return resp.status, resp.read().decode()
            except (OSError, urllib.error.URLError):
                assert self.proc.poll() is None, f"./suite run exited {self.proc.returncode}:\n{self.output()[-4000:]}"
                time.sleep(2)
        raise AssertionError(f"/web/login did not answer within {timeout}s:\n{self.output()[-4000:]}")

    def menus(self, db):
        """The names of the menus the admin sees, through the web client's own requests."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        auth = {"jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": "admin", "password": "admin"}}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/web/session/authenticate",
            data=json.dumps(auth).encode(),
            headers={"Content-Type": "application/json"},
        )
        with opener.open(request, timeout=60) as resp:
            assert "error" not in json.load(resp)
        with opener.open(f"http://127.0.0.1:{self.port}/web/webclient/load_menus", timeout=120) as resp:
            return {menu["name"] for menu in json.load(resp).values() if isinstance(menu, dict)}

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.mark.slow  # minutes: a virtualenv, pip, an install with demo data (./suite test --full)
def test_the_first_run_sets_odoo_up_serves_the_suite_and_later_runs_reuse_it(small_odoo, tmp_path, capsys):
    if not os.environ.get("DEALER_TEST_DB") and not os.environ.get("DEALER_TEST_ODOO_SETUP"):
        pytest.skip("runs with the Odoo tests of ./suite test (DEALER_TEST_DB) or with DEALER_TEST_ODOO_SETUP=1")
    cache = tmp_path / "cache"
    env = fresh_user_env(small_odoo, cache)
    db = f"dealer_setup_test_{os.getpid()}"
    pg = SUITE.ensure_postgres()
    SUITE.drop_db(pg, db)
    server = Server(env, db, tmp_path / "first.log")
    try:
        status, page = server.wait_for_login_page(timeout=2400)
        assert status == 200 and 'name="login"' in page
        first = server.output()
        assert "setting up Odoo 19 Community in" in first
        assert f"git clone --depth 1 -b 19.0 {small_odoo.as_uri()}" in first
        assert "-m venv" in first and "installing Odoo's Python requirements" in first
        assert f"using Odoo's Python: {cache / 'venv' / 'bin' / 'python'}" in first
        assert SUITE.cache_ready(cache)
        installed = subprocess.run(
            [str(cache / "venv" / "bin" / "python"), "-m", "pip", "list", "--format=json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        names = {p["name"].lower() for p in json.loads(installed)}
        assert {"werkzeug", "lxml", "pytest", "phonenumbers"} <= names
        assert "Dealership" in server.menus(db)
    finally:
        server.stop()
    head = (cache / "src" / ".git" / "HEAD").stat().st_mtime

    server = Server(env, db, tmp_path / "second.log")
    try:
        server.wait_for_login_page(timeout=600)
        second = server.output()
        steps = ("setting up Odoo 19", "git clone", "-m venv", "installing Odoo's Python requirements", "first run:")
        for step in steps:
            assert step not in second, f"the second start did '{step}' again:\n{second}"
        assert f"Odoo: ODOO_HOME={cache / 'src'}" in second
        assert (cache / "src" / ".git" / "HEAD").stat().st_mtime == head
    finally:
        server.stop()

    (small_odoo / "NEWS.md").write_text("a newer Odoo 19.0\n")
    commit(small_odoo, "Odoo 19.0, a later commit")
    server = Server(env, db, tmp_path / "update.log", "--update-odoo")
    try:
        server.wait_for_login_page(timeout=600)
        update = server.output()
        assert f"refreshing the Odoo 19 in {cache}" in update
        assert (cache / "src" / "NEWS.md").exists(), update
        assert update.count("refreshing the Odoo 19") == 1, "the re-executed ./suite refreshed Odoo again"
        assert "installing Odoo's Python requirements" in update and "Odoo 19 is set up in" in update
        assert SUITE.cache_ready(cache)
    finally:
        server.stop()
        SUITE.drop_db(pg, db)

    # a pin this Python cannot have is named, and its newest wheel installed instead
    odd = tmp_path / "odd-odoo"
    odd.mkdir()
    (odd / "requirements.txt").write_text("polib==0.0.1 ; python_version >= '3'  # no such release\n")
    capsys.readouterr()
    SUITE.install_requirements(cache / "venv" / "bin" / "python", odd, odd)
    said = capsys.readouterr().out
    assert "polib==0.0.1 does not install on Python" in said and "retrying with polib (its newest wheel" in said
    assert (odd / "requirements-odoo.txt").read_text().splitlines()[-1] == "polib"
    shutil.rmtree(cache)  # 0.5 GB; kept when a check above fails, to look into


@pytest.mark.slow  # a virtualenv and pip (./suite test --full)
def test_without_postgresql_headers_psycopg2_is_replaced_by_the_prebuilt_driver(tmp_path):
    """Odoo pins psycopg2, a source package: a machine without PostgreSQL's headers gets psycopg2-binary."""
    if not os.environ.get("DEALER_TEST_DB") and not os.environ.get("DEALER_TEST_ODOO_SETUP"):
        pytest.skip("runs with the Odoo tests of ./suite test (DEALER_TEST_DB) or with DEALER_TEST_ODOO_SETUP=1")
    src = tmp_path / "src"
    src.mkdir()
    (src / "requirements.txt").write_text("psycopg2==2.9.5\n")
    subprocess.run([system_python(), "-m", "venv", str(tmp_path / "venv")], check=True)
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import repo_paths; "
        "repo_paths.load_suite().install_requirements(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[3]).parent)"
    )
    # no pg_config on the PATH (nor a compiler), no wheel built earlier: as on a bare machine
    env = {**fresh_user_env("-", tmp_path / "cache"), "PATH": str(tmp_path), "PIP_NO_CACHE_DIR": "1"}
    out = subprocess.run(
        [system_python(), "-c", code, str(ROOT / "tests"), str(tmp_path / "venv" / "bin" / "python"), str(src)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "psycopg2==2.9.5 does not install on Python" in out.stdout
    assert "retrying with psycopg2-binary" in out.stdout
    check = [str(tmp_path / "venv" / "bin" / "python"), "-c", "import psycopg2"]
    assert subprocess.run(check, capture_output=True, check=False).returncode == 0
