from odoo.addons.dealer_crm.tests.common import DealerCrmCase
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval


@tagged("post_install", "-at_install")
class TestServiceDemo(DealerCrmCase):
    """Installed with demo data, the service screens show a workshop at work on the first login."""

    def setUp(self):
        super().setUp()
        if not self.env.ref("dealer_service_lost_sales.dealer_loss_event_10_demo", raise_if_not_found=False):
            self.skipTest("installed without demo data")

    def test_service_pipeline_has_bookings_in_several_stages(self):
        action = self.env.ref("dealer_service_lost_sales.crm_lead_service_action")
        bookings = self.env["crm.lead"].search(safe_eval(action.domain))
        self.assertGreaterEqual(len(bookings), 6)
        self.assertGreaterEqual(len(bookings.stage_id), 4)
        self.assertTrue(bookings.team_id.member_ids, "the service team has its people")
        sales = self.env["crm.lead"].search(safe_eval(self.env.ref("dealer_crm.crm_lead_action_dealer_sales").domain))
        self.assertFalse(sales & bookings, "service bookings stay out of the sales pipeline")

    def test_losses_by_reason_with_amounts(self):
        groups = self.env["dealer.loss.event"]._read_group([], ["reason_id"], ["amount:sum"])
        self.assertGreaterEqual(len(groups), 5)
        self.assertTrue(all(amount > 0 for _reason, amount in groups))

    def test_improvement_actions_show_their_effect(self):
        for xmlid in ("dealer_loss_improvement_no_show_demo", "dealer_loss_improvement_price_demo"):
            action = self.env.ref(f"dealer_service_lost_sales.{xmlid}")
            self.assertGreater(action.before_potential, 0, xmlid)
            self.assertGreater(action.after_potential, 0, xmlid)
            self.assertGreater(action.before_rate, action.after_rate, f"{xmlid}: fewer losses after the action")
            self.assertLess(action.rate_change, 0, xmlid)

    def test_customer_issues_open_and_solved(self):
        issues = self.env["dealer.customer.issue"].search([])
        self.assertTrue(issues.filtered("is_open"))
        self.assertIn("solved", issues.mapped("state"))
        self.assertTrue(issues.filtered("is_repeat_repair"), "the brakes came back: a repeat repair")

    def test_lost_sales_revenue_is_the_dealers_own(self):
        """Odoo's furniture deals, won or lost, are no car sales of the dealer."""
        rows = self.env["dealer.lost.revenue.report"].search([("business", "=", "sales")])
        crm_demo = self.env["ir.model.data"].search([("module", "=", "crm"), ("model", "=", "crm.lead")])
        self.assertTrue(crm_demo, "Odoo's CRM demo is loaded too: the check below means something")
        self.assertFalse(rows.lead_id & self.env["crm.lead"].browse(crm_demo.mapped("res_id")))
        lost = rows.filtered(lambda row: row.row_type == "lost")
        self.assertGreaterEqual(len(lost.reason_id), 5, "lost car deals by reason")
        self.assertGreater(sum(lost.mapped("lost_amount")), 0)
