from datetime import datetime, timedelta

from odoo.tests import freeze_time

from .common import DealerSalesCase


class TestDealerResponseReport(DealerSalesCase):
    """Web leads answered after 2, 4, 6, 8 and 100 minutes: median 6; p90 (linear, as
    percentile_cont) = 8 + 0.6 × (100 − 8) = 63.2. One phone lead never answered and escalated once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start = datetime(2026, 3, 2, 10, 0)
        with freeze_time(start):
            cls.web = cls.env["crm.lead"]
            for minutes in (2, 4, 6, 8, 100):
                lead = cls._lead(name=f"Web {minutes}", user_id=cls.salesperson_1.id)
                lead._dealer_start_sla()
                lead._dealer_register_contact(start + timedelta(minutes=minutes))
                cls.web |= lead
            cls.phone = cls._lead(name="Phone", user_id=cls.salesperson_1.id, dealer_channel="phone")
            cls.phone._dealer_start_sla()
        with freeze_time(start + timedelta(minutes=20)):
            cls.env["crm.lead"]._cron_dealer_escalate()

    def _row(self, channel):
        return self.env["dealer.lead.response.report"].search(
            [("user_id", "=", self.salesperson_1.id), ("channel", "=", channel)]
        )

    def test_median_and_p90_by_channel_and_person(self):
        row = self._row("web")
        self.assertEqual(len(row), 1)
        self.assertEqual(row.lead_count, 5)
        self.assertEqual(row.answered_count, 5)
        self.assertAlmostEqual(row.median_minutes, 6.0)
        self.assertAlmostEqual(row.p90_minutes, 63.2)
        self.assertEqual(row.late_count, 1, "only the 100-minute answer was past the 15-minute deadline")
        self.assertEqual(row.escalation_count, 0)
        self.assertEqual(row.team_id, self.team)

    def test_unanswered_lead_counts_escalation(self):
        row = self._row("phone")
        self.assertEqual(row.lead_count, 1)
        self.assertEqual(row.answered_count, 0)
        self.assertEqual(row.escalation_count, 1)
        self.assertFalse(row.median_minutes)

    def test_a_salesperson_sees_their_own_figures_the_head_everybodys(self):
        """The report is made of leads: a salesperson who reads only their own leads does not read a colleague's
        counts, late answers and escalations through it; the head of the team reads everybody's."""
        Report = self.env["dealer.lead.response.report"]
        colleague = Report.with_user(self.salesperson_2).search([("user_id", "=", self.salesperson_1.id)])
        self.assertFalse(colleague, "a salesperson reads a colleague's response figures")
        groups = Report.with_user(self.salesperson_2).formatted_read_group([], ["user_id"], ["lead_count:sum"])
        self.assertNotIn(self.salesperson_1.id, [g["user_id"] and g["user_id"][0] for g in groups])
        own = Report.with_user(self.salesperson_1).search([("user_id", "=", self.salesperson_1.id)])
        self.assertEqual(sum(own.mapped("lead_count")), 6)
        head = Report.with_user(self.team_head).search([("user_id", "=", self.salesperson_1.id)])
        self.assertEqual(sum(head.mapped("lead_count")), 6)
