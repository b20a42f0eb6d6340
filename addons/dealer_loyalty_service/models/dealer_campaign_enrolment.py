from odoo import fields, models
from odoo.exceptions import AccessError, UserError

# who books a customer's visit from a reminder: the call centre that calls, the service staff
BOOKING_GROUPS = "dealer_crm.group_call_center,dealer_crm.group_service_client_manager,dealer_crm.group_service_advisor"


class DealerCampaignEnrolment(models.Model):
    _inherit = "dealer.campaign.enrolment"

    service_lead_ids = fields.One2many("crm.lead", "dealer_enrolment_id", string="Service opportunities", readonly=True)

    def action_dealer_book_visit(self):
        """Book the reminded car in: its service opportunity in Scheduling, opened for the details."""
        self.ensure_one()
        return self._dealer_book_visit()

    def _dealer_book_visit(self, vehicle=None):
        """One service opportunity per reminder (a second booking opens the first, unless it was lost).

        It comes from the reminder (source "reminder", the campaign's UTM campaign); the campaign's
        remaining steps for the car stop (reason "booked") and the caller's call task of it is done.
        """
        self.ensure_one()
        lead, new = self._dealer_booking_lead(vehicle)
        if new:
            tasks = self.dispatch_ids.activity_id.filtered(lambda activity: activity.user_id == self.env.user)
            # the caller's call task is closed as a booked call: the campaign counts it as its call outcomes
            calls = tasks.filtered(lambda activity: activity.active and activity.activity_category == "phonecall")
            for call in calls:
                self.env["dealer.call.outcome.wizard"].create(
                    {"activity_id": call.id, "outcome": "booked", "booking_id": lead.id}
                ).action_confirm()
            (tasks - calls).action_feedback(feedback=self.env._("Visit booked: %(lead)s", lead=lead.display_name))
        return lead._dealer_service_form_action()

    def _dealer_booking_lead(self, vehicle=None):
        """``(opportunity, made now)``: the reminder's service opportunity, made when it has none."""
        self.ensure_one()
        if not self.env.user.has_groups(BOOKING_GROUPS):
            raise AccessError(self.env._("Only the call centre and the service staff book visits from reminders."))
        if self.control or not self.campaign_id:
            # the control group was sent nothing: a booking is not the campaign's (a strategy books no visit)
            raise UserError(
                self.env._(
                    "%(customer)s is in no reminder to book from: %(reason)s",
                    customer=self.partner_id.display_name,
                    reason=self.env._("the control group of the campaign gets nothing from it.")
                    if self.control
                    else self.env._("a retention strategy's enrolment has no reminder."),
                )
            )
        lead = self.env["crm.lead"].search([("dealer_enrolment_id", "=", self.id)], limit=1)
        if lead:
            return lead, False
        vehicle = vehicle or self.vehicle_id or self._dealer_only_vehicle()
        utm = self.campaign_id._dealer_utm_campaign()
        lead = self.env["crm.lead"]._dealer_service_opportunity_from_reminder(vehicle, utm.name)
        # sudo: only the booking's reminder (crm.lead's dealer_enrolment_id, the application's to set) on the
        # opportunity the booker just created with their own rights
        lead.sudo().write({"dealer_enrolment_id": self.id})
        return lead, True

    def _dealer_only_vehicle(self):
        """The car a customer reminder is about: the customer's only car."""
        cars = self.env["dealer.vehicle"].search([("partner_id", "=", self.partner_id.id)])
        if len(cars) != 1:
            raise UserError(
                self.env._(
                    "%(customer)s has %(count)s cars: open the car to book and press Book a visit there.",
                    customer=self.partner_id.display_name,
                    count=len(cars),
                )
            )
        return cars

    def _dealer_stop(self, reason):
        """Stop these enrolments and cancel their queued messages, with ``reason``."""
        active = self.filtered(lambda enrolment: enrolment.state == "active")
        active.write({"state": "stopped", "stop_reason": reason})
        active.dispatch_ids.filtered(lambda row: row.state == "queued").write(
            {"state": "cancelled", "skip_reason": reason}
        )
