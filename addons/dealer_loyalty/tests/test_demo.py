from odoo.tests import TransactionCase


class TestLoyaltyDemo(TransactionCase):
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
