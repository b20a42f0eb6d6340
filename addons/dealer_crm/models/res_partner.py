import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize

from ..tools.api_input import ApiInputError, _lt
from ..tools.marks import as_application
from ..tools.roles import ROLE_GROUPS
from ..tools.system_fields import refuse_system_fields
from ..tools.vin import normalize_vin

# The dealer's life-cycle chain (docs/DOMAIN.md §2), in order.  A customer only moves forward;
# the trade-in / next-car stage closes a cycle and lets the next deal start a new one.
LIFECYCLE_STAGES = [
    ("prospect", "Prospect"),
    ("lead", "Lead"),
    ("negotiation", "Negotiation / test drive"),
    ("customer", "Customer (car delivered)"),
    ("first_service", "First service (TO-1)"),
    ("regular_service", "Regular service"),
    ("trade_in", "Trade-in / next car"),
]
LIFECYCLE_RANK = {code: rank for rank, (code, _label) in enumerate(LIFECYCLE_STAGES)}
# From trade-in a new purchase cycle may start again: these moves are not "backwards".
RESTART_TARGETS = {"negotiation", "customer"}

MONEY_GROUP = "dealer_crm.group_dealer_see_money"
# Who may see and fill in a buyer's identity document (personal data): the people who prepare and
# sign sales contracts. Not the integration account (the API never gives it out), nor service.
IDENTITY_GROUPS = (
    "dealer_crm.group_sales_manager,dealer_crm.group_fi_manager,"
    "dealer_crm.group_documents_clerk,dealer_crm.group_cashier"
)
# The identity fields, blanked together by the data retention (dealer.data.retention).
IDENTITY_FIELDS = ("dealer_id_number", "dealer_id_issued_by", "dealer_id_issue_date", "dealer_birthdate")
CONSENT_FIELDS = ("consent_email", "consent_sms", "consent_telegram")
# The proof of consent: when each consent last changed and through what; written by the application
# only (``refuse_system_fields``), so that nobody can back-date a consent or claim it came from the customer.
CONSENT_PROOF = ("consent_source", "consent_email_date", "consent_sms_date", "consent_telegram_date")
# kept by the application: the consent's proof, and the life-cycle stage, which moves with its history
# (``_dealer_lifecycle_advance``): a stage typed in would leave no history and block or restart the chain
CARD_SYSTEM_FIELDS = (*CONSENT_PROOF, "dealer_stage")
# How a consent change reached the card; the application's own writers (a customer's unsubscribe link,
# their answer to the Telegram bot: as superuser) pass ``dealer_consent_source`` in the context.
CONSENT_SOURCES = [
    ("user", "Staff (form, list or import)"),
    ("api", "Integration API"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------

    vehicle_ids = fields.One2many("dealer.vehicle", "partner_id", string="Vehicles")
    dealer_visit_ids = fields.One2many("dealer.visit", "partner_id", string="Service visits")
    dealer_lifecycle_event_ids = fields.One2many("dealer.lifecycle.event", "partner_id", string="Life-cycle history")
    dealer_next_offer_ids = fields.One2many(
        "dealer.next.offer",
        "partner_id",
        string="Next best offers",
        domain=[("state", "=", "open")],
        groups="dealer_crm.group_dealer_user",
    )
    dealer_next_offer_text = fields.Char(
        string="Next best offers (text)",
        compute="_compute_dealer_next_offer_text",
        groups="dealer_crm.group_dealer_user",
        help="The customer's best offers with their reasons, in the customer's language when a message is "
        "rendered: the placeholder {{ object.dealer_next_offer_text }} of campaign messages.",
    )
    dealer_vehicle_count = fields.Integer(string="Vehicles (count)", compute="_compute_dealer_counts")
    dealer_visit_count = fields.Integer(string="Visits (count)", compute="_compute_dealer_counts")
    dealer_lead_count = fields.Integer(
        string="Deals (count)",
        compute="_compute_dealer_lead_stats",
        help="Deals of this customer and of its contacts, open, won and lost.",
    )
    dealer_purchase_count = fields.Integer(
        string="Purchases", compute="_compute_dealer_lead_stats", help="Won sales deals of this customer."
    )
    dealer_call_count = fields.Integer(
        string="Calls (count)", compute="_compute_dealer_call_count", help="Calls with this customer in the journal."
    )
    dealer_last_visit_date = fields.Date(string="Last visit", compute="_compute_dealer_counts")
    dealer_next_service_date = fields.Date(
        string="Next service due",
        compute="_compute_dealer_counts",
        help="The earliest next maintenance date of the customer's cars.",
    )
    dealer_currency_id = fields.Many2one("res.currency", compute="_compute_dealer_currency_id")
    dealer_revenue_total = fields.Monetary(
        string="Total revenue",
        compute="_compute_dealer_revenue",
        currency_field="dealer_currency_id",
        groups=MONEY_GROUP,
        help="Closed service visits plus won car deals, all time.",
    )
    dealer_revenue_12m = fields.Monetary(
        string="Revenue, 12 months",
        compute="_compute_dealer_revenue",
        currency_field="dealer_currency_id",
        groups=MONEY_GROUP,
        help="Closed service visits plus won car deals of the last 12 months.",
    )
    dealer_revenue_24m = fields.Monetary(
        string="Revenue, 24 months",
        compute="_compute_dealer_revenue",
        currency_field="dealer_currency_id",
        groups=MONEY_GROUP,
        help="Closed service visits plus won car deals of the last 24 months.",
    )
    dealer_sales_user_id = fields.Many2one(
        "res.users",
        domain=[("share", "=", False)],
        string="Sales manager",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="The sales manager responsible for this customer.",
    )
    dealer_advisor_id = fields.Many2one(
        "res.users",
        domain=[("share", "=", False)],
        string="Service advisor",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="The service advisor who usually receives this customer.",
    )
    dealer_preferred_channel = fields.Selection(
        [("email", "E-mail"), ("sms", "SMS"), ("telegram", "Telegram"), ("phone", "Phone call")],
        string="Preferred channel",
    )
    # The buyer's identity document for sales contracts (docs/DOMAIN.md §3): required to win a deal
    # of a private buyer (res.company.dealer_require_identity), forgotten by the data retention.
    dealer_id_number = fields.Char(
        string="Passport series and number", groups=IDENTITY_GROUPS, copy=False, help="The buyer's identity document."
    )
    dealer_id_issued_by = fields.Char(string="Passport issued by", groups=IDENTITY_GROUPS, copy=False)
    dealer_id_issue_date = fields.Date(string="Passport issue date", groups=IDENTITY_GROUPS, copy=False)
    dealer_birthdate = fields.Date(string="Date of birth", groups=IDENTITY_GROUPS, copy=False)
    # Consent is personal data a dealer must be able to prove: every change is tracked in the
    # chatter (who and when) with the channel it came through (consent_source).
    consent_email = fields.Boolean(
        string="E-mail consent", tracking=True, help="The customer agreed to receive e-mails."
    )
    consent_sms = fields.Boolean(
        string="SMS consent",
        tracking=True,
        help="The customer agreed to receive SMS; campaign call tasks need it too (contact on their phone number).",
    )
    consent_telegram = fields.Boolean(
        string="Telegram consent", tracking=True, help="The customer agreed to Telegram messages."
    )
    consent_source = fields.Selection(
        CONSENT_SOURCES,
        string="Consent changed through",
        readonly=True,
        copy=False,  # a duplicated card's consent is recorded anew, as given through whoever duplicates it
        tracking=True,
        help="Where the last consent change came from; the chatter keeps who changed what and when.",
    )
    consent_email_date = fields.Datetime(
        string="E-mail consent changed", compute="_compute_consent_email_date", store=True, readonly=True
    )
    consent_sms_date = fields.Datetime(
        string="SMS consent changed", compute="_compute_consent_sms_date", store=True, readonly=True
    )
    consent_telegram_date = fields.Datetime(
        string="Telegram consent changed", compute="_compute_consent_telegram_date", store=True, readonly=True
    )
    dealer_stage = fields.Selection(
        LIFECYCLE_STAGES,
        string="Life-cycle stage",
        default="prospect",
        index=True,
        help="Where the customer is in the dealer's chain; kept automatically from leads, "
        "delivered cars, maintenance visits and trade-in requests.",
    )
    dealer_duplicate_ids = fields.Many2many(
        "res.partner",
        string="Possible duplicates",
        compute="_compute_dealer_duplicate_ids",
        help="Other contacts with the same phone, e-mail or VIN.",
    )

    # Duplicate lookups (forms, imports, the integration API) search these on 100k+ contacts.
    _dealer_phone_sanitized_idx = models.Index("(phone_sanitized) WHERE phone_sanitized IS NOT NULL")
    _dealer_email_normalized_idx = models.Index("(email_normalized) WHERE email_normalized IS NOT NULL")

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    def _compute_dealer_currency_id(self):
        for partner in self:
            partner.dealer_currency_id = (partner.company_id or self.env.company).currency_id

    def _compute_dealer_counts(self):
        Visit = self.env["dealer.visit"]
        visits = {
            partner: (count, last)
            for partner, count, last in Visit._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "done")], ["partner_id"], ["__count", "date:max"]
            )
        }
        for partner in self:
            # the cars from the card's own list of cars (read once for all the partners, and the form
            # reads them anyway): a customer has a few
            vehicles = partner.vehicle_ids
            partner.dealer_vehicle_count = len(vehicles)
            partner.dealer_next_service_date = min(
                (
                    car.next_service_date
                    for car in vehicles
                    if car.state in ("sold", "customer") and car.next_service_date
                ),
                default=False,
            )
            partner.dealer_visit_count, partner.dealer_last_visit_date = visits.get(partner, (0, False))

    def _compute_dealer_lead_stats(self):
        """Own deals plus those of the contacts below, as crm's ``opportunity_count`` counts them:
        the card's one "Deals" button replaces crm's "Opportunities" button. (crm's own counter keeps
        its own compute, which other addons extend.)"""
        Lead = self.env["crm.lead"]
        self.dealer_lead_count = self.dealer_purchase_count = 0
        if not self.ids or not Lead.has_access("read"):
            return
        domain = [*self._get_contact_opportunities_domain(), ("active", "in", [True, False])]
        current_ids = set(self._ids)
        for lead_partner, status, count in Lead._read_group(domain, ["partner_id", "won_status"], ["__count"]):
            partner = lead_partner
            while partner:
                if partner.id in current_ids:
                    partner.dealer_lead_count += count
                    partner.dealer_purchase_count += count if status == "won" else 0
                partner = partner.parent_id

    def _compute_dealer_call_count(self):
        Call = self.env["dealer.call"]
        counts = {}
        if self.ids and Call.has_access("read"):
            counts = dict(Call._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.dealer_call_count = counts.get(partner._origin, 0)

    @api.depends_context("today", "allowed_company_ids", "tz")
    def _compute_dealer_revenue(self):
        """One query for the whole list: closed visits and won deals summed per partner, in all, over
        24 and over 12 months (by the day in the user's time zone, as the lists group them).

        Application figures: an advisor sees revenue of won deals without having access to sales
        leads; the totals stay limited to the companies the user works in.
        """
        today = fields.Date.context_today(self)
        ids = [partner_id for partner_id in self._origin.ids if partner_id]
        totals = {}
        if ids:
            self.env["dealer.visit"].flush_model(["partner_id", "state", "company_id", "date", "revenue"])
            self.env["crm.lead"].flush_model(
                ["partner_id", "won_status", "company_id", "active", "date_closed", "expected_revenue"]
            )
            companies = tuple(self.env.companies.ids)
            self.env.cr.execute(
                SQL(
                    """
                    SELECT partner_id, SUM(amount),
                           SUM(amount) FILTER (WHERE day > %(since_24)s),
                           SUM(amount) FILTER (WHERE day > %(since_12)s)
                      FROM (
                            SELECT partner_id, date AS day, revenue AS amount
                              FROM dealer_visit
                             WHERE partner_id IN %(ids)s AND state = 'done' AND company_id IN %(companies)s
                            UNION ALL
                            SELECT partner_id, (date_closed AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                                   expected_revenue
                              FROM crm_lead
                             WHERE partner_id IN %(ids)s AND won_status = 'won' AND active
                               AND (company_id IN %(companies)s OR company_id IS NULL)
                           ) AS closed
                     GROUP BY partner_id
                    """,
                    ids=tuple(ids),
                    companies=companies,
                    since_24=today - relativedelta(months=24),
                    since_12=today - relativedelta(months=12),
                    tz=tz if (tz := self.env.context.get("tz")) in pytz.all_timezones_set else "UTC",
                )
            )
            totals = {partner_id: amounts for partner_id, *amounts in self.env.cr.fetchall()}
        for partner in self:
            total, last_24, last_12 = totals.get(partner._origin.id) or (0.0, 0.0, 0.0)
            partner.dealer_revenue_total = total or 0.0
            partner.dealer_revenue_24m = last_24 or 0.0
            partner.dealer_revenue_12m = last_12 or 0.0

    @api.depends("consent_email")
    def _compute_consent_email_date(self):
        self._stamp_consent_date("consent_email")

    @api.depends("consent_sms")
    def _compute_consent_sms_date(self):
        self._stamp_consent_date("consent_sms")

    @api.depends("consent_telegram")
    def _compute_consent_telegram_date(self):
        self._stamp_consent_date("consent_telegram")

    def _stamp_consent_date(self, fname):
        """The date changes whenever the consent does; a contact created without consent has none."""
        now = fields.Datetime.now()
        for partner in self:
            if partner[fname] or partner[f"{fname}_date"]:
                partner[f"{fname}_date"] = now

    @api.depends("dealer_next_offer_ids.score")
    @api.depends_context("lang")
    def _compute_dealer_next_offer_text(self):
        for partner in self:
            partner.dealer_next_offer_text = partner.dealer_next_offer_ids._offer_text()

    @api.depends("phone", "email", "vehicle_ids.vin", "company_id")
    def _compute_dealer_duplicate_ids(self):
        for partner in self:
            if not (partner.phone or partner.email or partner.vehicle_ids):
                partner.dealer_duplicate_ids = False
                continue
            # all the customer's VINs in one lookup (a car and a search each before); the card's own
            # number as stored, normalised as the other contacts' numbers it is compared with (no
            # parsing of the number each time the card opens)
            vins = partner.vehicle_ids.filtered("vin").mapped("vin")
            found = self._dealer_find_duplicates(
                phone=partner.phone, email=partner.email, vin=vins or None, phone_sanitized=partner.phone_sanitized
            )
            partner.dealer_duplicate_ids = found - partner._origin - partner

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, CARD_SYSTEM_FIELDS)
        for vals in vals_list:
            if any(vals.get(fname) for fname in CONSENT_FIELDS) and not vals.get("consent_source"):
                vals["consent_source"] = self._dealer_consent_source()
        partners = super().create(vals_list)
        # loading a module's data (as superuser) makes no notes; a request's context does not skip them
        if not (self.env.su and self.env.context.get("install_mode")):
            partners._dealer_flag_duplicates()
        return partners

    def write(self, vals):
        refuse_system_fields(self, [vals], CARD_SYSTEM_FIELDS)
        if not any(fname in vals for fname in CONSENT_FIELDS):
            return super().write(vals)
        partners = self
        if not self.env.su and (self.env.context.get("tracking_disable") or self.env.context.get("mail_notrack")):
            # the chatter's line (who, when, what) is the proof of a consent change: a request (an import
            # without history, an RPC call) cannot switch it off for consent
            partners = self.with_context(tracking_disable=False, mail_notrack=False)
        if "consent_source" not in vals:
            changed = partners.filtered(
                lambda p: any(fname in vals and p[fname] != vals[fname] for fname in CONSENT_FIELDS)
            )
            if changed and changed != partners:
                # only the cards whose consent really changes get a new source
                super(ResPartner, changed).write({"consent_source": self._dealer_consent_source()})
            elif changed:
                vals = {**vals, "consent_source": self._dealer_consent_source()}
        return super(ResPartner, partners).write(vals)

    def _dealer_may_call(self):
        """These customers who may be called or sent an SMS: a phone number, the consent to SMS and
        calls, and the number not on Odoo's phone blacklist (``_dealer_phone_blocked_ids``)."""
        candidates = self.filtered(lambda p: p.phone and p.consent_sms)
        blocked = candidates._dealer_phone_blocked_ids()
        return candidates.filtered(lambda p: p.id not in blocked)

    def _dealer_phone_blocked_ids(self):
        """Ids of these customers whose phone number is on Odoo's phone blacklist (Odoo's
        ``phone_blacklisted``), for a batch at once.

        Odoo's ``phone_blacklisted`` parses each customer's number again to look it up; here it is
        computed only for the customers whose stored number is on the blacklist, found with one query
        (Odoo's own search of ``phone_sanitized_blacklisted``).
        """
        with_phone = self.filtered("phone")
        if not with_phone:
            return set()
        # Odoo's search reads the tables in SQL without writing what is pending: a number put back on
        # (or taken off) the list in this transaction must count
        self.env["phone.blacklist"].flush_model(["number", "active"])
        with_phone.flush_recordset(["phone_sanitized"])
        # sudo: the blacklist is Odoo's technical list; only these customers' ids come back
        listed = (
            with_phone.sudo()
            .with_context(active_test=False)
            .search([("id", "in", with_phone.ids), ("phone_sanitized_blacklisted", "=", True)])
        )
        return set(listed.filtered("phone_blacklisted").ids)

    def _dealer_consent_source(self):
        """Through what a consent change reaches the card: the context's source when the application
        (superuser) writes it, else the writer's kind: the integration API or staff. A person's
        request cannot claim a customer's own channel by its context."""
        source = self.env.context.get("dealer_consent_source")
        if self.env.su and source in self._fields["consent_source"].get_values(self.env):
            return source
        return "api" if self.env.user.has_group("dealer_crm.group_integration") else "user"

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def _dealer_action(self, xmlid, domain, context=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = context or {}
        return action

    def action_dealer_view_vehicles(self):
        return self._dealer_action(
            "dealer_crm.dealer_vehicle_action", [("partner_id", "=", self.id)], {"default_partner_id": self.id}
        )

    def action_dealer_view_visits(self):
        return self._dealer_action(
            "dealer_crm.dealer_visit_action", [("partner_id", "=", self.id)], {"default_partner_id": self.id}
        )

    def action_dealer_view_leads(self):
        """The customer's deals (and its contacts'), open, won and lost, list first as crm does."""
        action = self._dealer_action(
            "dealer_crm.crm_lead_action_dealer_sales",
            [*self._get_contact_opportunities_domain(), ("active", "in", [True, False])],
            {"default_partner_id": self.id, "default_type": "opportunity"},
        )
        action["views"] = sorted(action["views"], key=lambda view: view[1] != "list")
        return action

    def action_dealer_view_calls(self):
        return self._dealer_action(
            "dealer_crm.dealer_call_action",
            [("partner_id", "=", self.id)],
            {"default_partner_id": self.id, "default_phone": self.phone},
        )

    def action_dealer_log_call(self):
        """The customer card's "Log a call": a call with this customer, logged by hand."""
        self.ensure_one()
        return self.env["dealer.call"]._action_log_call(partner=self)

    def action_dealer_view_lifecycle(self):
        return self._dealer_action("dealer_crm.dealer_lifecycle_event_action", [("partner_id", "=", self.id)])

    def action_dealer_open_duplicates(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Possible duplicates"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.dealer_duplicate_ids.ids)],
        }

    def action_dealer_refresh_next_offers(self):
        """The "Refresh" button of the customer card: the offers of the customer's cars, now."""
        self.env["dealer.next.offer"]._refresh(self.vehicle_ids)
        return True

    def action_dealer_merge_duplicates(self):
        """Open Odoo's own merge wizard on this contact and its duplicates."""
        self.ensure_one()
        partners = self | self.dealer_duplicate_ids
        return {
            "type": "ir.actions.act_window",
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "res.partner", "active_ids": partners.ids, "active_id": self.id},
        }

    # ------------------------------------------------------------
    # Duplicate control
    # ------------------------------------------------------------

    @api.model
    def _dealer_find_duplicates(self, phone=None, email=None, vin=None, phone_sanitized=None, customers_only=False):
        """Contacts matching a phone (normalised like ``phone_sanitized``), an e-mail or a VIN.

        The lookup runs as superuser so that a contact of another showroom of the group is found
        too; the result keeps only the contacts the caller may read. Callers that need to know
        that a hidden match exists use ``_dealer_find_duplicates_hidden_count``. ``customers_only``:
        not the cards of staff members nor of the group's companies (see ``_dealer_customer_cards_domain``).
        """
        found = self._dealer_find_duplicates_all(
            phone=phone, email=email, vin=vin, phone_sanitized=phone_sanitized, customers_only=customers_only
        )
        return self.browse(found.ids)._filtered_access("read")

    @api.model
    def _dealer_find_duplicates_hidden_count(self, phone=None, email=None, vin=None):
        found = self._dealer_find_duplicates_all(phone=phone, email=email, vin=vin)
        return len(found) - len(self.browse(found.ids)._filtered_access("read"))

    @api.model
    def _dealer_customer_cards_domain(self):
        """The cards an anonymous request (a web form, a call, a DMS order) may be matched to: not a staff
        member's own card (an active internal user's: its phone and e-mail are on the staff's signatures,
        and only administrators change it) nor a company of the group's (the showroom's switchboard). A
        request with such a phone or e-mail gets a card of its own, as a new customer."""
        # the companies' own cards by id: a few rows (``ref_company_ids`` is account's field, not always there)
        companies = self.env["res.company"].sudo().with_context(active_test=False).search([])
        return Domain("user_ids", "not any", [("share", "=", False), ("active", "=", True)]) & Domain(
            "id", "not in", companies.partner_id.ids
        )

    @api.model
    def _dealer_find_duplicates_all(self, phone=None, email=None, vin=None, phone_sanitized=None, customers_only=False):
        """``vin`` may be a list of VINs: the owners of any of them, up to 50 contacts per VIN.
        ``phone_sanitized``: the phone already normalised (a card's stored number)."""
        Partner = self.sudo().with_context(active_test=True)
        domains = []
        sanitized = phone_sanitized or (phone and self._phone_format(number=phone, country=self.env.company.country_id))
        if sanitized:
            domains.append([("phone_sanitized", "=", sanitized)])
        normalized_email = email and email_normalize(email)
        if normalized_email:
            domains.append([("email_normalized", "=", normalized_email)])
        vins = {normalize_vin(v) for v in (vin if isinstance(vin, (list, tuple)) else [vin]) if v} - {None, ""}
        if vins:
            # the cars first: as a sub-query of the contacts' search PostgreSQL cannot combine the phone,
            # e-mail and owner conditions as index scans (4x slower at 100k visits, bench P7b)
            vehicles = self.env["dealer.vehicle"].sudo().search([("vin", "in", list(vins))])
            if vehicles.partner_id:
                domains.append([("id", "in", vehicles.partner_id.ids)])
        if not domains:
            return Partner.browse()
        domain = Domain.OR(domains)
        if customers_only:
            domain &= self._dealer_customer_cards_domain()
        return Partner.search(domain, limit=50 * max(len(vins), 1))

    @api.model
    def _dealer_find_first_duplicates(self, keys):
        """``_dealer_find_duplicates(phone, email, vin, customers_only=True)[:1]`` of each ``(phone, email, vin)`` of
        ``keys``, with one search for all of them (a batch of API requests): the same contact,
        the first readable one in the contacts' order."""
        Partner = self.sudo().with_context(active_test=True)
        country = self.env.company.country_id
        wanted = []
        for phone, email, vin in keys:
            sanitized = phone and self._phone_format(number=phone, country=country)
            wanted.append((sanitized, email and email_normalize(email), vin and normalize_vin(vin)))
        phones = {phone for phone, _e, _v in wanted if phone}
        emails = {email for _p, email, _v in wanted if email}
        vins = {vin for _p, _e, vin in wanted if vin}
        owners = {}  # vin -> ids of its cars' owners
        if vins:
            for vehicle in self.env["dealer.vehicle"].sudo().search([("vin", "in", list(vins))]):
                if vehicle.partner_id:
                    owners.setdefault(vehicle.vin, set()).add(vehicle.partner_id.id)
        domains = [Domain("phone_sanitized", "in", list(phones))] if phones else []
        domains += [Domain("email_normalized", "in", list(emails))] if emails else []
        owner_ids = set().union(*owners.values())
        domains += [Domain("id", "in", list(owner_ids))] if owner_ids else []
        if not domains:
            return [self.browse() for _key in keys]
        # in the contacts' order, as each single search
        found = Partner.search(Domain.OR(domains) & self._dealer_customer_cards_domain())
        readable = set(self.browse(found.ids)._filtered_access("read").ids)
        first = {}  # (kind, value) -> the first readable contact with it
        for partner in found:
            if partner.id not in readable:
                continue
            for key in (("phone", partner.phone_sanitized), ("email", partner.email_normalized), ("id", partner.id)):
                if key[1]:
                    first.setdefault(key, partner.id)
        order = {partner_id: index for index, partner_id in enumerate(found.ids)}
        result = []
        for phone, email, vin in wanted:
            candidates = [first.get(("phone", phone)), first.get(("email", email))]
            candidates += [first.get(("id", owner)) for owner in owners.get(vin, ())]
            candidates = [c for c in candidates if c]
            result.append(self.browse(min(candidates, key=order.__getitem__)) if candidates else self.browse())
        return result

    def _dealer_flag_duplicates(self):
        """Imports and API calls do not show the form's warning: note the match on each new card instead.

        One search for the whole batch, on the stored normalised phone and e-mail. The note names only
        contacts that everybody who reads the card may read: of its showroom or of none (a card of no
        showroom: of none, unless the database has one showroom), and readable by its author (a card
        made as superuser, e.g. by the public booking page, names no other showroom's customer either).
        """
        phones = {p.phone_sanitized for p in self if p.phone_sanitized}
        emails = {p.email_normalized for p in self if p.email_normalized}
        if not (phones or emails):
            return
        domain = Domain.OR(
            [
                Domain("phone_sanitized", "in", list(phones)) if phones else Domain.FALSE,
                Domain("email_normalized", "in", list(emails)) if emails else Domain.FALSE,
            ]
        ) & Domain("id", "not in", self.ids)
        others = self.sudo().search_fetch(
            domain, ["phone_sanitized", "email_normalized", "company_id", "commercial_partner_id"], limit=1000
        )
        others = self.browse(others.ids)._filtered_access("read")
        one_showroom = self._dealer_one_showroom()
        for partner in self:
            # the people of a company sharing its switchboard or e-mail are its people, no duplicates of it nor
            # of each other; the same person's own mobile or e-mail twice in a company still is one
            company = partner.commercial_partner_id
            own = {company.phone_sanitized, company.email_normalized} - {False}

            def same(o, fname, p=partner, company=company, own=own):
                return (
                    p[fname] and o[fname] == p[fname] and not (o.commercial_partner_id == company and p[fname] in own)
                )

            matches = others.filtered(
                lambda o, p=partner, same=same: (
                    one_showroom or o.company_id in (p.company_id, self.env["res.company"])
                )
                and (same(o, "phone_sanitized") or same(o, "email_normalized"))
            )
            if matches:
                names = ", ".join(matches.mapped("display_name"))
                # a note for the staff: in the showroom's language, not the one of whoever typed the card in (the
                # booking page's visitor, an API client)
                staff = self.with_context(lang=self._dealer_staff_lang(partner.company_id or self.env.company)).env
                partner.message_post(
                    body=staff._("Possible duplicate of: %(names)s", names=names), subtype_xmlid="mail.mt_note"
                )

    # ------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------

    def _dealer_lifecycle_advance(self, stage, trigger, refs=None):
        """Move these partners to ``stage`` where that is a forward move; log every move.

        One write per distinct current stage at most and one ``create`` of history rows,
        whatever the number of partners.  ``refs`` maps a partner id to the record that
        caused the move (a lead, a visit).  Moves from ``trade_in`` to a new purchase
        (negotiation, customer) restart the cycle; any other backward move is ignored.
        """
        refs = refs or {}
        target_rank = LIFECYCLE_RANK[stage]
        partners = self.sudo().exists()
        moving = partners.filtered(
            lambda p: LIFECYCLE_RANK.get(p.dealer_stage or "prospect", 0) < target_rank
            or (p.dealer_stage == "trade_in" and stage in RESTART_TARGETS)
        )
        if not moving:
            return moving
        history = []
        for partner in moving:
            ref = refs.get(partner.id)
            history.append(
                {
                    "partner_id": partner.id,
                    "from_stage": partner.dealer_stage or "prospect",
                    "to_stage": stage,
                    "trigger": trigger,
                    "res_reference": f"{ref._name},{ref.id}" if ref else False,
                    "company_id": (ref and "company_id" in ref and ref.company_id.id) or self.env.company.id,
                }
            )
        moving.write({"dealer_stage": stage})
        as_application(self.env["dealer.lifecycle.event"]).create(history)
        return moving

    # ------------------------------------------------------------
    # Roles
    # ------------------------------------------------------------

    def _dealer_role_own_users(self, role):
        """A customer's own people: their sales manager, else their salesperson, is the responsible
        person and the sales manager, and takes the tasks of any other role they hold themselves
        (a retention call of the call centre goes to the customer's own operator)."""
        users = super()._dealer_role_own_users(role)
        group = self.env.ref(ROLE_GROUPS[role])
        for partner in self.filtered(lambda p: p.id not in users):
            for user in (partner.dealer_sales_user_id, partner.user_id):
                holds_role = user.active and group in user.sudo().group_ids
                if user and (role in ("responsible", "sales_manager") or holds_role):
                    users[partner.id] = user
                    break
        return users

    # ------------------------------------------------------------
    # Integration API
    # ------------------------------------------------------------

    @api.model
    def _dealer_api_normalize_phone(self, phone, field="phone"):
        """E.164 form of ``phone`` for the company's country; ApiInputError naming ``field`` if invalid."""
        if not phone:
            return None
        try:
            return self._phone_format(number=phone, country=self.env.company.country_id, raise_exception=True)
        except UserError:
            raise ApiInputError(field, _lt("%(field)s is not a valid phone number"), field=field) from None

    @api.model
    def _dealer_api_partner(self, name=None, phone=None, email=None, vin=None):
        """The contact an API request is about: matched by phone, e-mail or VIN, else created.

        A matched contact is not written (an anonymous request proves nothing about the person);
        a new one belongs to the API user's showroom. Returns ``(partner, created)``.
        ``phone`` must already be normalised.
        """
        matches = self._dealer_find_duplicates(phone=phone, email=email, vin=vin, customers_only=True)
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
        consent of the request that creates it (its empty phone or e-mail filled by later requests;
        their other values and their consent are proposed, as for a contact that existed) and
        belongs to the API user's showroom.
        Returns, in order, dicts ``{partner, created, proposal}``.
        """
        cards, found, pending = [], [], {}  # cards: the new contacts' values; pending: match key -> index
        known = self._dealer_find_first_duplicates([(r["phone"], r["email"], r["vin"]) for r in requests])
        for request, partner in zip(requests, known, strict=True):
            phone, email = request["phone"], request["email"]
            # a trade-in's VIN names the car the new contact will own
            keys = [
                ("phone", phone),
                ("email", email and (tools.email_normalize(email) or email)),
                ("vin", request["vin"] if request.get("interest") == "trade_in" else None),
            ]
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
                cards[slot].update(request["consent"])
            else:
                card = cards[slot]
                # as two single requests: the later one's consent is proposed, never written (it may come
                # from another phone or address that only shares an e-mail or a trade-in's VIN)
                proposal = self._dealer_api_proposal(card, phone, email, request["consent"])
                for fname in ("phone", "email"):  # the card is new: its empty values are filled at once
                    if fname in proposal and not card[fname]:
                        card[fname] = proposal.pop(fname)
                found.append({"slot": slot, "created": False, "proposal": proposal})
            card = cards[slot]
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
            if bool(card[fname] if isinstance(card, models.BaseModel) else card.get(fname)) != value:
                proposal[fname] = value
        return proposal
