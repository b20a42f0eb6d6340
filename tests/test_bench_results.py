"""The results file lists the commands that produced its rows, and only those."""

import sys

from repo_paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import run


def _record(command, keys):
    return {
        "command": command,
        "started": "t",
        "machine": "m",
        "rows": [{"key": key, "command": command} for key in keys],
    }


def test_subset_run_replaces_its_rows_and_keeps_the_others():
    old = _record("run all", ["P1a", "P2", "P3"])
    merged = run.merge_results(old, _record("run p2", ["P2"]))
    assert {row["key"]: row["command"] for row in merged["rows"]} == {
        "P1a": "run all",
        "P2": "run p2",
        "P3": "run all",
    }
    assert merged["commands"] == ["run all", "run p2"]


def test_command_measured_again_in_full_is_no_longer_listed():
    merged = run.merge_results(_record("run p2 --runs 1", ["P2", "P2r"]), _record("run p2 --runs 3", ["P2", "P2r"]))
    assert merged["commands"] == ["run p2 --runs 3"]
    merged = run.merge_results(merged, _record("run p1", ["P1a"]))
    assert merged["commands"] == ["run p2 --runs 3", "run p1"]


def test_a_run_stopped_half_way_keeps_its_rows_outside_the_tables(tmp_path, monkeypatch):
    import datetime
    import json
    import shutil
    from types import SimpleNamespace

    import report

    monkeypatch.setattr(run, "RESULTS", tmp_path)
    shutil.copy(ROOT / "bench" / "results" / "results-10k.json", tmp_path)
    measured = [{"key": "P9z", "name": "measured before the stop", "ours": 1.0}]
    run.save_partial(SimpleNamespace(scale="1m", db="bench_db_1m"), datetime.datetime.now(), measured)
    saved = json.loads((tmp_path / "partial-1m.json").read_text())
    assert saved["rows"] == measured
    assert saved["command"].startswith("python3 bench/run.py")
    report.write_results_md(tmp_path)
    tables = (tmp_path / "RESULTS.md").read_text()
    assert "P9z" not in tables and "Scale 10k" in tables
