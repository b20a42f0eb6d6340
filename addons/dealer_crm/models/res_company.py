import logging

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.settings import check_int_settings

_logger = logging.getLogger(__name__)

# The showroom's reservation hold when none is set (Settings > Dealership, per showroom).
RESERVATION_HOURS_DEFAULT = 48
# a hold shorter than an hour is released before the customer has left; longer than 90 days is no hold
RESERVATION_HOURS_SPEC = (RESERVATION_HOURS_DEFAULT, 1, 24 * 90)


class ResCompany(models.Model):
    _inherit = "res.company"

    dealer_director_id = fields.Many2one(
        "res.users",
        string="Dealership director",
        help="Last step of the escalation chain for unanswered leads and missed calls.",
    )
    dealer_reservation_hours = fields.Integer(
        string="Reservation hold (hours)",
        default=RESERVATION_HOURS_DEFAULT,
        help="A car reservation without a recorded prepayment is released after this many hours.",
    )
    dealer_require_identity = fields.Boolean(
        string="Identity document required to win a deal",
        default=True,
        help="A deal of a private buyer is won only once the buyer's passport number, issuer and issue date "
        "are on the customer card (they go into the sales contract).",
    )

    # ------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------

    @api.constrains("dealer_reservation_hours")
    def _check_dealer_reservation_hours(self):
        check_int_settings(self, {"dealer_reservation_hours": RESERVATION_HOURS_SPEC})

    @api.constrains("dealer_director_id")
    def _check_dealer_director(self):
        """The director gets the showroom's last escalation tasks and its hand-offs: someone who works there."""
        for company in self:
            director = company.dealer_director_id
            if director and company not in director.sudo().company_ids:
                raise ValidationError(
                    self.env._(
                        "%(user)s does not work for %(company)s and cannot be its dealership director.",
                        user=director.name,
                        company=company.name,
                    )
                )

    def _dealer_tz(self, fallback="UTC"):
        """The showroom's time zone name: its working calendar's, else its address's, else ``fallback``.

        The one reading of "the showroom's local time" (bookings, calls, notes for the staff, campaign
        send and quiet hours, workshop notices); no showroom (an empty recordset) gives the fallback.
        The calendar comes first: it is where an admin sets the showroom's time zone (Settings >
        Working Schedules); the contact of a company has no time zone field on its form, only the
        one it was created with.
        """
        company = self[:1]
        tz = company.resource_calendar_id.tz or company.partner_id.tz or fallback
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _dealer_demo_set_currency(self, currency):
        """Demo data: the showrooms price in ``currency`` where Odoo lets the company change it.

        Odoo never changes the currency of a company that has journal entries. With Invoicing
        (which Sales, and so the sale bridge, brings), Odoo's own demo loads its generic chart
        of accounts, whose currency is the dollar, and books its sample entries in it before
        this demo loads: such a company keeps its currency, and the log says why. A real
        dealership sets its currency (Settings > Invoicing) before its first invoice.

        The demo leaves one active currency, as Odoo's own demo does: ``currency`` is activated
        only with a company that switches to it, and a currency that no company prices in any
        more is deactivated. Two active currencies would turn on multi-currency for every
        employee (Odoo implies the group), which neither the showrooms nor Odoo's own tests expect.
        """
        Company = self.env["res.company"].with_context(active_test=False)
        for company in self.filtered(lambda c: c.currency_id != currency):
            previous = company.currency_id
            try:
                with self.env.cr.savepoint():
                    currency.active = True
                    company.currency_id = currency
            except UserError as error:  # the savepoint's rollback also empties the record cache
                _logger.info(
                    "Demo data: %s keeps its currency %s instead of %s (%s)",
                    company.name,
                    company.currency_id.name,
                    currency.name,
                    error,
                )
                continue
            if not Company.search_count([("currency_id", "=", previous.id)], limit=1):
                try:
                    with self.env.cr.savepoint():
                        previous.active = False
                except UserError as error:
                    _logger.info("Demo data: %s stays active (%s)", previous.name, error)
