from odoo import api, models
from odoo.exceptions import UserError

from ..tools.api_input import ApiInputError


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _dealer_api_normalize_phone(self, phone, field="phone"):
        """E.164 form of ``phone`` for the company's country; ApiInputError naming ``field`` if invalid."""
        if not phone:
            return None
        try:
            return self._phone_format(number=phone, country=self.env.company.country_id, raise_exception=True)
        except UserError:
            raise ApiInputError(field, f"{field} is not a valid phone number") from None

    @api.model
    def _dealer_api_partner(self, name=None, phone=None, email=None, vin=None):
        """The contact an API request is about: matched by phone, e-mail or VIN, else created.

        Returns ``(partner, created)``.  ``phone`` must already be normalised.
        """
        matches = self._dealer_find_duplicates(phone=phone, email=email, vin=vin)
        if matches:
            return matches[0], False
        vals = {"name": name or phone or email, "phone": phone, "email": email}
        # the API user follows no contact it creates (it would be notified of every message)
        return self.with_context(mail_create_nosubscribe=True).create(vals), True
