"""Smoke run of the benchmarks (bench/) at a tiny scale, so that they cannot rot.

It runs the generator and benchmarks P1-P3 on 1,000 visits in the test database
(DEALER_TEST_DB, set by ``./suite test``) inside ONE transaction that is rolled back, so
the database that other tests use is left as it was.  It checks that every benchmark
produced numbers, that the addon's RFM scores equal the raw-SQL ones and that a rerun of
the reminder planning creates no rows. Timings are not asserted: that is bench/run.py's job.
"""

import json
import os
import subprocess
import sys

import pytest

from repo_paths import ROOT

DB = os.environ.get("DEALER_TEST_DB")


@pytest.fixture(scope="module")
def smoke_result():
    if not DB:
        pytest.skip("DEALER_TEST_DB is not set: ./suite test sets it to a fresh database with the three addons")
    args = "--smoke --scale 1000 --only p1,p2,p3 --runs 1 --naive-sample 50 --seed 9001".split()
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--db", DB, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH-JSON ")]
    assert out.returncode == 0 and lines, f"bench/run.py failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return json.loads(lines[-1][len("BENCH-JSON ") :])


def test_every_benchmark_produced_numbers(smoke_result):
    rows = {row["key"]: row for row in smoke_result["rows"]}
    assert {"P1a", "P1b", "P2", "P2r", "P3", "P3b"} <= set(rows)
    for key in ("P1a", "P1b", "P2", "P3"):
        assert rows[key]["ours"] > 0 and rows[key]["base"] > 0, rows[key]
        assert rows[key]["rows"] > 0, rows[key]


def test_rfm_scores_match_raw_sql(smoke_result):
    assert smoke_result["p1_same_scores"] is True


def test_planning_rerun_creates_no_rows(smoke_result):
    rows = {row["key"]: row for row in smoke_result["rows"]}
    assert smoke_result["p2_rerun_rows"] == 0
    assert "300 dispatches" in rows["P2"]["note"], rows["P2"]["note"]
