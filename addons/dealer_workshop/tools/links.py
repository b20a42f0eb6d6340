"""The signed links a customer gets about a booking or a visit: their signature, and how long they work."""

import secrets
from datetime import date, datetime, time, timedelta

from odoo import fields, tools

# a booking's manage link and a visit's repair-status link stop this many days after the visit
LINK_DAYS_AFTER = 30


def link_expired(moment, now=None):
    """Whether a link about a visit planned or finished at ``moment`` (a datetime, or a date: its end)
    no longer works: LINK_DAYS_AFTER days later, an old message forwarded or found shows nothing of it."""
    if not moment:
        return False
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.max)
    return moment + timedelta(days=LINK_DAYS_AFTER) < (now or fields.Datetime.now())


def link_key_field():
    """The link key of a record with a customer link (a booking, a visit): see ``link_token``."""
    return fields.Char(
        string="Link key",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Drawn anew when the customer is corrected: the signed link sent to the former customer stops working.",
    )


def link_token(record, scope):
    """The signature of ``record``'s link (a booking's manage link, a visit's status link).

    It signs the record and, once the record's customer was corrected, the link key then drawn
    (``renew_link_keys``): the link sent to the former customer stops working. A record whose customer
    never changed has no key and keeps the signature of the record alone, so that links sent before
    keep working, and so do they when a person merges duplicate cards (Odoo's merge moves the records
    to the kept card in SQL, without a write).
    """
    key = record.sudo().dealer_link_key
    return tools.hmac(record.env(su=True), scope, (record.id, key) if key else record.id)


def renew_link_keys(records, customers_before):
    """A new link key for each of ``records`` whose customer is no longer the one in ``customers_before``
    (``{record id: partner}``, read before the write)."""
    for record in records:
        if record.partner_id != customers_before[record.id]:
            record.sudo().write({"dealer_link_key": secrets.token_urlsafe(16)})
