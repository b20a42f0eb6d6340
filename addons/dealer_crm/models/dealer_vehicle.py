import hashlib

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date
from odoo.tools.translate import LazyTranslate

from ..tools.api_input import ApiInputError
from ..tools.marks import marked
from ..tools.plate import normalize_plate, plate_key_sql
from ..tools.system_fields import check_access_after_move, may_write_system_fields, refuse_system_fields
from ..tools.translated import Translated
from ..tools.vin import normalize_vin, vin_problem

_lt = LazyTranslate(__name__)
# the titles the scheduled follow-ups write (their code in data/dealer_followup_data.xml names them in English):
# each assignee reads theirs in their own language
FOLLOWUP_TITLES = {term._source: term for term in (_lt("Follow-up call: every six months"),)}

DEFAULT_FLEET_KM_PER_DAY = 40.0  # ~15,000 km a year, until the fleet's own log tells better

# dates of the car that messages print (each has a text field "<name>_text")
DATE_TEXTS = ("delivery_date", "warranty_end", "insurance_end", "next_service_date")

# the states only a reservation and a deal set (``_dealer_check_state_change``)
APPLICATION_STATES = ("reserved", "sold")
# worked out from the odometer log by the application (``_update_mileage_stats``): a value typed in would enrol the car
# in a maintenance campaign now (and never at the true date), or have true readings refused as doubtful
MILEAGE_FIELDS = (
    "last_odometer_km",
    "last_odometer_date",
    "km_per_day",
    "next_service_date",
    "next_service_km",
    "next_service_reason",
)


