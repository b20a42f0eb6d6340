"""The customer's booking from a reminder link in a real browser: book a TO-2, move it, cancel it with a reason."""

from odoo.tests import tagged

from .test_booking_page import BookingPageCase


@tagged("post_install", "-at_install", "dealer_slow")
class TestBookingTour(BookingPageCase):
    """The page offers the next free times of the bay (working days, 08:00-17:00 UTC), whatever day the test runs."""

    def _check(self, lang):
        self.env["res.lang"]._activate_lang(lang)
        self.customer.lang = lang
        campaign, dispatch = self._reminder()
        self.start_tour(dispatch._dealer_booking_url(), "dealer_workshop_booking_tour", login=None)
        lead = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("vehicle_id", "=", self.car.id), ("dealer_interest", "=", "service")])
        )
        self.assertEqual(len(lead), 1)
        self.assertEqual((lead.service_source, lead.dealer_dispatch_id), ("portal", dispatch))
        self.assertEqual(lead.campaign_id, campaign.utm_campaign_id)
        self.assertEqual(lead.dealer_enrolment_id, dispatch.enrolment_id)
        self.assertEqual(lead.service_line_ids.product_id, self.to2)
        self.assertTrue(
            lead.message_ids.filtered(
                lambda message: "moved" in (message.body or "") or "перенес" in (message.body or "")
            ),
            "the booking was moved",
        )
        self.assertFalse(lead.active, "then cancelled")
        competitor = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
        event = lead.loss_event_ids
        self.assertEqual((event.kind, event.reason_id), ("appointment_cancelled", competitor))
        self.assertIn("Cheaper next door", event.note)
        kinds = [row.kind for row in self.env["dealer.loss.event"].search([("reason_id", "=", competitor.id)])]
        self.assertIn("appointment_cancelled", kinds, "the cancellation is in the lost-revenue ledger")

    def test_booking_tour_english(self):
        self._check("en_US")

    def test_booking_tour_russian(self):
        self._check("ru_RU")
