"""How long the signed links a customer gets about a booking or a visit keep working."""

from datetime import date, datetime, time, timedelta

from odoo import fields

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
