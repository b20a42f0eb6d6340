"""The test runner says loudly what it skipped when Odoo is absent (a skip is never a pass)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from repo_paths import ROOT


def test_without_odoo_the_skip_is_loud():
    env = {k: v for k, v in os.environ.items() if k != "ODOO_HOME"}
    out = subprocess.run(
        [sys.executable, str(ROOT / "suite"), "test", "--no-odoo", "--no-pytest", "--no-lint"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert "ODOO TESTS SKIPPED" in out.stdout
    assert "dealer_crm, dealer_service_lost_sales, dealer_loyalty" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "TOTAL: 0 passed, 0 failed"


@pytest.mark.slow  # ./suite test --full
def test_a_fresh_checkout_runs_the_odoo_pytest_phase():
    """With nothing but ODOO_HOME (no .pth, no PYTHONPATH, the system's Python) the pytest phase
    imports Odoo: ``./suite`` finds Odoo's virtualenv and puts the source tree on the path."""
    db = os.environ.get("DEALER_TEST_DB")
    home = os.environ.get("ODOO_HOME")
    if not db or not home:
        pytest.skip("needs the Odoo test database of ./suite test and ODOO_HOME")
    python = Path(sys.base_prefix) / "bin" / "python3"
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin),
        "ODOO_HOME": home,
        **{k: v for k, v in os.environ.items() if k.startswith("PG") or k in ("DEALER_PG_PORT", "DEALER_ODOO_DIR")},
    }
    assert subprocess.run([python, "-c", "import odoo"], env=env, capture_output=True, check=False).returncode, (
        "odoo is importable without ODOO_HOME: this test would prove nothing"
    )
    out = subprocess.run(
        [
            python,
            str(ROOT / "suite"),
            "test",
            "--db",
            db,
            "--pytest-only",
            "--no-lint",
            "--pytest-k",
            "test_table_is_well_formed",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert "ModuleNotFoundError" not in out.stdout + out.stderr, out.stdout[-3000:] + out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    passed, failed = map(int, re.fullmatch(r"TOTAL: (\d+) passed, (\d+) failed", last).groups())
    assert out.returncode == 0 and failed == 0 and passed > 0, out.stdout[-3000:]


def test_the_base_addon_alone_runs_its_own_tests_and_a_failure_fails_the_check(monkeypatch):
    """dealer_crm is installed by itself: its own tests run in a database of it alone (a field of an addon it
    does not depend on, present in the test database, fails only there), and a failure there fails CI."""
    from repo_paths import load_suite

    suite = load_suite()
    calls = []
    log = [
        "2026-12-07 14:20:16,614 9254 ERROR solo odoo.addons.dealer_crm.tests.test_x: FAIL: TestX.test_y",
        "2026-12-07 14:23:07,917 9254 ERROR solo odoo.tests.result: 1 failed, 0 error(s) of 321 tests",
    ]

    limits = {}

    def phase(odoo, pg, db, extra, log_name, timeout):
        calls.append(extra)
        limits["tests" if "--log-level=test" in extra else "install"] = timeout
        return (0, log if "--log-level=test" in extra else [])

    monkeypatch.setattr(suite, "run_odoo_phase", phase)
    monkeypatch.setattr(suite, "drop_db", lambda pg, db: None)
    monkeypatch.setattr(suite, "installed_modules", lambda pg, db, names: set(names))
    tally = suite.Tally()
    for name, modules, demo in suite.solo_variants():
        suite.solo_install(None, None, tally, SimpleNamespace(timeout=60, test_timeout=600), name, modules, demo)
    tested = [extra for extra in calls if any(arg.startswith("--test-tags=") for arg in extra)]
    assert tested == [["-i", "dealer_crm", "--test-tags=/dealer_crm,-dealer_slow", "--log-level=test"]]
    assert limits == {"tests": 600, "install": 60}  # a run of tests has the longer limit of its own
    assert any("dealer_crm alone" in failure and "TestX.test_y" in failure for failure in tally.failures)
    assert any(
        "dealer_crm's own tests in a database of dealer_crm alone: 321 ran, 1 failed" in f for f in tally.failures
    )


def test_an_odoo_run_past_its_limit_is_stopped_and_says_why(monkeypatch, capsys, tmp_path):
    from repo_paths import load_suite

    suite = load_suite()
    monkeypatch.setattr(suite, "STATE", tmp_path)
    monkeypatch.setattr(suite, "ROOT", tmp_path.parent)
    seconds = {"slow": 30, "quick": 0}
    monkeypatch.setattr(suite, "odoo_args", lambda odoo, pg, db: ["sh", "-c", f"echo started; sleep {seconds[db]}"])
    rc, lines = suite.run_odoo_phase(None, None, "slow", [], "tests.log", 1)
    assert rc == -9 and lines == ["started"]
    assert "passed its limit of 1s" in capsys.readouterr().out
    rc, lines = suite.run_odoo_phase(None, None, "quick", [], "tests.log", 5)
    assert rc == 0 and lines == ["started"]
    assert "passed its limit" not in capsys.readouterr().out
