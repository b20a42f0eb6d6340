from odoo import fields, models

LOSS_CATEGORIES = [
    ("customer", "Customer"),
    ("price", "Price"),
    ("parts", "Parts"),
    ("capacity", "Capacity / workshop"),
    ("competitor", "Competitor"),
    ("communication", "Communication"),
    ("quality", "Quality"),
]


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    dealer_code = fields.Char(
        string="Code",
        index="btree_not_null",
        help="Stable technical code used by the integration API (e.g. no_show, price, competitor).",
    )
    dealer_category = fields.Selection(
        LOSS_CATEGORIES,
        string="Loss category",
        index=True,
        help="Groups reasons in the lost-sales KPIs: which kind of cause costs the most.",
    )

    _dealer_code_uniq = models.UniqueIndex(
        "(dealer_code) WHERE dealer_code IS NOT NULL", "A lost reason with this code already exists."
    )

    def _dealer_by_code(self, code):
        return self.with_context(active_test=False).search([("dealer_code", "=", code)], limit=1)
