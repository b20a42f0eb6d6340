from datetime import date

from odoo.tests import freeze_time, new_test_user
from odoo.tools import SQL

from .common import DealerLoyaltyCase


@freeze_time("2026-06-30")
class TestRiskSignals(DealerLoyaltyCase):
    """One test per risk point, each with a customer who has it and one who just misses it."""

    def _signals(self, partner, code):
        self._refresh()
        return partner.risk_signal_ids.filtered(lambda s: s.code == code)

    def test_warranty_ending(self):
        hit, miss = self._customer("Warranty soon"), self._customer("Warranty later")
        car = self._vehicle(hit, warranty_end=date(2026, 7, 23))
        self._vehicle(miss, warranty_end=date(2026, 10, 28))
        signal = self._signals(hit, "warranty_end")
        self.assertEqual(signal.label, "warranty ends in 23 days: +20")
        self.assertEqual((signal.vehicle_id, signal.reference), (car, car))
        self.assertFalse(self._signals(miss, "warranty_end"))

    def test_repeat_repair(self):
        hit, miss = self._customer("Back again"), self._customer("Repairs far apart")
        car = self._vehicle(hit)
        self._visit(car, date(2026, 5, 1), kind="repair", amount=5000)
        second = self._visit(car, date(2026, 6, 10), kind="repair", amount=5000)
        other = self._vehicle(miss)
        self._visit(other, date(2026, 1, 1), kind="repair", amount=5000)
        self._visit(other, date(2026, 6, 1), kind="repair", amount=5000)
        signal = self._signals(hit, "repeat_repair")
        self.assertEqual((signal.value_days, signal.reference, signal.contribution), (40, second, 25))
        self.assertFalse(self._signals(miss, "repeat_repair"))

    def test_a_repair_in_another_showroom_is_no_repeat_here(self):
        """A shared car repaired in two showrooms: each showroom's repairs are its own."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        customer = self._customer("Two showrooms")
        customer.company_id = False
        car = self._vehicle(customer)
        car.company_id = False
        self._visit(car, date(2026, 5, 1), kind="repair", amount=5000, company_id=other.id)
        self._visit(car, date(2026, 6, 10), kind="repair", amount=5000, company_id=self.env.company.id)
        self.assertFalse(self._signals(customer, "repeat_repair"))

    def test_low_satisfaction(self):
        hit, miss = self._customer("Unhappy"), self._customer("Happy")
        # 0–10, as the satisfaction survey asks: 6 or lower is a detractor, 7 a passive
        visit = self._visit(self._vehicle(hit), date(2026, 6, 1), satisfaction_score="6")
        self._visit(self._vehicle(miss), date(2026, 6, 1), satisfaction_score="7")
        signal = self._signals(hit, "low_satisfaction")
        self.assertEqual((signal.evidence, signal.reference), ("rated us 6 of 10", visit))
        self.assertFalse(self._signals(miss, "low_satisfaction"))

    def test_frequent_warranty(self):
        hit, miss = self._customer("Lemon"), self._customer("Two warranty cases")
        car, other = self._vehicle(hit), self._vehicle(miss)
        for day in (date(2025, 9, 1), date(2026, 1, 1), date(2026, 5, 1)):
            self._visit(car, day, kind="warranty")
        for day in (date(2026, 1, 1), date(2026, 5, 1)):
            self._visit(other, day, kind="warranty")
        signal = self._signals(hit, "frequent_warranty")
        self.assertEqual(signal.evidence, "3 warranty visits")
        self.assertFalse(self._signals(miss, "frequent_warranty"))

    def test_expensive_body_repair(self):
        hit, miss = self._customer("Crashed"), self._customer("Scratched")
        self._visit(self._vehicle(hit), date(2026, 4, 1), kind="body", amount=150000)
        self._visit(self._vehicle(miss), date(2026, 4, 1), kind="body", amount=50000)
        self.assertEqual(self._signals(hit, "expensive_body").value_amount, 150000)
        self.assertFalse(self._signals(miss, "expensive_body"))

    def test_expensive_repair_after_warranty(self):
        hit, miss = self._customer("Out of warranty"), self._customer("Still covered")
        self._visit(self._vehicle(hit, warranty_end=date(2026, 1, 1)), date(2026, 3, 1), kind="repair", amount=60000)
        self._visit(self._vehicle(miss, warranty_end=date(2026, 1, 1)), date(2025, 12, 1), kind="repair", amount=60000)
        self.assertEqual(self._signals(hit, "expensive_repair_after_warranty").contribution, 20)
        self.assertFalse(self._signals(miss, "expensive_repair_after_warranty"))

    def test_car_aged_four_to_five_years(self):
        hit, by_year, miss = self._customer("Four years"), self._customer("Model 2021"), self._customer("Young car")
        self._vehicle(hit, delivery_date=date(2022, 6, 1))
        self._vehicle(by_year, model_year=2021)
        self._vehicle(miss, delivery_date=date(2024, 1, 1))
        self.assertEqual(self._signals(hit, "car_age").evidence, "car is 4 years old")
        self.assertEqual(self._signals(by_year, "car_age").value_count, 5)
        self.assertFalse(self._signals(miss, "car_age"))

    def test_trade_in_valuation_asked(self):
        hit, miss = self._customer("Wants to swap"), self._customer("Just browsing")
        lead = self.env["crm.lead"].create({"name": "Trade-in", "partner_id": hit.id, "dealer_interest": "trade_in"})
        self.env["crm.lead"].create({"name": "New car", "partner_id": miss.id, "dealer_interest": "new_car"})
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE crm_lead SET create_date = '2026-06-20 09:00' WHERE partner_id IN %s", (hit.id, miss.id))
        )
        signal = self._signals(hit, "trade_in_asked")
        self.assertEqual((signal.reference, signal.contribution), (lead, 30))
        self.assertFalse(self._signals(miss, "trade_in_asked"))

    def test_overdue_against_own_interval(self):
        hit, miss = self._customer("Every 3 months, now late"), self._customer("On schedule")
        car = self._vehicle(hit)
        for day in (date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)):
            self._visit(car, day)
        other = self._vehicle(miss)
        for day in (date(2026, 3, 1), date(2026, 6, 1)):
            self._visit(other, day)
        signal = self._signals(hit, "service_overdue")
        # gaps 90 and 91 days -> own interval 91 (rounded); 364 days since the last -> 273 late
        self.assertEqual(signal.evidence, "maintenance overdue by 273 days (own interval 91 days)")
        self.assertFalse(self._signals(miss, "service_overdue"))

    def test_score_is_sum_of_named_contributions(self):
        partner = self._customer("Two signals")
        car = self._vehicle(partner, warranty_end=date(2026, 7, 10))
        self._visit(car, date(2026, 6, 1), satisfaction_score="1")
        self._refresh()
        self.assertEqual(partner.risk_score, 45)
        self.assertEqual(partner.risk_level, "medium")
        self.assertEqual(
            sorted(partner.risk_signal_ids.mapped("label")),
            ["rated us 1 of 10: +25", "warranty ends in 10 days: +20"],
        )
        self.env.ref("dealer_loyalty.risk_rule_low_satisfaction").weight = 50
        self._refresh()
        self.assertEqual((partner.risk_score, partner.risk_level), (70, "high"))
        self.env.ref("dealer_loyalty.risk_rule_low_satisfaction").active = False
        self._refresh()
        self.assertEqual((partner.risk_score, partner.risk_level), (20, "low"))

    def test_call_centre_reads_signals_without_amounts(self):
        partner = self._customer("Crashed, seen by call centre")
        self._visit(self._vehicle(partner), date(2026, 4, 1), kind="body", amount=150000)
        self._refresh()
        operator = new_test_user(self.env, login="risk_call_center", groups="dealer_crm.group_call_center")
        signal = partner.with_user(operator).risk_signal_ids.filtered(lambda s: s.code == "expensive_body")
        self.assertEqual(signal.label, "expensive body repair: +15")
