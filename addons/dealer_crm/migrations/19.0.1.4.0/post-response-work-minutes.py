"""Leads contacted before this version get their response time in working hours.

``dealer_response_work_minutes`` (working minutes of the showroom's calendar between the start of
the response clock and the first contact) and ``dealer_response_in_policy`` (100 answered in time,
0 late) are new columns; the first contact's kind stays empty on these leads (what stopped their
clock then, a stage move or the former "Contacted" button, is not known). The working minutes are
computed per calendar in one batch of intervals and written by one UPDATE per thousands of leads
(``crm.lead._dealer_fill_contact_measures``).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.lead"]._dealer_fill_contact_measures()
