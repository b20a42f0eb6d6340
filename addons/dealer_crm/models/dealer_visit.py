from odoo import Command, api, fields, models

from ..tools import api_input as inp
from ..tools.system_fields import check_access_after_move, refuse_system_fields

VISIT_KINDS = [
    ("maintenance", "Maintenance"),
    ("repair", "Repair"),
    ("warranty", "Warranty"),
    ("body", "Body repair"),
    ("tyres", "Tyres"),
    ("diagnostics", "Diagnostics"),
    ("other", "Other"),
]

# kept by the application: the kept prints, and the totals of the visit's lines (a total typed in would stay until a
# line changes, in the campaigns' attributed revenue, RFM and the churn-risk signals)
VISIT_SYSTEM_FIELDS = ("dealer_money_prints", "revenue", "declined_amount", "deferred_amount")


class DealerVisit(models.Model):
    _name = "dealer.visit"
    _description = "Service visit / repair order"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Repair order", default=lambda self: self.env._("New"), copy=False, required=True)
    external_id = fields.Char(
        string="DMS reference", copy=False, help="The repair order's id in the DMS; a replay with it changes nothing."
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, tracking=True)
    vehicle_id = fields.Many2one("dealer.vehicle", required=True, index=True, check_company=True, tracking=True)
    vehicle_model_id = fields.Many2one(related="vehicle_id.model_id", string="Vehicle model")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        check_company=True,
    )
    odometer_km = fields.Integer(string="Odometer (km)")
    kind = fields.Selection(VISIT_KINDS, required=True, default="maintenance", index=True, tracking=True)
    maintenance_level = fields.Char(
        string="Maintenance step", help="The manufacturer's maintenance step, e.g. TO-1, TO-2, TO-3."
    )
    advisor_id = fields.Many2one(
        "res.users", string="Service advisor", default=lambda self: self.env.user, index=True, tracking=True
    )
    state = fields.Selection(
        [("open", "Open"), ("done", "Closed"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    line_ids = fields.One2many("dealer.visit.line", "visit_id", string="Lines", copy=True)
    # the kept work orders and acceptance acts (their amounts): readable by who may see money, not the call centre
    dealer_money_prints = fields.Binary(
        string="Kept service documents",
        attachment=True,
        copy=False,
        readonly=True,
        groups="dealer_crm.group_dealer_see_money",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        help="Sum of the lines that were done.",
        aggregator="sum",
        groups="dealer_crm.group_dealer_see_money",
    )
    declined_amount = fields.Monetary(
        string="Declined",
        compute="_compute_amounts",
        store=True,
        aggregator="sum",
        groups="dealer_crm.group_dealer_see_money",
        help="Sum of the lines the customer declined.",
    )
    deferred_amount = fields.Monetary(
        string="Deferred",
        compute="_compute_amounts",
        store=True,
        aggregator="sum",
        groups="dealer_crm.group_dealer_see_money",
        help="Sum of the lines the customer put off to a later date.",
    )
    note = fields.Text()

    _external_id_uniq = models.UniqueIndex(
        "(company_id, external_id) WHERE external_id IS NOT NULL",
        "A visit with this DMS reference already exists.",
    )
    _partner_date_idx = models.Index("(partner_id, date DESC) WHERE state = 'done'")

    @api.depends("vehicle_id")
    def _compute_partner_id(self):
        # The owner of the chosen vehicle, also when the vehicle is changed (the first version kept
        # the previous vehicle's owner); a vehicle without an owner keeps the customer typed in.
        for visit in self:
            visit.partner_id = visit.vehicle_id.partner_id or visit.partner_id

    @api.depends("line_ids.amount", "line_ids.status")
    def _compute_amounts(self):
        totals = {
            (visit.id, status): amount
            for visit, status, amount in self.env["dealer.visit.line"]._read_group(
                [("visit_id", "in", self.ids)], ["visit_id", "status"], ["amount:sum"]
            )
        }
        for visit in self:
            visit.revenue = totals.get((visit.id, "done"), 0.0)
            visit.declined_amount = totals.get((visit.id, "declined"), 0.0)
            visit.deferred_amount = totals.get((visit.id, "deferred"), 0.0)

    @api.model_create_multi
    def create(self, vals_list):
        # the kept prints are added by printing only (ir.actions.report.dealer_archive), never replaced or emptied
        refuse_system_fields(self, vals_list, VISIT_SYSTEM_FIELDS)
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("dealer.visit") or self.env._("New")
        visits = super().create(vals_list)
        visits._log_odometer()
        visits._sync_lifecycle()
        return visits

    def write(self, vals):
        refuse_system_fields(self, [vals], VISIT_SYSTEM_FIELDS)
        res = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        if {"odometer_km", "date", "vehicle_id"} & set(vals):
            self._log_odometer()
        elif {"state", "kind"} & set(vals):
            self.vehicle_id._update_mileage_stats()
        if {"state", "kind", "partner_id"} & set(vals):
            self._sync_lifecycle()
        return res

    def _sync_lifecycle(self):
        """A closed maintenance visit moves its customer to first, then regular service (set-based)."""
        visits = self.filtered(lambda v: v.state == "done" and v.kind == "maintenance" and v.partner_id)
        if not visits:
            return
        refs = {visit.partner_id.id: visit for visit in visits}
        partners = visits.partner_id.sudo()
        at_first = partners.filtered(lambda p: p.dealer_stage == "first_service")
        (partners - at_first)._dealer_lifecycle_advance("first_service", "maintenance", refs=refs)
        at_first._dealer_lifecycle_advance("regular_service", "maintenance", refs=refs)

    def _log_odometer(self):
        """Every visit's odometer reading goes into its vehicle's log (one reading per visit)."""
        visits = self.filtered("odometer_km")
        readings = self.env["dealer.vehicle.odometer"].sudo().search([("visit_id", "in", visits.ids)])
        by_visit = {r.visit_id.id: r for r in readings}
        new_vals = []
        for visit in visits:
            reading = by_visit.get(visit.id)
            vals = {"vehicle_id": visit.vehicle_id.id, "date": visit.date, "value_km": visit.odometer_km}
            if reading:
                reading.write(vals)
            else:
                new_vals.append({**vals, "source": "visit", "visit_id": visit.id})
        if new_vals:
            self.env["dealer.vehicle.odometer"].sudo().create(new_vals)
        (self - visits).vehicle_id._update_mileage_stats()

    def action_done(self):
        self.write({"state": "done"})

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_reopen(self):
        self.write({"state": "open"})

    # ------------------------------------------------------------
    # Integration API
    # ------------------------------------------------------------

    @api.model
    def _api_line_vals(self, line):
        """Create values of one line of ``POST /dealer/api/v1/visits`` (other addons add their fields)."""
        return {
            "name": inp.text(line, "name", required=True, max_len=256),
            "amount": inp.number(line, "amount", required=True, minimum=0),
            "status": inp.choice(line, "status", ["done", "declined", "deferred"], default="done"),
            "code": inp.text(line, "code", max_len=64),
            "deferred_until": inp.day(line, "deferred_until"),
        }

    @api.model
    def _create_from_api(self, payload):
        """``POST /dealer/api/v1/visits``: a repair order closed in the DMS (API.md)."""
        vin = inp.text(payload, "vin", max_len=40)
        plate = inp.text(payload, "plate", max_len=20)
        if not vin and not plate:
            raise inp.ApiInputError("vin", "vin or plate is required")
        external_id = payload["external_id"].strip()
        # a repair order sent again once its request has left the API's log (kept for days, then purged):
        # the visit it made, as a replay, not a second visit (nor a clash with the visit's unique reference)
        existing = self.search([("external_id", "=", external_id), ("company_id", "=", self.env.company.id)], limit=1)
        if existing:
            return {**existing._api_response(), "replayed": True}, existing, 200
        line_vals = [self._api_line_vals(line) for line in inp.items(payload, "lines")]
        self.env["product.template"]._dealer_link_catalogue(line_vals)
        today = fields.Date.context_today(self)
        day = inp.day(payload, "date")
        # a repair order is closed on its day; a day after tomorrow is a typo, which would stay the car's last
        # odometer reading and make every true reading after it look wrong
        if day and day > fields.Date.add(today, days=1):
            raise inp.ApiInputError("date", "date must not be in the future")
        values = {
            "external_id": external_id,
            "date": day or today,
            "odometer_km": inp.number(payload, "mileage_km", minimum=0, integer=True) or 0,
            "kind": inp.choice(payload, "kind", [k for k, _label in VISIT_KINDS], default="maintenance"),
            "maintenance_level": inp.text(payload, "maintenance_level", max_len=32),
            "state": "done",
        }
        Partner = self.env["res.partner"]
        phone = Partner._dealer_api_normalize_phone(inp.text(payload, "phone", max_len=64))
        email = inp.email(payload)
        name = inp.text(payload, "name", max_len=256)
        vehicle = self.env["dealer.vehicle"]._api_vehicle(vin, plate)
        partner = vehicle.partner_id
        if not partner and (phone or email or name):
            partner, _created = Partner._dealer_api_partner(name=name, phone=phone, email=email, vin=vehicle.vin)
        if not partner:
            raise inp.ApiInputError("phone", "the vehicle has no owner: give the customer's phone, email or name")
        if not vehicle.partner_id:
            vehicle.partner_id = partner
        visit = self.create(
            {
                **values,
                "vehicle_id": vehicle.id,
                "partner_id": partner.id,
                "line_ids": [Command.create(v) for v in line_vals],
            }
        )
        return visit._api_response(), visit

    def _api_response(self):
        """What ``POST /dealer/api/v1/visits`` answers for this visit."""
        self.ensure_one()
        return {
            "visit_id": self.id,
            "partner_id": self.partner_id.id,
            "vehicle_id": self.vehicle_id.id,
            "revenue": self.revenue,
        }
