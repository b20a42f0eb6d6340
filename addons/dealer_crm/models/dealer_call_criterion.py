from odoo import fields, models


class DealerCallCriterion(models.Model):
    """One point of the checklist a head scores a call against (greeting, needs, offer, next step).

    A review copies the active criteria of its showroom when it is created: renaming, archiving or
    adding a criterion changes the reviews made afterwards, never the scores already given.
    """

    _name = "dealer.call.criterion"
    _inherit = ["dealer.shared.setting.mixin"]
    _description = "Call quality criterion"
    _order = "sequence, id"

    name = fields.Char(string="Criterion", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="What the operator must do to pass this point.")
    company_id = fields.Many2one(
        "res.company",
        string="Showroom",
        index=True,
        help="Empty: the checklist of every showroom (changed only by someone who works in all of them).",
    )

    def _for_company(self, company):
        """The active criteria a new review of a call of ``company`` is scored against, in order."""
        return self.search([("company_id", "in", [False, company.id])])
