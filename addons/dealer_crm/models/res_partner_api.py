from odoo import api, models, tools
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

    @api.model
    def _dealer_api_partners(self, requests):
        """The contacts of several lead requests, the new ones created by one ``create``.

        ``requests`` are dicts with ``name``, ``phone`` (normalised), ``email``, ``vin`` and
        ``consent`` (field values).  Each is matched as ``_dealer_api_partner`` does, and also
        against the contacts of the earlier requests of the list (by phone, e-mail, or the VIN
        of a trade-in).  A known contact's card keeps its phone and e-mail: empty values are
        filled at once (a later request of the list may match them), other differing values
        are returned in ``differ`` for the lead's note.  Consent is recorded on the contact,
        the later request winning.  Returns, in order, dicts ``{partner, created, differ}``.
        """
        cards, found, pending = [], [], {}  # cards: the new contacts' values; pending: match key -> index
        consents = {}  # existing contact -> consent values
        for request in requests:
            phone, email = request["phone"], request["email"]
            # a trade-in's VIN names the car the new contact will own
            keys = [
                ("phone", phone),
                ("email", email and (tools.email_normalize(email) or email)),
                ("vin", request["vin"] if request.get("interest") == "trade_in" else None),
            ]
            partner = self._dealer_find_duplicates(phone=phone, email=email, vin=request["vin"])[:1]
            if partner:
                differ = self._dealer_api_fill_card(partner, phone, email)
                consents.setdefault(partner, {}).update(request["consent"])
                found.append({"partner": partner, "created": False, "differ": differ})
                continue
            slot = next((pending[key] for key in keys if key[1] and key in pending), None)
            if slot is None:
                slot = len(cards)
                cards.append({"name": request["name"] or phone or email, "phone": phone, "email": email})
                found.append({"slot": slot, "created": True, "differ": []})
            else:
                differ = self._dealer_api_fill_card(cards[slot], phone, email)
                found.append({"slot": slot, "created": False, "differ": differ})
            card = cards[slot]
            card.update(request["consent"])
            email_key = card["email"] and (tools.email_normalize(card["email"]) or card["email"])
            for key in (("phone", card["phone"]), ("email", email_key), keys[2]):
                if key[1]:
                    pending.setdefault(key, slot)
        # the API user follows no contact it creates (it would be notified of every message)
        created = self.with_context(mail_create_nosubscribe=True).create(cards) if cards else self.browse()
        for contact in found:
            if "slot" in contact:
                contact["partner"] = created[contact.pop("slot")]
        by_values = {}
        for partner, consent in consents.items():
            if consent:
                by_values.setdefault(tuple(sorted(consent.items())), []).append(partner.id)
        for values, ids in by_values.items():
            self.browse(ids).write(dict(values))
        return found

    @api.model
    def _dealer_api_fill_card(self, card, phone, email):
        """Fill the empty phone or e-mail of ``card`` (a contact or the values of a new one) from a
        request; return the request's values that differ from the card's as ``[(kind, value)]``.

        Compared in the forms contacts are matched by (Odoo's phone_sanitized, email_normalized).
        """
        differ = []
        if email:
            if not card["email"]:
                card["email"] = email
            else:
                on_card = card.email_normalized if isinstance(card, models.BaseModel) else None
                if (on_card or tools.email_normalize(card["email"]) or card["email"]) != (
                    tools.email_normalize(email) or email
                ):
                    differ.append(("email", email))
        if phone:
            if not card["phone"]:
                card["phone"] = phone
            else:
                on_card = card.phone_sanitized if isinstance(card, models.BaseModel) else None
                if (on_card or card["phone"]) != phone:
                    differ.append(("phone", phone))
        return differ
