"""Leads climbing the escalation chain remember the step they climbed last.

Before this version a lead knew only how many steps it had climbed, and climbed the step at that
position of its chain: a step added or removed in between made it repeat or skip one. Each lead
that has climbed gets the step at its count in its showroom's chain as it is at upgrade time,
which is the step the old code would have called its last.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    Lead = env["crm.lead"].with_context(active_test=False)
    leads = Lead.search([("dealer_escalation_level", ">", 0), ("dealer_escalation_level_id", "=", False)])
    if not leads:
        return
    chains = env["dealer.sla.escalation"]._chains({lead.company_id for lead in leads})
    last = {}
    for lead in leads:
        levels = chains[lead.company_id]
        if levels:
            last.setdefault(levels[min(lead.dealer_escalation_level, len(levels)) - 1].id, []).append(lead.id)
    for level_id, lead_ids in last.items():
        cr.execute(SQL("UPDATE crm_lead SET dealer_escalation_level_id = %s WHERE id = ANY(%s)", level_id, lead_ids))
