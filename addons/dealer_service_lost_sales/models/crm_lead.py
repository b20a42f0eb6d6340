from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.addons.dealer_crm.tools import api_input as inp
from odoo.addons.dealer_crm.tools.api_input import _lt
from odoo.addons.dealer_crm.tools.marks import Mark, as_application, marked
from odoo.addons.dealer_crm.tools.system_fields import check_linked_records, refuse_system_fields
from odoo.exceptions import UserError, ValidationError

from .dealer_loss_event import FULL_LOSS_KINDS
from .res_config_settings import service_param


class ServiceSlotTaken(ValidationError):
    """A booking's time is not free in the workshop: raised by the workshop's capacity check (dealer_workshop),
    told apart from the other validation errors of a booking (a 409 of the API, "no longer free" online)."""


class ServiceSlotRefused(inp.ApiInputError):
    """The workshop has no room at the booking's ``planned_at`` (the capacity check refused it)."""

    def __init__(self, message):
        super().__init__("planned_at", message)


class ServiceBookingDone(inp.ApiInputError):
    """A booking whose visit is done (won) is not cancelled: its revenue is real (answered 409)."""

    def __init__(self, external_id):
        super().__init__(None, "service booking %(ref)s is done (won) and cannot be cancelled", ref=external_id)


SERVICE_SOURCES = [
    ("web", "Website"),
    ("phone", "Phone"),
    ("oem", "Manufacturer (OEM)"),
    ("recall", "Recall campaign"),
    ("campaign", "Campaign"),
    ("reminder", "Reminder"),
    ("visit", "Visit (deferred work)"),
    ("import", "Imported list"),
    ("manual", "Entered by hand"),
    ("declined", "Visit (declined work)"),
    ("automation", "Automation rule"),
]
MONEY_GROUPS = (
    "dealer_crm.group_service_advisor,dealer_crm.group_service_client_manager,"
    "dealer_crm.group_sales_head,dealer_crm.group_integration"
)
# who sees the link between workshop visits and service opportunities
SERVICE_LINK_GROUPS = MONEY_GROUPS + ",dealer_crm.group_dealer_manager"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------

    service_line_ids = fields.One2many(
        "dealer.service.line", "lead_id", string="Operations and parts", groups=MONEY_GROUPS
    )
    dealer_vehicle_model_id = fields.Many2one(related="vehicle_id.model_id", string="Vehicle model")
    service_planned_at = fields.Datetime(
        string="Planned at",
        index="btree_not_null",
        help="When the car is booked in; still in Scheduling past this time (plus a grace period) is a no-show.",
    )
    service_source = fields.Selection(
        SERVICE_SOURCES,
        string="Service source",
        index="btree_not_null",
        help="Where the opportunity came from: a booking, a declined or deferred visit line, a campaign, an import.",
    )
    service_external_id = fields.Char(
        string="Booking reference", copy=False, help="The booking's id in the website or DMS; a replay changes nothing."
    )
    service_visit_id = fields.Many2one(
        "dealer.visit",
        string="Origin visit",
        index="btree_not_null",
        copy=False,
        help="The visit whose deferred work this opportunity follows up.",
    )
    service_work_visit_ids = fields.One2many(
        "dealer.visit",
        "service_lead_id",
        string="Workshop visits",
        groups=SERVICE_LINK_GROUPS,
        help="The visits that carried out this job. Once one is closed, its done lines are the realised "
        "revenue and the accepted amount here is not counted again.",
    )
    service_accepted_amount = fields.Monetary(
        string="Won revenue",
        currency_field="company_currency",
        readonly=True,
        copy=False,
        groups=MONEY_GROUPS,
        help="Sum of the accepted lines.",
    )
    loss_event_ids = fields.One2many("dealer.loss.event", "lead_id", string="Loss events", groups=MONEY_GROUPS)
    loss_amount = fields.Monetary(
        string="Lost revenue",
        currency_field="company_currency",
        compute="_compute_loss_amount",
        groups=MONEY_GROUPS,
        help="Sum of this opportunity's entries in the ledger of lost revenue (cut scope, declined quote, ...).",
    )

    _service_external_id_uniq = models.UniqueIndex(
        "(company_id, service_external_id) WHERE service_external_id IS NOT NULL",
        "A service booking with this reference already exists.",
    )

    def _compute_loss_amount(self):
        totals = dict(
            self.env["dealer.loss.event"]._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["amount:sum"])
        )
        for lead in self:
            lead.loss_amount = totals.get(lead, 0.0)

    def _compute_team_id(self):
        """A service opportunity stays in the service team whoever its advisor is."""
        service = self.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST and lead.team_id)
        return super(CrmLead, self - service)._compute_team_id()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # the origin visit is one its writer may read (another showroom's would show here, and its deferred
        # work would count as followed up)
        check_linked_records(self, vals_list, ["service_visit_id"])
        refuse_system_fields(self, vals_list, ["service_accepted_amount"])  # the sum of its accepted operations
        # a booking's reference in the DMS is the API's and the import's: a reference typed on another lead ahead
        # would make the true booking a replay, and its cancel lose that lead
        if not marked(self.env, "dealer_service_reference"):
            refuse_system_fields(self, vals_list, ["service_external_id"])
        team = None
        default_interest = self.env.context.get("default_dealer_interest")
        for vals in vals_list:
            if vals.get("dealer_interest", default_interest) == SERVICE_INTEREST:
                team = team or self._dealer_service_team()
                vals.setdefault("team_id", team.id)
                vals.setdefault("type", "opportunity")
                if not vals.get("stage_id"):
                    vals["stage_id"] = self._dealer_service_stage("scheduling").id
        return super().create(vals_list)

    def write(self, vals):
        check_linked_records(self, [vals], ["service_visit_id"])
        # the reference, and where the opportunity came from (a booking turned "declined work" would lose nothing
        # when lost, and leave the booking page's limits): set when it is made
        refuse_system_fields(self, [vals], ["service_accepted_amount", "service_external_id", "service_source"])
        # A lead whose Interest becomes Service is a service request from now on: it moves to the
        # service pipeline, as one created so (unless the same write names its team).
        becoming_service = self.browse()
        if vals.get("dealer_interest") == SERVICE_INTEREST and "team_id" not in vals:
            becoming_service = self.filtered(lambda lead: lead.dealer_interest != SERVICE_INTEREST)
        res = super().write(vals)
        if becoming_service:
            becoming_service.write(
                {
                    "team_id": self._dealer_service_team().id,
                    "type": "opportunity",
                    "stage_id": self._dealer_service_stage("scheduling").id,
                }
            )
        if "stage_id" in vals or "active" in vals:
            self._dealer_mark_recovered()
        return res

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_set_lost(self, **additional_values):
        """A service opportunity lost needs a reason: the whole open amount goes to the loss ledger."""
        service = self.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST and lead.active)
        events = []
        if service:
            reason = self.env["crm.lost.reason"].browse(additional_values.get("lost_reason_id"))
            if not reason:
                raise UserError(self.env._("A service opportunity can only be marked lost with a Lost Reason."))
            kind = marked(self.env, "dealer_loss_kind")  # the application's button, not a request, says what kind
            # a booking lost, restored and lost again (a no-show called back, then not coming either): its money is
            # in the ledger once, the second loss records its reason and stage at zero amount
            lost_before = set(
                self.env["dealer.loss.event"]
                .sudo()
                .search(
                    [
                        ("lead_id", "in", service.ids),
                        ("kind", "in", FULL_LOSS_KINDS),
                        ("recovered", "=", False),
                        ("amount", ">", 0),
                    ]
                )
                .lead_id.ids
            )
            events = [
                lead._dealer_loss_event_vals(
                    kind or lead._dealer_full_loss_kind(reason),
                    0.0 if lead.id in lost_before else lead.expected_revenue,
                    reason,
                )
                for lead in service
            ]
            # the reason is set before Odoo archives the leads, so rules triggered by the archiving
            # (e.g. "no-show: call back") already see why the opportunity was lost
            service.write({"lost_reason_id": reason.id})
        res = super().action_set_lost(**additional_values)
        if events:
            as_application(self.env["dealer.loss.event"]).create(events)
        return res

    def action_set_won(self):
        """Service opportunities are won at the Delivery stage of their own pipeline."""
        service = self.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST)
        if service:
            service.action_unarchive()
            service.write({"stage_id": self._dealer_service_stage("delivery").id})
        return super(CrmLead, self - service).action_set_won() if self - service else True

    def action_dealer_decline_quote(self):
        """The customer refuses the whole quote: every open line is declined, the opportunity lost."""
        reason = self.env["crm.lost.reason"]._dealer_by_code("price")
        self.with_context(dealer_loss_kind=Mark("quote_declined")).action_set_lost(lost_reason_id=reason.id)
        self.service_line_ids.filtered(lambda line: line.state == "proposed").write({"state": "declined"})
        return True

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _dealer_service_team(self):
        return self.env.ref("dealer_service_lost_sales.crm_team_service")

    @api.model
    def _dealer_service_stage(self, step):
        return self.env["crm.stage"].search([("dealer_service_step", "=", step)], order="sequence, id", limit=1)

    def _dealer_update_service_revenue(self):
        """Expected revenue = proposed + accepted lines; won revenue = accepted lines."""
        leads = self.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST)
        if not leads:
            return
        totals = {
            (lead.id, state): amount
            for lead, state, amount in self.env["dealer.service.line"]._read_group(
                [("lead_id", "in", leads.ids)], ["lead_id", "state"], ["amount:sum"]
            )
        }
        by_values = defaultdict(lambda: self.browse())
        for lead in leads:
            accepted = totals.get((lead.id, "accepted"), 0.0)
            values = (accepted + totals.get((lead.id, "proposed"), 0.0), accepted)
            if values != (lead.expected_revenue, lead.service_accepted_amount):
                by_values[values] |= lead
        for (expected, accepted), group in by_values.items():
            group.sudo().write({"expected_revenue": expected, "service_accepted_amount": accepted})

    def _dealer_service_lines_changed(self):
        """Hook: operations of these opportunities were added, changed or removed (not through the
        opportunity's own save). Nothing to do here; an addon that plans the work extends it."""

    def _dealer_full_loss_kind(self, reason):
        """Which loss it is follows from the reason and the stage the opportunity was in."""
        self.ensure_one()
        if reason.dealer_code == "no_show":
            return "no_show"
        if self.stage_id.dealer_service_step in (False, "scheduling"):
            return "appointment_cancelled"
        if "accepted" in self.service_line_ids.mapped("state"):
            return "order_cancelled"
        return "quote_declined"

    def _dealer_loss_event_vals(self, kind, amount, reason, line=None):
        """A win-back opportunity of declined work is already lost revenue (its declined visit lines
        are in the ledger): losing it again records the reason and stage at zero amount."""
        self.ensure_one()
        if self.service_source == "declined":
            amount = 0.0
        return {
            "kind": kind,
            "date": fields.Date.context_today(self),
            "company_id": self.company_id.id or self.env.company.id,
            "lead_id": self.id,
            "service_line_id": line.id if line else False,
            "stage_id": self.stage_id.id,
            "reason_id": reason.id if reason else False,
            "amount": amount or 0.0,
            "advisor_id": self.user_id.id,
            "partner_id": self.partner_id.id,
            "vehicle_id": self.vehicle_id.id,
            "competitor": line.competitor if line else False,
        }

    def _dealer_mark_recovered(self):
        """A lost service opportunity that is later won counts as recovered (the recovery rate KPI);
        winning a win-back opportunity recovers the declined visit lines it was opened for."""
        Event = self.env["dealer.loss.event"].sudo()
        won = self.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST and lead.won_status == "won")
        if won:
            Event.search(
                [("lead_id", "in", won.ids), ("kind", "in", FULL_LOSS_KINDS), ("recovered", "=", False)]
            ).write({"recovered": True})
        win_back = self.filtered(lambda lead: lead.service_source == "declined" and lead.won_status == "won")
        if win_back:
            lines = self.env["dealer.visit.line"].sudo().search([("service_opportunity_id", "in", win_back.ids)])
            Event.search([("visit_line_id", "in", lines.ids), ("recovered", "=", False)]).write({"recovered": True})

    def _dealer_add_offer(self, offers):
        """On a service booking, an accepted next-best offer becomes a proposed line of its catalogue
        item at the item's price, less the discount of the promotion the offer names (the advisor then
        agrees it with the customer)."""
        self.ensure_one()
        adding = offers.filtered(lambda offer: offer.state == "open")
        if self.dealer_interest == SERVICE_INTEREST and adding:
            Line = self.env["dealer.service.line"]
            Line.create(
                [
                    {
                        **Line._product_vals(
                            offer.product_id, offer.promotion_id.discount_percent, self.company_currency
                        ),
                        "lead_id": self.id,
                        "state": "proposed",
                    }
                    for offer in adding
                ]
            )
        return super()._dealer_add_offer(offers)

    def _dealer_role_own_users(self, role):
        """A service opportunity's responsible person is its service advisor."""
        if role == "service_advisor":
            users = {
                lead.id: lead.user_id for lead in self if lead.dealer_interest == SERVICE_INTEREST and lead.user_id
            }
            rest = self.filtered(lambda lead: lead.id not in users)
            users.update(super(CrmLead, rest)._dealer_role_own_users(role))
            return users
        return super()._dealer_role_own_users(role)

    def _dealer_record_lost(self, reason):
        """Mark the open opportunities lost with ``reason``: service ones write their lost event
        (no-show, appointment or order cancelled, quote declined) into the lost-revenue ledger.

        :param reason: a ``crm.lost.reason`` record or its code (``no_show``, ``price`` …)
        :returns: the leads marked lost
        """
        if isinstance(reason, str):
            code, reason = reason, self.env["crm.lost.reason"]._dealer_by_code(reason)
            if not reason:
                raise UserError(self.env._("%(code)s is not the code of a Lost Reason.", code=code))
        if not reason:
            raise UserError(self.env._("Choose the Lost Reason."))
        leads = self.filtered(lambda lead: lead.active and lead.won_status == "pending")
        if leads:
            kind = "no_show" if reason.dealer_code == "no_show" else None
            leads.with_context(dealer_loss_kind=Mark(kind)).action_set_lost(lost_reason_id=reason.id)
        return leads

    @api.model
    def _dealer_service_opportunity_vals(self, vehicle, name, source, planned_at=None, lines=(), **extra):
        """Values of one service opportunity; every creation path goes through here.

        Lines are only named when there are some: the call centre books visits but may not
        write operations and parts (money).
        """
        vals = {
            "name": name,
            "dealer_interest": SERVICE_INTEREST,
            "type": "opportunity",
            "partner_id": vehicle.partner_id.id,
            "vehicle_id": vehicle.id,
            "company_id": vehicle.company_id.id or self.env.company.id,
            "service_source": source,
            "service_planned_at": planned_at,
            "date_deadline": planned_at and fields.Date.to_date(planned_at),
            **extra,
        }
        if lines:
            vals["service_line_ids"] = [Command.create(dict(line)) for line in lines]
        return vals

    # ------------------------------------------------------------
    # Booking path (the integration API and the customer's booking page)
    # ------------------------------------------------------------

    @api.model
    def _dealer_book_service(self, values):
        """Book a car in: one service opportunity in Scheduling; the API and the booking page call it.

        ``values`` are parsed already: ``partner``, ``vehicle`` (records), ``planned_at`` (UTC naive),
        ``lines`` (service line values), ``source``, and optional ``description`` (HTML), ``comment``
        (plain text), ``external_id``, ``name`` and ``vals`` (more field values, e.g. the bay or the
        reminder the booking came from). The capacity check of the workshop runs on create: a time
        that is no longer free raises ``ServiceSlotTaken`` and nothing is written.
        """
        vehicle, partner = values["vehicle"], values["partner"]
        description = values.get("description")
        if values.get("comment"):
            description = (description or Markup()) + tools.plaintext2html(values["comment"])
        external_id = values.get("external_id")
        extra = dict(values.get("vals") or {})
        # the booking's name is the staff's: in the showroom's language, whoever booked (a customer's page)
        company = self.env["res.company"].browse(extra.get("company_id")) or self.env.company
        env = self.with_context(lang=self._dealer_staff_lang(company)).env
        name = values.get("name") or (
            env._("Service booking %(ref)s: %(vehicle)s", ref=external_id, vehicle=vehicle.display_name)
            if external_id
            else env._("Service booking: %(vehicle)s", vehicle=vehicle.display_name)
        )
        if external_id:
            extra["service_external_id"] = external_id
        return self.with_context(dealer_service_reference=Mark()).create(
            self._dealer_service_opportunity_vals(
                vehicle,
                name,
                values["source"],
                planned_at=values["planned_at"],
                lines=values.get("lines") or (),
                partner_id=partner.id,
                description=description or False,
                **extra,
            )
        )

    def _dealer_service_upcoming(self):
        """A booking still to come: open (not won, not lost) and still in Scheduling.

        Only such a booking may be moved, or cancelled by the customer: once the car is in the
        workshop or the visit is won, its revenue is real and must not move to the loss ledger.
        """
        self.ensure_one()
        return (
            self.active and self.won_status == "pending" and self.stage_id.dealer_service_step in (False, "scheduling")
        )

    def _dealer_reschedule_service(self, planned_at, **vals):
        """Move a booking still in Scheduling to another time (the capacity check runs on write)."""
        self.ensure_one()
        if not self._dealer_service_upcoming():
            raise UserError(self.env._("Only a booking that is still to come can be moved."))
        before = self.service_planned_at
        self.write({"service_planned_at": planned_at, "date_deadline": fields.Date.to_date(planned_at), **vals})
        # for the staff: in the showroom's language and time zone, whoever moved it (a customer's page, the DMS)
        company = self.company_id or self.env.company
        env = self.with_context(lang=self._dealer_staff_lang(company)).env
        tz = company._dealer_tz()

        def local(value):
            return tools.format_datetime(env, value, tz=tz, dt_format="short") if value else "-"

        self.message_post(
            body=env._("Booking moved from %(before)s to %(after)s.", before=local(before), after=local(planned_at))
        )
        return True

    def _dealer_cancel_service(self, reason, comment=None, any_stage=False):
        """The customer cancels: a loss event at the booking's stage with their reason and words.

        Only a booking still to come can be cancelled (nothing is written otherwise), unless
        ``any_stage``: the DMS API records a cancellation at whatever stage the booking is in
        (docs/API.md), the customer's own page never does.
        """
        self.ensure_one()
        if not self.active:
            return self.browse()
        if self.won_status == "won":
            # whatever the stage: a done visit's revenue is real and never moves to the loss ledger
            raise UserError(self.env._("This visit is done: a won booking cannot be cancelled."))
        if not any_stage and not self._dealer_service_upcoming():
            raise UserError(
                self.env._(
                    "This booking can no longer be cancelled online: the car is already in the workshop "
                    "or the visit is done. Please call us."
                )
            )
        if comment:
            self.message_post(body=comment)
        self.action_set_lost(lost_reason_id=reason.id)
        event = self.sudo().loss_event_ids.filtered(lambda event: event.kind in FULL_LOSS_KINDS)[:1]
        if comment and event:
            event.note = comment  # the customer's own words, beside their reason in the ledger
        return event

    # ------------------------------------------------------------
    # Integration API
    # ------------------------------------------------------------

    @api.model
    def _dealer_service_booking_from_api(self, payload):
        """``POST /dealer/api/v1/service-bookings`` (API.md): a booking becomes an opportunity in Scheduling."""
        external_id = inp.text(payload, "external_id", required=True, max_len=128)
        existing = self._dealer_service_by_reference(external_id)
        if existing:
            return {**existing._dealer_booking_response(), "replayed": True}
        values = self._dealer_parse_booking(payload)
        Partner, Vehicle = self.env["res.partner"], self.env["dealer.vehicle"]
        # an anonymous booking never writes on a car the register knows (its owner, its plate)
        vehicle = Vehicle._api_vehicle(values["vin"], values["plate"], create=False, fill_plate=False)
        new_car = not vehicle
        if new_car:
            vehicle = Vehicle._api_vehicle(values["vin"], values["plate"])
        owner = vehicle.partner_id
        # a plate or VIN typed into a web form proves nothing about whose car it is: a booking whose phone
        # and e-mail are not the owner's is the requester's (their confirmation, their no-show), noted
        partner = owner if owner and self._dealer_booker_is_owner(owner, values) else Partner
        description = tools.plaintext2html(values["comment"]) if values["comment"] else False
        if not partner:
            partner, _created = Partner._dealer_api_partner(
                name=values["name"], phone=values["phone"], email=values["email"], vin=None if owner else vehicle.vin
            )
            if new_car:
                vehicle.partner_id = partner
            elif owner:
                note = self.env._(
                    "The car is registered to %(owner)s; the booking names %(name)s, whose phone and e-mail are "
                    "not the owner's. Check who brings the car.",
                    owner=owner.display_name,
                    name=partner.display_name,
                )
                description = Markup("<p>%s</p>") % note + (description or "")
            else:
                note = self.env._(
                    "The car has no owner in the register; the booking names %(name)s. Set the owner once checked.",
                    name=partner.display_name,
                )
                description = Markup("<p>%s</p>") % note + (description or "")
        if values["mileage_km"]:
            doubt = vehicle._odometer_doubt(values["mileage_km"])
            if not new_car and partner != owner:
                # nor its odometer: a stranger's reading would move the owner's projected mileage, next service
                # and reminders; the advisor reads it on the booking and takes it when the car comes in
                note = self.env._(
                    "The booking gives %(km)s km; not recorded on the car: only its registered owner's bookings "
                    "record a reading.",
                    km=values["mileage_km"],
                )
                description = Markup("<p>%s</p>") % note + (description or "")
            elif doubt:
                description = Markup("<p>%s</p>") % doubt + (description or "")
            else:
                # with the integration user's rights: a reading of a car of its own showroom
                self.env["dealer.vehicle.odometer"].create(
                    {"vehicle_id": vehicle.id, "value_km": values["mileage_km"], "source": "api"}
                )
        booking = {
            "partner": partner,
            "vehicle": vehicle,
            "planned_at": values["planned_at"],
            "lines": values["lines"],
            "source": values["source"],
            "description": description,
            "external_id": external_id,
        }
        try:
            with self.env.cr.savepoint():
                lead = self._dealer_book_service(booking)
        except ServiceSlotTaken as exc:
            # the workshop's capacity check: the time is taken (answered 409, naming planned_at); any
            # other refusal of the booking is bad input (400)
            raise ServiceSlotRefused(str(exc)) from None
        return {**lead._dealer_booking_response(), "replayed": False}

    @api.model
    def _dealer_booker_is_owner(self, owner, values):
        """Whether the request's phone or e-mail is the car owner's, or a contact's of the owner's company."""
        people = owner | owner.commercial_partner_id | owner.commercial_partner_id.child_ids
        email = tools.email_normalize(values["email"] or "")
        return bool(
            (values["phone"] and values["phone"] in people.mapped("phone_sanitized"))
            or (email and email in people.mapped("email_normalized"))
        )

    @api.model
    def _dealer_parse_booking(self, payload):
        phone = self.env["res.partner"]._dealer_api_normalize_phone(inp.text(payload, "phone", max_len=64))
        email = inp.email(payload)
        if not phone and not email:
            raise inp.ApiInputError("phone", _lt("phone or email is required"))
        vin = inp.text(payload, "vin", max_len=40)
        plate = inp.text(payload, "plate", max_len=20)
        if not vin and not plate:
            raise inp.ApiInputError("vin", _lt("vin or plate is required"))
        lines = []
        for op in inp.items(payload, "operations"):
            lines.append(
                {
                    "code": inp.text(op, "code", max_len=64),
                    "name": inp.text(op, "name", required=True, max_len=256),
                    "amount": inp.number(op, "amount", required=True, minimum=0),
                    "state": "proposed",
                }
            )
        self.env["product.template"]._dealer_link_catalogue(lines)
        return {
            "phone": phone,
            "email": email,
            "vin": vin,
            "plate": plate,
            "name": inp.text(payload, "name", max_len=256),
            "mileage_km": inp.number(payload, "mileage_km", minimum=0, integer=True),
            "planned_at": inp.timestamp(payload, "planned_at", required=True),
            "source": inp.choice(payload, "source", ["web", "phone", "oem", "campaign", "reminder"], default="web"),
            "comment": inp.text(payload, "comment", max_len=4000),
            "lines": lines,
        }

    @api.model
    def _dealer_service_lead_from_import(self, payload, source):
        """One row of an imported aftersales list; rows sharing an external_id add lines to one opportunity."""
        external_id = inp.text(payload, "external_id", required=True, max_len=128)
        op = payload["operations"][0]
        line = {
            "name": inp.text(op, "name", required=True, max_len=256),
            "code": inp.text(op, "code", max_len=64),
            "amount": inp.number(op, "amount", minimum=0) or 0.0,
        }
        self.env["product.template"]._dealer_link_catalogue([line])
        due = inp.day(payload, "planned_at")
        existing = self._dealer_service_by_reference(external_id)
        if existing:
            existing.write({"service_line_ids": [Command.create(line)]})
            return existing
        vin, plate = inp.text(payload, "vin", max_len=40), inp.text(payload, "plate", max_len=20)
        if not vin and not plate:
            raise inp.ApiInputError("vin", _lt("vin or plate is required"))
        Partner = self.env["res.partner"]
        phone = Partner._dealer_api_normalize_phone(inp.text(payload, "phone", max_len=64))
        email = inp.email(payload)
        vehicle = self.env["dealer.vehicle"]._api_vehicle(vin, plate)
        if not vehicle.partner_id and (phone or email or payload.get("name")):
            vehicle.partner_id = Partner._dealer_api_partner(
                name=inp.text(payload, "name", max_len=256), phone=phone, email=email, vin=vehicle.vin
            )[0]
        vals = self._dealer_service_opportunity_vals(
            vehicle,
            self.env._(
                "%(origin)s lead %(ref)s: %(vehicle)s",
                origin=source.upper(),
                ref=external_id,
                vehicle=vehicle.display_name,
            ),
            source,
            lines=[line],
            service_external_id=external_id,
        )
        vals["date_deadline"] = due
        return self.with_context(dealer_service_reference=Mark()).create(vals)

    @api.model
    def _dealer_service_by_reference(self, external_id):
        """The service opportunity of this booking reference in the current showroom, archived too."""
        return self.with_context(active_test=False).search(
            [("service_external_id", "=", external_id), ("company_id", "in", [self.env.company.id, False])], limit=1
        )

    def _dealer_booking_response(self):
        self.ensure_one()
        return {
            "opportunity_id": self.id,
            "partner_id": self.partner_id.id,
            "vehicle_id": self.vehicle_id.id,
            "stage": "scheduled",
            "expected_revenue": self.expected_revenue,
        }

    @api.model
    def _dealer_service_booking_cancel_from_api(self, external_id, payload):
        """``POST .../service-bookings/{external_id}/cancel``: a lost event at the booking's current stage."""
        lead = self._dealer_service_by_reference(external_id)
        if not lead:
            raise inp.ApiNotFound(f"no service booking {external_id}")
        code = inp.text(payload, "reason", required=True, max_len=64)
        reason = self.env["crm.lost.reason"]._dealer_by_code(code)
        if not reason:
            raise inp.ApiInputError("reason", _lt("reason %(code)s is not a known loss reason code"), code=code)
        comment = inp.text(payload, "comment", max_len=4000)
        if lead.active and lead.won_status == "won":
            raise ServiceBookingDone(external_id)
        lead._dealer_cancel_service(reason, comment, any_stage=True)
        event = lead.loss_event_ids.filtered(lambda e: e.kind in FULL_LOSS_KINDS)[:1]
        return {"opportunity_id": lead.id, "loss_event_id": event.id, "lost_amount": event.amount}

    # ------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------

    @api.model
    def _cron_dealer_detect_no_show(self):
        """Bookings still in Scheduling some minutes after their planned time are no-shows."""
        grace = service_param(self.env, "no_show_grace_minutes")
        limit = fields.Datetime.now() - timedelta(minutes=grace)
        # sudo: the linked visits are a field of the service roles, whoever the cron runs as
        leads = self.sudo().search(
            [
                ("dealer_interest", "=", SERVICE_INTEREST),
                ("stage_id.dealer_service_step", "=", "scheduling"),
                ("service_planned_at", "<", limit),
                ("service_work_visit_ids", "=", False),  # the car came: a visit carries the booking out
            ]
        )
        reason = self.env["crm.lost.reason"]._dealer_by_code("no_show")
        leads = self.browse(leads.ids)
        if leads:
            # the automation rules run on each lost booking look up the same role's person: once
            batch = leads._dealer_role_memo_context()
            try:
                batch.with_context(dealer_loss_kind=Mark("no_show")).action_set_lost(lost_reason_id=reason.id)
            finally:
                batch._dealer_role_memo_drop()
        return leads

    @api.model
    def _cron_dealer_deferred_not_done(self):
        """Deferred work still open long after its due date is lost as 'deferred and never done'."""
        grace = service_param(self.env, "deferred_grace_days")
        limit = fields.Date.context_today(self) - timedelta(days=grace)
        leads = self.sudo().search(
            [
                ("dealer_interest", "=", SERVICE_INTEREST),
                ("service_source", "=", "visit"),
                ("won_status", "=", "pending"),
                ("date_deadline", "<", limit),
                ("service_work_visit_ids", "=", False),
            ]
        )
        reason = self.env["crm.lost.reason"]._dealer_by_code("deferred_not_done")
        leads = self.browse(leads.ids)
        if leads:
            # the automation rules run on each lost booking look up the same role's person: once
            batch = leads._dealer_role_memo_context()
            try:
                batch.with_context(dealer_loss_kind=Mark("deferred_not_done")).action_set_lost(lost_reason_id=reason.id)
            finally:
                batch._dealer_role_memo_drop()
        return leads
