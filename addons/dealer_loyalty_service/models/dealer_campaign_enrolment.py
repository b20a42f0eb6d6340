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
        if not self.env.user.has_groups(BOOKING_GROUPS):
            raise AccessError(self.env._("Only the call centre and the service staff book visits from reminders."))
        lead = self.env["crm.lead"].search([("dealer_enrolment_id", "=", self.id)], limit=1)
        if not lead:
            vehicle = vehicle or self.vehicle_id or self._dealer_only_vehicle()
            utm = self.campaign_id._dealer_utm_campaign()
            lead = self.env["crm.lead"]._dealer_service_opportunity_from_reminder(
                vehicle, utm.name, dealer_enrolment_id=self.id
            )
            calls = self.dispatch_ids.activity_id.filtered(lambda activity: activity.user_id == self.env.user)
            calls.action_feedback(feedback=self.env._("Visit booked: %(lead)s", lead=lead.display_name))
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.crm_lead_service_action")
        action.update({"res_id": lead.id, "view_mode": "form", "views": [(False, "form")]})
        return action

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