class DealerVehicle(models.Model):
    _name = "dealer.vehicle"
    _description = "Vehicle"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------

    name = fields.Char(compute="_compute_name", store=True, readonly=False, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    # the duplicate lookups of the customer card, imports and the API search VINs across companies
    vin = fields.Char(
        string="VIN",
        tracking=True,
        copy=False,
        index="btree_not_null",
        help="Vehicle identification number, 17 characters.",
    )
    plate = fields.Char(string="Licence plate", tracking=True, copy=False, index="btree_not_null")
    brand_id = fields.Many2one("dealer.vehicle.brand", string="Make", index=True)
    model_id = fields.Many2one(
        "dealer.vehicle.model", string="Model", index=True, domain="[('brand_id', '=?', brand_id)]"
    )
    model_year = fields.Integer()
    product_id = fields.Many2one(
        "product.product",
        string="Catalogue car",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("dealer_item_kind", "=", "car")],
        help="The car of the catalogue (model and trim) this vehicle is.",
    )
    color = fields.Char(string="Colour")
    state = fields.Selection(
        [
            ("stock", "In stock"),
            ("reserved", "Reserved"),
            ("sold", "Sold"),
            ("customer", "Customer's car"),
            ("trade_in", "Trade-in"),
        ],
        default="customer",
        required=True,
        tracking=True,
        index=True,
        help="In stock and reserved cars belong to the dealer; sold and customer's cars to their owner.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Owner", tracking=True, index="btree_not_null", check_company=True
    )
    list_price = fields.Monetary(
        string="Price", help="Asking price of a car in stock.", groups="dealer_crm.group_dealer_see_money"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    purchase_date = fields.Date(help="The day the owner bought the car.")
    delivery_date = fields.Date(help="The day the car was handed to its owner; follow-ups and services count from it.")
    warranty_end = fields.Date(string="Warranty ends", tracking=True, index="btree_not_null")
    insurance_end = fields.Date(string="Insurance policy ends", tracking=True, index="btree_not_null")
    odometer_ids = fields.One2many("dealer.vehicle.odometer", "vehicle_id", string="Odometer log")
    visit_ids = fields.One2many("dealer.visit", "vehicle_id", string="Visits")
    visit_count = fields.Integer(compute="_compute_visit_count")
    last_odometer_km = fields.Integer(string="Last odometer (km)", readonly=True)
    last_odometer_date = fields.Date(string="Last odometer reading", readonly=True)
    km_per_day = fields.Float(
        string="Own average km/day",
        readonly=True,
        digits=(10, 1),
        help="From the odometer log; empty until two readings at least 30 days apart exist.",
    )
    projected_km = fields.Integer(
        string="Projected mileage (km)",
        compute="_compute_projected_km",
        help="Today's odometer, extrapolated from the last reading at the vehicle's own "
        "average km/day, or at the fleet-wide average when the vehicle has too short a history.",
    )
    next_service_date = fields.Date(
        string="Next maintenance due",
        readonly=True,
        index="btree_not_null",
        help="The earlier of: the last maintenance plus the model's interval in months, "
        "and the day the projected mileage reaches the next service mileage.",
    )
    next_service_km = fields.Integer(string="Next maintenance at (km)", readonly=True)
    next_service_reason = fields.Selection(
        [("date", "By date"), ("mileage", "By mileage")], string="Due by", readonly=True
    )
    next_offer_ids = fields.One2many(
        "dealer.next.offer", "vehicle_id", string="Next best offers", domain=[("state", "=", "open")]
    )
    next_offer_text = fields.Char(
        string="Next best offers (text)",
        compute="_compute_next_offer_text",
        help="The car's best offers with their reasons, in the customer's language when a message is "
        "rendered: the placeholder {{ object.next_offer_text }} of campaign messages.",
    )

    # the car's dates as the customer reads them, in the language a message is rendered in (a date field prints
    # as 2026-12-31): the placeholders {{ object.warranty_end_text }} … of campaign messages
    delivery_date_text = fields.Char(string="Delivered on (text)", compute="_compute_date_texts")
    warranty_end_text = fields.Char(string="Warranty ends (text)", compute="_compute_date_texts")
    insurance_end_text = fields.Char(string="Insurance policy ends (text)", compute="_compute_date_texts")
    next_service_date_text = fields.Char(string="Next maintenance due (text)", compute="_compute_date_texts")

    _vin_company_uniq = models.UniqueIndex(
        "(company_id, vin) WHERE vin IS NOT NULL AND active IS TRUE",
        "A vehicle with this VIN already exists in this company.",
    )

    def init(self):
        """An index on the plate's key (``tools.plate.plate_key_sql``: a plate however it is typed): the
        public booking page looks a car up by it, and a look-up must read one entry, not the register.
        Its name carries a digest of the key's expression: an index of an earlier expression, which the
        look-up would no longer use, is replaced on upgrade."""
        key = plate_key_sql(SQL.identifier("plate"))
        name = "dealer_vehicle_plate_key_" + hashlib.md5(repr((key.code, key.params)).encode()).hexdigest()[:8]
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'dealer_vehicle' AND indexname LIKE %s",
            ["dealer_vehicle_plate_key_%"],
        )
        for (old,) in self.env.cr.fetchall():
            if old != name:
                self.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(old)))
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON dealer_vehicle (%s) WHERE plate IS NOT NULL",
                SQL.identifier(name),
                key,
            )
        )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("brand_id", "model_id", "model_year", "plate", "vin")
    def _compute_name(self):
        for vehicle in self:
            parts = [vehicle.model_id.display_name or vehicle.brand_id.name, vehicle.model_year or False]
            label = " ".join(str(p) for p in parts if p)
            ident = vehicle.plate or vehicle.vin
            vehicle.name = f"{label} ({ident})" if label and ident else label or ident or False

    @api.onchange("product_id")
    def _onchange_product_id(self):
        """The catalogue car fills the model, the model year and, for a car in stock, its price."""
        for vehicle in self.filtered("product_id"):
            template = vehicle.product_id.product_tmpl_id
            if len(template.dealer_model_ids) == 1:
                vehicle.model_id = template.dealer_model_ids
                vehicle.brand_id = template.dealer_model_ids.brand_id
            vehicle.model_year = template.dealer_model_year or vehicle.model_year
            if vehicle.state in ("stock", "reserved") and not vehicle.list_price:
                vehicle.list_price = vehicle.product_id.lst_price

    def _compute_visit_count(self):
        counts = dict(
            self.env["dealer.visit"]._read_group([("vehicle_id", "in", self.ids)], ["vehicle_id"], ["__count"])
        )
        for vehicle in self:
            vehicle.visit_count = counts.get(vehicle, 0)

    @api.depends("last_odometer_km", "last_odometer_date", "km_per_day")
    @api.depends_context("today")
    def _compute_projected_km(self):
        today = fields.Date.context_today(self)
        fleet_rates = {}
        for vehicle in self:
            if not vehicle.last_odometer_date:
                vehicle.projected_km = 0
                continue
            rate = vehicle.km_per_day
            if not rate:
                company = vehicle.company_id or self.env.company
                if company not in fleet_rates:
                    fleet_rates[company] = self._fleet_km_per_day(company)
                rate = fleet_rates[company]
            days = max((today - vehicle.last_odometer_date).days, 0)
            vehicle.projected_km = int(round(vehicle.last_odometer_km + days * rate))

    @api.depends("next_offer_ids.score")
    @api.depends_context("lang")
    def _compute_next_offer_text(self):
        for vehicle in self:
            vehicle.next_offer_text = vehicle.next_offer_ids._offer_text()

    @api.depends(*DATE_TEXTS)
    @api.depends_context("lang")
    def _compute_date_texts(self):
        for vehicle in self:
            for fname in DATE_TEXTS:
                vehicle[f"{fname}_text"] = format_date(self.env, vehicle[fname]) if vehicle[fname] else False

    # ------------------------------------------------------------
    # Constraints and CRUD
    # ------------------------------------------------------------

    @api.constrains("vin")
    def _check_vin(self):
        for vehicle in self.filtered("vin"):
            problem = vin_problem(vehicle.vin)
            if problem:
                raise ValidationError(self._vin_error_message(vehicle.vin, *problem))

    def _check_vin_free(self, pairs):
        """Refuse a VIN already used in the company, naming it, before the unique index says it less clearly.

        ``pairs`` are ``(vin, company_id)`` about to be written; one query for the whole batch.
        """
        seen = set()
        for pair in pairs:
            if pair in seen:
                raise ValidationError(self._vin_taken_message(pair[0]))
            seen.add(pair)
        if not pairs:
            return
        taken = self.sudo().search_fetch(
            [("vin", "in", [vin for vin, _company in pairs]), ("id", "not in", self.ids)], ["vin", "company_id"]
        )
        used = {(vehicle.vin, vehicle.company_id.id) for vehicle in taken}
        for pair in pairs:
            if pair in used:
                raise ValidationError(self._vin_taken_message(pair[0]))

    def _vin_taken_message(self, vin):
        return self.env._("A vehicle with VIN %(vin)s already exists in this company.", vin=vin)

    def _vin_error_message(self, vin, code, details):
        if code == "length":
            return self.env._("VIN %(vin)s must have 17 characters, not %(count)s.", vin=vin, count=details)
        if code == "ioq":
            return self.env._(
                "VIN %(vin)s must not contain the letters I, O or Q (found %(letters)s).", vin=vin, letters=details
            )
        if code == "alphabet":
            return self.env._("VIN %(vin)s may only contain digits and Latin capital letters.", vin=vin)
        return self.env._(
            "VIN %(vin)s has a wrong check digit: the 9th character is %(found)s, expected %(expected)s.",
            vin=vin,
            found=details[0],
            expected=details[1],
        )

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, MILEAGE_FIELDS)
        self._dealer_check_state_change(vals_list)
        for vals in vals_list:
            if vals.get("vin"):
                vals["vin"] = normalize_vin(vals["vin"])
        default_company = self.env.company.id
        self._check_vin_free(
            [
                (vals["vin"], vals.get("company_id", default_company) or False)
                for vals in vals_list
                if vals.get("vin") and vals.get("active", True)
            ]
        )
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], MILEAGE_FIELDS)
        self._dealer_check_state_change([vals])
        if vals.get("vin"):
            vals["vin"] = normalize_vin(vals["vin"])
        if vals.get("vin") or vals.get("company_id") or vals.get("active"):
            self._check_vin_free(
                [
                    (vals.get("vin", vehicle.vin), vals.get("company_id", vehicle.company_id.id) or False)
                    for vehicle in self
                    if vals.get("vin", vehicle.vin)
                ]
            )
        res = super().write(vals)
        # a car moved into another showroom (its stock, its sales) by a person who does not work there
        check_access_after_move(self, vals, ["company_id"])
        return res

    def _dealer_check_state_change(self, vals_list):
        """A car is reserved, released and sold by its reservation and its deal (``dealer_vehicle_state``, the
        application's mark), never by hand: a car set to reserved without a reservation would stay blocked for
        good, a reserved car set back to stock would be sold twice, a car set to sold would leave stock without
        a deal. Cars are still put in stock, taken in trade and recorded as a customer's by hand."""
        if not any("state" in vals for vals in vals_list) or marked(self.env, "dealer_vehicle_state"):
            return
        if may_write_system_fields(self.env):
            return
        for vals in vals_list:
            if "state" not in vals:
                continue
            new = vals["state"]
            changed = [vehicle.state for vehicle in self if vehicle.state != new] if self else [None]
            if changed and (new in APPLICATION_STATES or any(old in APPLICATION_STATES for old in changed)):
                raise AccessError(
                    self.env._(
                        "%(field)s: a car is reserved, released and sold by its reservation and its deal, not by hand.",
                        field=self._fields["state"]._description_string(self.env),
                    )
                )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_visits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_crm.dealer_visit_action")
        action["domain"] = [("vehicle_id", "=", self.id)]
        action["context"] = {"default_vehicle_id": self.id, "default_partner_id": self.partner_id.id}
        return action

    def action_refresh_next_offers(self):
        """The "Refresh" button of the vehicle form: this car's next best offers, now (cars the user may read)."""
        self.check_access("read")
        self.env["dealer.next.offer"]._refresh(self)
        return True

    # ------------------------------------------------------------
    # Mileage statistics (set-based)
    # ------------------------------------------------------------

    @api.model
    def _fleet_km_per_day(self, company=None):
        """Average km/day over every vehicle of the company that has its own rate."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT avg(km_per_day) FROM dealer_vehicle WHERE km_per_day > 0 AND company_id = %s",
                (company or self.env.company).id,
            )
        )
        return self.env.cr.fetchone()[0] or DEFAULT_FLEET_KM_PER_DAY

    def _update_mileage_stats(self):
        """Recompute last reading, own km/day and next maintenance of these vehicles.

        Two statements for any number of vehicles; ``_cron_update_mileage_stats`` calls it
        on the whole fleet so that due dates follow the fleet average too.
        """
        if not self:
            return
        self.env.flush_all()
        ids = list(self.ids)
        self.env.cr.execute(
            SQL(
                """
            WITH r AS (
                SELECT vehicle_id,
                       (array_agg(value_km ORDER BY date, id))[1] AS first_km, min(date) AS first_date,
                       (array_agg(value_km ORDER BY date DESC, id DESC))[1] AS last_km, max(date) AS last_date
                  FROM dealer_vehicle_odometer
                 WHERE vehicle_id = ANY(%(ids)s)
              GROUP BY vehicle_id
            )
            UPDATE dealer_vehicle v
               SET last_odometer_km = r.last_km,
                   last_odometer_date = r.last_date,
                   km_per_day = CASE WHEN r.last_date - r.first_date >= 30 AND r.last_km >= r.first_km
                                     THEN (r.last_km - r.first_km)::float / (r.last_date - r.first_date) END
              FROM dealer_vehicle v2
         LEFT JOIN r ON r.vehicle_id = v2.id
             WHERE v.id = v2.id AND v.id = ANY(%(ids)s)
            """,
                ids=ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
            WITH fleet AS (
                SELECT company_id, avg(km_per_day) AS rate FROM dealer_vehicle
                 WHERE km_per_day > 0
                   -- only where it is used: a car without a rate of its own (a showroom's whole fleet read
                   -- for each reading took 48 ms at 100,000 cars)
                   AND company_id IN (SELECT company_id FROM dealer_vehicle
                                       WHERE id = ANY(%(ids)s) AND COALESCE(km_per_day, 0) = 0)
              GROUP BY company_id
            ), base AS (
                SELECT v.id,
                       COALESCE(m.date, v.delivery_date, v.purchase_date) AS base_date,
                       COALESCE(m.odometer_km, 0) AS base_km,
                       COALESCE(NULLIF(vm.maintenance_interval_km, 0), 15000) AS ikm,
                       COALESCE(vm.maintenance_interval_months, 12) AS imon,
                       COALESCE(NULLIF(v.km_per_day, 0), fleet.rate, %(fleet)s) AS rate,
                       v.last_odometer_km, v.last_odometer_date
                  FROM dealer_vehicle v
             LEFT JOIN dealer_vehicle_model vm ON vm.id = v.model_id
             LEFT JOIN fleet ON fleet.company_id = v.company_id
             LEFT JOIN LATERAL (
                       SELECT date, odometer_km FROM dealer_visit
                        WHERE vehicle_id = v.id AND kind = 'maintenance' AND state = 'done'
                     ORDER BY date DESC, id DESC LIMIT 1) m ON TRUE
                 WHERE v.id = ANY(%(ids)s)
            ), due AS (
                SELECT id, base_km + ikm AS due_km,
                       CASE WHEN imon > 0 THEN (base_date + make_interval(months => imon))::date END AS by_date,
                       (COALESCE(last_odometer_date, base_date)
                        + GREATEST(0, ((base_km + ikm - COALESCE(last_odometer_km, base_km)) / rate)::int)) AS by_km
                  FROM base WHERE base_date IS NOT NULL
            )
            UPDATE dealer_vehicle v
               SET next_service_km = due.due_km,
                   next_service_date = LEAST(due.by_date, due.by_km),
                   next_service_reason = CASE WHEN due.by_date IS NULL OR due.by_km < due.by_date
                                              THEN 'mileage' ELSE 'date' END
              FROM due WHERE due.id = v.id
            """,
                ids=ids,
                fleet=DEFAULT_FLEET_KM_PER_DAY,
            )
        )
        self.invalidate_recordset(list(MILEAGE_FIELDS))

    @api.model
    def _cron_update_mileage_stats(self):
        self.search([])._update_mileage_stats()

    # ------------------------------------------------------------
    # Integration API
    # ------------------------------------------------------------

    def _check_company_domain(self, companies):
        """A record of no showroom (a lead not yet routed) may name a car of the showrooms its user
        works in, not any car; a record of a showroom only that showroom's cars (Odoo's rule)."""
        if not companies:
            return Domain("company_id", "in", [*self.env.companies.ids, False])
        return super()._check_company_domain(companies)

    @api.model
    def _dealer_plate_domain(self, plate):
        """The cars whose plate has the key of ``plate`` (``tools.plate``: the same car however the plate is
        typed), as a domain; found by the index on the key (a search by the plate itself, case aside, read
        every car: 80 ms a lookup at 100,000 cars). A key of nothing matches no car."""
        key = normalize_plate(plate)
        if not key:
            return [("id", "in", [])]
        self.flush_model(["plate"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM dealer_vehicle WHERE plate IS NOT NULL AND %s = %s",
                plate_key_sql(SQL.identifier("plate")),
                key,
            )
        )
        return [("id", "in", [row[0] for row in rows])]

    @api.model
    def _api_vehicle(self, vin=None, plate=None, create=True, fill_plate=True):
        """The vehicle with this VIN (else plate) in the current company, created when unknown.

        ``fill_plate``: a known car without a plate takes the request's (the DMS's word); an
        anonymous request (a web form) never writes on a car it did not create.
        """
        if vin:
            vin = normalize_vin(vin)
            problem = vin_problem(vin)
            if problem:
                raise ApiInputError("vin", self._vin_error_message(vin, *problem))
        if not vin and not normalize_plate(plate):
            raise ApiInputError("plate", "plate must hold letters or digits")
        # a plate however it is typed (case, Cyrillic look-alikes, spaces), read by the plate key's index
        domain = [("vin", "=", vin)] if vin else self._dealer_plate_domain(plate)
        cars = self.search([*domain, ("company_id", "in", [self.env.company.id, False])])
        if len(cars) > 1:
            # several cars of one key (typed apart before plates were matched by key, or plates that differ by
            # a dash only): the showroom's own car, then the one typed exactly so, then the latest, as before
            cars = cars.filtered(lambda car: car.company_id == self.env.company) or cars
            cars = cars.filtered(lambda car: (car.plate or "").upper() == (plate or "").upper()) or cars
        vehicle = cars[:1]
        if not vehicle and create:
            vehicle = self.create({"vin": vin, "plate": plate, "state": "customer"})
        elif plate and not vehicle.plate and fill_plate:
            vehicle.plate = plate
        return vehicle

    def _odometer_doubt(self, value_km, max_km_per_day=2000):
        """Why a reading sent by a customer or a website is not believable for this car, else ``False``.

        Below the last reading, or more than ``max_km_per_day`` per day since it: such a reading would
        move the car's projected mileage and its service reminders.
        """
        self.ensure_one()
        last_km, last_date = self.last_odometer_km, self.last_odometer_date
        if not last_date:
            return False
        days = max((fields.Date.context_today(self) - last_date).days, 1)
        if last_km <= value_km <= last_km + days * max_km_per_day:
            return False
        return self.env._(
            "The request gave an odometer reading of %(value)s km, not recorded: the last reading is "
            "%(last)s km on %(date)s. Check it when the car comes in.",
            value=value_km,
            last=last_km,
            date=last_date,
        )

    # ------------------------------------------------------------
    # Roles and follow-ups after delivery
    # ------------------------------------------------------------
    # The follow-up rules themselves are ``base.automation`` and ``ir.cron`` records
    # (data/dealer_followup_data.xml) that an administrator reads and edits.

    def _dealer_role_own_users(self, role):
        """A car's salesperson and F&I manager are those of the deal that sold it (its salesperson,
        its team's F&I manager); without such a deal, the car's salesperson is its owner's."""
        if role not in ("sales_manager", "fi_manager"):
            return super()._dealer_role_own_users(role)
        deals = self._selling_deals()
        users = {}
        for vehicle in self:
            deal = deals.get(vehicle.id)
            user = deal and (deal.user_id if role == "sales_manager" else deal.team_id.dealer_fi_user_id)
            if user:
                users[vehicle.id] = user
        if role == "sales_manager":
            rest = self.filtered(lambda v: v.id not in users and v.partner_id)
            owners = rest.partner_id._dealer_role_own_users(role)
            users.update({v.id: owners[v.partner_id.id] for v in rest if v.partner_id.id in owners})
        return users

    def _selling_deals(self):
        """``{vehicle id: crm.lead}``: the last won deal of each car (whoever may read it)."""
        won = (
            self.env["crm.lead"]
            .sudo()
            .search([("vehicle_id", "in", self.ids), ("won_status", "=", "won")], order="date_closed desc, id desc")
        )
        deals = {}
        for lead in won:
            deals.setdefault(lead.vehicle_id.id, lead)
        return deals

    @api.model
    def _periodic_followup_vehicles(self, first_months, every_months, today=None):
        """Delivered cars whose delivery was exactly first_months, first_months + every_months, …
        months ago today (one SQL query over the whole fleet)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH a AS (
                SELECT id, age(%(today)s::date, delivery_date) AS span
                  FROM dealer_vehicle
                 WHERE delivery_date IS NOT NULL AND active AND state IN ('sold', 'customer')
                   AND delivery_date <= %(today)s::date - make_interval(months => %(first)s)
            )
            SELECT id FROM a
             WHERE extract(day FROM span) = 0
               AND (extract(year FROM span) * 12 + extract(month FROM span) - %(first)s)::int %% %(every)s = 0
            """,
                today=today or fields.Date.context_today(self),
                first=first_months,
                every=every_months,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _cron_dealer_periodic_followup(self, role, first_months, every_months, summary, days=0):
        """Recurring rule ("every 6 months after the 9th month"): base.automation fires once per
        record and date, so a repeating cadence is a daily cron with its numbers in its code.

        :param str role: a key of ``DEALER_ROLES`` (the car's ``sales_manager``, ``fi_manager`` …)
        """
        vehicles = self._periodic_followup_vehicles(first_months, every_months)
        if summary in FOLLOWUP_TITLES:
            summary = Translated.of_term(self.env, FOLLOWUP_TITLES[summary])
        return vehicles._dealer_schedule_role_activity(
            role, days=days, summary=summary, activity_type=self.env.ref("mail.mail_activity_data_call"), notify=True
        )
