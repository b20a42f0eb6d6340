"""./suite test runs its checks after the addons' tests side by side (Odoo's own suites, the solo
installs, the translations and the upgrade): at most as many at once as asked, a check that needs
another after it, each check's output in one piece, every result counted, nothing left running."""

import subprocess
import sys
import threading
import time

import pytest

from repo_paths import load_suite

SUITE = load_suite()


class Clock:
    """When each check started and ended, and how many ran at once at most."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.spans = {}

    def check(self, name, seconds=0.2, ok=True, lines=3):
        def func(tally, results):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
                start = time.monotonic()
            for i in range(lines):
                print(f"{name} line {i}")
                time.sleep(seconds / lines)
            with self.lock:
                self.now -= 1
                self.spans[name] = (start, time.monotonic())
            tally.check(ok, f"{name} checked")
            return f"{name} result", sorted(results)

        return func


def test_checks_run_side_by_side_in_order_and_each_prints_in_one_piece(capsys):
    clock = Clock()
    checks = [
        SUITE.Check("core", clock.check("core", 0.4)),
        SUITE.Check("reference", clock.check("reference")),
        SUITE.Check("translations", clock.check("translations"), ["core"]),
        SUITE.Check("upgrade", clock.check("upgrade"), ["translations"]),
        SUITE.Check("solo a", clock.check("solo a", ok=False)),
        SUITE.Check("solo b", clock.check("solo b")),
    ]
    tally = SUITE.Tally()
    started = time.monotonic()
    results = SUITE.side_by_side(checks, tally, workers=2)
    elapsed = time.monotonic() - started

    assert clock.most == 2, "two at a time, never more"
    assert elapsed < 1.2, f"one after the other takes 1.4 s; side by side took {elapsed:.2f} s"
    assert clock.spans["translations"][0] >= clock.spans["core"][1]
    assert clock.spans["upgrade"][0] >= clock.spans["translations"][1]
    assert results["upgrade"][0] == "upgrade result"
    assert {"core", "translations"} <= set(results["upgrade"][1]), "upgrade saw what it waited for"
    assert tally.passed == 5 and tally.failed == 1 and tally.failures == ["solo a checked"]

    out = capsys.readouterr().out
    for name in clock.spans:
        block = [line for line in out.splitlines() if line.startswith(f"{name} line") or f"{name} checked" in line]
        first = out.splitlines().index(block[0])
        assert out.splitlines()[first : first + 4] == block, f"the output of {name} is interleaved:\n{out}"


def test_one_at_a_time_when_asked(monkeypatch):
    monkeypatch.setenv("DEALER_SUITE_JOBS", "1")
    assert SUITE.side_by_side_workers() == 1
    clock = Clock()
    checks = [SUITE.Check(name, clock.check(name, 0.05)) for name in "abc"]
    SUITE.side_by_side(checks, SUITE.Tally(), SUITE.side_by_side_workers())
    assert clock.most == 1


def test_a_check_that_crashes_fails_and_the_others_still_run(capsys):
    def crash(tally, results):
        print("half-way")
        raise ValueError("the log could not be read")

    clock = Clock()
    checks = [SUITE.Check("crash", crash), SUITE.Check("after", clock.check("after"), ["crash"])]
    tally = SUITE.Tally()
    results = SUITE.side_by_side(checks, tally, workers=2)
    assert results["crash"] is None and results["after"][0] == "after result"
    assert tally.failed == 1 and tally.failures == ["crash: stopped by an error (above)"]
    assert tally.passed == 1
    out = capsys.readouterr().out
    assert "half-way" in out and "ValueError: the log could not be read" in out


def test_a_stopped_run_leaves_no_process_of_its_checks():
    started = threading.Event()

    def long_process(tally, results):
        started.set()
        return SUITE.run_child(["sleep", "120"])

    def stop(tally, results):
        started.wait(10)
        time.sleep(0.3)  # the sleep has started
        raise KeyboardInterrupt

    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        SUITE.side_by_side([SUITE.Check("long", long_process), SUITE.Check("stop", stop)], SUITE.Tally(), 2)
    assert time.monotonic() - begun < 30
    assert not SUITE.RUNNING
    left = subprocess.run(["pgrep", "-f", "^sleep 120$"], capture_output=True, text=True, check=False)
    assert not left.stdout.strip(), f"left running: {left.stdout}"
    assert sys.stdout.__class__.__name__ != "_JobOutput", "stdout restored"


def _test_run(monkeypatch, phase, **opts):
    """``./suite test`` with Odoo and PostgreSQL stood in for: ``phase`` is the addons' test phase."""
    import argparse

    dropped = []
    monkeypatch.setattr(SUITE, "find_odoo", lambda: (["odoo-bin"], None, "fake Odoo"))
    monkeypatch.setattr(SUITE, "odoo_version", lambda cmd: "19.0")
    monkeypatch.setattr(SUITE, "missing_pdf_tools", dict)
    monkeypatch.setattr(SUITE, "ensure_postgres", lambda: {"host": "fake"})
    monkeypatch.setattr(SUITE, "odoo_phase_tests", phase)
    monkeypatch.setattr(SUITE, "odoo_checks", lambda *args: [])
    monkeypatch.setattr(SUITE, "drop_db", lambda pg, name: dropped.append(name))
    monkeypatch.setattr(SUITE.signal, "signal", lambda *args: None)
    defaults = {"no_odoo": False, "pytest_only": False, "db": None, "keep_db": False, "full": False}
    options = argparse.Namespace(**{**defaults, "no_pytest": True, "no_lint": True, **opts})
    return options, dropped


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), SystemExit(143), RuntimeError("the log is gone")])
def test_a_stopped_run_drops_its_test_database(monkeypatch, stop):
    made = []

    def phase(opts, odoo, pg, db, tally):
        made.append(db)
        raise stop

    opts, dropped = _test_run(monkeypatch, phase)
    with pytest.raises(type(stop)):
        SUITE.cmd_test(opts)
    assert made and made[0].startswith(SUITE.throwaway_db("test"))
    assert dropped == made, "the database the stopped run made is dropped"


