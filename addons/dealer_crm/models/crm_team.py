from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    dealer_fi_user_id = fields.Many2one(
        "res.users",
        string="F&I manager",
        domain=[("share", "=", False)],
        help="Receives the activity when a deal of this team enters Financing & insurance; "
        "empty: any F&I manager of the company.",
    )
    dealer_docs_user_id = fields.Many2one(
        "res.users",
        string="Documents clerk",
        domain=[("share", "=", False)],
        help="Receives the activity when a deal enters Contract & paperwork; empty: any documents clerk.",
    )
    dealer_cashier_user_id = fields.Many2one(
        "res.users",
        string="Cashier",
        domain=[("share", "=", False)],
        help="Receives the activity when a deal enters Payment; empty: any cashier of the company.",
    )
