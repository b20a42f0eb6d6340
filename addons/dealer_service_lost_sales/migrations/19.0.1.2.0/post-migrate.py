"""Teams become dealership teams explicitly (crm.team.dealer_is_dealership).

Before this version every team's deals followed the dealership's rules; now only those of a
dealership team (or about a car) do.  The team this addon ships is marked, and so is every
team whose pipeline has the dealership's stages.  The service team takes only service
opportunities when leads are routed (a sales request once landed there).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    teams = env.ref("dealer_service_lost_sales.crm_team_service", raise_if_not_found=False) or env["crm.team"]
    stages = env["crm.stage"].search([("dealer_service_step", "!=", False)])
    (teams | stages.team_ids).write({"dealer_is_dealership": True})
    if teams and not teams.assignment_domain:
        teams.assignment_domain = "[('dealer_interest', '=', 'service')]"
