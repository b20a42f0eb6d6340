from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user

from .common import DealerLoyaltyCase


class TestLoyaltyStatus(DealerLoyaltyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(cls.env, login="status_marketer", groups="dealer_crm.group_marketer")

        def customer(name, *days, kind="maintenance"):
            partner = cls._customer(name)
            car = cls._vehicle(partner)
            for day in days:
                cls._visit(car, day, kind=kind, amount=1000)
            return partner

        cls.new = customer("New one", date(2026, 5, 1))
        cls.loyal = customer(
            "Loyal one", date(2024, 1, 10), date(2024, 12, 1), date(2025, 6, 1), date(2025, 12, 1), date(2026, 3, 1)
        )
        cls.returned = customer("Came back", date(2024, 1, 15), date(2025, 9, 1))
        cls.sleeper = customer("Sleeper", date(2025, 1, 1))
        cls.active = customer("Active one", date(2025, 9, 1), date(2026, 1, 10))

    def _status(self):
        return {p.name: p.loyalty_status for p in (self.new | self.loyal | self.returned | self.sleeper | self.active)}

    def test_statuses_from_history(self):
        with freeze_time("2026-06-30"):
            self._refresh()
        self.assertEqual(
            self._status(),
            {
                "New one": "new",
                "Loyal one": "loyal",
                "Came back": "returned",
                "Sleeper": "sleeping",
                "Active one": "active",
            },
        )

    def test_transitions_are_logged(self):
        with freeze_time("2025-06-30"):
            self._refresh(date(2025, 6, 30))
        self.assertEqual(self.sleeper.loyalty_status, "new")
        self.assertEqual(self.returned.loyalty_status, "sleeping")
        with freeze_time("2026-06-30"):
            self._refresh()
        history = self.env["dealer.loyalty.status.history"].search([("partner_id", "=", self.returned.id)])
        self.assertEqual(
            history.mapped(lambda h: (h.date, h.old_status, h.new_status)),
            [
                (date(2026, 6, 30), "sleeping", "returned"),
                (date(2025, 6, 30), False, "sleeping"),
            ],
        )
        fell_asleep = self.sleeper.loyalty_history_ids[0]
        self.assertEqual((fell_asleep.old_status, fell_asleep.new_status), ("new", "sleeping"))
        self.assertTrue(fell_asleep.is_chain_break)
        self.assertEqual(self.sleeper.loyalty_status_date, date(2026, 6, 30))
        # a second run the same day changes nothing
        with freeze_time("2026-06-30"):
            self._refresh()
        self.assertEqual(len(self.returned.loyalty_history_ids), 2)

    def test_block_by_hand(self):
        with freeze_time("2026-06-30"):
            self._refresh()
            self.loyal.with_user(self.marketer).action_loyalty_block()
            self.assertEqual(self.loyal.loyalty_status, "blocked")
            self._refresh()
            self.assertEqual(self.loyal.loyalty_status, "blocked", "the daily run keeps a manual block")
            self.loyal.with_user(self.marketer).action_loyalty_unblock()
        self.assertEqual(self.loyal.loyalty_status, "loyal")
        self.assertEqual(self.loyal.loyalty_history_ids.mapped("new_status")[:2], ["loyal", "blocked"])

    def test_only_marketers_block(self):
        clerk = new_test_user(self.env, login="status_call_center", groups="dealer_crm.group_call_center")
        with self.assertRaises(AccessError):
            self.loyal.with_user(clerk).action_loyalty_block()
        with self.assertRaises(AccessError):
            self.loyal.with_user(clerk).action_recompute_loyalty()
        # nor around the button, by writing the card (nor its retention strategy's offer or control group)
        for vals in ({"loyalty_blocked": True}, {"retention_offer": "50% off"}, {"retention_control": True}):
            with self.assertRaises(AccessError):
                self.loyal.with_user(clerk).write(vals)
        self.assertFalse(self.loyal.loyalty_blocked)

    def test_a_marketer_blocks_only_customers_of_their_showroom(self):
        showroom_b = self.env["res.company"].create({"name": "Showroom B (block test)"})
        customer_b = self.env["res.partner"].create({"name": "B customer", "company_id": showroom_b.id})
        marketer_a = new_test_user(
            self.env,
            login="status_marketer_a",
            groups="dealer_crm.group_marketer",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        for action in ("action_loyalty_block", "action_loyalty_unblock"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(customer_b.with_user(marketer_a), action)()
        self.assertFalse(customer_b.loyalty_blocked)
        self.loyal.with_user(marketer_a).action_loyalty_block()
        self.assertTrue(self.loyal.loyalty_blocked, "a customer of their own showroom still can be blocked")


@freeze_time("2026-06-30")
class TestCohortRetention(DealerLoyaltyCase):
    def test_retention_by_cohort(self):
        def customer(name, *days):
            car = self._vehicle(self._customer(name))
            for day in days:
                self._visit(car, day, amount=500)
            return car.partner_id

        # cohort 2024-11: back within 12 months, never back, back only after 14 months, back twice
        customer("C1", date(2024, 11, 5), date(2025, 6, 1))
        customer("C2", date(2024, 11, 20))
        customer("C3", date(2024, 11, 10), date(2026, 1, 15))
        customer("C4", date(2024, 11, 28), date(2025, 1, 10), date(2025, 3, 1))
        # cohort 2026-03: too young to measure, except the one who already came back
        customer("Y1", date(2026, 3, 3))
        young = customer("Y2", date(2026, 3, 10), date(2026, 4, 10))
        self._refresh()
        self.assertTrue(young.loyalty_retained_12m)
        Report = self.env["dealer.loyalty.cohort.report"]
        [(size, measured, retained, rate)] = Report._read_group(
            [("cohort_month", "=", "2024-11-01")],
            [],
            ["customer_count:sum", "mature_count:sum", "retained_count:sum", "retention_rate:avg"],
        )
        self.assertEqual((size, measured, retained), (4, 4, 2))
        self.assertAlmostEqual(rate, 50.0)
        [(size, measured, retained, rate)] = Report._read_group(
            [("cohort_month", "=", "2026-03-01")],
            [],
            ["customer_count:sum", "mature_count:sum", "retained_count:sum", "retention_rate:avg"],
        )
        self.assertEqual((size, measured, retained), (2, 1, 1))
        self.assertAlmostEqual(rate, 100.0, msg="customers still in their first year are not counted as lost")


@freeze_time("2026-06-30")
class TestRecomputeButton(DealerLoyaltyCase):
    def test_marketer_button_recomputes_everything(self):
        partner = self._customer("Fresh customer")
        self._visit(self._vehicle(partner, warranty_end=date(2026, 7, 20)), date(2026, 6, 1), amount=5000)
        marketer = new_test_user(self.env, login="status_marketer_button", groups="dealer_crm.group_marketer")
        self.env["dealer.segment"].with_user(marketer).action_recompute_loyalty()
        self.assertEqual(partner.loyalty_status, "new")
        self.assertTrue(partner.segment_id)
        self.assertEqual(partner.risk_score, 20)
