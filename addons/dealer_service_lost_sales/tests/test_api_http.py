from odoo.addons.dealer_crm.tests.api_common import DealerApiCase
from odoo.tests import tagged

URL = "/dealer/api/v1/service-bookings"


def booking(**over):
    body = {
        "external_id": "WEB-77",
        "name": "Irina Web",
        "email": "Irina@Example.com",
        "plate": "M777MM77",
        "planned_at": "2026-06-02T12:00:00+03:00",
        "source": "web",
        "operations": [{"code": "TO1", "name": "TO-1", "amount": 12000}],
    }
    body.update(over)
    return body


@tagged("post_install", "-at_install")
class TestServiceBookingsHttp(DealerApiCase):
    def test_booking_then_replay_then_cancel(self):
        status, body = self.post(URL, booking())
        self.assertEqual(status, 201, body)
        self.assertEqual(body["stage"], "scheduled")
        self.assertEqual(body["expected_revenue"], 12000)
        self.assertFalse(body["replayed"])
        lead = self.env["crm.lead"].browse(body["opportunity_id"])
        self.assertEqual(lead.dealer_kind, "service")
        self.assertEqual(lead.partner_id.email, "irina@example.com")

        status, again = self.post(URL, booking())
        self.assertEqual(status, 200, again)
        self.assertTrue(again["replayed"])
        self.assertEqual(again["opportunity_id"], body["opportunity_id"])

        status, cancel = self.post(f"{URL}/WEB-77/cancel", {"reason": "no_contact", "comment": "No answer"})
        self.assertEqual(status, 200, cancel)
        self.assertEqual(cancel["lost_amount"], 12000)
        event = self.env["dealer.loss.event"].browse(cancel["loss_event_id"])
        self.assertEqual(event.reason_id.dealer_code, "no_contact")
        self.assertEqual(event.kind, "appointment_cancelled")

    def test_bad_input_is_json_400_and_writes_nothing(self):
        counts = self.table_counts("crm.lead", "res.partner", "dealer.vehicle", "dealer.service.line")
        self.assertApiError(self.post(URL, booking(planned_at="tomorrow")), 400, "invalid_input", "planned_at")
        self.assertApiError(
            self.post(URL, booking(operations=[{"name": "X", "amount": "much"}])), 400, "invalid_input", "amount"
        )
        self.assertEqual(counts, self.table_counts("crm.lead", "res.partner", "dealer.vehicle", "dealer.service.line"))

    def test_cancel_unknown_booking_is_404_and_auth_is_checked(self):
        self.assertApiError(self.post(f"{URL}/NOPE/cancel", {"reason": "price"}), 404, "not_found")
        self.assertApiError(self.post(URL, booking(), key="wrong"), 401, "unauthorized")
        self.assertApiError(self.post(URL, booking(), key=self.plain_key), 403, "forbidden")
