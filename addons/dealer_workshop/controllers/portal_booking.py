"""The customer's booking page: book, reschedule and cancel a workshop visit (owner: booking page).

Public routes run as the public user. Who the customer is gets proven first (a portal login,
a phone confirmed by a one-time code, or a reminder's signed personal link); only then are the
customer's own records read and written with ``sudo()``. Every input is checked before anything
is written: a bad one shows its message on the page and writes nothing.
"""

import functools
import logging
import time
from collections import OrderedDict
from datetime import datetime, timedelta

import babel
import babel.dates
import pytz
from werkzeug.exceptions import BadRequest, NotFound

from odoo import fields, http, tools
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.addons.dealer_crm.tools.api_input import unstorable_param
from odoo.addons.dealer_crm.tools.plate import normalize_plate
from odoo.addons.dealer_crm.tools.tokens import hide_in_access_log, private_page, same_token
from odoo.addons.dealer_crm.tools.vin import normalize_vin, vin_problem
from odoo.addons.dealer_service_lost_sales.models.crm_lead import ServiceSlotTaken
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.http import request
from odoo.tools import SQL

from ..models.dealer_dispatch import BOOKING_LINK
from ..models.res_config_settings import workshop_param
from ..tools.links import link_token

# the booking links' signatures stay out of the server's access log
hide_in_access_log(r"/service/b/\d+/")
hide_in_access_log(r"/service/booking/\d+/")
# a reminder's full link (and the booking page's own form, which carries it on) signs in its query
hide_in_access_log(r"/service/book\?(?:[^\s\"#]*?&)??t=")

_logger = logging.getLogger(__name__)

SESSION_KEY = "dealer_workshop_booking"
# the loss reasons a customer may give when cancelling (codes of crm.lost.reason)
CANCEL_REASONS = ("customer_cancelled", "price", "competitor", "other")
CONFIRM_CHANNELS = ("email", "sms", "telegram")
# a phone number proven by a code books for this long (minutes), then asks for a new code
VERIFIED_PHONE_MINUTES = 30
# upcoming visits one phone number may hold from the page; more are booked by the service desk
MAX_ONLINE_BOOKINGS_PER_PHONE = 3
# visits one phone number may book on the page in a day, cancelled ones included (book, cancel, book again…)
MAX_ONLINE_BOOKINGS_PER_DAY = 6
# times one booking may be moved on the page; more moves are asked of the service desk
MAX_ONLINE_MOVES = 5


class BookingError(Exception):
    """Bad input on the booking page: the message is shown, nothing is written."""


def storable_form(route):
    """Refuse a request (400) any of whose values the database cannot take (a NUL, invalid Unicode), before the
    route reads any: a typed plate or comment of that kind would otherwise end in a server error."""

    @functools.wraps(route)
    def checked(*args, **kwargs):
        values = [*request.httprequest.args.items(multi=True), *request.httprequest.form.items(multi=True)]
        values += [(str(name), value) for name, value in kwargs.items() if isinstance(value, str)]
        bad = unstorable_param(values)
        if bad:
            env = request.env(context={**request.env.context, "lang": _lang()})
            raise BadRequest(env._("The form's field %(field)s holds characters that cannot be kept.", field=bad))
        return route(*args, **kwargs)

    return checked


# ------------------------------------------------------------
# Signed links and language
# ------------------------------------------------------------


def booking_token(lead):
    """The signature of a booking's manage link (view, reschedule, cancel): a link sent before the booking's
    customer was corrected (to the wrong person) stops working (``tools.links.link_token``)."""
    lead.ensure_one()
    return link_token(lead, "dealer_workshop-booking-manage")


def booking_url(lead):
    return f"{lead.get_base_url().rstrip('/')}/service/booking/{lead.id}/{booking_token(lead)}"


def _lang(partner=None):
    """The customer's language when known, else the ``lang`` parameter, else the browser's (Odoo's)."""
    installed = dict(request.env["res.lang"].get_installed())
    for lang in (partner and partner.lang, request.params.get("lang"), request.env.lang):
        if lang in installed:
            return lang
    return "en_US"


def _serialize_on_bay(bay):
    """Two customers booking the same bay at once: the second request fails to serialize and Odoo
    replays it, which then sees the first booking and refuses the time (a row lock alone would not:
    the second transaction's snapshot would still miss the first booking)."""
    bay.env.cr.execute(SQL("UPDATE dealer_workshop_bay SET write_date = write_date WHERE id = %s", bay.id))


def _channel(partner):
    """The customer's preferred channel when consented and reachable, else the first one that is."""
    Dispatch = request.env["dealer.dispatch"].sudo()
    preferred = partner.dealer_preferred_channel
    for channel in ((preferred,) if preferred in CONFIRM_CHANNELS else ()) + CONFIRM_CHANNELS:
        row = Dispatch.new({"partner_id": partner.id, "channel": channel})
        if row._has_consent() and row._has_address():
            return channel
    return None


