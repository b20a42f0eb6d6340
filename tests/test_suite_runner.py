"""The test runner says loudly what it skipped when Odoo is absent (a skip is never a pass)."""

import os
import subprocess
import sys

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
