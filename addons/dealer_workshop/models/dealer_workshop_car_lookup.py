import ipaddress
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# cars typed in (plate or VIN) that are not the visitor's own, per visitor and hour: a customer types their
# car's once or twice; more is someone asking which plates the dealership knows
MAX_TYPED_CARS_PER_HOUR = 5
# cars of the register that are not the visitor's, per connection (an IPv6 network of 64 bits counts as one),
# whoever the visitors say they are: one reminder link, portal account or phone after another from the same
# place. New cars are not counted here: the customers behind one proxy or carrier's NAT book theirs freely.
MAX_TYPED_CARS_PER_IP_HOUR = 15


def network(ip_address):
    """The connection a limit counts: the address, or its /64 network for IPv6 (one subscriber's)."""
    try:
        address = ipaddress.ip_address(ip_address or "")
    except ValueError:
        return ip_address or None
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)  # an IPv4 client of a dual-stack listener or proxy (::ffff:a.b.c.d)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def ipv6_site(connection):
    """The /48 network of an IPv6 connection (as :func:`network` gives it), else None."""
    try:
        net = ipaddress.ip_network(connection or "", strict=False)
    except ValueError:
        return None
    if net.version != 6:
        return None
    return str(net.supernet(new_prefix=48)) if net.prefixlen > 48 else str(net)


class DealerWorkshopCarLookup(models.Model):
    """A car (plate or VIN key) typed on the booking page that was not the visitor's own (owner: booking page).

    Counted in the database, per visitor (their reminder link, account or proven phone) and per
    connection, so that neither a new session per request nor requests sent in parallel let a
    stranger ask, plate after plate, which cars the dealership knows. Kept a day.
    """

    _name = "dealer.workshop.car.lookup"
    _description = "Car typed on the booking page"
    _order = "id desc"

    visitor = fields.Char(required=True, index=True)
    car_key = fields.Char(required=True)
    ip_address = fields.Char(string="Typed from", index="btree_not_null")
    typed_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    company_id = fields.Many2one("res.company", required=True)

    @api.model
    def _dealer_refused(self, visitor, key, ip_address, company):
        """Whether typing the car ``key`` now is over a limit (before anything is looked up).

        Lookups of one showroom are counted one after the other: a parallel request fails to serialize
        on the showroom's row and Odoo replays it, which then sees the lookups just counted. A lookup
        already over a limit is refused before it takes that lock.
        """
        if self._dealer_over_limit(visitor, key, ip_address):
            return True
        self.env.cr.execute(SQL("UPDATE res_company SET write_date = write_date WHERE id = %s", company.id))
        return self._dealer_over_limit(visitor, key, ip_address)

    @api.model
    def _dealer_over_limit(self, visitor, key, ip_address):
        since = fields.Datetime.now() - timedelta(hours=1)
        Lookup = self.sudo()
        for field, value, limit in (
            ("visitor", visitor, MAX_TYPED_CARS_PER_HOUR),
            ("ip_address", network(ip_address), MAX_TYPED_CARS_PER_IP_HOUR),
        ):
            if not value:
                continue
            typed = set(Lookup.search([(field, "=", value), ("typed_at", ">", since)]).mapped("car_key"))
            if key not in typed and len(typed) >= limit:
                return True
        return False

    @api.model
    def _dealer_count(self, visitor, key, ip_address, company):
        """Count the car ``key`` a visitor typed that was not theirs (for the connection ``ip_address`` too,
        when given: a car of the register)."""
        self.sudo().create(
            {"visitor": visitor, "car_key": key, "ip_address": network(ip_address), "company_id": company.id}
        )

    @api.autovacuum
    def _gc_old(self):
        self.sudo().search([("typed_at", "<", fields.Datetime.now() - timedelta(days=1))]).unlink()
