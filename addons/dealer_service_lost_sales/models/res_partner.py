from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    dealer_issue_ids = fields.One2many("dealer.customer.issue", "partner_id", string="Customer issues")
    dealer_open_issue_count = fields.Integer(string="Open issues", compute="_compute_dealer_open_issue_count")

    @api.depends_context("allowed_company_ids")
    def _compute_dealer_open_issue_count(self):
        """Every role sees that the customer has a complaint (the count, not the issues): counted as
        superuser, within the companies the user works in."""
        domain = [("partner_id", "in", self.ids), ("is_open", "=", True), ("company_id", "in", self.env.companies.ids)]
        counts = dict(self.env["dealer.customer.issue"].sudo()._read_group(domain, ["partner_id"], ["__count"]))
        for partner in self:
            partner.dealer_open_issue_count = counts.get(partner, 0)

    def action_dealer_view_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.dealer_customer_issue_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_filter_open": 1}
        return action
