from datetime import date

from odoo.exceptions import AccessError, ValidationError

from .common import ServiceLostSalesCase


class TestCustomerIssues(ServiceLostSalesCase):
    def issue(self, day, category="brakes", vehicle=None):
        return self.env["dealer.customer.issue"].create(
            {
                "name": "Brakes squeal",
                "partner_id": self.customer.id,
                "vehicle_id": (vehicle or self.vehicle).id,
                "category": category,
                "date": day,
            }
        )

    def test_repeat_repair_within_the_window(self):
        first = self.issue(date(2026, 1, 10))
        self.assertFalse(first.is_repeat_repair)
        second = self.issue(date(2026, 3, 1))
        self.assertTrue(second.is_repeat_repair)
        self.assertEqual(second.repeat_count, 1)
        third = self.issue(date(2026, 3, 20))
        self.assertEqual(third.repeat_count, 2)

    def test_the_repeat_count_is_not_typed_away(self):
        """A repeat repair is a churn signal the application counts: staff cannot clear it over RPC; an issue dated
        in the year 9999 is refused naming the date instead of failing to save."""
        self.issue(date(2026, 1, 10))
        second = self.issue(date(2026, 3, 1))
        with self.assertRaisesRegex(AccessError, "Repeat repair"):
            second.with_user(self.advisor).write({"is_repeat_repair": False, "repeat_count": 0})
        self.assertEqual((second.is_repeat_repair, second.repeat_count), (True, 1))
        with self.assertRaisesRegex(ValidationError, "Date must be between the years"), self.env.cr.savepoint():
            self.issue(date(9999, 12, 31))

    def test_no_repeat_outside_window_or_other_category(self):
        self.issue(date(2025, 1, 10))
        self.assertFalse(self.issue(date(2025, 6, 1)).is_repeat_repair, "more than 90 days later")
        self.assertFalse(self.issue(date(2025, 6, 5), category="electrical").is_repeat_repair)
        other = self.env["dealer.vehicle"].create({"plate": "Z001ZZ77", "partner_id": self.customer.id})
        self.assertFalse(self.issue(date(2025, 6, 6), vehicle=other).is_repeat_repair)

    def test_another_showrooms_issues_on_a_shared_car_are_not_a_repeat_here(self):
        """A car and customer of no showroom: the issues another showroom had on the car are its own; they are
        neither counted nor told to this showroom through the repeat count."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        self.customer.company_id = self.vehicle.company_id = False
        theirs = self.issue(date(2026, 1, 10))
        theirs.company_id = other
        ours = self.issue(date(2026, 2, 1))
        self.assertEqual((ours.is_repeat_repair, ours.repeat_count), (False, 0))
        again = self.issue(date(2026, 2, 20))
        self.assertEqual((again.is_repeat_repair, again.repeat_count), (True, 1))
        # moved to the other showroom, an issue is counted there: after its January issue
        ours.company_id = other
        self.assertEqual((ours.is_repeat_repair, ours.repeat_count), (True, 1))

    def test_correcting_or_deleting_an_earlier_issue_recounts_the_later_ones(self):
        """An issue entered on the wrong car, or deleted, no longer makes the car's later complaint a repeat
        repair; one entered late (back-dated) makes it one."""
        first = self.issue(date(2026, 1, 10))
        second = self.issue(date(2026, 2, 1))
        self.assertEqual((second.is_repeat_repair, second.repeat_count), (True, 1))
        other = self.env["dealer.vehicle"].create({"plate": "Z002ZZ77", "partner_id": self.customer.id})
        first.vehicle_id = other
        self.assertEqual((second.is_repeat_repair, second.repeat_count), (False, 0))
        first.vehicle_id = self.vehicle
        self.assertEqual(second.repeat_count, 1)
        first.category = "noise"
        self.assertEqual(second.repeat_count, 0)
        late = self.issue(date(2026, 1, 20))  # typed in after the February one
        self.assertEqual((late.repeat_count, second.repeat_count), (0, 1))
        late.unlink()
        self.assertEqual((second.is_repeat_repair, second.repeat_count), (False, 0))
        second.vehicle_id = False
        self.issue(date(2026, 1, 25))
        self.assertEqual(second.repeat_count, 0, "an issue without a car repeats nothing")

    def test_window_is_configurable(self):
        self.env["ir.config_parameter"].sudo().set_param("dealer_service_lost_sales.repeat_repair_days", "200")
        self.issue(date(2025, 1, 10))
        self.assertTrue(self.issue(date(2025, 6, 1)).is_repeat_repair)

    def test_open_issues_on_the_customer_card(self):
        first = self.issue(date(2026, 1, 10))
        self.issue(date(2026, 2, 10), category="noise")
        self.assertEqual(self.customer.dealer_open_issue_count, 2)
        first.action_solve()
        self.customer.invalidate_recordset(["dealer_open_issue_count"])
        self.assertEqual(self.customer.dealer_open_issue_count, 1)
        action = self.customer.action_dealer_view_issues()
        self.assertEqual(action["domain"], [("partner_id", "=", self.customer.id)])
