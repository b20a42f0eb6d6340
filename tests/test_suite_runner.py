"""The test runner says loudly what it skipped when Odoo is absent (a skip is never a pass)."""

import os
import re
import subprocess
import sys
from pathlib import Path

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
