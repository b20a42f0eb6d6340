from odoo.addons.dealer_crm.tests.common import DealerCrmCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestLoyaltyDemo(DealerCrmCase):
    """Installed with demo data, the loyalty screens show scored customers right away."""

    def test_demo_customers_are_scored(self):
        customer = self.env.ref("dealer_crm.res_partner_customer_01_demo", raise_if_not_found=False)
        if not customer:
            self.skipTest("installed without demo data")
        self.assertTrue(customer.segment_id, "a customer with closed visits has a segment")
        self.assertTrue(customer.rfm_score)
        self.assertTrue(customer.loyalty_status)
        counted = sum(self.env["dealer.segment"].search([]).mapped("partner_count"))
        self.assertGreaterEqual(counted, 10, "the segment cards of the marketing dashboard count the demo customers")

    def test_demo_campaign_has_run(self):
        campaign = self.env.ref("dealer_loyalty.dealer_campaign_maintenance_autumn_demo", raise_if_not_found=False)
        if not campaign:
            self.skipTest("installed without demo data")
        self.assertEqual(campaign.enrolment_count, 9)
        self.assertGreaterEqual(campaign.delivered_count, 8, "e-mails and SMS reached the customers")
        self.assertGreaterEqual(campaign.opened_count, 4)
        self.assertGreaterEqual(campaign.clicked_count, 3)
        self.assertEqual(campaign.failed_count, 2, "one bounced e-mail, one failed SMS")
        self.assertGreaterEqual(campaign.booking_count, 2, "visits booked after a message")
        self.assertGreater(campaign.revenue, 0, "revenue attributed to the campaign")
        self.assertGreater(campaign.roi, 0)
        report = self.env["dealer.campaign.report"].search([("campaign_id", "=", campaign.id)])
        self.assertEqual(set(report.mapped("channel")), {"email", "sms"})

    def test_odoo_demo_deals_make_no_loyal_customers(self):
        """Odoo's furniture deals won by its demo companies are no cars bought from the dealer."""
        if not self.env.ref("dealer_crm.res_partner_customer_01_demo", raise_if_not_found=False):
            self.skipTest("installed without demo data")
        crm_demo = self.env["ir.model.data"].search([("module", "=", "crm"), ("model", "=", "crm.lead")])
        won = self.env["crm.lead"].with_context(active_test=False).browse(crm_demo.mapped("res_id"))
        buyers = won.filtered(lambda lead: lead.won_status == "won").partner_id
        self.assertTrue(buyers, "Odoo's demo has won deals: the check below means something")
        scored = self.env["res.partner"].search([("loyalty_status", "!=", False)])
        self.assertFalse(scored & buyers, "the loyalty screens list the dealer's customers only")
        self.assertGreaterEqual(len(scored), 10)

    def test_survey_scores_raise_the_risk_of_unhappy_customers(self):
        if not self.env.ref("dealer_crm.res_partner_customer_01_demo", raise_if_not_found=False):
            self.skipTest("installed without demo data")
        rated = self.env["dealer.visit"].search([("satisfaction_score", "!=", False)])
        self.assertGreaterEqual(len(rated), 5)
        unhappy = rated.filtered(lambda visit: int(visit.satisfaction_score) <= 6).partner_id
        signals = self.env["dealer.risk.signal"].search([("code", "=", "low_satisfaction")])
        self.assertTrue(unhappy)
        self.assertEqual(signals.partner_id & unhappy, unhappy, "each unhappy customer has a risk signal")
