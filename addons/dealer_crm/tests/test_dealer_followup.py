from datetime import date, datetime

from odoo.tests import freeze_time
from odoo.tools import SQL

from .common import DealerSalesCase

AFTER_DELIVERY = "Follow-up call: the day after delivery"
THREE_MONTHS = "Follow-up call: three months after delivery"
RENEWAL = "Insurance renewal call: the policy ends in a week"
SIX_MONTHS = "Follow-up call: every six months"


class TestDealerFollowup(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.dealer_fi_user_id = cls.fi_manager
        cls.customer = cls.env["res.partner"].create(
            {"name": "Anna", "phone": "+79001112233", "user_id": cls.salesperson_2.id}
        )
        cls.car = cls._vehicle(
            plate="F001FF77",
            state="customer",
            partner_id=cls.customer.id,
            delivery_date=date(2026, 3, 2),
            insurance_end=date(2027, 3, 2),
        )
        cls.deal = cls._lead(
            name="Sold the Alpha", user_id=cls.salesperson_1.id, partner_id=cls.customer.id, vehicle_id=cls.car.id
        )
        # Won in the past without replaying the whole sales process (which delivers the car today).
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL("UPDATE crm_lead SET won_status = 'won', date_closed = '2026-03-02' WHERE id = %s", cls.deal.id)
        )
        cls.deal.invalidate_recordset(["won_status", "date_closed"])

    def _run_time_rules(self, when, last_run):
        """Run the shipped time-based rules as Odoo's automation cron does, at ``when``.

        Only our rules: the real cron also runs every other module's rules and commits.
        """
        rules = (
            self.env.ref("dealer_crm.dealer_followup_after_delivery")
            | self.env.ref("dealer_crm.dealer_followup_three_months")
            | self.env.ref("dealer_crm.dealer_followup_insurance_renewal")
        )
        rules.write({"last_run": last_run})
        with freeze_time(when):
            for rule in rules.with_context(__action_done={}):
                rule._process(rule._search_time_based_automation_records(until=when))

    def _followups(self, user, summary):
        return self.activities_of(user, self.car).filtered(lambda a: a.summary == summary)

    def test_call_the_day_after_delivery_for_the_salesperson_of_the_deal(self):
        self._run_time_rules(datetime(2026, 3, 2, 18, 0), datetime(2026, 3, 1, 0, 0))
        self.assertFalse(self._followups(self.salesperson_1, AFTER_DELIVERY), "not on the delivery day")
        self._run_time_rules(datetime(2026, 3, 3, 7, 0), datetime(2026, 3, 2, 18, 0))
        calls = self._followups(self.salesperson_1, AFTER_DELIVERY)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls.date_deadline, date(2026, 3, 3))
        self.assertEqual(calls.activity_type_id, self.env.ref("mail.mail_activity_data_call"))

    def test_call_three_months_after_delivery(self):
        self._run_time_rules(datetime(2026, 6, 1, 7, 0), datetime(2026, 5, 31, 7, 0))
        self.assertFalse(self._followups(self.salesperson_1, THREE_MONTHS))
        self._run_time_rules(datetime(2026, 6, 2, 7, 0), datetime(2026, 6, 1, 7, 0))
        self.assertEqual(len(self._followups(self.salesperson_1, THREE_MONTHS)), 1)

    def test_insurance_renewal_call_a_week_before_for_the_fi_manager(self):
        self._run_time_rules(datetime(2027, 2, 22, 7, 0), datetime(2027, 2, 21, 7, 0))
        self.assertFalse(self._followups(self.fi_manager, RENEWAL), "eight days before: not yet")
        self._run_time_rules(datetime(2027, 2, 23, 7, 0), datetime(2027, 2, 22, 7, 0))
        renewal = self._followups(self.fi_manager, RENEWAL)
        self.assertEqual(len(renewal), 1)
        self.assertEqual(renewal.date_deadline, date(2027, 2, 23))

    def test_every_six_months_after_the_three_month_call(self):
        vehicle = self.env["dealer.vehicle"]
        for day in ("2026-11-30", "2026-12-01", "2026-12-03"):
            with freeze_time(day):
                vehicle._cron_dealer_periodic_followup("sales_manager", 9, 6, SIX_MONTHS)
        self.assertFalse(self._followups(self.salesperson_1, SIX_MONTHS), "only on the 9-month day")
        with freeze_time("2026-12-02"):
            vehicle._cron_dealer_periodic_followup("sales_manager", 9, 6, SIX_MONTHS)
            vehicle._cron_dealer_periodic_followup("sales_manager", 9, 6, SIX_MONTHS)
        first = self._followups(self.salesperson_1, SIX_MONTHS)
        self.assertEqual(len(first), 1, "never doubled while the call is open")
        first.action_feedback()
        with freeze_time("2027-03-02"):
            vehicle._cron_dealer_periodic_followup("sales_manager", 9, 6, SIX_MONTHS)
        self.assertFalse(self._followups(self.salesperson_1, SIX_MONTHS), "12 months: not a 6-month step")
        with freeze_time("2027-06-02"):
            vehicle._cron_dealer_periodic_followup("sales_manager", 9, 6, SIX_MONTHS)
        self.assertEqual(len(self._followups(self.salesperson_1, SIX_MONTHS)), 1, "15 months")

    def test_customer_salesperson_when_no_won_deal(self):
        other = self._vehicle(plate="F002FF77", state="customer", partner_id=self.customer.id)
        with freeze_time("2026-05-10"):
            activities = other._dealer_schedule_role_activity("sales_manager", days=2, summary="Check-in")
        self.assertEqual(activities.user_id, self.salesperson_2)
        self.assertEqual(activities.date_deadline, date(2026, 5, 12))
