"""Leads contacted before this version get their response time in working hours.

``dealer_response_work_minutes`` (working minutes of the showroom's calendar between the start of
the response clock and the first contact) and ``dealer_response_in_policy`` (100 answered in time,
0 late) are new columns; the first contact's kind stays empty on these leads (what stopped their
clock then, a stage move or the former "Contacted" button, is not known). The working minutes are
computed per calendar in one batch of intervals (``crm.lead._dealer_work_minutes``) and written by
one UPDATE per thousands of leads.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

BATCH = 5000


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    Lead = env["crm.lead"].with_context(active_test=False)
    leads = Lead.search([("dealer_first_contact_date", "!=", False), ("dealer_sla_start", "!=", False)], order="id")
    for start in range(0, len(leads), BATCH):
        batch = leads[start : start + BATCH]
        work = Lead._dealer_work_minutes(
            {lead: (lead.dealer_sla_start, lead.dealer_first_contact_date) for lead in batch}
        )
        rows = SQL(", ").join(SQL("(%s, %s::float)", lead_id, minutes) for lead_id, minutes in work.items())
        cr.execute(
            SQL(
                """
            UPDATE crm_lead l
               SET dealer_response_work_minutes = v.work,
                   dealer_response_in_policy = CASE WHEN l.dealer_sla_state = 'met' THEN 100 ELSE 0 END
              FROM (VALUES %s) AS v(id, work)
             WHERE l.id = v.id
            """,
                rows,
            )
        )
        batch.invalidate_recordset(["dealer_response_work_minutes", "dealer_response_in_policy"])
