"""A salesperson's chatter message that goes to the customer's Telegram is a first contact.

The customer follows their deal and talks with the dealership in Telegram: the message goes to
Telegram instead of the e-mail, and it stops the deal's response clock; a customer who refused
Telegram messages receives nothing, so the clock keeps running.
"""

from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")  # the chatter's message with every addon's overrides
class TestResponseClockTelegram(DealerCampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(cls.env, login="clock_tg_sales", groups="dealer_crm.group_sales_manager")

    def _deal_followed_by(self, customer):
        deal = (
            self.env["crm.lead"]
            .with_context(dealer_sla_skip=True)
            .create(
                {
                    "name": f"Sedan for {customer.name}",
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": self.salesperson.id,
                    "company_id": self.company.id,
                }
            )
        )
        deal.message_subscribe(customer.ids, subtype_ids=[self.env.ref("mail.mt_comment").id])
        return deal

    def _send_message(self, deal, body):
        """The chatter's Send message as the salesperson (mail's controller posts in sudo as the user)."""
        return (
            deal.with_user(self.salesperson)
            .sudo()
            .message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_comment")
        )

    def test_message_to_the_customers_telegram_stops_the_clock(self):
        customer = self.partners[0]
        deal = self._deal_followed_by(customer)
        with freeze_time("2026-12-01 10:00:00"):
            deal._dealer_start_response_clock(minutes=15)
        with freeze_time("2026-12-01 10:06:00"):
            message = self._send_message(deal, "<p>Your test drive is booked for Saturday</p>")
        row = self.env["dealer.dispatch"].search([("reply_message_id", "=", message.id)])
        self.assertEqual((row.partner_id, row.state), (customer, "queued"), "the message goes to Telegram")
        self.assertNotIn(customer, message.notification_ids.res_partner_id, "instead of the e-mail")
        self.assertEqual(deal.dealer_sla_state, "met")
        self.assertAlmostEqual(deal.dealer_response_minutes, 6.0)

    def test_message_that_telegram_refused_leaves_the_clock_running(self):
        customer = self.partners[1]
        self._set_consent(customer, "telegram", False)
        deal = self._deal_followed_by(customer)
        with freeze_time("2026-12-01 10:00:00"):
            deal._dealer_start_response_clock(minutes=15)
        with freeze_time("2026-12-01 10:06:00"):
            message = self._send_message(deal, "<p>Your test drive is booked for Saturday</p>")
        row = self.env["dealer.dispatch"].search([("reply_message_id", "=", message.id)])
        self.assertEqual(row.state, "skipped", "no consent to Telegram messages")
        self.assertEqual(deal.dealer_sla_state, "running", "the customer received nothing")
