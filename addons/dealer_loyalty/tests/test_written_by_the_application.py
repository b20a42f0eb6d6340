"""What a person's write over RPC may not do in the loyalty addon: Odoo enforces ``readonly`` in its forms only,
and checks a record rule before a write, not after (a record moved into another showroom would change its
campaigns and figures)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")
class TestWrittenByTheApplication(DealerCampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.south = cls.env["res.company"].create({"name": "Loyalty South"})
        cls.staff = new_test_user(cls.env, login="loyalty_staff", groups="dealer_crm.group_receptionist")

    def test_a_step_is_not_moved_into_another_showrooms_campaign(self):
        ours = self._campaign()
        theirs = self._campaign(company_id=self.south.id, name="South reminders")
        step = ours.step_ids[:1]
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            step.with_user(self.marketer).write({"campaign_id": theirs.id})
        self.assertEqual(step.campaign_id, ours)
        self.assertFalse(theirs.step_ids & step)

    def test_only_who_may_change_a_strategy_applies_it(self):
        strategy = self.env["dealer.retention.strategy"].create({"name": "Win back", "offer": "10% off"})
        with self.assertRaises(AccessError):
            strategy.with_user(self.staff).action_apply()

    def test_a_chain_break_is_not_moved_into_another_showroom(self):
        director = new_test_user(self.env, login="loyalty_director", groups="dealer_crm.group_dealer_manager")
        row = self.env["dealer.loyalty.status.history"].create(
            {
                "partner_id": self.partners[0].id,
                "company_id": self.company.id,
                "date": "2026-11-01",
                "new_status": "sleeping",
            }
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            row.with_user(director).write({"company_id": self.south.id})
        self.assertEqual(row.company_id, self.company)

    def test_the_cards_loyalty_and_risk_figures_are_not_typed_in(self):
        """A status typed in would log a chain break against a role (or hide one) at the nightly run; a cohort,
        risk or RFM row typed in would skew the reports and the campaign audiences."""
        customer = self.partners[0]
        before = customer.read(["loyalty_status", "risk_level", "loyalty_cohort_month"])[0]
        for vals in (
            {"loyalty_status": "active"},
            {"risk_level": "high"},
            {"loyalty_cohort_month": "2020-01-01"},
            {"risk_score": 99},
            {"telegram_optin_date": "2099-01-01 00:00:00"},  # an opt-in link valid for good
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError), self.env.cr.savepoint():
                customer.with_user(self.marketer).write(vals)
        customer.invalidate_recordset()
        self.assertEqual(customer.read(["loyalty_status", "risk_level", "loyalty_cohort_month"])[0], before)
        customer.with_user(self.marketer).write({"comment": "Prefers calls"})  # the card itself stays editable

    def test_a_sent_message_is_not_cancelled_afterwards(self):
        """Cancelling a sent message would take it out of the campaign's figures, hand its visits to another
        message and free the customer's message cap: only a message still waiting is cancelled."""
        campaign = self._campaign()
        common = {
            "campaign_id": campaign.id,
            "partner_id": self.partners[0].id,
            "company_id": self.company.id,
            "channel": "email",
            "scheduled_at": "2026-12-01 06:00:00",
        }
        Dispatch = self.env["dealer.dispatch"].sudo()
        sent = Dispatch.create({**common, "occurrence_date": "2026-12-01", "state": "sent"}).sudo(False)
        waiting = Dispatch.create({**common, "occurrence_date": "2026-12-02"}).sudo(False)
        self.assertEqual(waiting.state, "queued")
        with self.assertRaises(UserError), self.env.cr.savepoint():
            sent.with_user(self.marketer).write({"state": "cancelled", "skip_reason": "stopped"})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            waiting.with_user(self.marketer).write({"skip_reason": "stopped"})
        self.assertEqual(sent.state, "sent")
        waiting.with_user(self.marketer).write({"state": "cancelled", "skip_reason": "stopped"})
        self.assertEqual(waiting.state, "cancelled")

    def test_a_campaigns_audience_and_a_calls_booking_figure_are_worked_out(self):
        """The records a campaign reads follow from its trigger (another broke every campaign's hourly planning);
        a call's "booked" figure follows from its outcome."""
        campaign = self._campaign()
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            campaign.with_user(self.marketer).write({"audience_model": "res.partner"})
        self.assertEqual(campaign.audience_model, "dealer.vehicle")
        call = self.env["dealer.call"].create(
            {"direction": "outbound", "status": "answered", "phone": "+79035550002", "user_id": self.fi_user.id}
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            call.with_user(self.fi_user).write({"booked_percent": 100})
        self.assertFalse(call.booked_percent)
