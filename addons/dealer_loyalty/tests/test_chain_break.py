from datetime import date

from odoo.tests import freeze_time

from .common import DealerLoyaltyCase


@freeze_time("2026-06-30")
class TestChainBreak(DealerLoyaltyCase):
    """A customer who falls asleep is attributed to the stage and role of the broken step."""

    def _break_of(self, partner):
        self._refresh()
        self.assertEqual(partner.loyalty_status, "sleeping")
        breaks = partner.loyalty_history_ids.filtered("is_chain_break")
        self.assertEqual(len(breaks), 1)
        return breaks

    def test_after_delivery_is_the_sales_managers(self):
        buyer = self._customer("Bought and vanished")
        self._purchase(buyer, date(2025, 3, 1), 3000000)
        brk = self._break_of(buyer)
        self.assertEqual((brk.break_stage, brk.break_role), ("after_delivery", "sales_manager"))
        self.assertEqual(brk.revenue_at_risk, 3000000)
        self.assertEqual(brk.last_event_date, date(2025, 3, 1))

    def test_after_maintenance_is_the_service_advisors(self):
        partner = self._customer("Skipped TO-2")
        car = self._vehicle(partner)
        self._visit(car, date(2024, 9, 1), amount=20000)
        self._visit(car, date(2025, 5, 1), amount=30000, maintenance_level="TO-1")
        brk = self._break_of(partner)
        self.assertEqual((brk.break_stage, brk.break_role), ("maintenance", "service_advisor"))
        self.assertEqual(brk.revenue_at_risk, 50000, "revenue of the window before the last visit")

    def test_after_tyre_change_is_the_call_centres(self):
        partner = self._customer("Tyres once")
        self._visit(self._vehicle(partner), date(2025, 4, 15), kind="tyres", amount=8000)
        brk = self._break_of(partner)
        self.assertEqual((brk.break_stage, brk.break_role), ("tyre_change", "call_center"))

    def test_lapsed_insurance_is_the_fi_managers(self):
        partner = self._customer("Policy not renewed")
        car = self._vehicle(partner, insurance_end=date(2025, 8, 1))
        self._visit(car, date(2025, 5, 1), amount=15000)
        brk = self._break_of(partner)
        self.assertEqual((brk.break_stage, brk.break_role), ("insurance_renewal", "fi_manager"))

    def test_report_counts_by_stage_and_role(self):
        for index in range(2):
            self._visit(self._vehicle(self._customer(f"Gone {index}")), date(2025, 1, 10), amount=1000)
        self._visit(self._vehicle(self._customer("Gone tyres")), date(2025, 1, 10), kind="tyres", amount=500)
        self._refresh()
        groups = self.env["dealer.loyalty.status.history"]._read_group(
            [("is_chain_break", "=", True), ("partner_id.name", "like", "Gone")],
            ["break_stage", "break_role"],
            ["__count", "revenue_at_risk:sum"],
        )
        self.assertEqual(
            sorted(groups),
            [
                ("maintenance", "service_advisor", 2, 2000.0),
                ("tyre_change", "call_center", 1, 500.0),
            ],
        )

    def test_ltv_stage_of_dealer_crm_is_recorded(self):
        partner = self._customer("Delivered, never serviced")
        self._purchase(partner, date(2025, 2, 1), 2000000)
        self.assertEqual(partner.dealer_stage, "customer")
        brk = self._break_of(partner)
        self.assertEqual(brk.ltv_stage, "customer")
