from odoo import api, fields, models


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    dealer_booking_url = fields.Char(
        string="Booking link",
        compute="_compute_dealer_booking_url",
        help="In a campaign template, {{ object.dealer_booking_url }}: the customer's personal booking link of "
        "the message being sent (the car and its work filled in); elsewhere the booking page.",
    )

    @api.depends_context("dealer_booking_url")
    def _compute_dealer_booking_url(self):
        url = self.env.context.get("dealer_booking_url")
        for record in self:
            record.dealer_booking_url = url or f"{record.get_base_url().rstrip('/')}/service/book"

    def mail_allowed_qweb_expressions(self):
        """The booking link is a placeholder anybody may put in a campaign text."""
        return (*super().mail_allowed_qweb_expressions(), "object.dealer_booking_url")