def test_a_run_keeps_a_database_it_was_given_or_told_to_keep(monkeypatch):
    def phase(opts, odoo, pg, db, tally):
        tally.check(True, "tests")

    for opts in ({"db": "mine"}, {"keep_db": True}):
        options, dropped = _test_run(monkeypatch, phase, **opts)
        assert SUITE.cmd_test(options) == 0
        assert dropped == []
    options, dropped = _test_run(monkeypatch, phase)
    assert SUITE.cmd_test(options) == 0
    assert dropped == [SUITE.throwaway_db("test")], "a finished run drops its database once"


@pytest.mark.parametrize(
    ("installed", "expected"),
    [
        ({"dealer_crm", "dealer_loyalty"}, ["-u", "dealer_crm,dealer_loyalty", "-i", "dealer_workshop"]),
        (set(), ["-i", "dealer_crm,dealer_loyalty,dealer_workshop"]),
        ({"dealer_crm", "dealer_loyalty", "dealer_workshop"}, ["-u", "dealer_crm,dealer_loyalty,dealer_workshop"]),
    ],
)
def test_a_reused_database_gets_the_addons_it_lacks(monkeypatch, installed, expected):
    """A database another command left with some addons only (``./suite i18n --modules``): the addons it lacks are
    installed, else their tests named in ``--test-tags`` would silently not run."""
    import argparse

    calls = []
    monkeypatch.setattr(SUITE, "db_exists", lambda pg, name: True)
    monkeypatch.setattr(SUITE, "installed_modules", lambda pg, name, modules: installed & set(modules))
    monkeypatch.setattr(SUITE, "drop_db", lambda pg, name: pytest.fail("a database given is not dropped"))
    monkeypatch.setattr(
        SUITE,
        "run_odoo_phase",
        lambda odoo, pg, db, extra, log_name, timeout: calls.append(extra)
        or (0, ["odoo.tests.result: 0 failed, 0 error(s) of 3 tests when loading database"]),
    )
    opts = argparse.Namespace(
        modules="dealer_crm,dealer_loyalty,dealer_workshop",
        db="mine",
        test_tags="/dealer_workshop:TestNormHours",
        full=False,
        timeout=60,
        test_timeout=600,
    )
    SUITE.odoo_phase_tests(opts, None, {"host": "fake"}, "mine", SUITE.Tally())
    (extra,) = calls
    assert extra[: len(expected)] == expected
    assert extra[len(expected)].startswith("--test-tags=")
