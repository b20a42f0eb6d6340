"""Run Odoo's own test classes of some modules against a database as it is (``odoo-bin shell``).

``./suite test`` feeds this file to ``odoo-bin shell`` twice: on the test database (the three
addons installed, so our overrides of ``crm.lead``, stages, teams and partners are in place)
and on a database holding the same Odoo modules without them.  A test that passes on plain
Odoo and fails with the suite means the suite broke Odoo.

at_install tests normally run right after their own module loads, before any dependent's
override exists; running them here, on the full registry, is what tests Odoo *with* the suite.
Only standard-tagged TransactionCase classes defined in the modules' own test files run
(HttpCase needs a server; crm's test files also import base's test classes).

Environment: ``DEALER_CORE_MODULES`` (comma-separated), ``DEALER_CORE_RESULTS`` (JSON output).
Output: ``{"test id": "ok" | "fail" | "error" | "skip"}``.
"""

import json
import logging
import os
import unittest

from odoo.modules import module as odoo_module
from odoo.tests import HttpCase, loader
from odoo.tests.tag_selector import TagsSelector
from odoo.tools import config


class ErrorLogs(logging.Handler):
    """The ERROR records logged while a test runs (muted loggers excepted): Odoo's own test runner
    fails a test that logs one, so this runner does too (e.g. base's check of every view)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class Outcomes(unittest.TestResult):
    """Keeps one outcome per test; a failing subtest fails its test, and so does an error logged."""

    def __init__(self):
        super().__init__()
        self.outcomes = {}
        self.error_logs = ErrorLogs()

    def startTest(self, test):
        super().startTest(test)
        self.error_logs.records.clear()

    def stopTest(self, test):
        logged = list(self.error_logs.records)  # the handler keeps ERROR and above only
        if logged and self.outcomes.get(test.id()) in (None, "ok"):
            self.outcomes[test.id()] = "fail"
            text = "\n".join(f"{r.name}: {r.getMessage()}" for r in logged)
            self.failures.append((test, f"ERROR logged during the test:\n{text}"))
        super().stopTest(test)

    def addSuccess(self, test):
        self.outcomes.setdefault(test.id(), "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[test.id()] = "fail"

    def addError(self, test, err):
        super().addError(test, err)
        # errors in setUpClass come with a _ErrorHolder whose id names the class
        self.outcomes[getattr(test, "description", None) or test.id()] = "error"

    def addSkip(self, test, reason):
        self.outcomes[test.id()] = "skip"

    def addSubTest(self, test, subtest, err):
        if err is not None:
            kind = "fail" if issubclass(err[0], test.failureException) else "error"
            self.outcomes[test.id()] = kind
            (self.failures if kind == "fail" else self.errors).append((subtest, self._exc_info_to_string(err, test)))


def core_tests(modules):
    standard = TagsSelector("standard")
    return [
        test
        for name in modules
        for test_module in loader.get_test_modules(name)
        for test in loader.get_module_test_cases(test_module)
        if not isinstance(test, HttpCase) and standard.check(test)
    ]


def main():
    modules = [m for m in os.environ["DEALER_CORE_MODULES"].split(",") if m]
    config["test_enable"] = True
    odoo_module.current_test = True
    result = Outcomes()
    logging.getLogger().addHandler(result.error_logs)
    try:
        loader.OdooSuite(core_tests(modules))(result)
    finally:
        odoo_module.current_test = False
        logging.getLogger().removeHandler(result.error_logs)
    for test, text in result.failures + result.errors:
        print(f"CORE-FAIL {test}\n{text}")
    with open(os.environ["DEALER_CORE_RESULTS"], "w", encoding="utf-8") as out:
        json.dump(result.outcomes, out, indent=1, sort_keys=True)


main()
