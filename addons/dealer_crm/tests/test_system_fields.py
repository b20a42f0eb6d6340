"""What the application measures and proves (a lead's response clock, a consent's origin and date, a call's
answering figures) cannot be set by a person, over the form or over RPC: Odoo checks ``readonly`` in its
forms only."""

from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerSalesCase

T0 = datetime(2026, 3, 2, 10, 0)


@tagged("post_install", "-at_install")
class TestSystemFields(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(cls.env, login="sys_call_centre", groups="dealer_crm.group_call_center")
        cls.customer = cls.env["res.partner"].create({"name": "Pavel Orlov", "phone": "+79165550011"})

    def test_a_salesperson_cannot_mark_a_late_lead_answered_in_time_nor_stop_its_escalation(self):
        lead = self._lead(name="Late caller", user_id=self.salesperson_1.id, partner_id=self.customer.id)
        with freeze_time(T0):
            lead._dealer_register_missed_call()
        self.assertEqual(lead.dealer_sla_state, "running")
        mine = lead.with_user(self.salesperson_1)
        for vals, label in (
            ({"dealer_sla_state": "met"}, "Response"),
            ({"dealer_response_in_policy": 100}, ""),
            ({"dealer_next_escalation_date": False}, "Next escalation"),
            ({"dealer_sla_deadline": T0 + timedelta(days=1)}, ""),
        ):
            with self.assertRaisesRegex(AccessError, label):
                mine.write({"name": "Late caller (called)", **vals})
        self.assertEqual((lead.name, lead.dealer_sla_state), ("Late caller", "running"), "nothing written")
        self.assertTrue(lead.dealer_next_escalation_date)
        mine.write({"name": "Late caller", "dealer_sla_state": "running"})  # sent back as read: passes
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.salesperson_1).create(
                {"name": "Answered at once", "dealer_sla_state": "met", "dealer_response_minutes": 1}
            )
        # a request saying "no clock" in its context is clocked all the same (an administrator's import is not)
        skipped = (
            self.env["crm.lead"]
            .with_user(self.salesperson_1)
            .with_context(dealer_sla_skip=True)
            .create({"name": "Quiet request", "team_id": self.team.id, "dealer_channel": "web"})
        )
        self.assertEqual(skipped.dealer_sla_state, "running")
        # the application still runs the clock for them: a new lead starts it, their call stops it
        fresh = (
            self.env["crm.lead"]
            .with_user(self.salesperson_1)
            .create({"name": "Web request", "team_id": self.team.id, "dealer_channel": "web"})
        )
        self.assertEqual(fresh.dealer_sla_state, "running")
        fresh.with_user(self.salesperson_1)._dealer_register_contact(kind="message")
        self.assertEqual(fresh.dealer_sla_state, "met")

    def test_staff_cannot_forge_where_or_when_a_consent_was_given(self):
        card = self.customer.with_user(self.operator)
        for vals in (
            {"consent_sms": True, "consent_source": "api"},
            {"consent_sms_date": T0},
        ):
            with self.assertRaises(AccessError):
                card.write(vals)
        self.assertFalse(self.customer.consent_sms)
        # a request's context cannot claim the customer's own channel either
        card.with_context(dealer_consent_source="unsubscribe").write({"consent_sms": True})
        self.assertEqual(self.customer.consent_source, "user")
        self.assertTrue(self.customer.consent_sms_date)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.operator).create(
                {"name": "Back-dated", "consent_email": True, "consent_email_date": T0 - timedelta(days=400)}
            )
        # duplicating the card is no forgery: its consent is recorded anew, through whoever duplicates it
        twin = self.customer.with_user(self.salesperson_1).copy({"name": "Pavel Orlov (2)"})
        self.assertEqual((twin.consent_sms, twin.consent_source), (True, "user"))
        # nor through a default of the request's context, which Odoo applies after create is called
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.operator).with_context(default_consent_source="telegram").create(
                {"name": "Said yes to the bot", "consent_telegram": True}
            )

    def test_an_operator_cannot_mark_a_missed_call_called_back(self):
        missed = self.env["dealer.call"].create(
            {
                "partner_id": self.customer.id,
                "direction": "inbound",
                "status": "missed",
                "started_at": T0,
                "user_id": self.operator.id,
            }
        )
        as_operator = missed.with_user(self.operator)
        for vals in ({"callback_minutes": 1.0}, {"answered_in_norm": True}, {"missed_percent": 0.0}):
            with self.assertRaises(AccessError):
                as_operator.write(vals)
        self.assertEqual((missed.callback_minutes, missed.missed_percent), (0.0, 100.0))
        as_operator.write({"note": "Number busy, will call again"})  # the call's own notes stay theirs
