import psycopg2

from odoo.addons.dealer_crm.tools.sql import without_jit
from odoo.tests import TransactionCase


class TestSqlTools(TransactionCase):
    def jit(self):
        self.env.cr.execute("SELECT current_setting('jit')")
        return self.env.cr.fetchone()[0]

    def test_reports_run_without_jit_and_give_the_setting_back(self):
        for setting in ("on", "off"):
            self.env.cr.execute("SELECT set_config('jit', %s, true)", [setting])
            with without_jit(self.env.cr):
                self.assertEqual(self.jit(), "off")
            self.assertEqual(self.jit(), setting, "the session's own setting after the block")

    def test_an_error_in_the_block_is_undone_with_its_savepoint(self):
        self.env.cr.execute("SELECT set_config('jit', 'on', true)")
        with self.assertRaises(psycopg2.errors.DivisionByZero), self.env.cr.savepoint():
            with without_jit(self.env.cr):
                self.env.cr.execute("SELECT 1 / 0", log_exceptions=False)
        self.assertEqual(self.jit(), "on")
