import logging
from ast import literal_eval
from datetime import timedelta

import psycopg2
import pytz
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import api_input as inp
from ..tools.marks import Mark, marked
from ..tools.system_fields import may_write_system_fields, refuse_system_fields
from ..tools.translated import Translated
from ..tools.vin import normalize_vin, vin_problem
from ..tools.work_time import work_seconds_before
from .crm_stage import NEGOTIATION_STEPS
from .res_partner import LIFECYCLE_RANK, MONEY_GROUP

_logger = logging.getLogger(__name__)


DEALER_CHANNELS = [
    ("web", "Website"),
    ("phone", "Phone call"),
    ("walk_in", "Walk-in"),
    ("oem", "Manufacturer (OEM)"),
    ("campaign", "Campaign"),
    ("messenger", "Messenger"),
    ("referral", "Referral"),
]

DEALER_INTERESTS = [
    ("new_car", "New car"),
    ("used_car", "Used car"),
    ("trade_in", "Trade-in"),
    ("finance", "Financing"),
    ("insurance", "Insurance"),
    ("service", "Service"),
    ("parts", "Parts"),
    ("accessories", "Accessories"),
]


# Stage step → the role the deal is handed to (the team's F&I manager, documents clerk, cashier)
HANDOFF_ROLES = {"fi": "fi_manager", "contract": "documents_clerk", "payment": "cashier"}
# Escalation level target → the role it names on the lead ("user": the level's own user)
ESCALATION_ROLES = {"responsible": "responsible", "team_head": "sales_head", "director": "director"}
LIFECYCLE_FIELDS = {"partner_id", "stage_id", "dealer_interest", "trade_in_vehicle_id", "test_drive_date", "active"}


MISSED_CALL = "missed_call"
ESCALATION_BATCH = 1000
# A service lead, in dealer_crm and the addons built on it: what the customer wants is service
# (the service opportunities of the aftersales pipeline always carry it). Service leads get no
# sales response clock and come in on the service phone line.
SERVICE_INTEREST = "service"
CALL_LINES = ["sales", "service"]
# a reported or logged call's times beyond these are a typo or a broken PBX export, not a call
MAX_RING_SECONDS = 3600
MAX_DURATION_SECONDS = 86400
# minutes a telephony's clock may run ahead of the server's: a call reported later than that is refused
CALL_CLOCK_SKEW_MINUTES = 5
# what stopping the response clock writes (``_dealer_stop_clocks``)
CONTACT_FIELDS = [
    "dealer_first_contact_date",
    "dealer_first_contact_kind",
    "dealer_first_contact_call_id",
    "dealer_response_minutes",
    "dealer_response_work_minutes",
    "dealer_response_in_policy",
    "dealer_sla_state",
    "dealer_next_escalation_date",
]
# the response clock and the escalation: written by the application only (a person cannot mark a late lead
# answered in time, nor stop its escalation)
CLOCK_FIELDS = (
    "dealer_sla_start",
    "dealer_sla_deadline",
    *CONTACT_FIELDS,
    "dealer_escalation_level",
    "dealer_escalation_level_id",
    "dealer_call_count",
)
# what an API request may propose for an existing customer's card (a person applies it)
PROPOSABLE = ("phone", "email", "consent_email", "consent_sms", "consent_telegram")