def format_local(value, company, lang):
    """A UTC time as the showroom's local time, written the way ``lang`` writes it (whatever the time zone
    of the visitor's own account: the time of the workshop is the one that counts)."""
    return tools.format_datetime(request.env(context={"lang": lang}), value, tz=company._dealer_tz(), dt_format="short")


def queue_confirmation(lead, kind, when):
    """Tell the customer (their language, consented channel) that the booking is made, moved or cancelled.

    ``when`` (UTC) is written in the language of the message, whatever the page was shown in.

    Through the dispatch log (consent, quiet hours, log; no frequency cap); the stored text carries the mark of
    the signed manage link, put in only in the message that leaves (dealer.dispatch._text_to_send).
    """
    partner = lead.partner_id
    channel = _channel(partner)
    if not channel:
        return request.env["dealer.dispatch"].sudo()
    Dispatch = request.env["dealer.dispatch"].sudo()
    lang = Dispatch.new({"partner_id": partner.id, "company_id": lead.company_id.id})._lang()
    env = request.env(context={**request.env.context, "lang": lang})
    company = lead.company_id or env.company
    when_text = format_local(when, company.sudo(), lang) if when else ""
    texts = {
        "booked": env._(
            "Your service visit at %(company)s is booked for %(when)s (%(car)s). To move or cancel it: %(link)s",
            company=company.name,
            when=when_text,
            car=lead.vehicle_id.display_name,
            link=BOOKING_LINK,
        ),
        "moved": env._(
            "Your service visit at %(company)s is moved to %(when)s (%(car)s). To move or cancel it: %(link)s",
            company=company.name,
            when=when_text,
            car=lead.vehicle_id.display_name,
            link=BOOKING_LINK,
        ),
        "cancelled": env._(
            "Your service visit at %(company)s on %(when)s is cancelled. We hope to see you another time.",
            company=company.name,
            when=when_text,
        ),
    }
    now = fields.Datetime.now()
    return Dispatch._queue_messages(
        [
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "channel": channel,
                "occurrence_date": fields.Date.context_today(lead),
                "scheduled_at": now,
                "action_id": False,
                "res_model": "crm.lead",
                "res_id": lead.id,
                "subject": env._("Your service visit"),
                "body": texts[kind],
                "transactional": True,
            }
        ]
    )


