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

        A matched contact is not written (an anonymous request proves nothing about the person);
        a new one belongs to the API user's showroom. Returns ``(partner, created)``.
        ``phone`` must already be normalised.
        """
        matches = self._dealer_find_duplicates(phone=phone, email=email, vin=vin)
        if matches:
            return matches[0], False
        vals = {"name": name or phone or email, "phone": phone, "email": email, "company_id": self.env.company.id}
        return self._dealer_api_create(vals), True

    @api.model
    def _dealer_api_create(self, vals_list):
        """New contacts of API requests: in the API user's showroom, consent recorded as given through the API.

        The API user follows no contact it creates (it would be notified of every message).
        """
        return self.with_context(mail_create_nosubscribe=True, dealer_consent_source="api").create(vals_list)

    @api.model
    def _dealer_api_partners(self, requests):
        """The contacts of several lead requests, the new ones created by one ``create``.

        ``requests`` are dicts with ``name``, ``phone`` (normalised), ``email``, ``vin`` and
        ``consent`` (field values).  Each is matched as ``_dealer_api_partner`` does, and also
        against the contacts of the earlier requests of the list (by phone, e-mail, or the VIN
        of a trade-in).

        A request is anonymous: a contact that existed before is never written. What the request
        says otherwise about it (another or a missing phone or e-mail, a consent the card does not
        have) is returned in ``proposal`` (field values) for a salesperson to check with the
        customer and apply from the lead.  A contact this list creates takes the values and
        consent of its requests (empty values filled by later requests, the later consent
        winning) and belongs to the API user's showroom.
        Returns, in order, dicts ``{partner, created, proposal}``.
        """
        cards, found, pending = [], [], {}  # cards: the new contacts' values; pending: match key -> index
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
                proposal = self._dealer_api_proposal(partner, phone, email, request["consent"])
                found.append({"partner": partner, "created": False, "proposal": proposal})
                continue
            slot = next((pending[key] for key in keys if key[1] and key in pending), None)
            if slot is None:
                slot = len(cards)
                cards.append(
                    {
                        "name": request["name"] or phone or email,
                        "phone": phone,
                        "email": email,
                        "company_id": self.env.company.id,
                    }
                )
                found.append({"slot": slot, "created": True, "proposal": {}})
            else:
                card = cards[slot]
                proposal = self._dealer_api_proposal(card, phone, email, {})
                for fname in ("phone", "email"):  # the card is new: its empty values are filled at once
                    if fname in proposal and not card[fname]:
                        card[fname] = proposal.pop(fname)
                found.append({"slot": slot, "created": False, "proposal": proposal})
            card = cards[slot]
            card.update(request["consent"])
            email_key = card["email"] and (tools.email_normalize(card["email"]) or card["email"])
            for key in (("phone", card["phone"]), ("email", email_key), keys[2]):
                if key[1]:
                    pending.setdefault(key, slot)
        created = self._dealer_api_create(cards) if cards else self.browse()
        for contact in found:
            if "slot" in contact:
                contact["partner"] = created[contact.pop("slot")]
        return found

    @api.model
    def _dealer_api_proposal(self, card, phone, email, consent):
        """What a request says that ``card`` (a contact or the values of a new one) does not: the field
        values a person may apply to the card, e.g. ``{"email": ..., "consent_sms": True}``.

        Phones and e-mails are compared in the forms contacts are matched by (Odoo's
        phone_sanitized, email_normalized).
        """
        proposal = {}
        if email:
            on_card = card.email_normalized if isinstance(card, models.BaseModel) else None
            on_card = on_card or (card["email"] and (tools.email_normalize(card["email"]) or card["email"]))
            if on_card != (tools.email_normalize(email) or email):
                proposal["email"] = email
        if phone:
            on_card = card.phone_sanitized if isinstance(card, models.BaseModel) else None
            if (on_card or card["phone"]) != phone:
                proposal["phone"] = phone
        for fname, value in consent.items():
            if bool(card[fname]) != value:
                proposal[fname] = value
        return proposal
