from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    dealer_booking_url = fields.Char(
        string="Booking link",
        compute="_compute_dealer_booking_url",
        help="In a campaign template, {{ object.dealer_booking_url }}: the customer's personal booking link of "
        "the message being sent (the customer filled in); elsewhere the booking page.",
    )

    @api.depends_context("dealer_booking_url")
    def _compute_dealer_booking_url(self):
        url = self.env.context.get("dealer_booking_url")
        for record in self:
            record.dealer_booking_url = url or f"{record.get_base_url().rstrip('/')}/service/book"

    def mail_allowed_qweb_expressions(self):
        """The booking link is a placeholder anybody may put in a campaign text."""
        return (*super().mail_allowed_qweb_expressions(), "object.dealer_booking_url")

    # ------------------------------------------------------------
    # Whose records a logged-in account sees on the customer pages
    # ------------------------------------------------------------

    def _dealer_staff_card(self):
        """Whether this card is a staff member's (an internal user's)."""
        self.ensure_one()
        return any(user._is_internal() for user in self.sudo().user_ids)

    def _dealer_account_domain(self, field="partner_id"):
        """The records (by their customer ``field``) that the account of this card sees and books on the
        customer pages (the booking page when logged in, *My service bookings*, the workshop's status pages):
        a portal customer's, their company's and its contacts' (Odoo's portal way); a staff member's own
        only, since staff may attach their own card, or a customer's, to any company or contact."""
        if self._dealer_staff_card():
            return [(field, "=", self.id)]
        return [(field, "child_of", self.commercial_partner_id.id)]

    def _dealer_account_owns(self, customer):
        """Whether ``customer``'s records are this account's on the customer pages (see ``_dealer_account_domain``)."""
        self.ensure_one()
        if not customer:
            return False
        if self._dealer_staff_card():
            return customer == self
        return customer.commercial_partner_id == self.commercial_partner_id
