from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSatisfactionDemo(TransactionCase):
    def test_demo_shows_the_nps_of_the_service(self):
        demo = self.env.ref("dealer_satisfaction.dealer_feedback_visit_022_demo", raise_if_not_found=False)
        if not demo:
            self.skipTest("installed without demo data")
        feedback = self.env["dealer.feedback"].search([("id", "in", self._demo_ids())])
        self.assertEqual(set(feedback.mapped("category")), {"promoter", "passive", "detractor"})
        [(nps, csi)] = self.env["dealer.feedback.report"]._read_group(
            [("feedback_id", "in", feedback.ids)], [], ["nps:avg", "csi:avg"]
        )
        scores = feedback.mapped("score")
        promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
        self.assertAlmostEqual(nps, (promoters - detractors) / len(scores) * 100)
        self.assertAlmostEqual(csi, sum(scores) / len(scores) * 10)
        # the visit and its customer's card show the answer
        self.assertEqual(demo.visit_id.feedback_score, 3)
        self.assertEqual(demo.partner_id.dealer_last_nps_category, "detractor")

    def _demo_ids(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", "dealer_satisfaction"), ("model", "=", "dealer.feedback")]
        )
        return data.mapped("res_id")
