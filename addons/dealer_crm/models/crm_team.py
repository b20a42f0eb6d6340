from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    dealer_is_dealership = fields.Boolean(
        string="Dealership team",
        help="The deals of this team follow the dealership's rules: routing and response time, the "
        "customer's life cycle, hand-offs, and no car sold without complete customer data. "
        "Other teams keep Odoo's own CRM behaviour.",
    )

    dealer_fi_user_id = fields.Many2one(
        "res.users",
        string="F&I manager",
        domain=[("share", "=", False)],
        check_company=True,
        help="Receives the activity when a deal of this team enters Financing & insurance; "
        "empty: any F&I manager of the company.",
    )
    dealer_docs_user_id = fields.Many2one(
        "res.users",
        string="Documents clerk",
        domain=[("share", "=", False)],
        check_company=True,
        help="Receives the activity when a deal enters Contract & paperwork; empty: any documents clerk.",
    )
    dealer_cashier_user_id = fields.Many2one(
        "res.users",
        string="Cashier",
        domain=[("share", "=", False)],
        check_company=True,
        help="Receives the activity when a deal enters Payment; empty: any cashier of the company.",
    )
