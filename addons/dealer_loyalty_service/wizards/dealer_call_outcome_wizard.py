from odoo import models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.exceptions import AccessError, UserError

from ..models.dealer_campaign_enrolment import BOOKING_GROUPS


class DealerCallOutcomeWizard(models.TransientModel):
    _inherit = "dealer.call.outcome.wizard"

    def _dealer_booking(self):
        """A "booked" call with no booking picked books the visit itself, as *Book a visit* does.

        A campaign's call task books through its reminder (source "reminder", the campaign's UTM
        campaign, the reminder's remaining steps stop); a strategy's task books the customer's car
        for the strategy. An existing booking of the reminder is picked, not doubled.
        """
        if self.booking_id:
            return super()._dealer_booking()
        enrolment = self.dispatch_id.enrolment_id
        if enrolment:
            return enrolment._dealer_booking_lead(self.vehicle_id or None)[0]
        if self.strategy_id:
            return self._dealer_strategy_booking()
        return super()._dealer_booking()

    def _dealer_strategy_booking(self):
        if not self.env.user.has_groups(BOOKING_GROUPS):
            raise AccessError(self.env._("Only the call centre and the service staff book visits from reminders."))
        cars = self.vehicle_id or self.env["dealer.vehicle"].search([("partner_id", "=", self.partner_id.id)])
        if len(cars) != 1:
            raise UserError(
                self.env._(
                    "Booking: %(customer)s has %(count)s cars; pick the booking, or book the visit on the car first.",
                    customer=self.partner_id.display_name,
                    count=len(cars),
                )
            )
        return self.env["crm.lead"]._dealer_service_opportunity_from_reminder(cars, self.strategy_id.name)

    def _done_action(self, call):
        """A booked visit opens for its details (the day, the work), as after *Book a visit*."""
        if call.booking_id.dealer_interest == SERVICE_INTEREST:
            return call.booking_id._dealer_service_form_action()
        return super()._done_action(call)
