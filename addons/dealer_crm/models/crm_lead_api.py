from markupsafe import Markup

from odoo import api, fields, models, tools

from ..tools import api_input as inp
from ..tools.vin import normalize_vin, vin_problem
from .crm_lead import DEALER_CHANNELS, DEALER_INTERESTS

CALL_LINES = ["sales", "service"]
# what an API request may propose for an existing customer's card (a person applies it)
PROPOSABLE = ("phone", "email", "consent_email", "consent_sms", "consent_telegram")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    dealer_card_proposal = fields.Json(
        string="Proposed card changes",
        readonly=True,
        copy=False,
        help="What the integration request said about an existing customer (phone, e-mail, consent): "
        "never written to the card by the request itself, only by a person who checked it.",
    )
    dealer_card_proposal_pending = fields.Boolean(compute="_compute_dealer_card_proposal_pending")

    @api.depends("dealer_card_proposal")
    def _compute_dealer_card_proposal_pending(self):
        for lead in self:
            lead.dealer_card_proposal_pending = bool(lead.dealer_card_proposal)

    def action_dealer_apply_card_proposal(self):
        """A salesperson checked the request's details with the customer: write them to the card,
        with the salesperson's own rights, and note who did it on the card."""
        for lead in self.filtered("dealer_card_proposal"):
            partner, proposal = lead.partner_id, lead.dealer_card_proposal
            if not partner:
                continue
            partner.with_context(dealer_consent_source="user").write(
                {fname: value for fname, value in proposal.items() if fname in PROPOSABLE}
            )
            partner.message_post(
                body=self.env._(
                    "Details from the request of lead %(lead)s applied by %(user)s: %(details)s",
                    lead=lead.display_name,
                    user=self.env.user.name,
                    details=self._dealer_card_proposal_text(proposal),
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.dealer_card_proposal = False

    def action_dealer_dismiss_card_proposal(self):
        self.dealer_card_proposal = False

    @api.model
    def _dealer_card_proposal_text(self, proposal):
        labels = {
            "email": lambda v: self.env._("e-mail %(email)s", email=v),
            "phone": lambda v: self.env._("phone %(phone)s", phone=v),
            "consent_email": lambda v: self.env._("e-mail consent: %(answer)s", answer=self._dealer_yes_no(v)),
            "consent_sms": lambda v: self.env._("SMS consent: %(answer)s", answer=self._dealer_yes_no(v)),
            "consent_telegram": lambda v: self.env._("Telegram consent: %(answer)s", answer=self._dealer_yes_no(v)),
        }
        return ", ".join(labels[fname](value) for fname, value in proposal.items() if fname in labels)

    @api.model
    def _dealer_yes_no(self, value):
        return self.env._("yes") if value else self.env._("no")

    # ------------------------------------------------------------
    # POST /dealer/api/v1/leads
    # ------------------------------------------------------------

    @api.model
    def _dealer_create_from_api(self, payload):
        """A request from the website, a call-tracking system, the OEM portal… (API.md).

        The contact is matched (phone, e-mail, VIN) or created, consent recorded on it,
        UTM names created when new; the new lead is routed and its response clock starts
        at once (``create`` does both).  Returns ``(response, lead)``.
        """
        responses, leads = self._dealer_create_batch_from_api([payload])
        return responses[0], leads

    @api.model
    def _dealer_create_batch_from_api(self, payloads, indexes=None):
        """Several lead requests at once (``POST /dealer/api/v1/leads/batch``).

        Each request is checked as a single one; then the contacts of all of them are matched
        and the new ones created by ONE ``create``, and every lead is created by ONE ``create``
        call, so routing, the response clock and the ORM's work are shared.

        An invalid request raises ``ApiInputError`` naming it (``leads[2].phone`` when there
        are several; ``indexes`` are their places in the request) and nothing is written.
        Returns ``(responses, leads)`` in request order.
        """
        requests, utm_ids = [], {}  # UTM names looked up once per batch (a feed sends the same ones)
        for index, payload in zip(indexes or range(len(payloads)), payloads, strict=True):
            try:
                requests.append(self._dealer_api_parse_lead(payload, utm_ids))
            except inp.ApiInputError as exc:
                if indexes is None:
                    raise
                field = f"leads[{index}].{exc.field}" if exc.field else f"leads[{index}]"
                raise inp.ApiInputError(field, f"leads[{index}]: {exc.message}") from None
        contacts = self.env["res.partner"]._dealer_api_partners(requests)
        duplicates = self._dealer_api_open_leads(
            [(contact["partner"], request["interest"]) for request, contact in zip(requests, contacts, strict=True)]
        )
        vals_list = [
            self._dealer_api_lead_vals(request, contact) for request, contact in zip(requests, contacts, strict=True)
        ]
        # The API user follows nothing it creates: customers' replies go to the salesperson.
        # The salesperson's assignment e-mail leaves through Odoo's mail queue, started at once,
        # instead of an SMTP session inside the request.
        leads = self.with_context(mail_create_nosubscribe=True, mail_notify_force_send=False).create(vals_list)
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        responses, first_open = [], {}
        for lead, contact in zip(leads, contacts, strict=True):
            partner = contact["partner"]
            # an open lead of the same contact and interest, saved before or earlier in this batch
            first = first_open.setdefault((partner.id, lead.dealer_interest), lead)
            duplicate = duplicates.get((partner.id, lead.dealer_interest)) or (first if first != lead else None)
            responses.append(
                {
                    "lead_id": lead.id,
                    "partner_id": partner.id,
                    "partner_created": contact["created"],
                    "team_id": lead.team_id.id or None,
                    "user_id": lead.user_id.id or None,
                    "duplicate_of": duplicate.id if duplicate else None,
                }
            )
        return responses, leads

    @api.model
    def _dealer_api_parse_lead(self, payload, utm_ids=None):
        """Check one lead request and read its values; writes nothing except new UTM names.

        ``utm_ids`` (a dict, filled here) remembers the UTM records already found in the batch.
        """
        request = {
            "name": inp.text(payload, "name", required=True, max_len=256),
            "phone": self.env["res.partner"]._dealer_api_normalize_phone(inp.text(payload, "phone", max_len=64)),
            "email": inp.email(payload),
        }
        if not request["phone"] and not request["email"]:
            raise inp.ApiInputError("phone", "phone or email is required")
        vin = inp.text(payload, "vin", max_len=40)
        if vin:
            vin = normalize_vin(vin)
            problem = vin_problem(vin)
            if problem:
                raise inp.ApiInputError("vin", self.env["dealer.vehicle"]._vin_error_message(vin, *problem))
        message = inp.text(payload, "message", max_len=20000)
        request.update(
            vin=vin,
            channel=inp.choice(payload, "channel", [c for c, _l in DEALER_CHANNELS], default="web"),
            interest=inp.choice(payload, "interest", [i for i, _l in DEALER_INTERESTS], default="new_car"),
            budget=inp.number(payload, "budget", minimum=0),
            utm=self._dealer_api_utm(inp.obj(payload, "utm"), utm_ids),
            consent=self._dealer_api_consent(inp.obj(payload, "consent")),
            description=tools.plaintext2html(message) if message else False,
            vehicle_model=inp.text(payload, "vehicle_model", max_len=256),
        )
        return request

    @api.model
    def _dealer_api_open_leads(self, pairs):
        """The oldest open lead of each ``(contact, interest)`` pair, in one grouped query
        (one row per pair, however many open leads a contact has)."""
        partners = self.env["res.partner"].concat(*(partner for partner, _interest in pairs))
        if not partners:
            return {}
        groups = self._read_group(
            [
                ("partner_id", "in", partners.ids),
                ("dealer_interest", "in", list({interest for _partner, interest in pairs})),
                ("won_status", "=", "pending"),
            ],
            ["partner_id", "dealer_interest"],
            ["id:min"],
        )
        return {(partner.id, interest): self.browse(first) for partner, interest, first in groups}

    @api.model
    def _dealer_api_lead_vals(self, request, contact):
        """The create values of a checked request whose contact is known (``_dealer_api_partners``)."""
        partner, interest = contact["partner"], request["interest"]
        description = request["description"]
        proposal = contact["proposal"]
        if proposal:
            note = self.env._(
                "The request proposes for the customer card: %(details)s. The card keeps its own details until "
                "you check them with the customer and press “Apply to customer card”.",
                details=self._dealer_card_proposal_text(proposal),
            )
            description = Markup("<p>%s</p>") % note + (description or "")
        vals = {
            **request["utm"],
            **self._dealer_api_vehicle_vals(request["vin"], interest, partner),
            "name": self.env._(
                "%(name)s: %(interest)s", name=request["name"], interest=dict(DEALER_INTERESTS)[interest]
            ),
            "type": "opportunity",
            "partner_id": partner.id,
            "contact_name": request["name"],
            # a lead shares its contact's phone and e-mail (Odoo's CRM): the card's, which keeps its own
            "phone": partner.phone,
            "email_from": partner.email,
            "dealer_channel": request["channel"],
            "dealer_interest": interest,
            "vehicle_model_text": request["vehicle_model"],
            "description": description,
            "expected_revenue": request["budget"] or 0.0,
            "dealer_card_proposal": proposal or False,
        }
        if request["budget"] is not None:
            vals["budget"] = request["budget"]
        return vals

    @api.model
    def _dealer_api_utm(self, utm, known=None):
        """UTM record ids of a request, created when new; ``known`` caches them by model and name."""
        known = {} if known is None else known
        vals = {}
        for key, model, fname in (
            ("source", "utm.source", "source_id"),
            ("medium", "utm.medium", "medium_id"),
            ("campaign", "utm.campaign", "campaign_id"),
        ):
            try:
                value = inp.text(utm, key, max_len=128)
            except inp.ApiInputError as exc:
                raise inp.ApiInputError(f"utm.{key}", f"utm.{exc.message}") from None
            if value:
                name = (model, value.lower())
                if name not in known:
                    known[name] = self.env["utm.mixin"]._find_or_create_record(model, value).id
                vals[fname] = known[name]
        return vals

    @api.model
    def _dealer_api_consent(self, consent):
        vals = {}
        for channel in ("email", "sms", "telegram"):
            try:
                value = inp.boolean(consent, channel)
            except inp.ApiInputError:
                raise inp.ApiInputError(f"consent.{channel}", f"consent.{channel} must be true or false") from None
            if value is not None:
                vals[f"consent_{channel}"] = value
        return vals

    @api.model
    def _dealer_api_vehicle_vals(self, vin, interest, partner):
        """A VIN names the customer's car for a trade-in, else the stock car they want."""
        if not vin:
            return {}
        Vehicle = self.env["dealer.vehicle"]
        if interest == "trade_in":
            # a car the register already knows keeps its owner, even none: an anonymous form
            # proves nothing about whose car a VIN is (staff set the owner on the lead's car)
            vehicle = Vehicle._dealer_api_vehicle(vin, create=False)
            if not vehicle:
                vehicle = Vehicle._dealer_api_vehicle(vin)
                vehicle.partner_id = partner
            return {"trade_in_vehicle_id": vehicle.id}
        vehicle = Vehicle._dealer_api_vehicle(vin, create=False)
        return {"vehicle_id": vehicle.id} if vehicle else {}

    # ------------------------------------------------------------
    # POST /dealer/api/v1/calls
    # ------------------------------------------------------------

    @api.model
    def _dealer_register_call_from_api(self, payload):
        """A call the PBX reports (API.md): logged on the contact, leads and call-backs follow.

        An unknown number creates a contact; a missed inbound call creates a call-back
        activity for the responsible person and starts the escalation clock; an answered
        inbound call stops the clock of the open lead on that line, or creates a lead when
        the contact has none.  Returns ``(response, lead or contact)``.
        """
        Partner = self.env["res.partner"]
        caller = Partner._dealer_api_normalize_phone(inp.text(payload, "caller", required=True, max_len=64), "caller")
        line = inp.choice(payload, "line", CALL_LINES, default="sales")
        direction = inp.choice(payload, "direction", ["inbound", "outbound"], default="inbound")
        status = inp.choice(payload, "status", ["answered", "missed"], default="answered")
        started_at = inp.timestamp(payload, "started_at") or fields.Datetime.now()
        duration = inp.number(payload, "duration_s", minimum=0, integer=True) or 0
        agent = self._dealer_api_agent(inp.text(payload, "agent_login", max_len=128))
        recording = inp.text(payload, "recording_url", max_len=2048)
        if recording and not recording.startswith(("https://", "http://")):
            raise inp.ApiInputError("recording_url", "recording_url must be an http(s) URL")

        partner, created = Partner._dealer_api_partner(name=caller, phone=caller)
        lead = self._dealer_open_lead_on_line(partner, line)
        activity = self.env["mail.activity"]
        inbound = direction == "inbound"
        if inbound and status == "missed":
            lead = lead or self._dealer_lead_from_call(partner, line, started_at)
            activity = lead._dealer_register_missed_call(started_at, caller)[:1]
        elif status == "answered":
            if inbound and not lead:
                lead = self._dealer_lead_from_call(partner, line, started_at, agent)
            if lead:
                lead._dealer_register_contact(started_at)
        body = self._dealer_call_note(direction, status, started_at, duration, agent, recording)
        (lead or partner).message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        if lead:
            partner.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        response = {
            "partner_id": partner.id,
            "partner_created": created,
            "lead_id": lead.id or None,
            "activity_id": activity.id or None,
        }
        return response, lead or partner

    @api.model
    def _dealer_api_agent(self, login):
        if not login:
            return self.env["res.users"]
        agent = self.env["res.users"].sudo().search([("login", "=", login)], limit=1)
        if not agent:
            raise inp.ApiInputError("agent_login", f"no user with login {login}")
        return agent

    @api.model
    def _dealer_open_lead_on_line(self, partner, line):
        service = ("dealer_interest", "=", "service")
        domain = [("partner_id", "=", partner.id), ("won_status", "=", "pending")]
        domain.append(service if line == "service" else ("dealer_interest", "!=", "service"))
        return self.search(domain, order="id desc", limit=1)

    @api.model
    def _dealer_lead_from_call(self, partner, line, started_at, agent=None):
        vals = {
            "name": self.env._("Call from %(caller)s", caller=partner.display_name),
            "type": "opportunity",
            "partner_id": partner.id,
            "phone": partner.phone,
            "dealer_channel": "phone",
            "dealer_interest": "service" if line == "service" else "new_car",
        }
        if agent:
            vals["user_id"] = agent.id
        lead = self.with_context(dealer_sla_skip=True).create(vals)
        lead._dealer_start_sla(start=started_at)
        return lead

    @api.model
    def _dealer_call_note(self, direction, status, started_at, duration, agent, recording):
        labels = {
            ("inbound", "answered"): self.env._("Inbound call, answered"),
            ("inbound", "missed"): self.env._("Inbound call, missed"),
            ("outbound", "answered"): self.env._("Outbound call, answered"),
            ("outbound", "missed"): self.env._("Outbound call, not answered"),
        }
        parts = [labels[direction, status], fields.Datetime.to_string(started_at) + " UTC"]
        if duration:
            parts.append(self.env._("%(minutes)s min %(seconds)s s", minutes=duration // 60, seconds=duration % 60))
        if agent:
            parts.append(agent.name)
        body = Markup("<p>%s</p>") % " · ".join(parts)
        if recording:
            body += Markup('<p><a href="%s" target="_blank" rel="noopener">%s</a></p>') % (
                recording,
                self.env._("Recording"),
            )
        return body
