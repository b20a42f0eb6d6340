import ast

from odoo import fields

from .common import ServiceLostSalesCase


class TestServicePipeline(ServiceLostSalesCase):
    def test_service_opportunity_starts_in_scheduling_of_service_team(self):
        lead = self.service_lead([("Oil change", 5000, "proposed")])
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.stage_id, self.stage["scheduling"])
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.dealer_interest, "service")

    def test_service_stages_belong_to_the_service_team_only(self):
        for stage in self.stage.values():
            self.assertEqual(stage.team_ids, self.team)
        self.assertTrue(self.stage["delivery"].is_won)

    def test_sales_lead_stays_out_of_the_service_pipeline(self):
        lead = self.Lead.create({"name": "New car", "type": "opportunity"})
        self.assertNotEqual(lead.dealer_interest, "service")
        self.assertNotEqual(lead.team_id, self.team)
        self.assertNotIn(lead.stage_id, list(self.stage.values()))
        self.assertNotIn(lead, self.Lead.search([("dealer_interest", "=", "service")]))

    def test_sales_lead_turned_into_service_request_moves_to_service_pipeline(self):
        lead = self.Lead.create({"name": "Rattle in the door", "type": "opportunity"})
        self.assertNotEqual(lead.team_id, self.team)
        lead.dealer_interest = "service"
        self.assertEqual((lead.team_id, lead.stage_id), (self.team, self.stage["scheduling"]))
        self.assertIn(lead, self.Lead.search([("dealer_interest", "=", "service"), ("team_id", "=", self.team.id)]))

    def test_expected_revenue_is_proposed_and_won_revenue_accepted(self):
        lead = self.service_lead([("Oil", 5000, "accepted"), ("Brakes", 8000, "proposed"), ("Wipers", 900, "deferred")])
        self.assertEqual(lead.expected_revenue, 13000)
        self.assertEqual(lead.service_accepted_amount, 5000)
        lead.service_line_ids.filtered(lambda line: line.name == "Brakes").state = "accepted"
        self.assertEqual(lead.expected_revenue, 13000)
        self.assertEqual(lead.service_accepted_amount, 13000)

    def test_moves_through_the_stages_and_is_won_at_delivery(self):
        lead = self.service_lead([("Oil", 5000, "accepted")])
        for step in ("reception", "in_progress", "completed", "quality"):
            lead.stage_id = self.stage[step]
            self.assertEqual(lead.won_status, "pending", step)
        lead.action_set_won()
        self.assertEqual(lead.stage_id, self.stage["delivery"])
        self.assertEqual(lead.won_status, "won")
        lead.stage_id = self.stage["follow_up"]
        self.assertEqual(lead.won_status, "won")

    def test_a_service_visit_delivered_leaves_the_car_as_it_was_sold(self):
        """Handing a serviced car back is no sale: the car keeps its delivery date (warranty, reminders)
        and its state; only a sales deal won delivers a car."""
        self.vehicle.write({"state": "customer", "delivery_date": "2023-05-10"})
        lead = self.service_lead([("Oil", 5000, "accepted")])
        lead.action_set_won()
        self.assertEqual(lead.won_status, "won")
        self.assertEqual((self.vehicle.state, str(self.vehicle.delivery_date)), ("customer", "2023-05-10"))

    def test_advisor_change_keeps_the_service_team(self):
        lead = self.service_lead()
        lead.user_id = self.env.ref("base.user_admin")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.stage_id, self.stage["scheduling"])

    def test_sales_pipeline_action_hides_service_opportunities(self):
        service = self.service_lead()
        sales = self.Lead.create(
            {
                "name": "New car",
                "type": "opportunity",
                "team_id": self.env.ref("dealer_crm.crm_team_dealer_showroom").id,
            }
        )
        generic = self.Lead.create({"name": "Office chairs", "type": "opportunity", "team_id": False})
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_crm.crm_lead_action_dealer_sales")
        found = self.Lead.search(ast.literal_eval(action["domain"]))
        self.assertIn(sales, found)
        self.assertNotIn(service, found)
        self.assertNotIn(generic, found, "a deal of Odoo's own CRM stays out of the dealership pipeline")

    def test_service_line_call_lands_in_the_service_pipeline(self):
        """A call on the service line (the telephony API) makes a service lead: the service team's
        Scheduling stage, as every lead whose interest is Service."""
        lead = self.Lead._dealer_lead_from_call(self.customer, "service", fields.Datetime.now())
        self.assertEqual(lead.dealer_interest, "service")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.stage_id, self.stage["scheduling"])
        self.assertEqual(lead.type, "opportunity")

    def test_lead_with_service_interest_is_in_the_service_pipeline(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.crm_lead_service_action")
        pipeline = ast.literal_eval(action["domain"])
        by_interest = self.Lead.create({"name": "Brake check", "dealer_interest": "service"})
        # created from the pipeline itself: the interest comes from the action's defaults
        from_action = self.Lead.with_context(**ast.literal_eval(action["context"])).create({"name": "Oil change"})
        for lead in (by_interest, from_action):
            self.assertEqual(lead.dealer_interest, "service")
            self.assertIn(lead, self.Lead.search(pipeline))
            self.assertEqual((lead.team_id, lead.stage_id), (self.team, self.stage["scheduling"]))

    def test_service_kanban_shows_only_service_stages(self):
        stages = self.Lead.with_context(default_team_id=self.team.id)._read_group_stage_ids(self.env["crm.stage"], [])
        steps = ["scheduling", "reception", "in_progress", "completed", "quality", "delivery", "follow_up"]
        self.assertEqual([s for s in stages.mapped("dealer_service_step") if s], steps)
        self.assertFalse(
            stages.filtered(lambda stage: stage.team_ids and self.team not in stage.team_ids),
            "no stage of another team (e.g. the showroom's sales stages)",
        )
