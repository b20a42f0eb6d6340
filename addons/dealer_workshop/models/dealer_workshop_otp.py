from odoo import fields, models


class DealerWorkshopOtp(models.Model):
    """A one-time code sent to a phone to confirm an anonymous booking (owner: booking page).

    Only a hash of the code is stored; a code expires, allows a few attempts and is used once.
    """

    _name = "dealer.workshop.otp"
    _description = "Booking confirmation code"
    _order = "id desc"

    phone = fields.Char(required=True, index=True)
    code_hash = fields.Char(required=True)
    expires_at = fields.Datetime(required=True)
    attempts = fields.Integer()
    used = fields.Boolean()
    company_id = fields.Many2one("res.company", required=True, index=True)
