from odoo.exceptions import ValidationError

from ..tools.vin import check_digit, normalize_vin, vin_problem
from .common import DealerCustomerCase

NA_VIN = "1M8GDM9AXKP042788"  # a North-American VIN whose check digit is X


class TestVinTools(DealerCustomerCase):
    def test_plain_rules(self):
        self.assertIsNone(vin_problem(NA_VIN))
        self.assertEqual(check_digit(NA_VIN), "X")
        self.assertEqual(vin_problem("XW8ZZZ1ZZPG00001"), ("length", 16))
        self.assertEqual(vin_problem("XW8ZZZ1ZZPG0000100"), ("length", 18))
        self.assertEqual(vin_problem("XW8ZZZ1ZIPG00O001"), ("ioq", "I, O"))
        self.assertEqual(vin_problem("1M8GDM9A5KP042788"), ("check_digit", ("5", "X")))
        # Outside North America / China the ninth character is not a check digit.
        self.assertIsNone(vin_problem("XW8ZZZ1Z5PG000001"))
        self.assertEqual(normalize_vin(" 1m8gdm9-axkp 042788 "), NA_VIN)


class TestVinOnVehicles(DealerCustomerCase):
    def test_lower_case_input_is_stored_normalised(self):
        vehicle = self.make_vehicle("1m8gdm9axkp042788")
        self.assertEqual(vehicle.vin, NA_VIN)

    def test_errors_name_the_vin(self):
        cases = {
            "XW8ZZZ1ZZPG00001": "must have 17 characters",
            "XW8ZZZ1ZZPG0000Q1": "must not contain the letters I, O or Q",
            "1M8GDM9A5KP042788": "wrong check digit",
        }
        for vin, message in cases.items():
            with self.subTest(vin=vin), self.assertRaises(ValidationError) as caught:
                self.make_vehicle(vin)
            self.assertIn(vin, str(caught.exception))
            self.assertIn(message, str(caught.exception))

    def test_same_vin_twice_in_one_company_is_refused(self):
        self.make_vehicle("XW8ZZZ1ZZPG000077")
        with self.assertRaises(ValidationError) as caught:
            self.make_vehicle("xw8zzz1zzpg000077")
        self.assertIn("XW8ZZZ1ZZPG000077", str(caught.exception))

    def test_same_vin_allowed_in_two_companies(self):
        other = self.env["res.company"].create({"name": "Second showroom"})
        self.make_vehicle("XW8ZZZ1ZZPG000078")
        twin = (
            self.env["dealer.vehicle"].with_company(other).create({"vin": "XW8ZZZ1ZZPG000078", "company_id": other.id})
        )
        self.assertEqual(twin.company_id, other)
        self.assertEqual(self.env["dealer.vehicle"].sudo().search_count([("vin", "=", "XW8ZZZ1ZZPG000078")]), 2)
