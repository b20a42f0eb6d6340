from odoo import api, models, tools


class DealerDispatch(models.Model):
    _inherit = "dealer.dispatch"

    @api.model
    def _dealer_booking_token(self, dispatch_id):
        """The signature of a reminder's personal booking link."""
        return tools.hmac(self.env(su=True), "dealer_workshop-booking-link", dispatch_id)

    def _dealer_booking_url(self):
        """The personal booking link of this message: the booking page with customer, car and work filled in."""
        self.ensure_one()
        base = self.get_base_url().rstrip("/")
        return f"{base}/service/book?d={self.id}&t={self._dealer_booking_token(self.id)}"

    @api.model
    def _dealer_from_booking_link(self, dispatch_id, token):
        """The message a booking link names, or an empty recordset when the link is forged."""
        try:
            dispatch_id = int(dispatch_id)
        except (TypeError, ValueError):
            return self.browse()
        if not tools.consteq(token or "", self._dealer_booking_token(dispatch_id)):
            return self.browse()
        return self.sudo().browse(dispatch_id).exists()
