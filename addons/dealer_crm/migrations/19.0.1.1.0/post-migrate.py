"""Teams become dealership teams explicitly (crm.team.dealer_is_dealership).

Before this version every team's deals followed the dealership's rules; now only those of a
dealership team (or about a car) do.  The team this addon ships is marked, and so is every
team whose pipeline has the dealership's stages.

Odoo's four generic stages, which this addon used to give to Odoo's "Sales" team alone, are
shared by every team again (Odoo's lead scoring counts on a first stage without a team);
dealership teams keep to their own stages through ``crm.lead._stage_find``.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    teams = env.ref("dealer_crm.crm_team_dealer_showroom", raise_if_not_found=False) or env["crm.team"]
    stages = env["crm.stage"].search([("dealer_step", "!=", False)])
    (teams | stages.team_ids).write({"dealer_is_dealership": True})
    sales = env.ref("sales_team.team_sales_department", raise_if_not_found=False)
    for xmlid in ("crm.stage_lead1", "crm.stage_lead2", "crm.stage_lead3", "crm.stage_lead4"):
        stage = env.ref(xmlid, raise_if_not_found=False)
        if stage and sales and stage.team_ids == sales:
            stage.team_ids = False
