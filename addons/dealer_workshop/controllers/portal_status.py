"""The customer's repair-status page and declined work to book later (owner: repair status)."""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.addons.dealer_crm.tools.tokens import hide_in_access_log, private_page
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.http import request

from .portal_booking import storable_form

# the status links' signatures stay out of the server's access log
hide_in_access_log(r"/service/status/\d+/")


class DealerRepairStatus(CustomerPortal):
    """Where the car is in the workshop, for its customer: by the signed link of the workshop's
    messages (no login) or from the customer's portal. A forged link or another customer's visit
    answers the plain "page not found" and writes nothing."""

    # ------------------------------------------------------------
    # Signed link
    # ------------------------------------------------------------

    @http.route(
        "/service/status/<int:visit_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    @storable_form
    def dealer_status_page(self, visit_id, token, booked=None, **_kw):
        visit = request.env["dealer.visit"]._dealer_from_status_link(visit_id, token)
        if not visit:
            raise NotFound()
        if visit._dealer_status_link_expired():
            return self._dealer_expired(visit)
        return self._dealer_render(visit, f"/service/status/{visit_id}/{token}", booked)

    @http.route(
        "/service/status/<int:visit_id>/<string:token>/book/<int:line_id>",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    @storable_form
    def dealer_status_book_later(self, visit_id, token, line_id, **_kw):
        visit = request.env["dealer.visit"]._dealer_from_status_link(visit_id, token)
        if not visit:
            raise NotFound()
        if visit._dealer_status_link_expired():
            return self._dealer_expired(visit)
        return self._dealer_book(visit, f"/service/status/{visit_id}/{token}", line_id)

    def _dealer_expired(self, visit):
        """An old status link: it says so, in the customer's language, and shows nothing of the visit."""
        request.update_context(lang=self._dealer_lang(visit))
        return private_page(
            request.render(
                "dealer_workshop.portal_booking_message",
                {
                    "lang": request.env.lang,
                    "title": request.env._("This link has expired"),
                    "message": request.env._("Please call us to know where your car is."),
                    "error": True,
                },
            )
        )

    # ------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "workshop_visit_count" in counters:
            values["workshop_visit_count"] = len(self._dealer_my_visits())
        return values

    def _dealer_my_visits(self):
        partner = request.env.user.partner_id
        return request.env["dealer.visit"]._dealer_portal_visits(partner)

    @http.route("/my/service/status", type="http", auth="user", methods=["GET"], website=True)
    @storable_form
    def dealer_my_status_list(self, **_kw):
        values = self._prepare_portal_layout_values()
        values.update(page_name="workshop_visits", visits=self._dealer_my_visits()._dealer_portal_rows())
        return request.render("dealer_workshop.dealer_portal_my_workshop_visits", values)

    @http.route("/my/service/status/<int:visit_id>", type="http", auth="user", methods=["GET"], website=True)
    @storable_form
    def dealer_my_status_page(self, visit_id, booked=None, **_kw):
        visit = self._dealer_my_visit(visit_id)
        return self._dealer_render(visit, f"/my/service/status/{visit_id}", booked)

    @http.route(
        "/my/service/status/<int:visit_id>/book/<int:line_id>", type="http", auth="user", methods=["POST"], website=True
    )
    @storable_form
    def dealer_my_status_book_later(self, visit_id, line_id, **_kw):
        visit = self._dealer_my_visit(visit_id)
        return self._dealer_book(visit, f"/my/service/status/{visit_id}", line_id)

    def _dealer_my_visit(self, visit_id):
        """The visit when it is a car of the logged-in customer (or their company; a staff member's own only),
        else not found."""
        visit = request.env["dealer.visit"].sudo().browse(visit_id).exists()
        if not visit or not request.env.user.partner_id._dealer_account_owns(visit.partner_id):
            raise NotFound()
        if visit.state == "cancelled":
            raise NotFound()  # opened by mistake, for the wrong customer: nothing of it is shown (as by its link)
        return visit

    # ------------------------------------------------------------
    # Shared
    # ------------------------------------------------------------

    def _dealer_lang(self, visit):
        # as the workshop's messages about the visit choose it: the customer's, else the visit's showroom's
        return (
            request.env["dealer.dispatch"]
            .sudo()
            .new({"partner_id": visit.partner_id.id, "company_id": visit.company_id.id})
            ._lang()
        )

    def _dealer_render(self, visit, action, booked):
        request.update_context(lang=self._dealer_lang(visit))
        values = visit.with_env(request.env(su=True))._dealer_status_values()
        values.update(action=action, booked=booked == "1")
        return private_page(request.render("dealer_workshop.dealer_repair_status_page", values))

    def _dealer_book(self, visit, action, line_id):
        lead = visit._dealer_book_declined_later(line_id)
        if not lead:
            raise NotFound()
        return request.redirect(f"{action}?booked=1")