class CrmLead(models.Model):
    """A sales lead of the dealership: its car, routing, response clock, hand-offs and the integration API.

    Sections: fields, CRUD, stages, the sales process, routing, the response clock and its
    escalation (the clock starts when a lead arrives, ``_dealer_start_sla``, or a call is missed,
    ``_dealer_register_missed_call``; only the first real human contact stops it — an answered call
    long enough to be a conversation, ``_dealer_register_calls``, or a message a person wrote to the
    customer, ``_dealer_register_contact`` — and records the response time in working hours too;
    ``_cron_dealer_escalate`` walks unanswered leads up the ``dealer.sla.escalation`` chain),
    automation steps, reservations, and the integration API (leads and calls).
    """

    _inherit = "crm.lead"

    # Odoo's deal amounts are money: the call centre reads every lead of its showroom but no money
    # (a service opportunity's amount is the sum of its operations and parts); Odoo's salespeople
    # and the dealership roles that see money keep them, in every view, report and RPC.
    expected_revenue = fields.Monetary(groups=f"sales_team.group_sale_salesman,{MONEY_GROUP}")
    prorated_revenue = fields.Monetary(groups=f"sales_team.group_sale_salesman,{MONEY_GROUP}")
    # the recurring revenues too (Odoo's "Recurring revenues" setting shows them to every employee)
    recurring_revenue = fields.Monetary(groups=f"sales_team.group_sale_salesman,{MONEY_GROUP}")
    recurring_revenue_monthly = fields.Monetary(groups=f"sales_team.group_sale_salesman,{MONEY_GROUP}")
    recurring_revenue_monthly_prorated = fields.Monetary(groups=f"sales_team.group_sale_salesman,{MONEY_GROUP}")
    recurring_revenue_prorated = fields.Monetary(groups=f"sales_team.group_sale_salesman,{MONEY_GROUP}")

    dealer_channel = fields.Selection(
        DEALER_CHANNELS,
        string="Channel",
        default="web",
        index=True,
        help="How the request reached the dealership.",
    )
    dealer_interest = fields.Selection(
        DEALER_INTERESTS,
        string="Interest",
        default="new_car",
        index=True,
        help="What the customer wants from the dealership.",
    )
    vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Vehicle of interest",
        index="btree_not_null",
        check_company=True,
        help="The car offered or sold in this deal; on won it becomes the customer's car.",
    )
    trade_in_vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Trade-in vehicle",
        index="btree_not_null",
        check_company=True,
        help="The customer's current car offered in part exchange.",
    )
    vehicle_model_text = fields.Char(string="Model asked for", help="The model as the customer named it.")
    budget = fields.Monetary(
        currency_field="company_currency",
        groups="dealer_crm.group_dealer_see_money",
        copy=False,  # a duplicate made by a user who may not see money must not fail on reading it
        help="What the customer means to spend on the car, as told at the needs analysis.",
    )
    test_drive_date = fields.Datetime(string="Test drive")
    credit_state = fields.Selection(
        [("none", "No credit"), ("applied", "Applied"), ("approved", "Approved"), ("refused", "Refused")],
        string="Credit",
        default="none",
        help="Where the customer's car loan application stands; kept up to date by the F&I manager.",
    )

    dealer_sla_start = fields.Datetime(
        string="Response clock started",
        readonly=True,
        copy=False,
        help="When the request arrived (or the missed call came in) and the response clock started.",
    )
    dealer_sla_deadline = fields.Datetime(
        string="Respond before",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The latest moment for the first contact, from the response-time policy of the channel.",
    )
    dealer_sla_state = fields.Selection(
        [("running", "Waiting for first contact"), ("met", "Answered in time"), ("late", "Answered late")],
        string="Response",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Whether the customer was contacted within the response time of the lead's channel.",
    )
    dealer_first_contact_date = fields.Datetime(
        string="First contact",
        readonly=True,
        copy=False,
        help="When a person first really reached the customer: an answered call long enough to be a "
        "conversation, or a message written to the customer by an employee.",
    )
    dealer_first_contact_kind = fields.Selection(
        [("call", "Call"), ("message", "Message")],
        string="First contact by",
        readonly=True,
        copy=False,
        help="What stopped the response clock: a call of the call journal or a message written to the customer.",
    )
    dealer_first_contact_call_id = fields.Many2one(
        "dealer.call",
        string="First contact call",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The call that stopped the response clock; whether the telephony reported it or a person "
        "logged it by hand is on the call.",
    )
    dealer_response_minutes = fields.Float(
        string="Response time (min)",
        readonly=True,
        copy=False,
        digits=(10, 1),
        aggregator="avg",
        help="Minutes from the start of the response clock to the first real contact.",
    )
    dealer_response_work_minutes = fields.Float(
        string="Response time, working hours (min)",
        readonly=True,
        copy=False,
        digits=(10, 1),
        aggregator="avg",
        help="Working minutes from the start of the response clock to the first real contact, in the working "
        "hours of the showroom (its company's working schedule): nights, weekends and holidays do not count.",
    )
    dealer_response_in_policy = fields.Float(
        string="Answered in time (%)",
        readonly=True,
        copy=False,
        digits=(10, 1),
        aggregator="avg",
        help="100 when the first real contact was within the response-time policy, 0 when late; "
        "averaged over leads it is the share answered in time.",
    )
    dealer_escalation_level = fields.Integer(
        string="Escalations",
        readonly=True,
        copy=False,
        help="How many steps of the escalation chain this lead has gone up while nobody answered.",
    )
    dealer_escalation_level_id = fields.Many2one(
        "dealer.sla.escalation",
        string="Last escalation step",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The step of the escalation chain this lead climbed last: it climbs the one after it, wherever "
        "the chain's steps have been moved since.",
    )
    dealer_next_escalation_date = fields.Datetime(
        string="Next escalation",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    dealer_card_proposal = fields.Json(
        string="Proposed card changes",
        readonly=True,
        copy=False,
        help="What the integration request said about an existing customer (phone, e-mail, consent): "
        "never written to the card by the request itself, only by a person who checked it.",
    )
    dealer_card_proposal_pending = fields.Boolean(compute="_compute_dealer_card_proposal_pending")
    dealer_next_offer_ids = fields.Many2many(
        "dealer.next.offer",
        string="Next best offers",
        compute="_compute_dealer_next_offer_ids",
        groups="dealer_crm.group_dealer_user",
        help="What the customer is likely to buy next for this car (or their cars), each with its reason.",
    )
    dealer_call_ids = fields.One2many("dealer.call", "lead_id", string="Calls")
    dealer_call_count = fields.Integer(
        string="Calls (count)",
        compute="_compute_dealer_call_count",
        store=True,
        aggregator="avg",
        help="Calls with the customer about this lead (on average per lead in the analysis).",
    )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("user_id", "team_id", "partner_id")
    def _compute_company_id(self):
        """A dealership deal keeps its showroom when Odoo would leave it with none.

        Odoo drops a lead's company when its team has no company and nobody is assigned (and the customer's
        card is shared): a head clearing the salesperson to re-route a deal, or routing to a team, would
        then make it readable, and takeable, by every showroom. A team, salesperson or customer of a
        showroom still moves it there, as in Odoo.
        """
        before = {lead: lead.company_id for lead in self}
        res = super()._compute_company_id()
        for lead in self:
            if lead.company_id or not lead.team_id.dealer_is_dealership:
                continue
            previous = before[lead]
            if previous and (not lead.user_id or previous in lead.user_id.company_ids):
                lead.company_id = previous
            elif lead.user_id:
                # a salesperson of none of the writer's selected showrooms: the salesperson's showroom
                lead.company_id = lead.user_id.company_id
        return res

    @api.depends("dealer_card_proposal")
    def _compute_dealer_card_proposal_pending(self):
        for lead in self:
            lead.dealer_card_proposal_pending = bool(lead.dealer_card_proposal)

    @api.depends("dealer_call_ids")
    def _compute_dealer_call_count(self):
        counts = dict(
            self.env["dealer.call"].sudo()._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["__count"])
        )
        for lead in self:
            lead.dealer_call_count = counts.get(lead._origin, 0)

    @api.depends("vehicle_id", "partner_id")
    def _compute_dealer_next_offer_ids(self):
        """The open offers of the lead's car, else of its customer's cars (one search for all leads)."""
        offers = self.env["dealer.next.offer"].search(
            [
                ("state", "=", "open"),
                "|",
                ("vehicle_id", "in", self.vehicle_id.ids),
                ("partner_id", "in", self.partner_id.ids),
            ]
        )
        for lead in self:
            own = offers.filtered(lambda o, lead=lead: o.vehicle_id == lead.vehicle_id) if lead.vehicle_id else None
            lead.dealer_next_offer_ids = own or offers.filtered(
                lambda o, lead=lead: lead.partner_id and o.partner_id == lead.partner_id
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """New leads are routed and their response clock starts at once (``_dealer_sla_skipped``: the
        application's own leads, an administrator's import of past leads); a deal created won
        delivers its car.

        Routing and the clock are decided before the INSERT and written with it: one write cycle
        per lead instead of three (create, then routing, then clock), which is what lets the
        integration API take a burst of web leads.
        """
        refuse_system_fields(self, vals_list, CLOCK_FIELDS)
        # what an anonymous request said about the card: the API's to write (a proposal typed in would be applied
        # by a colleague as the customer's consent), a person's to apply or dismiss
        if not marked(self.env, "dealer_api_proposal"):
            refuse_system_fields(self, vals_list, ["dealer_card_proposal"])
        if not self._dealer_sla_skipped():
            vals_list = self._dealer_presets(vals_list)
        leads = super().create(vals_list)
        deals = leads._dealer_deals()
        won = deals.filtered(lambda lead: lead.won_status == "won")
        won._dealer_check_won_data()
        deals._dealer_sync_lifecycle()
        won._dealer_deliver()
        return leads

    def write(self, vals):
        """Winning checks the customer's data and delivers the car; a stage move hands the deal to the
        next department. A stage move does not stop the response clock: moving a card is no contact
        with the customer (only a call or a person's message is, see ``_dealer_register_contact``)."""
        refuse_system_fields(self, [vals], [*CLOCK_FIELDS, "dealer_card_proposal"])
        was_won = {lead.id for lead in self if lead.won_status == "won"}
        if vals.get("stage_id") and self.env["crm.stage"].browse(vals["stage_id"]).is_won:
            self._dealer_deals(vals).filtered(lambda lead: lead.id not in was_won)._dealer_check_won_data(vals)
        old_stage = {lead.id: lead.stage_id for lead in self} if "stage_id" in vals else {}
        # the showroom follows the team and the salesperson too (crm's computed company)
        waiting = (
            {lead.id: lead.company_id for lead in self if lead.dealer_next_escalation_date}
            if {"company_id", "team_id", "user_id", "partner_id"} & set(vals)
            else {}
        )
        res = super().write(vals)
        if waiting:
            # another showroom, another escalation chain: the next step is that chain's
            self.filtered(
                lambda lead: lead.id in waiting and lead.company_id != waiting[lead.id]
            )._dealer_reschedule_escalation()
        deals = self._dealer_deals()
        newly_won = deals.filtered(lambda lead: lead.won_status == "won" and lead.id not in was_won)
        newly_won._dealer_check_won_data()
        if old_stage:
            deals.filtered(lambda lead: lead.stage_id != old_stage[lead.id])._dealer_schedule_handoff()
        if LIFECYCLE_FIELDS & set(vals):
            deals._dealer_sync_lifecycle()
        newly_won._dealer_deliver()
        return res

    def message_post(self, **kwargs):
        """A message written to the customer by an employee themselves is a first contact
        (``_dealer_is_human_message``) when it went to the customer (``_dealer_message_reached_customer``:
        the lead's contact or e-mail among its recipients); automatic replies, templates sent by rules,
        notes and messages that reached only colleagues are not."""
        message = super().message_post(**kwargs)
        # a message sent to many records at once (the composer in batch mode) is no personal contact
        if (
            self._dealer_is_human_message(message)
            and not self.env.context.get("mail_post_autofollow_author_skip")
            and self._dealer_message_reached_customer(message, self.partner_id, self.email_from)
        ):
            self._dealer_register_contact(message.date, kind="message")
        return message

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_dealer_contacted(self):
        """The former "Contacted" button, kept so that the lead form of an earlier version still loads
        while the addon is upgraded: a click proves no contact any more (the clock stops on a call or a
        message itself), so it opens "Log a call"."""
        return self.action_dealer_log_call()

    def action_dealer_reserve_vehicle(self):
        """Open a new reservation for this deal, with its car when that car is in stock."""
        self.ensure_one()
        vehicle = self.vehicle_id if self.vehicle_id.state == "stock" else self.env["dealer.vehicle"]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reserve a car"),
            "res_model": "dealer.reservation",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_lead_id": self.id,
                "default_vehicle_id": vehicle.id,
                "default_user_id": self.user_id.id,
            },
        }

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
        self.action_dealer_dismiss_card_proposal()

    def action_dealer_dismiss_card_proposal(self):
        self.check_access("write")
        self.sudo().dealer_card_proposal = False

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        """A customer card made from a dealership lead belongs to the lead's showroom (Odoo's contacts are
        shared by every company: the other showrooms would see and match it); a contact person under a
        company card, to that card's showroom."""
        values = super()._prepare_customer_values(partner_name, is_company=is_company, parent_id=parent_id)
        if self.team_id.dealer_is_dealership and self.company_id:
            parent = self.env["res.partner"].browse(parent_id)
            values["company_id"] = parent.company_id.id if parent else self.company_id.id
        return values

    def copy_data(self, default=None):
        """A duplicate made by someone who may not read the deal's amounts (the call centre) leaves them out."""
        hidden = [
            name
            for name in ("expected_revenue", "recurring_revenue")
            if not self._has_field_access(self._fields[name], "read")
        ]
        if not hidden:
            return super().copy_data(default)
        vals_list = super().copy_data({**(default or {}), **dict.fromkeys(hidden, 0.0)})  # not read
        for vals in vals_list:
            for name in hidden:
                vals.pop(name, None)
        return vals_list

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
    # Next best offers
    # ------------------------------------------------------------

    def _dealer_add_offer(self, offers):
        """Accept next-best ``offers`` on this lead (its "Add" button).

        The base notes them on the lead and marks them accepted, so that they are not offered
        again; lost sales adds them to a service booking as service lines, the sale bridge to the
        deal's quotation (both extend this method and call it last).

        :returns: the offers accepted now (those still open)
        """
        self.ensure_one()
        offers = offers.filtered(lambda offer: offer.state == "open")
        if offers:
            self.message_post(body=offers._note_accepted(self), subtype_xmlid="mail.mt_note")
            offers._mark_accepted(self)
        return offers

    # ------------------------------------------------------------
    # Which leads are the dealership's
    # ------------------------------------------------------------

    def _dealer_deals(self, vals=None):
        """The leads that follow the dealership's rules; Odoo's own CRM keeps its behaviour for the rest.

        A dealership deal belongs to a dealership team, or is about a car (a vehicle of
        interest or a trade-in), or comes through the dealership's own channels (the
        integration API, or the ``dealer_lead`` context of the dealership's screens). With
        ``vals``, the values about to be written decide instead of the stored ones.
        """
        vals = vals or {}
        channel = self.env.context.get("dealer_lead") or self.env.user.has_group("dealer_crm.group_integration")
        Team, Vehicle = self.env["crm.team"], self.env["dealer.vehicle"]
        return self.filtered(
            lambda lead: (Team.browse(vals["team_id"]) if "team_id" in vals else lead.team_id).dealer_is_dealership
            or (Vehicle.browse(vals["vehicle_id"]) if "vehicle_id" in vals else lead.vehicle_id)
            or lead.trade_in_vehicle_id
            or channel
        )

    # ------------------------------------------------------------
    # Stages: a dealership team works in its own pipeline
    # ------------------------------------------------------------

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        """The deals of dealership teams move through their teams' own stages.

        Odoo's generic stages (no team) stay shared by every other team, as Odoo's own CRM and
        its lead scoring expect; a dealership team falls back to them only when it has none of
        its own that fit.
        """
        teams = self.env["crm.team"].browse(team_id) | self.team_id
        if teams and all(teams.mapped("dealer_is_dealership")):
            own = self.env["crm.stage"].search(
                [("team_ids", "in", teams.ids), *(domain or [])], order=order, limit=limit
            )
            if own:
                return own
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """The pipeline of a dealership team shows its own stages, not Odoo's generic ones."""
        team = self.env["crm.team"].browse(self.env.context.get("default_team_id")).exists()
        if not team.dealer_is_dealership:
            return super()._read_group_stage_ids(stages, domain)
        stage_ids = stages.sudo()._search(
            ["|", ("id", "in", stages.ids), ("team_ids", "in", team.ids)], order=stages._order
        )
        return stages.browse(stage_ids)

    # ------------------------------------------------------------
    # Dealership sales process
    # ------------------------------------------------------------

    def _dealer_check_won_data(self, vals=None):
        """No car is sold without complete customer data (docs/DOMAIN.md §3).

        Called with the values about to be written, so that nothing is written when data is missing.
        """
        vals = vals or {}
        for lead in self:
            partner = self.env["res.partner"].browse(vals["partner_id"]) if "partner_id" in vals else lead.partner_id
            vehicle = self.env["dealer.vehicle"].browse(vals["vehicle_id"]) if "vehicle_id" in vals else lead.vehicle_id
            missing = lead._dealer_won_missing_data(partner, vehicle)
            if missing:
                raise UserError(
                    self.env._(
                        "The deal “%(deal)s” cannot be won: fill in %(fields)s first.",
                        deal=vals.get("name", lead.name),
                        fields=", ".join(missing),
                    )
                )

    def _dealer_won_missing_data(self, partner, vehicle):
        """What is missing to sell ``vehicle`` to ``partner`` on this deal: a list of readable names.

        A private buyer's identity document goes into the sales contract: its number, issuer and
        issue date are required when the deal's showroom says so (Settings > Dealership); not
        for a company, nor for a service opportunity. Read with sudo: whoever wins the deal
        learns whether the data is there, not what it is.
        """
        missing = []
        if not partner:
            missing.append(self.env._("customer"))
        else:
            if not partner.name:
                missing.append(self.env._("customer name"))
            if not (partner.phone or partner.email):
                missing.append(self.env._("customer phone or e-mail"))
            company = self.company_id[:1] or self.env.company
            private_car_buyer = (
                self.dealer_interest != SERVICE_INTEREST and not partner.commercial_partner_id.is_company
            )
            if company.dealer_require_identity and private_car_buyer:
                identity = partner.sudo()
                if not identity.dealer_id_number:
                    missing.append(self.env._("passport series and number"))
                if not identity.dealer_id_issued_by:
                    missing.append(self.env._("passport issued by"))
                if not identity.dealer_id_issue_date:
                    missing.append(self.env._("passport issue date"))
        if not vehicle:
            missing.append(self.env._("vehicle sold"))
        return missing

    def _dealer_deliver(self):
        """A won deal delivers its car: the vehicle is sold to the customer today.

        A service opportunity's car is the customer's already: handing it back after the work
        is no sale, the car keeps its state, owner and delivery date (warranty, reminders).
        Written with the rights of whoever wins the deal: a car they may not change (another
        showroom's) is refused, not rewritten behind their back.
        """
        today = fields.Date.context_today(self)
        sales = self.filtered(lambda lead: lead.vehicle_id and lead.dealer_interest != SERVICE_INTEREST)
        for partner, leads in sales.grouped("partner_id").items():
            leads.vehicle_id.with_context(dealer_vehicle_state=Mark()).write(
                {"state": "sold", "partner_id": partner.id, "delivery_date": today}
            )
        self.partner_id._dealer_lifecycle_advance("customer", "won", refs={lead.partner_id.id: lead for lead in self})

    def _dealer_sync_lifecycle(self):
        """Move the customers of these leads along the life cycle (set-based, forward only)."""
        open_leads = self.filtered(lambda lead: lead.partner_id and lead.won_status != "won")
        if not open_leads:
            return
        refs = {lead.partner_id.id: lead for lead in open_leads}
        open_leads.partner_id._dealer_lifecycle_advance("lead", "lead", refs=refs)
        trade_ins = open_leads.filtered(
            lambda lead: (lead.dealer_interest == "trade_in" or lead.trade_in_vehicle_id)
            and LIFECYCLE_RANK[lead.partner_id.dealer_stage or "prospect"] >= LIFECYCLE_RANK["customer"]
        )
        trade_ins.partner_id._dealer_lifecycle_advance("trade_in", "trade_in", refs=refs)
        negotiating = open_leads.filtered(
            lambda lead: lead.stage_id.dealer_step in NEGOTIATION_STEPS or lead.test_drive_date
        )
        negotiating.partner_id._dealer_lifecycle_advance("negotiation", "negotiation", refs=refs)

    def _dealer_schedule_handoff(self):
        """Entering F&I, paperwork or payment hands the deal to the next department (docs/DOMAIN.md §3):
        a task for the team's person of the role, else a user of the role in the deal's showroom."""
        for step, leads in (
            self.filtered(lambda lead: lead.stage_id.dealer_step in HANDOFF_ROLES)
            .grouped(lambda lead: lead.stage_id.dealer_step)
            .items()
        ):
            # written in each assignee's language, not the one of whoever moved the deal
            leads._dealer_schedule_role_activity(
                HANDOFF_ROLES[step],
                summary=Translated.of_text(
                    self.env, lambda env, step=step: self.with_env(env)._dealer_handoff_summary(step)
                ),
                note={
                    lead.id: Translated.of_text(
                        self.env, lambda env, lead=lead: env._("Deal “%(deal)s” has reached this step.", deal=lead.name)
                    )
                    for lead in leads
                },
                notify=True,
            )

    def _dealer_handoff_summary(self, step):
        return {
            "fi": self.env._("Prepare credit and insurance"),
            "contract": self.env._("Prepare the contract"),
            "payment": self.env._("Take the payment"),
        }[step]

    # ------------------------------------------------------------
    # New leads: routing and response clock decided before the INSERT
    # ------------------------------------------------------------

    @api.model
    def _dealer_presets(self, vals_list):
        """Return ``vals_list`` with the salesperson, team and response clock of new leads.

        Each lead is probed as an in-memory record with the values it will be created with
        (defaults and the creator's team included), so the decision is the one
        ``_dealer_route`` and ``_dealer_set_clock`` take on a saved lead. Routing is the
        dealership's decision, not the creator's: it runs as superuser, so a receptionist
        or the API user need no rights on teams.
        """
        defaults = self.default_get(["user_id", "active", "type", "team_id", "dealer_channel", "dealer_interest"])
        leads = self.sudo()
        default_teams = {}
        probe_list, team_presets = [], {}
        for index, vals in enumerate(vals_list):
            values = {**defaults, **vals}
            if not values.get("team_id") and values.get("user_id"):
                # crm.lead's own default team of the salesperson (_compute_team_id), once per user and type
                key = (values["user_id"], values.get("type"))
                if key not in default_teams:
                    domain = [("use_leads" if values.get("type") == "lead" else "use_opportunities", "=", True)]
                    default_teams[key] = self.env["crm.team"]._get_default_team_id(user_id=key[0], domain=domain).id
                values["team_id"] = team_presets[index] = default_teams[key]
            probe_list.append(leads.new(values))
        probes = leads.browse().concat(*probe_list)  # not ``leads.concat``: ``self`` is the original on copy()
        # _dealer_sla_eligible() before the won/lost status exists: a new lead is lost only when
        # archived, won only when created in a won stage
        Stage = self.env["crm.stage"].sudo()
        eligible = (
            leads.browse()
            .concat(
                *(
                    probe
                    for probe, vals in zip(probes, vals_list, strict=True)
                    if probe.active
                    and probe.dealer_interest != SERVICE_INTEREST
                    and not Stage.browse(vals.get("stage_id")).is_won
                )
            )
            ._dealer_deals()
        )
        # the default team goes into the values too: crm.lead would search it again for every lead
        vals_list = [
            {"team_id": team_presets[i], **vals} if i in team_presets else dict(vals)
            for i, vals in enumerate(vals_list)
        ]
        if not eligible:
            return vals_list
        routed = eligible._dealer_route_targets()
        for probe, (team, user) in routed.items():
            probe.update({"team_id": team, "user_id": user})  # the probe's company follows, as on save
        clocks = eligible._dealer_clock_vals(fields.Datetime.now())
        for index, probe in enumerate(probes):
            if probe in routed:
                team, user = routed[probe]
                vals_list[index].update({"team_id": team.id, "user_id": user.id})
            vals_list[index].update(clocks.get(probe, {}))
        return vals_list

    def _dealer_sla_skipped(self):
        """New leads created without routing nor the response clock: the application's own (``Mark``), or an
        administrator's import of past leads (``dealer_sla_skip`` in the context). Anyone else's request
        saying so is routed and clocked like any lead: the response figures count every request."""
        skip = self.env.context.get("dealer_sla_skip")
        return bool(marked(self.env, "dealer_sla_skip") or (skip and may_write_system_fields(self.env)))

    def _dealer_sla_eligible(self):
        """Leads whose response clock starts on creation: open sales requests.

        Service opportunities (interest "service") are booked appointments with their own
        follow-up in the service pipeline, not requests waiting for a salesperson; a missed
        call starts the clock on any lead through ``_dealer_register_missed_call``.
        """
        return self._dealer_deals().filtered(
            lambda lead: lead.active and lead.won_status == "pending" and lead.dealer_interest != SERVICE_INTEREST
        )

    # ------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------

    def _dealer_needs_routing(self):
        integration = self.env.ref("dealer_crm.group_integration", raise_if_not_found=False)
        return self.filtered(
            lambda lead: not lead.user_id
            or lead.user_id._is_superuser()
            or (integration and integration in lead.user_id.all_group_ids)
        )

    def _dealer_route(self):
        """Assign leads without a salesperson to a team member, by team and interest.

        Uses the native ``crm.team`` configuration: a team takes the leads that match its
        ``assignment_domain`` (e.g. ``[('dealer_interest', 'in', ['new_car'])]``), a member the
        ones matching the member's ``assignment_domain``; paused members/teams
        (``assignment_optout``) are skipped. Among the eligible members the one with the
        fewest open leads gets the lead. Odoo's own ``_action_assign_leads`` is a quota-based
        batch run (and merges duplicates) — right for a nightly re-balance, too slow for a lead
        that must be answered within minutes.
        """
        by_target = {}
        for lead, target in self._dealer_route_targets().items():
            by_target.setdefault(target, []).append(lead.id)
        for (team, user), lead_ids in by_target.items():
            self.browse(lead_ids).with_context(dealer_sla_skip=Mark()).write({"team_id": team.id, "user_id": user.id})

    def _dealer_route_targets(self):
        """``{lead: (team, user)}`` for the leads that need routing and found a member.

        Works on saved leads and on in-memory probes of leads about to be created.
        """
        leads = self._dealer_needs_routing()
        if not leads:
            return {}
        # the dealership's teams, and a team a lead was explicitly handed to (an automation step)
        teams = self.env["crm.team"].search(
            [
                ("assignment_optout", "=", False),
                "|",
                ("dealer_is_dealership", "=", True),
                ("id", "in", leads.team_id.ids),
            ],
            order="sequence, id",
        )
        members = teams.crm_team_member_ids.filtered(lambda m: not m.assignment_optout and m.user_id.active)
        load = dict(
            self.env["crm.lead"]._read_group(
                [("user_id", "in", members.user_id.ids), ("won_status", "=", "pending")], ["user_id"], ["__count"]
            )
        )
        targets = {}
        for lead in leads:
            member = self._dealer_pick_member(lead, teams, members, load)
            if member:
                load[member.user_id] = load.get(member.user_id, 0) + 1
                targets[lead] = (member.crm_team_id, member.user_id)
        return targets

    @api.model
    def _dealer_pick_member(self, lead, teams, members, load):
        candidate_teams = (lead.team_id & teams) or teams  # a paused preset team routes like none
        for team in candidate_teams:
            if team.company_id and lead.company_id and team.company_id != lead.company_id:
                continue
            if not lead.filtered_domain(literal_eval(team.assignment_domain or "[]")):
                continue
            # a shared team's member who does not work for the lead's company cannot take it
            # (the lead would lose its company, and its contact of that company with it)
            eligible = members.filtered(
                lambda m, t=team: m.crm_team_id == t
                and (not lead.company_id or lead.company_id in m.user_id.company_ids)
                and lead.filtered_domain(literal_eval(m.assignment_domain or "[]"))
            )
            if eligible:
                return min(eligible, key=lambda m: (load.get(m.user_id, 0), m.id))
        return None

    # ------------------------------------------------------------
    # Response clock
    # ------------------------------------------------------------

    def _dealer_start_sla(self, start=None, channel=None):
        """Route new leads and start their response clock.

        Called on create and by the integration API for a recordset of new leads.
        Leads whose clock already runs or was already stopped are left alone (so calling it
        twice is harmless). The deadline is ``start`` + the minutes of the
        ``dealer.sla.policy`` of the lead's channel (or of ``channel`` when given).

        :param datetime start: when the request arrived (default: now)
        :param str channel: policy channel overriding the lead's own (e.g. ``"missed_call"``)
        :returns: the leads whose clock was started
        """
        leads = self.filtered(lambda lead: not lead.dealer_sla_start)
        if not leads:
            return leads
        leads._dealer_route()
        return leads._dealer_set_clock(start or fields.Datetime.now(), channel)

    def _dealer_set_clock(self, start, channel=None):
        groups = {}
        for lead, vals in self._dealer_clock_vals(start, channel).items():
            # leads of one deadline and one next escalation (their showroom's chain) are written together
            key = (vals["dealer_sla_deadline"], vals["dealer_next_escalation_date"])
            groups.setdefault(key, (vals, []))[1].append(lead.id)
        started = self.browse()
        for vals, lead_ids in groups.values():
            leads = self.browse(lead_ids)
            # sudo: the clock is the application's (CLOCK_FIELDS); whoever starts it may act on the leads
            leads.sudo().with_context(dealer_sla_skip=Mark()).write(vals)
            started |= leads
        return started

    def _dealer_clock_vals(self, start, channel=None):
        """``{lead: values}`` starting the response clock at ``start``, for the leads whose
        channel has a response-time policy in their company."""
        policy = self.env["dealer.sla.policy"]
        chains = self.env["dealer.sla.escalation"]._chains({lead.company_id for lead in self})
        minutes_cache, result = {}, {}
        for lead in self:
            first_level = chains.get(lead.company_id, self.env["dealer.sla.escalation"])[:1]
            key = (channel or lead.dealer_channel, lead.company_id)
            if key not in minutes_cache:
                minutes_cache[key] = policy._minutes_for(*key)
            minutes = minutes_cache[key]
            if minutes is None:
                continue
            deadline = start + timedelta(minutes=minutes)
            result[lead] = {
                "dealer_sla_start": start,
                "dealer_sla_deadline": deadline,
                "dealer_sla_state": "running",
                "dealer_first_contact_date": False,
                "dealer_first_contact_kind": False,
                "dealer_first_contact_call_id": False,
                "dealer_response_minutes": 0.0,
                "dealer_response_work_minutes": 0.0,
                "dealer_response_in_policy": 0.0,
                "dealer_escalation_level": 0,
                "dealer_escalation_level_id": False,
                "dealer_next_escalation_date": first_level and deadline + timedelta(minutes=first_level.delay_minutes),
            }
        return result

    def _dealer_register_contact(self, contact_date=None, kind="message", call=None):
        """Stop the response clock: a person really reached the customer.

        Only two things are real contact (issue "speed to lead that cannot be gamed"): a message
        written to the customer by an employee that went to the customer (``message_post``,
        ``_dealer_is_human_message``, ``_dealer_message_reached_customer``) and
        a call of the journal that is human contact (``_dealer_register_calls``). A stage move, a
        ticked activity or a button are not. Records when, by what (``kind``, the ``call``), the
        response time in calendar and in working minutes and whether it was in time; one UPDATE
        for the whole recordset, leads without a running clock are ignored.

        :param datetime contact_date: when the contact happened (default: now)
        :param str kind: ``"message"`` or ``"call"``
        :param call: the ``dealer.call`` that was the contact (kind ``"call"``)
        """
        when = contact_date or fields.Datetime.now()
        self._dealer_stop_clocks(dict.fromkeys(self, (when, "call" if call else kind, call)))

    @api.model
    def _dealer_register_calls(self, calls):
        """The calls of ``calls`` that are real human contact (``dealer.call._human_contacts``) stop
        the clock of the lead they concern: the earliest such call of each lead.

        A call the telephony reported counts from the moment it was answered (start + time to
        answer). A call logged by hand counts from the moment it is logged: its start time is a
        person's word, and a call typed in later with an earlier time must not make the answer look
        faster than the journal can prove. A call before the lead's clock started answered an
        earlier request, not this one, and is left out.
        """
        now = fields.Datetime.now()
        first = {}
        for call in calls._human_contacts().filtered("lead_id"):
            moment = call.started_at + timedelta(seconds=call.ring_seconds or 0) if call.source == "api" else now
            start = call.lead_id.dealer_sla_start
            if start and moment < start:
                continue
            if call.lead_id not in first or (moment, call.id) < (first[call.lead_id][0], first[call.lead_id][2].id):
                first[call.lead_id] = (moment, "call", call)
        self.browse()._dealer_stop_clocks(first)

    @api.model
    def _dealer_stop_clocks(self, contacts):
        """``contacts``: ``{lead: (when, kind, call or None)}``; stops the running clocks in one UPDATE."""
        running = {lead: contact for lead, contact in contacts.items() if lead.dealer_sla_state == "running"}
        if not running:
            return
        work = self._dealer_work_minutes(
            {lead: (lead.dealer_sla_start, when) for lead, (when, _k, _c) in running.items()}
        )
        rows = SQL(", ").join(
            SQL(
                "(%s, %s::timestamp, %s, %s::integer, %s::float)",
                lead.id,
                when,
                kind,
                call.id if call else None,
                work[lead.id],
            )
            for lead, (when, kind, call) in running.items()
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead l
               SET dealer_first_contact_date = c.at,
                   dealer_first_contact_kind = c.kind,
                   dealer_first_contact_call_id = c.call_id,
                   dealer_response_minutes = GREATEST(0, EXTRACT(EPOCH FROM (c.at - l.dealer_sla_start)) / 60.0),
                   dealer_response_work_minutes = c.work,
                   dealer_sla_state = CASE WHEN c.at <= l.dealer_sla_deadline THEN 'met' ELSE 'late' END,
                   dealer_response_in_policy = CASE WHEN c.at <= l.dealer_sla_deadline THEN 100 ELSE 0 END,
                   dealer_next_escalation_date = NULL
              FROM (VALUES %s) AS c(id, at, kind, call_id, work)
             WHERE l.id = c.id AND l.dealer_sla_state = 'running'
            """,
                rows,
            )
        )
        self.browse([lead.id for lead in running]).invalidate_recordset(CONTACT_FIELDS)

    @api.model
    def _dealer_fill_contact_measures(self, batch=5000):
        """Working minutes and in-time share of the leads whose first contact was recorded without
        them (contacted before these measures existed, or written so by the demo): per batch of
        ``batch`` leads one interval computation per calendar and one UPDATE."""
        leads = self.with_context(active_test=False).search(
            [
                ("dealer_first_contact_date", "!=", False),
                ("dealer_sla_start", "!=", False),
                "|",
                ("dealer_response_work_minutes", "=", False),
                ("dealer_response_work_minutes", "=", 0),
            ],
            order="id",
        )
        for start in range(0, len(leads), batch):
            chunk = leads[start : start + batch]
            work = self._dealer_work_minutes(
                {lead: (lead.dealer_sla_start, lead.dealer_first_contact_date) for lead in chunk}
            )
            rows = SQL(", ").join(SQL("(%s, %s::float)", lead_id, minutes) for lead_id, minutes in work.items())
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                UPDATE crm_lead l
                   SET dealer_response_work_minutes = v.work,
                       dealer_response_in_policy = CASE WHEN l.dealer_sla_state = 'met' THEN 100 ELSE 0 END
                  FROM (VALUES %s) AS v(id, work)
                 WHERE l.id = v.id
                """,
                    rows,
                )
            )
            chunk.invalidate_recordset(["dealer_response_work_minutes", "dealer_response_in_policy"])

    @api.model
    def _dealer_work_minutes(self, spans):
        """``{lead id: working minutes}`` between the ``(start, end)`` of each lead of ``spans``
        (``{lead: (start, end)}``, naive UTC) in the working calendar of the lead's company.

        The work intervals of each calendar are computed once for the whole range of its leads
        (``resource.calendar._work_intervals_batch``: attendances less the calendar's holidays),
        then each lead reads its share through cumulative sums: no query per lead. A company
        without a calendar (or with flexible hours) counts calendar minutes.
        """
        by_calendar = {}
        for lead, span in spans.items():
            calendar = (lead.company_id or self.env.company).resource_calendar_id
            by_calendar.setdefault(calendar, {})[lead.id] = span
        result = {}
        for calendar, lead_spans in by_calendar.items():
            if not calendar or calendar.flexible_hours:
                result.update(
                    {lid: max(0.0, (end - start).total_seconds() / 60.0) for lid, (start, end) in lead_spans.items()}
                )
                continue
            lo = pytz.utc.localize(min(start for start, _end in lead_spans.values()))
            hi = pytz.utc.localize(max(end for _start, end in lead_spans.values()))
            intervals = [(a, b) for a, b, _rec in calendar._work_intervals_batch(lo, hi)[False]]
            worked = work_seconds_before(intervals)
            for lid, (start, end) in lead_spans.items():
                seconds = worked(pytz.utc.localize(end)) - worked(pytz.utc.localize(start))
                result[lid] = round(max(0.0, seconds) / 60.0, 2)
        return result

    def _dealer_register_missed_call(self, call_date=None, caller=None):
        """A call from the customer was missed: schedule a call-back and restart the clock.

        Routes the leads when needed, starts the response clock with the ``missed_call``
        policy (e.g. 10 minutes) from ``call_date`` — also on leads whose previous clock was
        already stopped, since the customer is waiting again — and creates a "call back"
        activity for each lead's salesperson. From then on the escalation cron applies.

        :param datetime call_date: when the call came in (naive UTC; default now)
        :param str caller: the caller's number, shown in the activity
        :returns: mail.activity recordset created (one per lead that has a salesperson)
        """
        start = call_date or fields.Datetime.now()
        self._dealer_route()
        self._dealer_set_clock(start, MISSED_CALL)
        note = (
            Translated.of_text(self.env, lambda env: env._("Missed call from %(caller)s.", caller=caller))
            if caller
            else ""
        )
        # the salesperson the lead names (routed above), nobody else: a lead still unrouted waits for routing;
        # in the salesperson's language, whichever language the telephony's request came in
        return self.sudo()._dealer_schedule_role_activity(
            "sales_manager",
            summary=Translated.of_text(self.env, lambda env: self.with_env(env)._dealer_missed_call_summary()),
            note=note,
            activity_type=self.env.ref("mail.mail_activity_data_call"),
            group_fallback=False,
            notify=True,
        )

    def _dealer_missed_call_summary(self):
        return self.env._("Call back: missed call")

    def _dealer_missed_call_summaries(self):
        """The call-back task's title in every installed language (each salesperson's task is in theirs)."""
        return Translated.of_text(self.env, lambda env: self.with_env(env)._dealer_missed_call_summary()).variants()

    # ------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------

    def _dealer_escalation_users(self, level):
        """``{lead id: user}`` who must act at this escalation level: the person the lead names for
        the level's role (no guess from the role's group: nobody set is said in the chatter), or
        the level's own user for the leads of the showrooms they work in (the chain is the group's:
        a user of one showroom never gets another's leads)."""
        if level.target == "user":
            return {
                lead.id: level.user_id
                for lead in self
                if level.user_id and lead._dealer_works_in_showroom(level.user_id)
            }
        return self._dealer_role_users(ESCALATION_ROLES[level.target], group_fallback=False)

    @api.model
    def _cron_dealer_escalate(self, limit=ESCALATION_BATCH):
        """Take every lead whose escalation moment has passed one step up the chain.

        Per step: an activity for the person of that level and a chatter message; then the
        lead's next escalation moment becomes deadline + the next level's delay (or none at
        the end of the chain). Works on batches of ``limit`` leads and re-triggers itself
        while more are due.
        """
        now = fields.Datetime.now()
        leads = self.sudo().search(
            [("dealer_sla_state", "=", "running"), ("dealer_next_escalation_date", "<=", now)],
            order="dealer_next_escalation_date, id",
            limit=limit,
        )
        leads._dealer_climb_chain(end_of_chain=True)
        if len(leads) == limit:
            self.env.ref("dealer_crm.ir_cron_dealer_sla_escalate")._trigger()

    def _dealer_climb_chain(self, end_of_chain=False):
        """Take each of these leads one step up its showroom's escalation chain (``dealer.sla.escalation._chains``).

        Grouped before acting: a lead goes up one level per call, never two. With ``end_of_chain``
        the leads already past their chain's last level stop waiting for a next one.
        """
        chains = self.env["dealer.sla.escalation"]._chains({lead.company_id for lead in self})
        # one step per (level, next level): the showrooms that share the group's chain climb it together
        steps, past_chain = {}, []
        for lead in self:
            levels = chains[lead.company_id]
            level = lead._dealer_next_level(levels)
            if not level:
                past_chain.append(lead.id)
            else:
                after = levels[levels.ids.index(level.id) + 1 :][:1]
                steps.setdefault((level, after or None), []).append(lead.id)
        if end_of_chain and past_chain:
            self.browse(past_chain).sudo().write({"dealer_next_escalation_date": False})
        for (level, next_level), lead_ids in steps.items():
            self.browse(lead_ids)._dealer_escalate_to(level, next_level)

    def _merge_dependences_attachments(self, opportunities):
        """crm moves the merged deals' files to the kept deal as the person merging, and leaves out those
        kept behind a field. The kept prints (``ir.attachment._dealer_check_kept_prints``: never moved by
        hand) go first, as the application, behind the same field: deleting the merged deals would
        delete them.

        sudo: the person merging may not read every kept print (a sales contract with the passport).
        """
        self.env["ir.attachment"].sudo().search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", [lead_id for lead_id in opportunities.ids if lead_id != self.id]),
                ("dealer_report_id", "!=", False),
                # the copies kept behind a field too (Odoo leaves them out unless asked)
                "|",
                ("res_field", "=", False),
                ("res_field", "!=", False),
            ]
        ).write({"res_id": self.id})
        return super()._merge_dependences_attachments(opportunities)

    def _dealer_next_level(self, levels):
        """The step this lead climbs next in ``levels`` (its showroom's chain, in order; empty past its end).

        The one after the step it climbed last, so that steps added, removed, archived or moved
        in the chain since are neither repeated nor skipped. A last step that is no longer in
        this chain (archived, or the lead moved to another showroom's chain) is followed by the
        first step ordered after it.
        """
        self.ensure_one()
        last = self.dealer_escalation_level_id
        if not last:
            return levels[:1]
        if last in levels:
            return levels[levels.ids.index(last.id) + 1 :][:1]
        key = (last.sequence, last.id)
        return next((level for level in levels if (level.sequence, level.id) > key), levels.browse())

    def _dealer_escalate_to(self, level, next_level):
        users = self._dealer_escalation_users(level)
        nobody = self.env["res.users"]
        summaries, bodies = {}, {}
        for lead in self:
            user = users.get(lead.id, nobody)
            company = lead.company_id or self.env.company
            overdue = max(0, int((fields.Datetime.now() - lead.dealer_sla_deadline).total_seconds() // 60))
            summaries.setdefault(overdue, []).append(lead.id)
            # the note in the showroom's language (the task in its assignee's: _dealer_schedule_role_activity)
            note_env = self.with_context(lang=self._dealer_staff_lang(company)).env
            bodies[lead.id] = Markup("<p>%s</p>") % note_env._(
                "Not contacted in time: escalated to %(level)s (%(user)s).",
                level=level.with_env(note_env).name,
                user=user.name or note_env._("nobody set"),
            )
        call = self.env.ref("mail.mail_activity_data_call")
        for overdue, lead_ids in summaries.items():
            summary = Translated.of_text(
                self.env,
                lambda env, overdue=overdue: env._(
                    "Escalation: customer waiting for %(minutes)s min past the deadline", minutes=overdue
                ),
            )
            self.browse(lead_ids)._dealer_schedule_role_activity(
                ESCALATION_ROLES.get(level.target, "responsible"),
                summary=summary,
                activity_type=call,
                notify=True,
                users=users,
            )
        self._message_log_batch(bodies=bodies)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead
               SET dealer_escalation_level = dealer_escalation_level + 1,
                   dealer_escalation_level_id = %(level)s,
                   dealer_next_escalation_date = CASE WHEN %(delay)s IS NULL THEN NULL
                        ELSE dealer_sla_deadline + make_interval(mins => %(delay)s) END
             WHERE id = ANY(%(ids)s)
            """,
                level=level.id,
                delay=next_level.delay_minutes if next_level else None,
                ids=self.ids,
            )
        )
        self.invalidate_recordset(
            ["dealer_escalation_level", "dealer_escalation_level_id", "dealer_next_escalation_date"]
        )

    # ------------------------------------------------------------
    # Roles
    # ------------------------------------------------------------

    def _dealer_role_own_users(self, role):
        """A deal's salesperson is its responsible person."""
        if role == "sales_manager":
            users = {lead.id: lead.user_id for lead in self if lead.user_id}
            rest = self.filtered(lambda lead: lead.id not in users)
            users.update(super(CrmLead, rest)._dealer_role_own_users(role))
            return users
        return super()._dealer_role_own_users(role)

    # ------------------------------------------------------------
    # Automation steps (see ir_actions_server.py): assignment, response clock
    # ------------------------------------------------------------

    def _dealer_assign_role(self, role):
        """Make the person of ``role`` the salesperson of each lead (one write per person).

        :returns: the leads that got somebody
        """
        users = self._dealer_role_users(role)
        assigned = self.browse()
        bulk = self._dealer_bulk_context()
        # The team is written with the user: crm would otherwise look a team up lead by lead.
        groups = self.filtered(lambda lead: lead.id in users).grouped(lambda lead: (users[lead.id], lead.team_id))
        for (user, team), leads in groups.items():
            leads.with_context(**bulk).write({"user_id": user.id, "team_id": team.id})
            assigned |= leads
        return assigned

    def _dealer_bulk_context(self):
        """Context of writes on many leads: no clock restart, and no "you have been assigned" e-mail
        per lead when more than one lead changes hands (the salesperson sees them in the pipeline)."""
        return {"dealer_sla_skip": Mark(), "mail_auto_subscribe_no_notify": len(self) > 1}

    def _dealer_route_to_team(self, team, minutes=None):
        """Hand the leads to ``team`` and route them to its least busy member; optionally set the
        response deadline to ``minutes`` after the lead arrived (instead of the channel's policy).

        Leads whose salesperson already belongs to the team keep them.
        """
        if not team:
            raise UserError(self.env._("Choose the Team the leads go to."))
        members = team.crm_team_member_ids.user_id | team.user_id
        others = self.filtered(lambda lead: lead.user_id not in members)
        bulk = self._dealer_bulk_context()
        others.with_context(**bulk).write({"team_id": team.id, "user_id": False})
        (self - others).filtered(lambda lead: lead.team_id != team).with_context(**bulk).write({"team_id": team.id})
        others.with_context(**bulk)._dealer_route()
        if minutes:
            self._dealer_set_response_deadline(minutes)
        return self

    def _dealer_start_response_clock(self, minutes=None):
        """Start the response clock (channel policy, or ``minutes`` when given); leads already
        answered keep their result."""
        if minutes:
            return self._dealer_set_response_deadline(minutes)
        return self._dealer_start_sla()

    def _dealer_set_response_deadline(self, minutes):
        """Deadline = arrival of the lead + ``minutes``, one UPDATE per showroom; answered leads are left alone."""
        if minutes <= 0:
            raise ValidationError(self.env._("Respond within (min) must be a positive number of minutes."))
        self.check_access("write")
        leads = self.filtered(lambda lead: lead.dealer_sla_state in (False, "running"))
        if not leads:
            return leads
        chains = self.env["dealer.sla.escalation"]._chains({lead.company_id for lead in leads})
        self.env.flush_all()
        for company, showroom_leads in leads.grouped("company_id").items():
            first_level = chains[company][:1]
            self.env.cr.execute(
                SQL(
                    """
            UPDATE crm_lead
               SET dealer_sla_start = COALESCE(dealer_sla_start, %(now)s),
                   dealer_sla_deadline = COALESCE(dealer_sla_start, %(now)s) + make_interval(mins => %(minutes)s),
                   dealer_sla_state = 'running',
                   dealer_escalation_level = 0,
                   dealer_escalation_level_id = NULL,
                   dealer_next_escalation_date = CASE WHEN %(delay)s IS NULL THEN NULL ELSE
                        COALESCE(dealer_sla_start, %(now)s) + make_interval(mins => %(minutes)s + %(delay)s) END
             WHERE id = ANY(%(ids)s)
            """,
                    now=fields.Datetime.now(),
                    minutes=int(minutes),
                    delay=first_level.delay_minutes if first_level else None,
                    ids=showroom_leads.ids,
                )
            )
        leads.invalidate_recordset(
            [
                "dealer_sla_start",
                "dealer_sla_deadline",
                "dealer_sla_state",
                "dealer_escalation_level",
                "dealer_escalation_level_id",
                "dealer_next_escalation_date",
            ]
        )
        return leads

    def _dealer_reschedule_escalation(self):
        """Next escalation moment of these leads still climbing their chain, from their showroom's chain as it
        is now.

        The step a lead climbs next is the one after its last step in its showroom's chain
        (``_dealer_next_level``, ``dealer.sla.escalation._chains``); it fires that level's delay
        after the deadline, and never past the chain's end. For a lead moved to another showroom and for a chain whose
        levels were added, changed or removed. A lead at the end of its chain (no next moment), a
        deal won or lost, is left alone: a new level does not wake up old leads. One UPDATE per level.
        """
        leads = self.filtered(
            lambda lead: lead.dealer_sla_state == "running"
            and lead.dealer_next_escalation_date
            and lead.active
            and lead.won_status == "pending"
        )
        if not leads:
            return leads
        chains = self.env["dealer.sla.escalation"]._chains({lead.company_id for lead in leads})
        delays = {}
        for lead in leads:
            level = lead._dealer_next_level(chains[lead.company_id])
            delays.setdefault(level.delay_minutes if level else None, []).append(lead.id)
        self.env.flush_all()
        for delay, lead_ids in delays.items():
            self.env.cr.execute(
                SQL(
                    """
            UPDATE crm_lead
               SET dealer_next_escalation_date = CASE WHEN %(delay)s IS NULL THEN NULL
                        ELSE dealer_sla_deadline + make_interval(mins => %(delay)s) END
             WHERE id = ANY(%(ids)s)
               AND dealer_next_escalation_date IS DISTINCT FROM CASE WHEN %(delay)s IS NULL THEN NULL
                        ELSE dealer_sla_deadline + make_interval(mins => %(delay)s) END
            """,
                    delay=delay,
                    ids=lead_ids,
                )
            )
        leads.invalidate_recordset(["dealer_next_escalation_date"])
        return leads

    def _dealer_escalate_now(self):
        """Take the waiting leads one step up the escalation chain at once (the cron does it on time)."""
        running = self.filtered(lambda lead: lead.dealer_sla_state == "running")
        running._dealer_climb_chain()
        return running

    # ------------------------------------------------------------
    # Reservations
    # ------------------------------------------------------------

    def _dealer_reserve_vehicle(self):
        """Reserve each lead's car of interest when it is in stock and free (one create for all).

        :returns: the created ``dealer.reservation`` records
        """
        leads = self.filtered(lambda lead: lead.vehicle_id.state == "stock" and lead.won_status == "pending")
        taken = set(
            self.env["dealer.reservation"]
            .sudo()
            .search([("vehicle_id", "in", leads.vehicle_id.ids), ("state", "=", "active")])
            .vehicle_id.ids
        )
        vals_list, seen = [], set()
        for lead in leads:
            if lead.vehicle_id.id in taken or lead.vehicle_id.id in seen:
                continue
            seen.add(lead.vehicle_id.id)
            vals_list.append(
                {
                    "lead_id": lead.id,
                    "vehicle_id": lead.vehicle_id.id,
                    "user_id": (lead.user_id or self.env.user).id,
                    "company_id": (lead.company_id or self.env.company).id,
                }
            )
        return self.env["dealer.reservation"].create(vals_list)

    def _dealer_release_vehicle(self, message=None):
        """Release the active reservations of these leads and tell other interested salespeople.

        :param str message: why, written in the chatter (the "Message" of the automation step)
        """
        reservations = self.env["dealer.reservation"].search([("lead_id", "in", self.ids), ("state", "=", "active")])
        if reservations:
            reservations._release(message or self.env._("Released by an automation rule."))
        return reservations

    # ------------------------------------------------------------
    # Integration API: POST /dealer/api/v1/leads
    # ------------------------------------------------------------

    def _dealer_notify_assignees(self):
        """The "You have been assigned" notice of leads made together, to each salesperson Odoo would
        notify (an active user other than the creator): Odoo's own notice of the lead when they got
        one, one notice listing them all when they got several (a batch of a hundred requests is not
        a hundred e-mails to the same person)."""
        told = self.filtered(lambda lead: lead.user_id.sudo().active and lead.user_id != self.env.user)
        for user, assigned in told.grouped("user_id").items():
            partner = user.sudo().partner_id
            leads = assigned.with_context(lang=partner.lang or None)
            if len(leads) == 1:
                leads._message_auto_subscribe_notify(partner.ids, "mail.message_user_assigned")
                continue
            env = leads.env
            items = Markup("").join(
                Markup('<li><a href="%s">%s</a></li>') % (lead._notify_get_action_link("view"), lead.display_name)
                for lead in leads
            )
            body = Markup("<p>%s</p><ul>%s</ul>") % (env._("These leads are assigned to you:"), items)
            env["mail.thread"].message_notify(
                subject=env._("You have been assigned %(count)s leads", count=len(leads)),
                body=env["mail.render.mixin"]._replace_local_links(body),
                partner_ids=partner.ids,
                email_layout_xmlid="mail.mail_notification_layout",
            )

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
        # instead of an SMTP session inside the request; it is sent once the batch is made (one per
        # salesperson, not one per lead).
        leads = self.with_context(
            mail_create_nosubscribe=True,
            mail_notify_force_send=False,
            mail_auto_subscribe_no_notify=True,
            dealer_api_proposal=Mark(),
        ).create(vals_list)
        leads = leads.with_env(self.env)
        leads.with_context(mail_notify_force_send=False)._dealer_notify_assignees()
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
        interests = dict(self._fields["dealer_interest"]._description_selection(self.env))
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
            "name": self.env._("%(name)s: %(interest)s", name=request["name"], interest=interests[interest]),
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
                    known[name] = self._dealer_api_utm_record(model, value).id
                vals[fname] = known[name]
        return vals

    @api.model
    def _dealer_api_utm_record(self, model, name):
        """The UTM record named ``name`` (whatever its case), created when new.

        Odoo's ``utm.mixin._find_or_create_record`` matches the name as a pattern: a source sent as ``%``
        or ``spring_sale`` would be credited to whatever source the pattern matches (``spring-sale``).
        Names are unique: when another request creates the same new name first, this request is run
        again by Odoo (``ConcurrencyError``), and then finds it, rather than failing."""
        Model = self.env[model].with_context(active_test=False)
        record = Model.search([("name", "=ilike", tools.escape_psql(name))], limit=1)
        if record:
            return record
        auto = {"is_auto_campaign": True} if "is_auto_campaign" in Model._fields else {}
        try:
            with self.env.cr.savepoint():
                return Model.create({"name": name, **auto})
        except psycopg2.errors.UniqueViolation:
            raise ConcurrencyError(f"{model} {name!r} was created by a concurrent request") from None

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
            vehicle = Vehicle._api_vehicle(vin, create=False)
            if not vehicle:
                vehicle = Vehicle._api_vehicle(vin)
                vehicle.partner_id = partner
            return {"trade_in_vehicle_id": vehicle.id}
        vehicle = Vehicle._api_vehicle(vin, create=False)
        return {"vehicle_id": vehicle.id} if vehicle else {}

    # ------------------------------------------------------------
    # Calls: the lead's calls in the journal
    # ------------------------------------------------------------

    def action_dealer_view_calls(self):
        """The "Calls" smart button: the journal of this lead's calls."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_crm.dealer_call_action")
        action.update(
            domain=[("lead_id", "=", self.id)],
            context={
                "default_lead_id": self.id,
                "default_partner_id": self.partner_id.id,
                "default_phone": self.phone or self.partner_id.phone,
            },
        )
        return action

    def action_dealer_log_call(self):
        """The lead's "Log a call": a call with this lead's customer, logged by hand."""
        self.ensure_one()
        return self.env["dealer.call"]._action_log_call(lead=self)

    # ------------------------------------------------------------
    # Integration API: POST /dealer/api/v1/calls
    # ------------------------------------------------------------

    @api.model
    def _dealer_register_call_from_api(self, payload):
        """A call the PBX reports (API.md): a call of the journal (``dealer.call``), leads and call-backs follow.

        An unknown number creates a contact; a missed inbound call creates a call-back
        activity for the responsible person and starts the escalation clock; an answered
        inbound call from a contact without an open lead on that line creates one. The call
        is recorded in the journal (which stops the lead's response clock when it is real human
        contact, and measures the call-back of the customer's earlier missed calls) and noted
        in the chatter. Returns ``(response, lead or contact)``.
        """
        call = self._dealer_api_call_input(payload)
        Partner = self.env["res.partner"]
        partner, created = Partner._dealer_api_partner(name=call["phone"], phone=call["phone"])
        lead = call.pop("lead") or self._dealer_open_lead_on_line(partner, call["line"])
        activity = self.env["mail.activity"]
        inbound = call["direction"] == "inbound"
        if inbound and call["status"] == "missed":
            lead = lead or self._dealer_lead_from_call(partner, call["line"], call["started_at"])
            # a customer calling again before the call-back is done keeps their one call-back task
            activity = (
                lead._dealer_register_missed_call(call["started_at"], call["phone"])[:1]
                or lead.sudo().activity_ids.filtered(lambda a: a.summary in lead._dealer_missed_call_summaries())[:1]
            )
        elif inbound and call["status"] == "answered" and not lead:
            lead = self._dealer_lead_from_call(partner, call["line"], call["started_at"], call["user_id"])
        record = self._dealer_api_create_call(call, partner, lead)
        body = self._dealer_call_note(
            call["direction"],
            call["status"],
            call["started_at"],
            call["duration_seconds"],
            record.user_id,
            record if call["recording_url"] else None,
            record.company_id,
        )
        if lead:
            lead.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        if partner._dealer_private_to(record.company_id):
            partner.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        response = {
            "partner_id": partner.id,
            "partner_created": created,
            "lead_id": lead.id or None,
            "activity_id": activity.id or None,
            "call_record_id": record.id,
        }
        return response, lead or partner

    @api.model
    def _dealer_api_call_input(self, payload):
        """The checked values of a reported call; ``ApiInputError`` naming the field otherwise."""
        caller = self.env["res.partner"]._dealer_api_normalize_phone(
            inp.text(payload, "caller", required=True, max_len=64), "caller"
        )
        recording = inp.text(payload, "recording_url", max_len=2048)
        if recording and not recording.startswith(("https://", "http://")):
            raise inp.ApiInputError("recording_url", "recording_url must be an http(s) URL")
        call = {
            "call_ref": inp.text(payload, "call_id", max_len=128),
            "phone": caller,
            "line": inp.choice(payload, "line", CALL_LINES, default="sales"),
            "direction": inp.choice(payload, "direction", ["inbound", "outbound"], default="inbound"),
            "status": inp.choice(payload, "status", ["answered", "missed"], default="answered"),
            "started_at": inp.timestamp(payload, "started_at") or fields.Datetime.now(),
            "ring_seconds": self._dealer_api_seconds(payload, "ring_s", MAX_RING_SECONDS),
            "duration_seconds": self._dealer_api_seconds(payload, "duration_s", MAX_DURATION_SECONDS),
            "user_id": self._dealer_api_agent(inp.text(payload, "agent_login", max_len=128)),
            "recording_url": recording,
            "lead": self._dealer_api_call_lead(payload),
        }
        # a call is reported once it happened (a few minutes allowed for the telephony's clock): a call dated ahead
        # would set its lead's response deadline there, and a missed call would never be escalated
        if call["started_at"] > fields.Datetime.now() + timedelta(minutes=CALL_CLOCK_SKEW_MINUTES):
            raise inp.ApiInputError("started_at", "started_at must not be in the future")
        return call

    @api.model
    def _dealer_api_seconds(self, payload, field, maximum):
        seconds = inp.number(payload, field, minimum=0, integer=True) or 0
        if seconds > maximum:
            raise inp.ApiInputError(field, f"{field} must be at most {maximum} seconds")
        return seconds

    @api.model
    def _dealer_api_call_lead(self, payload):
        """The deal or service booking the call concerns, when the PBX names it (``lead_id``)."""
        lead_id = inp.number(payload, "lead_id", minimum=1, integer=True)
        if not lead_id:
            return self.browse()
        lead = self.search([("id", "=", lead_id)], limit=1)
        if not lead:
            raise inp.ApiInputError("lead_id", f"no lead with id {lead_id}")
        return lead

    @api.model
    def _dealer_api_create_call(self, call, partner, lead):
        """The reported call in the journal (source Telephony); its ``call_id`` once per showroom."""
        company = lead.company_id or self.env.company
        Call = self.env["dealer.call"]
        if call["call_ref"] and Call.sudo().search_count(
            [("call_ref", "=", call["call_ref"]), ("company_id", "=", company.id)], limit=1
        ):
            raise inp.ApiInputError("call_id", f"call_id {call['call_ref']} is already in the call journal")
        vals = {**call, "source": "api", "partner_id": partner.id, "lead_id": lead.id, "company_id": company.id}
        vals["user_id"] = call["user_id"].id
        return Call.create(vals)

    @api.model
    def _dealer_api_agent(self, login):
        if not login:
            return self.env["res.users"]
        # an employee of the key's showroom: the API says nothing of the logins of other showrooms
        agent = (
            self.env["res.users"]
            .sudo()
            .search(
                [("login", "=", login), ("share", "=", False), ("company_ids", "in", self.env.company.ids)], limit=1
            )
        )
        if not agent:
            raise inp.ApiInputError("agent_login", f"no employee with login {login} in this showroom")
        return agent

    @api.model
    def _dealer_open_lead_on_line(self, partner, line):
        domain = [
            ("partner_id", "=", partner.id),
            ("won_status", "=", "pending"),
            ("dealer_interest", "=" if line == "service" else "!=", SERVICE_INTEREST),
        ]
        return self.search(domain, order="id desc", limit=1)

    @api.model
    def _dealer_lead_from_call(self, partner, line, started_at, agent=None):
        vals = {
            "name": self.env._("Call from %(caller)s", caller=partner.display_name),
            "type": "opportunity",
            "partner_id": partner.id,
            "phone": partner.phone,
            "dealer_channel": "phone",
            "dealer_interest": SERVICE_INTEREST if line == "service" else "new_car",
        }
        if agent:
            vals["user_id"] = agent.id
        lead = self.with_context(dealer_sla_skip=Mark()).create(vals)
        lead._dealer_start_sla(start=started_at)
        return lead

    @api.model
    def _dealer_call_note(self, direction, status, started_at, duration, agent, recorded_call=None, company=None):
        """The chatter note of a call: what it was, when (the showroom's local time, in the note's language).

        A recorded call is linked, not its recording: everybody who reads the lead or the card reads the note, the
        recording is for the staff who take and score calls (``dealer.call.recording_url``)."""
        labels = {
            ("inbound", "answered"): self.env._("Inbound call, answered"),
            ("inbound", "missed"): self.env._("Inbound call, missed"),
            ("outbound", "answered"): self.env._("Outbound call, answered"),
            ("outbound", "missed"): self.env._("Outbound call, not answered"),
        }
        when = tools.format_datetime(
            self.env, started_at, tz=(company or self.env.company)._dealer_tz(), dt_format="short"
        )
        parts = [labels[direction, status], when]
        if duration:
            parts.append(self.env._("%(minutes)s min %(seconds)s s", minutes=duration // 60, seconds=duration % 60))
        if agent:
            parts.append(agent.name)
        body = Markup("<p>%s</p>") % " · ".join(parts)
        if recorded_call:
            body += Markup("<p>%s</p>") % recorded_call._get_html_link(
                title=self.env._("Recording: on the call in the journal")
            )
        return body
