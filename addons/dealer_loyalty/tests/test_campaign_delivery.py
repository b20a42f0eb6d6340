from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged
from odoo.tools.mail import html2plaintext

from .common import DealerCampaignHttpCase


@tagged("post_install", "-at_install")
class TestCampaignDelivery(DealerCampaignHttpCase):
    """Provider outcomes: SMS through Odoo's mocked IAP gateway (Telegram: test_telegram.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": datetime(2026, 12, 31).date()})

    def _sms_campaign(self):
        campaign = self._campaign("warranty", [("sms", -30)], audience_domain=f"[('id', '=', {self.vehicles[0].id})]")
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        return self._dispatches(campaign)

    def _send_sms_queue(self, **mock):
        with self.mockSMSGateway(**mock):
            self.env["sms.sms"].search([("state", "=", "outgoing")]).send(unlink_sent=False)
        self.env["dealer.dispatch"]._cron_sync_delivery()

    def test_sms_delivered(self):
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self._send_sms_queue(force_delivered=True)
        self.assertEqual(row.state, "delivered")
        self.assertSMSIapSent([self.partners[0].phone_sanitized])

    def test_a_batch_of_sms_is_handed_over_together_and_delivered(self):
        """Every car's SMS of one batch: queued together, each customer texted once at their number,
        each car's chatter shows its SMS to its customer, and the providers' outcome reaches every row."""
        campaign = self._campaign("warranty", [("sms", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        rows = self._dispatches(campaign)
        queue = self.env.ref("sms.ir_cron_sms_scheduler_action")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", queue.id)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(set(rows.mapped("state")), {"sent"})
        self.assertEqual(Trigger.search_count([("cron_id", "=", queue.id)]), before + 1, "the SMS queue started once")
        for row in rows:
            message = row.mail_message_id
            self.assertEqual((message.model, message.res_id), ("dealer.vehicle", row.vehicle_id.id))
            self.assertEqual(message.message_type, "sms")
            self.assertEqual(message.partner_ids, row.partner_id, "addressed to the car's customer")
            text = f"Car {row.vehicle_id.plate}: book now"  # addons may add a line after it (a booking link)
            self.assertTrue(html2plaintext(message.body).startswith(text), message.body)
            self.assertEqual(row.sms_id.number, row.partner_id.phone_sanitized)
            self.assertTrue(row.sms_id.body.startswith(text), row.sms_id.body)
            self.assertIn(message, row.vehicle_id.message_ids, "in the car's chatter")
        self._send_sms_queue(force_delivered=True)
        self.assertEqual(set(rows.mapped("state")), {"delivered"})
        self.assertSMSIapSent(self.partners.mapped("phone_sanitized"))
        self.assertEqual(
            set(rows.mail_message_id.notification_ids.mapped("notification_status")), {"sent"}, "chatter shows it"
        )

    def test_sms_provider_error_retries_with_backoff(self):
        """An account or credit problem at the provider: nothing was sent, the row is tried again later."""
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
            self._send_sms_queue(sim_error="credit")
        self.assertEqual(row.state, "queued", "no credit is transient")
        self.assertEqual(row.attempts, 1)
        self.assertTrue(row.next_retry_at)
        with freeze_time(row.next_retry_at):
            self._run_cron()
        self.assertEqual(row.state, "sent")
        self.assertEqual(row.attempts, 2)
        self._send_sms_queue(force_delivered=True)
        self.assertEqual(row.state, "delivered")
        self.assertSMSIapSent([self.partners[0].phone_sanitized])

    def test_an_sms_the_provider_may_have_sent_is_not_sent_again(self):
        """Odoo reports any error of the provider's call as a server error, a timeout after the provider took the
        text too: the customer may have it already, so the row fails for a person to check, and is not retried."""
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
            self._send_sms_queue(sim_error="server_error")
        self.assertEqual(row.state, "failed")
        with freeze_time("2026-12-01 12:00:00"):
            self._run_cron()
        self.assertEqual((row.state, row.attempts), ("failed", 1))
        self.assertEqual(self.env["sms.sms"].search_count([("partner_id", "=", self.partners[0].id)]), 1)

    def test_a_marketer_sends_a_failed_message_again_once(self):
        """After the provider's trouble, the marketer sends the failed SMS again from the log: a new SMS leaves
        with the checks of a first send, the failed one can no longer be resent from the chatter, and a row
        that did not fail is not sent again."""
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
            failed_sms, first = row.sms_id, row.mail_message_id
            self._send_sms_queue(sim_error="server_error")
        self.assertEqual(row.state, "failed")
        with self.assertRaises(UserError):
            row.with_user(self.fi_user).action_dealer_send_again()
        with freeze_time("2026-12-01 11:00:00"):
            row.with_user(self.marketer).action_dealer_send_again()
            self.assertEqual(row.state, "queued")
            self.assertEqual(failed_sms.state, "canceled")
            self.assertFalse(first.has_error, "no failure left to resend in the chatter")
            self._run_cron()
        self.assertEqual(row.state, "sent")
        self.assertEqual(self.env["sms.sms"].search_count([("partner_id", "=", self.partners[0].id)]), 2)
        with self.assertRaisesRegex(UserError, "Only failed"):
            row.with_user(self.marketer).action_dealer_send_again()

    def test_a_service_message_replaced_since_it_failed_is_not_sent_again(self):
        """ "Booked for 10:00" failed, then the booking was moved and "moved to 12:00" went out: sending the first
        again would tell the customer a time that no longer holds. It is not sent; a failed one still current is."""
        customer = self.partners[0]
        Dispatch = self.env["dealer.dispatch"].sudo()

        def notice(body):
            return Dispatch._queue_messages(
                [
                    {
                        "partner_id": customer.id,
                        "company_id": self.company.id,
                        "channel": "sms",
                        "occurrence_date": datetime(2026, 12, 1).date(),
                        "scheduled_at": datetime(2026, 12, 1, 10, 0),
                        "res_model": "res.partner",
                        "res_id": customer.id,
                        "body": body,
                        "transactional": True,
                    }
                ]
            )

        booked = notice("Your visit is booked for 10:00.")
        booked.write({"state": "failed"})
        moved = notice("Your visit is moved to 12:00.")
        moved.write({"state": "failed"})
        with self.assertRaisesRegex(UserError, "replaced by later ones"):
            booked.with_user(self.marketer).action_dealer_send_again()
        (booked | moved).with_user(self.marketer).action_dealer_send_again()
        self.assertEqual((booked.state, booked.skip_reason), ("cancelled", "superseded"))
        self.assertEqual(moved.state, "queued", "the message that still holds is sent again")

    def test_a_retried_sms_cannot_be_resent_from_the_chatter(self):
        """The failed SMS of a retried row is cancelled: the retry sends anew, after checking consent again,
        and the chatter offers no *Resend* that would text the customer twice."""
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
            first, failed = row.mail_message_id, row.sms_id
            self._send_sms_queue(sim_error="credit")
        self.assertEqual(row.state, "queued")
        self.assertEqual(first.notification_ids.mapped("notification_status"), ["canceled"])
        self.assertFalse(first.has_error, "no failure to resend in the chatter")
        self.assertEqual(failed.state, "canceled")

    def test_sms_wrong_number_fails_for_good(self):
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self._send_sms_queue(sim_error="wrong_number_format")
        self.assertEqual(row.state, "failed")
        self.assertEqual(row.failure_type, "sms_number_format")

    def test_the_log_says_why_a_message_failed_in_the_readers_language(self):
        """The provider's code (``sms_credit``, ``sms_number_format``) and the sending's own failures are
        shown in the words of the reader's language, as Odoo shows its own delivery failures; the provider's
        own text stays beside them."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["sms", "dealer_loyalty"], ["ru_RU"])
        row = self._sms_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
            self._send_sms_queue(sim_error="credit")
        self.assertEqual((row.state, row.failure_type), ("queued", "sms_credit"), "no credit: retried")

        def shown(row, lang):
            selection = row.with_context(lang=lang).fields_get(["failure_type"])["failure_type"]["selection"]
            return dict(selection)[row.failure_type]

        self.assertEqual(shown(row, "ru_RU"), "Недостаточный кредит")
        self.assertEqual(shown(row, "en_US"), "Insufficient Credit")
        self.assertNotIn("sms_credit", row.last_error or "", "no raw code shown as the error")
        self.assertEqual(row.with_context(lang="ru_RU").fields_get(["failure_type"])["failure_type"]["string"], "Сбой")
        # a failure of the sending itself: a message interrupted while it was being sent
        interrupted = self.env["dealer.dispatch"].browse(row.id)
        interrupted.sudo().write({"state": "sending", "sending_since": datetime(2026, 12, 1, 9, 0)})
        self.env["dealer.dispatch"]._recover_interrupted(datetime(2026, 12, 1, 12, 0))
        self.assertEqual((row.state, row.failure_type), ("failed", "interrupted"))
        self.assertEqual(shown(row, "ru_RU"), "Прервано при отправке")

    def test_results_count_bookings_revenue_roi(self):
        row = self._sms_campaign()
        campaign = row.campaign_id
        campaign.budget = 1000.0
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self._send_sms_queue(force_delivered=True)
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicles[0].id,
                "partner_id": self.partners[0].id,
                "date": datetime(2026, 12, 5).date(),
                "state": "done",
                "line_ids": [(0, 0, {"name": "Tyre change", "amount": 3000.0, "status": "done"})],
            }
        )
        self.env["dealer.visit"].create(
            {  # too late to count
                "vehicle_id": self.vehicles[0].id,
                "partner_id": self.partners[0].id,
                "date": datetime(2027, 3, 1).date(),
                "state": "done",
                "line_ids": [(0, 0, {"name": "Repair", "amount": 500.0, "status": "done"})],
            }
        )
        self.env.flush_all()
        campaign.invalidate_recordset()
        self.assertEqual(visit.sudo().revenue, 3000.0)
        self.assertEqual((campaign.sent_count, campaign.delivered_count, campaign.booking_count), (1, 1, 1))
        self.assertEqual(campaign.revenue, 3000.0)
        self.assertAlmostEqual(campaign.roi, 200.0)
        self.assertAlmostEqual(campaign.deliverability, 100.0)
