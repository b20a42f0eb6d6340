"""Service-booking endpoints of the integration API (API.md); thin wrappers on dealer_crm's framework."""

from odoo import http
from odoo.addons.dealer_crm.controllers.api import ApiConflict, handle, json_route

from ..models.crm_lead import ServiceBookingDone, ServiceSlotRefused


def _book(env, payload):
    """A booking at a time the workshop has no room for is a conflict (409) naming ``planned_at``."""
    try:
        return env["crm.lead"]._dealer_service_booking_from_api(payload)
    except ServiceSlotRefused as exc:
        raise ApiConflict(exc.field, exc.message) from None


def _cancel(env, external_id, payload):
    """Cancelling a booking whose visit is done (won) is a conflict (409): its revenue stays won."""
    try:
        return env["crm.lead"]._dealer_service_booking_cancel_from_api(external_id, payload)
    except ServiceBookingDone as exc:
        raise ApiConflict(exc.field, exc.message) from None


class DealerServiceApi(http.Controller):
    @json_route("/dealer/api/v1/service-bookings")
    def service_bookings(self, **_form):
        return handle("service-bookings", "external_id", _book)

    @json_route("/dealer/api/v1/service-bookings/<string:external_id>/cancel")
    def service_booking_cancel(self, external_id, **_form):
        return handle(
            "service-bookings-cancel",
            None,
            lambda env, payload: _cancel(env, external_id, payload),
            success_status=200,
        )
