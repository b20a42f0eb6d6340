from odoo.tools import SQL

from ..tools.plate import normalize_plate, plate_key_sql
from .common import DealerCustomerCase


class TestPlateKey(DealerCustomerCase):
    """A licence plate however it is typed: one key in Python and in the database, found by an index."""

    def test_the_database_key_is_the_python_key(self):
        for typed in ("А 123 ВС-77", "a123bc77", "к777кк 77.", "X 001 XX 199"):
            with self.subTest(typed=typed):
                self.env.cr.execute(SQL("SELECT %s", plate_key_sql(SQL("%s", typed))))
                self.assertEqual(self.env.cr.fetchone()[0], normalize_plate(typed))

    def test_a_plate_is_looked_up_through_its_key_index(self):
        """The booking page's look-up reads the index, not every car of the register."""
        self.make_vehicle("XW8ZZZ1ZZPG000101", plate="А123ВС77")
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")  # the test's few cars would be scanned anyway
        try:
            self.env.cr.execute(
                SQL(
                    "EXPLAIN SELECT id FROM dealer_vehicle WHERE plate IS NOT NULL AND %s = %s",
                    plate_key_sql(SQL.identifier("plate")),
                    normalize_plate("a 123 bc 77"),
                )
            )
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
        self.assertIn("dealer_vehicle_plate_key_", plan)
