from odoo import fields, models


class DealerCustomerIssue(models.Model):
    _inherit = "dealer.customer.issue"

    category = fields.Selection(
        selection_add=[("satisfaction", "Low satisfaction score")],
        ondelete={"satisfaction": lambda issues: issues.write({"category": "other"})},
    )
    feedback_ids = fields.One2many("dealer.feedback", "issue_id", string="Customer feedback")
