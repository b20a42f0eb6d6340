from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.marks import Mark
from ..tools.system_fields import refuse_system_fields
from ..tools.translated import Translated
from .res_company import RESERVATION_HOURS_DEFAULT
from .res_partner import MONEY_GROUP

RELEASE_BATCH = 500


class DealerReservation(models.Model):
    _name = "dealer.reservation"
    _description = "Car reservation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Vehicle",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('state', '=', 'stock')]",
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Deal", required=True, index=True, check_company=True, tracking=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="lead_id.partner_id", string="Customer")
    user_id = fields.Many2one(
        "res.users", string="Salesperson", default=lambda self: self.env.user, index=True, tracking=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Datetime(string="Reserved on", default=fields.Datetime.now, required=True)
    date_expiry = fields.Datetime(
        string="Hold until",
        compute="_compute_date_expiry",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        help="Without a recorded prepayment the reservation is released automatically at this moment "
        "(reservation start + the company's hold time).",
    )
    prepayment_amount = fields.Monetary(string="Prepayment", tracking=True, groups=MONEY_GROUP)
    prepayment_date = fields.Date(
        string="Prepayment received",
        tracking=True,
        help="Once a prepayment is recorded the reservation is no longer released automatically.",
    )
    state = fields.Selection(
        [("active", "Active"), ("released", "Released"), ("converted", "Converted to sale")],
        default="active",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )

    _vehicle_active_uniq = models.UniqueIndex(
        "(vehicle_id) WHERE state = 'active'", "This vehicle is already reserved."
    )

    @api.depends("vehicle_id", "lead_id")
    def _compute_name(self):
        for reservation in self:
            reservation.name = " / ".join(
                filter(None, [reservation.vehicle_id.display_name, reservation.lead_id.partner_id.display_name])
            )

    @api.depends("date_start", "company_id")
    def _compute_date_expiry(self):
        for reservation in self:
            hours = reservation.company_id.dealer_reservation_hours or RESERVATION_HOURS_DEFAULT
            reservation.date_expiry = reservation.date_start and reservation.date_start + timedelta(hours=hours)

    @api.constrains("prepayment_amount", "prepayment_date")
    def _check_prepayment(self):
        for reservation in self:
            if reservation.prepayment_amount < 0:
                raise ValidationError(self.env._("Prepayment cannot be negative."))
            if reservation.prepayment_date and not reservation.prepayment_amount:
                raise ValidationError(self.env._("Enter the Prepayment amount received."))
            # a prepayment is recorded once received: a date ahead would keep the car held for money not paid
            if reservation.prepayment_date and reservation.prepayment_date > fields.Date.add(
                fields.Date.context_today(reservation), days=1
            ):
                raise ValidationError(
                    self.env._(
                        "%(field)s cannot be in the future: record a prepayment once it is received.",
                        field=self._fields["prepayment_date"]._description_string(self.env),
                    )
                )

    @api.constrains("date_start", "date_expiry")
    def _check_date_expiry(self):
        if any(r.date_expiry and r.date_start and r.date_expiry <= r.date_start for r in self):
            raise ValidationError(
                self.env._(
                    "%(expiry)s must be after %(start)s.",
                    expiry=self._fields["date_expiry"]._description_string(self.env),
                    start=self._fields["date_start"]._description_string(self.env),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Refuse a vehicle that is not in stock or already reserved, then mark it reserved.

        The unique index guards against two reservations racing; this check gives the
        user a message naming the car before the database has to refuse.
        """
        refuse_system_fields(self, vals_list, ["state"])
        vehicle_ids = [vals.get("vehicle_id") for vals in vals_list]
        if len(set(vehicle_ids)) != len(vehicle_ids):
            raise ValidationError(self.env._("The same vehicle cannot be reserved twice."))
        vehicles = self.env["dealer.vehicle"].browse(vehicle_ids)
        vehicles.check_access("read")  # the error below names the car that holds it: only a car one may read
        taken = self.sudo().search([("vehicle_id", "in", vehicles.ids), ("state", "=", "active")])
        if taken:
            # the reservation (its deal's customer) is named to whoever may read it: a shared car reserved by
            # another showroom is only said to be taken
            if taken[0].with_env(self.env)._filtered_access("read"):
                raise ValidationError(
                    self.env._(
                        "Vehicle %(vehicle)s is already reserved (%(reservation)s).",
                        vehicle=taken[0].vehicle_id.display_name,
                        reservation=taken[0].display_name,
                    )
                )
            raise ValidationError(
                self.env._("Vehicle %(vehicle)s is already reserved.", vehicle=taken[0].vehicle_id.display_name)
            )
        not_in_stock = vehicles.filtered(lambda v: v.state != "stock")
        if not_in_stock:
            raise ValidationError(
                self.env._(
                    "Vehicle %(vehicle)s is not in stock and cannot be reserved.", vehicle=not_in_stock[0].display_name
                )
            )
        reservations = super().create(vals_list)
        vehicles.with_context(dealer_vehicle_state=Mark()).write({"state": "reserved"})
        return reservations

    def write(self, vals):
        # released or converted by its buttons only: a state written by hand ("converted" without the sale) would
        # keep the car reserved for good, past every hold time, and the release cron would never free it
        refuse_system_fields(self, [vals], ["state"])
        if "vehicle_id" in vals and any(r.state != "active" or r.vehicle_id.id != vals["vehicle_id"] for r in self):
            raise UserError(
                self.env._("Vehicle of a reservation cannot be changed: release it and reserve the other car.")
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_release(self):
        self._check_active()
        self._release(self.env._("Released by %(user)s.", user=self.env.user.name))
        return True

    def action_convert(self):
        """The deal is signed: the reservation ends and the car is sold."""
        self._check_active()
        self.check_access("write")
        self.sudo().write({"state": "converted"})
        self.vehicle_id.with_context(dealer_vehicle_state=Mark()).write({"state": "sold"})
        return True

    def _check_active(self):
        if any(r.state != "active" for r in self):
            raise UserError(self.env._("Only an active reservation can be released or converted."))

    # ------------------------------------------------------------
    # Release and notification
    # ------------------------------------------------------------

    def _release(self, reason):
        """Free the cars and tell the salespeople of other open deals interested in them.

        :param reason: why, posted on each reservation's and deal's chatter: a text, or a function
            giving the text for one reservation (a scheduled action writes it in each showroom's language)
        """
        self.check_access("write")
        self.sudo().write({"state": "released"})
        self.vehicle_id.filtered(lambda v: v.state == "reserved").with_context(dealer_vehicle_state=Mark()).write(
            {"state": "stock"}
        )
        bodies = {}
        for reservation in self:
            text = reason(reservation) if callable(reason) else reason
            bodies[reservation.id] = Markup("<p>%s</p>") % text
        self._message_log_batch(bodies=bodies)
        self.lead_id._message_log_batch(bodies={r.lead_id.id: bodies[r.id] for r in self if r.lead_id})
        self._notify_interested()

    def _interested_leads(self):
        """Open deals, other than the reserving ones, that want the same car or the same model."""
        models_ = self.vehicle_id.model_id
        domain = [("won_status", "=", "pending"), ("id", "not in", self.lead_id.ids), ("user_id", "!=", False)]
        if models_:
            domain += ["|", ("vehicle_id", "in", self.vehicle_id.ids), ("vehicle_id.model_id", "in", models_.ids)]
        else:
            domain += [("vehicle_id", "in", self.vehicle_id.ids)]
        return self.env["crm.lead"].sudo().search(domain)

    def _notify_interested(self):
        """A task for the salesperson of each interested deal, titled with the car available again
        in the salesperson's language."""
        leads = self._interested_leads()
        users = leads._dealer_role_users("sales_manager", group_fallback=False)
        by_vehicle = {}
        for lead in leads:
            # a car of one showroom is news to the deals of that showroom only
            vehicle = self.vehicle_id.filtered(
                lambda v, lead=lead: (v == lead.vehicle_id or (v.model_id and v.model_id == lead.vehicle_id.model_id))
                and (not v.company_id or not lead.company_id or v.company_id == lead.company_id)
            )[:1]
            if vehicle and lead.id in users:
                by_vehicle[vehicle] = by_vehicle.get(vehicle, lead.browse()) | lead
        for vehicle, interested in by_vehicle.items():
            # written in each salesperson's language, and one open task per car whatever its language
            summary = Translated.of_text(
                self.env, lambda env, car=vehicle: env._("Car available again: %(vehicle)s", vehicle=car.display_name)
            )
            interested._dealer_schedule_role_activity("sales_manager", summary=summary, notify=True, users=users)

    @api.model
    def _cron_release_expired(self, limit=RELEASE_BATCH):
        """Release active reservations past their hold time that have no prepayment."""
        expired = self.sudo().search(
            [("state", "=", "active"), ("prepayment_date", "=", False), ("date_expiry", "<=", fields.Datetime.now())],
            limit=limit,
        )
        if expired:
            expired._release(
                lambda reservation: reservation.with_context(
                    lang=self._dealer_staff_lang(reservation.company_id or self.env.company)
                ).env._("Released automatically: no prepayment within the hold time.")
            )
        if len(expired) == limit:
            self.env.ref("dealer_crm.ir_cron_dealer_reservation_release")._trigger()