class PortalBooking(http.Controller):
    # ------------------------------------------------------------
    # Identity
    # ------------------------------------------------------------

    def _session(self):
        return dict(request.session.get(SESSION_KEY) or {})

    def _save_session(self, **values):
        request.session[SESSION_KEY] = {**self._session(), **values}

    def _link(self):
        """The reminder whose personal link this request carries (``d`` and ``t``, in the address or in
        the form's hidden fields), or an empty recordset: forged, expired or none.

        The link is never kept in the session: a page that makes a visitor's browser open somebody's
        link (an image, a frame) must not make the visitor's next visit book as that customer."""
        Dispatch = request.env["dealer.dispatch"].sudo()
        d, t = request.params.get("d"), request.params.get("t")
        dispatch = Dispatch._dealer_from_booking_link(d, t) if d and t else Dispatch
        if dispatch and dispatch._dealer_booking_link_expired():
            return Dispatch  # the reminder's link no longer names its customer
        return dispatch

    def _identity(self):
        """``(partner sudo record or empty, verified phone or None, dispatch sudo record or empty)``."""
        env = request.env
        Partner, Dispatch = env["res.partner"].sudo(), env["dealer.dispatch"].sudo()
        session = self._session()
        dispatch = self._link()
        if not env.user._is_public():
            partner = env.user.partner_id.sudo()
            return partner, partner.phone_sanitized, dispatch.filtered(lambda row: row.partner_id == partner)
        if dispatch:
            return dispatch.partner_id, dispatch.partner_id.phone_sanitized, dispatch
        phone = session.get("phone")
        verified_at = session.get("phone_verified_at")
        if phone and (not verified_at or time.time() - verified_at > VERIFIED_PHONE_MINUTES * 60):
            phone = None  # proven too long ago (or by a session of before the limit): a new code
        if phone:
            # a code proves the number, not which of the contacts sharing it is booking (a spouse, a
            # fleet's switchboard, another showroom's customer): only a single match of this showroom
            # is that customer, else they book as a new customer and see no one else's cars
            return env["dealer.workshop.otp"]._dealer_phone_partner(phone, self._company(Partner)), phone, Dispatch
        return Partner, None, Dispatch

    # ------------------------------------------------------------
    # Catalogue, cars, slots
    # ------------------------------------------------------------

    def _company(self, partner, dispatch=None):
        # sudo: the showroom's name, working hours and time zone are shown to the public
        return ((dispatch and dispatch.company_id) or request.env.company).sudo()

    def _catalogue(self, company):
        """The work a customer may book: catalogue services that occupy a bay."""
        return (
            request.env["product.product"]
            .sudo()
            .search(
                [
                    ("dealer_bay_kind", "!=", False),
                    ("type", "=", "service"),
                    ("sale_ok", "=", True),
                    ("company_id", "in", [company.id, False]),
                ],
                order="dealer_item_kind, name",
            )
        )

    def _cars(self, partner, company):
        """The customer's cars this showroom can book: its own and those shared by every showroom (a car of
        another showroom is booked there)."""
        if not partner:
            return request.env["dealer.vehicle"].sudo()
        owners = partner if partner._dealer_staff_card() else partner.commercial_partner_id | partner
        return (
            request.env["dealer.vehicle"]
            .sudo()
            .search([("partner_id", "in", owners.ids), ("company_id", "in", [company.id, False])], order="name")
        )

    def _due_package(self, vehicle, catalogue):
        """The maintenance package due for the car: its open next-best offer, else the one its mileage reaches."""
        if not vehicle:
            return catalogue.browse()
        offers = vehicle.next_offer_ids.filtered(
            lambda offer: offer.state == "open" and offer.source == "maintenance" and offer.product_id in catalogue
        )
        if offers:
            return offers[:1].product_id
        interval = vehicle.model_id.maintenance_interval_km
        packages = catalogue.filtered(
            lambda item: item.dealer_item_kind == "maintenance"
            and item.dealer_maintenance_number
            and (not item.dealer_model_ids or vehicle.model_id in item.dealer_model_ids)
        )
        if not interval or not packages:
            return catalogue.browse()
        # the next service mileage the car reaches (else the next multiple of the interval past its projected
        # mileage) names the package: TO-n at n x interval, cycling after the model's highest n
        km = vehicle.projected_km or vehicle.last_odometer_km or 0
        due_km = vehicle.next_service_km or (km // interval + 1) * interval
        highest = max(packages.mapped("dealer_maintenance_number"))
        number = (due_km // interval - 1) % highest + 1
        return packages.filtered(lambda item: item.dealer_maintenance_number == number)[:1]

    def _job(self, vehicle, products):
        """``(bay kind, hours)`` of the chosen work for the car (the workshop's norm-hours rule)."""
        return request.env["product.template"].sudo()._dealer_workshop_needs(products, vehicle.model_id)

    def _slots(self, kind, hours, company, exclude_lead=None, at=None):
        """Free starts of the next ``booking_days`` days (or only ``at``, to check a chosen time)."""
        now = fields.Datetime.now()
        date_from, date_to = now, now + timedelta(days=workshop_param(request.env, "booking_days"))
        if at:
            date_from, date_to = max(date_from, at), min(date_to, at + timedelta(seconds=1))
        if date_from >= date_to:
            return []
        return (
            request.env["dealer.workshop.bay"]
            .sudo()
            ._free_slots(kind, hours, date_from, date_to, company=company, exclude_lead=exclude_lead)
        )

    def _tz(self, company):
        return pytz.timezone(company._dealer_tz())

    def _slot_days(self, slots, company):
        """Free starts grouped by local day: ``{day label: [(value, "HH:MM")]}``."""
        tz = self._tz(company)
        days = OrderedDict()
        for start, _bay in slots:
            local = pytz.utc.localize(start).astimezone(tz)
            days.setdefault(local.date(), []).append((fields.Datetime.to_string(start), local.strftime("%H:%M")))
        locale = babel.Locale.parse(request.env.lang or "en_US")
        return OrderedDict(
            (babel.dates.format_date(day, "EEE d MMM", locale=locale), times) for day, times in days.items()
        )

    def _format_local(self, value, company, lang):
        return format_local(value, company, lang)

    # ------------------------------------------------------------
    # Parsing the customer's choices (nothing written)
    # ------------------------------------------------------------

    def _parse_vehicle(self, partner, company, form):
        """The car chosen: one of theirs, a known car by plate/VIN that is theirs, or a new one.

        Returns ``(vehicle sudo record or empty, values of a new car or None)``.
        """
        env = request.env
        Vehicle = env["dealer.vehicle"].sudo()
        cars = self._cars(partner, company)
        if form.get("vehicle_id"):
            try:
                vehicle = cars.filtered(lambda car: car.id == int(form["vehicle_id"]))
            except ValueError:
                vehicle = Vehicle
            if not vehicle:
                raise BookingError(env._("This car is not one of yours. Choose your car or enter its plate or VIN."))
            return vehicle, None
        vin = normalize_vin(form.get("vin") or "")
        plate = (form.get("plate") or "").strip().upper()[:20]
        plate_key = normalize_plate(plate)
        if not vin and not plate_key:
            raise BookingError(env._("Choose your car, or enter its licence plate or VIN."))
        if vin:
            problem = vin_problem(vin)
            if problem:
                raise BookingError(Vehicle._vin_error_message(vin, *problem))
        Lookup = env["dealer.workshop.car.lookup"]
        visitor, ip_address = self._visitor(partner), request.httprequest.remote_addr
        # both are looked up, so both make the car typed: a VIN kept and the plate changed is another car
        car_key = "/".join(key for key in (vin, plate_key) if key)
        if Lookup._dealer_refused(visitor, car_key, ip_address, company):
            # before anything is looked up: the page does not tell a stranger, plate after plate, which
            # cars are registered
            raise BookingError(
                env._(
                    "You have entered several cars that are not yours. To book another car, please call the "
                    "service desk."
                )
            )
        # a plate is found however it is typed: case, spaces, dashes, Cyrillic or Latin look-alike letters;
        # the VIN and the plate are both looked up: a new VIN cannot bring another customer's plate along
        domains = [[("vin", "=", vin)]] if vin else []
        if plate_key:
            domains.append(self._plate_domain(plate_key, company))
        found = Vehicle.search([*Domain.OR(domains), ("company_id", "in", [company.id, False])])
        if not found or any(not (partner and partner._dealer_account_owns(car.partner_id)) for car in found):
            # not theirs: counted for the visitor; for the connection (shared by many behind a proxy or a
            # carrier's NAT) only a car of the register, which is what a stranger learns something about
            Lookup._dealer_count(visitor, car_key, ip_address if found else None, company)
        # a car of the register that is not the booker's (another customer's, or one with no owner yet,
        # such as a car in stock) is booked by the service desk, which checks who brings it
        if any(not (partner and partner._dealer_account_owns(car.partner_id)) for car in found):
            raise BookingError(
                env._(
                    "This car is registered to another customer. Please call the service desk to book it, "
                    "or check the plate or VIN."
                )
            )
        if found:
            return found.filtered(lambda car: vin and car.vin == vin)[:1] or found[:1], None
        return Vehicle, {"vin": vin or False, "plate": plate or False, "state": "customer", "company_id": company.id}

    def _visitor(self, partner):
        """Who is typing cars in, for the limit on cars that are not theirs: the reminder link, the account or
        the proven phone the page books for (not the session, which a stranger renews at will)."""
        __, phone, dispatch = self._identity()
        if dispatch:
            return f"dispatch:{dispatch.id}"
        if not request.env.user._is_public():
            return f"user:{request.env.uid}"
        if phone:
            return f"phone:{phone}"
        return f"partner:{partner.id}" if partner else f"session:{request.session.sid}"

    def _plate_domain(self, key, company):
        """The cars of the showroom whose plate has this key (``normalize_plate``), as a domain."""
        return [
            *request.env["dealer.vehicle"].sudo()._dealer_plate_domain(key),
            ("company_id", "in", [company.id, False]),
        ]

    def _parse_products(self, catalogue, form):
        ids = request.httprequest.values.getlist("product_ids")
        try:
            ids = {int(value) for value in ids}
        except ValueError:
            ids = {0}
        products = catalogue.filtered(lambda item: item.id in ids)
        if not ids:
            raise BookingError(request.env._("Choose the work to book."))
        if len(products) != len(ids):
            raise BookingError(request.env._("This work cannot be booked online. Choose from the list."))
        return products

    def _parse_slot(self, form, job, company, exclude_lead=None):
        """The chosen start and the bay free then for the job ``(kind, hours)``: offered now, not only when shown."""
        env = request.env
        try:
            start = fields.Datetime.to_datetime(form.get("slot"))
        except ValueError:
            start = None
        # a time years ahead is never offered (and past 9999 not even a date): no need to look for a bay
        if not start or start > fields.Datetime.now() + timedelta(days=3660):
            raise BookingError(env._("Choose a free time."))
        if start <= fields.Datetime.now():
            raise BookingError(env._("This time has already passed. Choose a free time below."))
        offered = self._slots(*job, company, exclude_lead=exclude_lead, at=start)
        bay = next((bay for slot, bay in offered if slot == start), None)
        if not bay:
            raise BookingError(env._("This time is no longer free. Choose another free time below."))
        return start, bay

    # ------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------

    def _render(self, template, lang, **values):
        request.update_context(lang=lang)
        return private_page(request.render(template, {"lang": lang, **values}))

    def _book_values(self, partner, phone, dispatch, form, error=None):
        """Everything the booking form shows: cars, work (due package preselected), free times.

        Free times are shown once a car and the work are chosen ("Show free times"), or at once
        when the page was opened from a reminder's link (its car and due work filled in).
        """
        company = self._company(partner, dispatch)
        catalogue = self._catalogue(company)
        cars = self._cars(partner, company)
        Vehicle = request.env["dealer.vehicle"].sudo()
        vehicle = cars.filtered(lambda car: str(car.id) == str(form.get("vehicle_id") or ""))
        if not vehicle and not form.get("step"):
            vehicle = (dispatch.vehicle_id & cars) if dispatch else (cars if len(cars) == 1 else Vehicle)
        ids = request.httprequest.values.getlist("product_ids")
        products = (
            catalogue.filtered(lambda item: str(item.id) in ids) if ids else self._due_package(vehicle, catalogue)
        )
        values = {
            "partner": partner,
            "phone": phone,
            "dispatch": dispatch,
            # the reminder's link, carried by the page's forms (never by the session)
            "link": {"d": dispatch.id, "t": dispatch._dealer_booking_token(dispatch.id)} if dispatch else {},
            "cars": cars,
            "catalogue": catalogue,
            "form": form,
            "error": error,
            "days": {},
            "selected_vehicle": vehicle,
            "selected_products": products,
        }
        if form.get("step") == "slots" or (dispatch and vehicle and products):
            try:
                if form.get("step"):
                    vehicle, _new = self._parse_vehicle(partner, company, form)
                    products = self._parse_products(catalogue, form)
                kind, hours = self._job(vehicle, products)
                values["days"] = self._slot_days(self._slots(kind, hours, company), company)
                if not values["days"] and not error:
                    values["error"] = request.env._("No free time in the coming weeks for this work. Please call us.")
            except BookingError as exc:
                values["error"] = error or str(exc)
        return values

    # ------------------------------------------------------------
    # Routes: book
    # ------------------------------------------------------------

    @http.route("/service/b/<int:d>/<string:t>", type="http", auth="public", methods=["GET"], sitemap=False)
    @storable_form
    def book_compact(self, d, t, **kwargs):
        """An SMS's compact booking link: on to the full personal link it stands for."""
        dispatch = request.env["dealer.dispatch"]._dealer_from_compact_booking_link(d, t)
        if not dispatch:
            raise NotFound()
        return request.redirect(dispatch._dealer_booking_url(), local=True)

    @http.route("/service/book", type="http", auth="public", methods=["GET"], website=True, sitemap=False)
    @storable_form
    def book(self, d=None, t=None, **form):
        if d or t:
            dispatch = request.env["dealer.dispatch"]._dealer_from_booking_link(d, t)
            if not dispatch:
                return self._render(
                    "dealer_workshop.portal_booking_message",
                    _lang(),
                    title=request.env._("This link is not valid"),
                    message=request.env._(
                        "The booking link is incomplete or was changed. Open it again from the message, "
                        "or book below with your phone number."
                    ),
                    error=True,
                )
            if dispatch._dealer_booking_link_expired():
                return self._expired(dispatch.partner_id)
        partner, phone, dispatch = self._identity()
        lang = _lang(partner)
        request.update_context(lang=lang)
        if not partner and not phone:
            return self._render("dealer_workshop.portal_booking_identify", lang, form=form, step="phone")
        return self._render(
            "dealer_workshop.portal_booking_form", lang, **self._book_values(partner, phone, dispatch, form)
        )

    @http.route("/service/book/code", type="http", auth="public", methods=["POST"], website=True, sitemap=False)
    @storable_form
    def book_code(self, phone=None, **form):
        lang = _lang()
        request.update_context(lang=lang)
        Partner = request.env["res.partner"].sudo()
        number = phone and Partner._phone_format(number=phone, country=request.env.company.country_id)
        if not number:
            error = request.env._("Enter your mobile phone number, e.g. +7 916 555 01 23.")
            return self._render("dealer_workshop.portal_booking_identify", lang, form=form, step="phone", error=error)
        error = request.env["dealer.workshop.otp"]._dealer_send_code(
            number, request.env.company, lang, ip_address=request.httprequest.remote_addr
        )
        if error:
            return self._render("dealer_workshop.portal_booking_identify", lang, form=form, step="phone", error=error)
        return self._render("dealer_workshop.portal_booking_identify", lang, form=form, step="code", phone=number)

    @http.route("/service/book/verify", type="http", auth="public", methods=["POST"], website=True, sitemap=False)
    @storable_form
    def book_verify(self, phone=None, code=None, **form):
        lang = _lang()
        request.update_context(lang=lang)
        Partner = request.env["res.partner"].sudo()
        number = phone and Partner._phone_format(number=phone, country=request.env.company.country_id)
        if not number:
            error = request.env._("Enter your mobile phone number, e.g. +7 916 555 01 23.")
            return self._render("dealer_workshop.portal_booking_identify", lang, form=form, step="phone", error=error)
        error = request.env["dealer.workshop.otp"]._dealer_check_code(number, code, lang)
        if error:
            return self._render(
                "dealer_workshop.portal_booking_identify", lang, form=form, step="code", phone=number, error=error
            )
        self._save_session(phone=number, phone_verified_at=time.time())
        return request.redirect("/service/book")

    @http.route("/service/book/confirm", type="http", auth="public", methods=["POST"], website=True, sitemap=False)
    @storable_form
    def book_confirm(self, **form):
        partner, phone, dispatch = self._identity()
        lang = _lang(partner)
        request.update_context(lang=lang)
        if not partner and not phone:
            error = request.env._("Confirm your phone number first.")
            return self._render("dealer_workshop.portal_booking_identify", lang, form={}, step="phone", error=error)
        try:
            lead = self._book(partner, phone, dispatch, form)
        except BookingError as exc:
            values = self._book_values(partner, phone, dispatch, {**form, "step": "slots"}, error=str(exc))
            return self._render("dealer_workshop.portal_booking_form", lang, **values)
        # booked=1: a confirmation is on its way; booked=2: the customer consented to no channel
        told = (
            request.env["dealer.dispatch"]
            .sudo()
            .search_count([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        )
        url = f"/service/booking/{lead.id}/{booking_token(lead)}?booked={1 if told else 2}"
        return request.redirect(url)

    def _book(self, partner, phone, dispatch, form):
        """Check every choice, then create the customer (if new), the car (if new) and the booking."""
        env = request.env
        company = self._company(partner, dispatch)
        vehicle, new_car = self._parse_vehicle(partner, company, form)
        same = self._same_booking(partner, vehicle, form, company)
        if same:
            return same
        products = self._parse_products(self._catalogue(company), form)
        kind, hours = self._job(vehicle, products)
        start, bay = self._parse_slot(form, (kind, hours), company)
        name = (form.get("name") or "").strip()[:128]
        if not partner and not name:
            raise BookingError(env._("Enter your name."))
        upcoming, today = self._online_bookings(partner, partner.phone_sanitized if partner else phone, company)
        if upcoming >= MAX_ONLINE_BOOKINGS_PER_PHONE:
            raise BookingError(
                env._(
                    "You already have %(count)s upcoming visits booked online. To book more, please call the "
                    "service desk.",
                    count=MAX_ONLINE_BOOKINGS_PER_PHONE,
                )
            )
        if today >= MAX_ONLINE_BOOKINGS_PER_DAY:
            raise BookingError(
                env._(
                    "You have booked %(count)s visits online in the last 24 hours. To book more, please call the "
                    "service desk.",
                    count=today,
                )
            )
        comment = (form.get("comment") or "").strip()[:2000]
        try:
            with env.cr.savepoint():
                lead = self._create_booking(
                    partner, phone, name, dispatch, vehicle, new_car, products, start, bay, comment
                )
                queue_confirmation(lead, "booked", start)
        except ServiceSlotTaken:
            # the capacity check on the booking: someone took the time a moment ago
            raise BookingError(env._("This time is no longer free. Choose another free time below.")) from None
        except (ValidationError, UserError) as exc:
            # a refusal meant for the staff (its text may name bays or other customers' bookings)
            _logger.info("Online booking refused: %s", exc)
            raise BookingError(env._("This visit could not be booked online. Please call the service desk.")) from None
        return lead

    def _same_booking(self, partner, vehicle, form, company):
        """The booking this customer already has of this car at the chosen time, if any: the form sent
        twice (a double click, the browser sending it again, a request replayed by Odoo after another
        booked the same bay at the same moment) shows that booking again — not a second booking in
        another bay, nor a refusal of the time they have just booked, nor a second confirmation."""
        if not (partner and vehicle):
            return None
        try:
            start = fields.Datetime.to_datetime(form.get("slot"))
        except ValueError:
            return None
        if not start:
            return None
        same = Domain(
            [("partner_id", "=", partner.id), ("vehicle_id", "=", vehicle.id), ("service_planned_at", "=", start)]
        )
        return request.env["crm.lead"].sudo().search(self._portal_bookings_domain(company) & same, limit=1) or None

    def _portal_bookings_domain(self, company):
        """The showroom's bookings made on this page and still to be carried out (won or lost: not any more)."""
        return Domain(
            [
                ("dealer_interest", "=", SERVICE_INTEREST),
                ("service_source", "=", "portal"),
                ("won_status", "=", "pending"),
                ("company_id", "=", company.id),
            ]
        )

    def _online_bookings(self, partner, phone, company):
        """Visits booked on the page at the showroom by this customer or by contacts of this phone number:
        ``(upcoming ones, ones booked in the last day, cancelled or not)``. A number proven once, a portal
        account or a reminder's link cannot fill the workshop with made-up cars, nor the lost-sales ledger with
        bookings made and cancelled in a loop (a card without a valid number is counted by itself)."""
        who = Domain.OR(
            [
                Domain("partner_id", "=", partner.id) if partner else Domain.FALSE,
                Domain("partner_id.phone_sanitized", "=", phone) if phone else Domain.FALSE,
            ]
        )
        if who.is_false():
            return 0, 0
        Lead = request.env["crm.lead"].sudo()
        now = fields.Datetime.now()
        upcoming = Lead.search_count(
            self._portal_bookings_domain(company) & Domain("service_planned_at", ">", now) & who
        )
        today = Lead.with_context(active_test=False).search_count(
            Domain(
                [
                    ("dealer_interest", "=", SERVICE_INTEREST),
                    ("service_source", "=", "portal"),
                    ("company_id", "=", company.id),
                    ("create_date", ">", now - timedelta(days=1)),
                ]
            )
            & who
        )
        return upcoming, today

    def _create_booking(self, partner, phone, name, dispatch, vehicle, new_car, products, start, bay, comment):
        env = request.env
        company = self._company(partner, dispatch)
        if not partner:
            partner = (
                env["res.partner"]
                .sudo()
                .with_context(mail_create_nosubscribe=True)
                .create({"name": name, "phone": phone, "company_id": company.id, "lang": _lang()})
            )
        elif not partner.lang:
            # a card with no language takes the one the customer booked in: the confirmation and every later
            # message then speak it (before, they fell back to the showroom's)
            partner.sudo().lang = _lang()
        if new_car:
            vehicle = env["dealer.vehicle"].sudo().create({**new_car, "partner_id": partner.id})
        _serialize_on_bay(bay)
        Line = env["dealer.service.line"].sudo()
        currency = company.currency_id
        # the reminder's message: its enrolment and UTM campaign follow (crm.lead._dealer_credit_reminders)
        vals = {"user_id": False, "company_id": company.id, "workshop_bay_id": bay.id}
        if dispatch:
            vals["dealer_dispatch_id"] = dispatch.id
        return (
            env["crm.lead"]
            .sudo()
            .with_context(mail_create_nosubscribe=True)
            ._dealer_book_service(
                {
                    "partner": partner,
                    "vehicle": vehicle,
                    "planned_at": start,
                    "lines": [{**Line._product_vals(item, 0.0, currency), "state": "proposed"} for item in products],
                    "source": "portal",
                    "comment": comment,
                    "vals": vals,
                }
            )
        )

    # ------------------------------------------------------------
    # Routes: the booking's own page (signed link)
    # ------------------------------------------------------------

    def _booking(self, lead_id, token):
        """The booking a signed link names (archived too), else 404: a forged link, or one signed for another
        customer of the booking, shows nothing.

        The routes then check that the link has not expired (``_dealer_manage_link_expired``).
        """
        lead = request.env["crm.lead"].sudo().with_context(active_test=False).browse(lead_id).exists()
        if not lead or not same_token(token, booking_token(lead)) or lead.dealer_interest != SERVICE_INTEREST:
            raise NotFound()
        return lead

    def _expired(self, partner):
        """An old personal link (a reminder's, a booking's): it says so in the customer's language, and
        shows nothing of what it named."""
        request.update_context(lang=_lang(partner))
        return self._render(
            "dealer_workshop.portal_booking_message",
            request.env.lang,
            title=request.env._("This link has expired"),
            message=request.env._("Book below with your phone number, or call us."),
            error=True,
        )

    def _manage_values(self, lead, token, error=None, info=None):
        lang = _lang(lead.partner_id)
        company = (lead.company_id or request.env.company).sudo()
        open_booking = lead._dealer_service_upcoming()
        days = {}
        if open_booking:
            kind, hours = lead._dealer_workshop_needs()
            days = self._slot_days(self._slots(kind, hours, company, exclude_lead=lead), company)
        reasons = request.env["crm.lost.reason"].sudo().search([("dealer_code", "in", CANCEL_REASONS)])
        return lang, {
            "lead": lead,
            "token": token,
            "open_booking": open_booking,
            "planned": lead.service_planned_at and self._format_local(lead.service_planned_at, company, lang),
            "days": days,
            "reasons": reasons,
            "error": error,
            "info": info,
        }

    @http.route(
        "/service/booking/<int:lead_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    @storable_form
    def booking_page(self, lead_id, token, booked=None, **_kw):
        lead = self._booking(lead_id, token)
        if lead._dealer_manage_link_expired():
            return self._expired(lead.partner_id)
        request.update_context(lang=_lang(lead.partner_id))
        info = None
        if booked == "1":
            info = request.env._("Your visit is booked. We sent you a confirmation.")
        elif booked:
            info = request.env._("Your visit is booked. Keep this page's link to move or cancel it.")
        lang, values = self._manage_values(lead, token, info=info)
        return self._render("dealer_workshop.portal_booking_manage", lang, **values)

    @http.route(
        "/service/booking/<int:lead_id>/<string:token>/reschedule",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    @storable_form
    def booking_reschedule(self, lead_id, token, **form):
        lead = self._booking(lead_id, token)
        if lead._dealer_manage_link_expired():
            return self._expired(lead.partner_id)
        lang = _lang(lead.partner_id)
        request.update_context(lang=lang)
        try:
            if not lead._dealer_service_upcoming():
                raise BookingError(request.env._("This booking can no longer be moved online. Please call us."))
            if lead.workshop_online_moves >= MAX_ONLINE_MOVES:
                raise BookingError(
                    request.env._(
                        "This booking was moved online %(count)s times. To move it again, please call us.",
                        count=lead.workshop_online_moves,
                    )
                )
            kind, hours = lead._dealer_workshop_needs()
            company = (lead.company_id or request.env.company).sudo()
            start, bay = self._parse_slot(form, (kind, hours), company, exclude_lead=lead)
            try:
                with request.env.cr.savepoint():
                    _serialize_on_bay(bay)
                    lead._dealer_reschedule_service(start, workshop_bay_id=bay.id)
                    lead.workshop_online_moves += 1
                    queue_confirmation(lead, "moved", start)
            except ServiceSlotTaken:
                raise BookingError(
                    request.env._("This time is no longer free. Choose another free time below.")
                ) from None
            except (ValidationError, UserError) as exc:
                _logger.info("Online move of booking %s refused: %s", lead.id, exc)
                raise BookingError(
                    request.env._("This visit could not be moved online. Please call the service desk.")
                ) from None
        except BookingError as exc:
            lang, values = self._manage_values(lead, token, error=str(exc))
            return self._render("dealer_workshop.portal_booking_manage", lang, **values)
        lang, values = self._manage_values(lead, token, info=request.env._("Your visit is moved."))
        return self._render("dealer_workshop.portal_booking_manage", lang, **values)

    @http.route(
        "/service/booking/<int:lead_id>/<string:token>/cancel",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    @storable_form
    def booking_cancel(self, lead_id, token, reason_id=None, comment=None, **_form):
        lead = self._booking(lead_id, token)
        if lead._dealer_manage_link_expired():
            return self._expired(lead.partner_id)
        lang = _lang(lead.partner_id)
        request.update_context(lang=lang)
        reasons = request.env["crm.lost.reason"].sudo().search([("dealer_code", "in", CANCEL_REASONS)])
        reason = reasons.filtered(lambda r: str(r.id) == str(reason_id or ""))
        error = None
        if not lead.active:
            error = request.env._("This booking is already cancelled.")
        elif not lead._dealer_service_upcoming():
            error = request.env._(
                "This booking can no longer be cancelled online: the car is already in the workshop "
                "or the visit is done. Please call us."
            )
        elif not reason:
            error = request.env._("Choose why you cancel.")
        if error:
            lang, values = self._manage_values(lead, token, error=error)
            return self._render("dealer_workshop.portal_booking_manage", lang, **values)
        comment = (comment or "").strip()[:2000]
        # the note is the staff's: in the showroom's language
        staff = request.env(context={**request.env.context, "lang": lead._dealer_staff_lang(lead.company_id.sudo())})
        text = staff._("Cancelled by the customer on the booking page.")
        when = lead.service_planned_at
        try:
            with request.env.cr.savepoint():
                lead._dealer_cancel_service(reason, f"{text} {comment}".strip())
                queue_confirmation(lead, "cancelled", when)
        except (ValidationError, UserError) as exc:
            # a refusal meant for the staff (an automation rule of the dealership, a check of the loss ledger)
            _logger.info("Online cancellation of booking %s refused: %s", lead.id, exc)
            lang, values = self._manage_values(
                lead, token, error=request.env._("This visit could not be cancelled online. Please call us.")
            )
            return self._render("dealer_workshop.portal_booking_manage", lang, **values)
        lang, values = self._manage_values(lead, token, info=request.env._("Your visit is cancelled."))
        return self._render("dealer_workshop.portal_booking_manage", lang, **values)


class PortalBookingHome(CustomerPortal):
    """The "Service bookings" card of a portal customer's home page and the list of their bookings."""

    def _dealer_bookings(self):
        partner = request.env.user.partner_id
        # sudo: a customer's own bookings (by their contact), never anyone else's
        return (
            request.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [("dealer_interest", "=", SERVICE_INTEREST), *partner._dealer_account_domain()],
                order="service_planned_at desc, id desc",
                limit=100,
            )
        )

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "service_booking_count" in counters:
            values["service_booking_count"] = len(self._dealer_bookings())
        return values

    @http.route("/my/service-bookings", type="http", auth="user", methods=["GET"], website=True)
    @storable_form
    def my_service_bookings(self, **_kw):
        bookings = self._dealer_bookings()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "bookings": bookings,
                # an old booking's link no longer works (``_dealer_manage_link_expired``): its date is shown plain
                "links": {lead.id: booking_url(lead) for lead in bookings if not lead._dealer_manage_link_expired()},
                # the showroom's local time, as the booking page and the confirmation wrote it (not the time zone
                # of the customer's account or browser)
                "whens": {
                    lead.id: format_local(
                        lead.service_planned_at, (lead.company_id or request.env.company).sudo(), request.env.lang
                    )
                    for lead in bookings
                    if lead.service_planned_at
                },
                "page_name": "service_bookings",
            }
        )
        return request.render("dealer_workshop.portal_my_service_bookings", values)


def parse_local(value, tz):
    """A local ``YYYY-MM-DD HH:MM`` in ``tz`` as a UTC naive datetime (tests and tours use it)."""
    return tz.localize(datetime.strptime(value, "%Y-%m-%d %H:%M")).astimezone(pytz.utc).replace(tzinfo=None)
