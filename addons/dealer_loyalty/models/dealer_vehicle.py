from odoo import api, fields, models


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    dealer_reminder_call_id = fields.Many2one(
        "mail.activity",
        string="Reminder call task",
        compute="_compute_dealer_reminder_call_id",
        groups="dealer_crm.group_dealer_user",
        help="The open call task a reminder campaign gave for this car (the user's own first).",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_dealer_reminder_call_id(self):
        calls = self.env["mail.activity"]._dealer_reminder_calls(self)
        for vehicle in self:
            vehicle.dealer_reminder_call_id = calls.get(vehicle._origin.id, False)

    def action_dealer_call_outcome(self):
        """From the car the call task opens: close the task with the outcome of the call."""
        self.ensure_one()
        return self.env["dealer.call.outcome.wizard"]._action_open(self.dealer_reminder_call_id)

    def mail_allowed_qweb_expressions(self):
        """Placeholders anybody may put in a campaign text about a car (read as fields, never evaluated)."""
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.plate",
            "object.vin",
            "object.model_year",
            "object.brand_id.name",
            "object.model_id.name",
            "object.next_service_date",
            "object.next_service_km",
            "object.insurance_end",
            "object.warranty_end",
            "object.delivery_date",
            "object.next_service_date_text",
            "object.insurance_end_text",
            "object.warranty_end_text",
            "object.delivery_date_text",
            "object.company_id.name",
            "object.next_offer_text",
        )
