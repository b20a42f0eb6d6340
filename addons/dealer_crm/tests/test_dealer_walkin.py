from odoo import Command
from odoo.tests import Form, freeze_time, new_test_user

from .common import DealerSalesCase


class TestDealerWalkin(DealerSalesCase):
    def test_visitor_without_interest_leaves_no_lead(self):
        walkin = (
            self.env["dealer.walkin"]
            .with_user(self.receptionist)
            .create({"name": "Just looking", "phone": "+79005550000", "team_id": self.team.id})
        )
        self.assertFalse(walkin.lead_id)

    def test_visitor_with_interest_becomes_routed_lead_of_known_customer(self):
        customer = self.env["res.partner"].create({"name": "Ivan Petrov", "phone": "+7 900 123-45-67"})
        with freeze_time("2026-03-02 10:00:00"):
            walkin = (
                self.env["dealer.walkin"]
                .with_user(self.receptionist)
                .create(
                    {
                        "name": "Ivan",
                        "phone": "+7 (900) 123 45 67",
                        "interest": "used_car",
                        "team_id": self.team.id,
                    }
                )
            )
        lead = walkin.sudo().lead_id
        self.assertTrue(lead)
        self.assertEqual(walkin.sudo().partner_id, customer, "matched by phone, no duplicate contact")
        self.assertEqual(lead.partner_id, customer)
        self.assertEqual(lead.dealer_channel, "walk_in")
        self.assertEqual(lead.dealer_interest, "used_car")
        self.assertIn(lead.user_id, self.salesperson_1 | self.salesperson_2)
        self.assertEqual(str(lead.dealer_sla_deadline), "2026-03-02 10:05:00", "walk-in: 5 minutes")

    def test_handed_to_a_given_manager_and_button_for_later_interest(self):
        walkin = (
            self.env["dealer.walkin"]
            .with_user(self.receptionist)
            .create(
                {"name": "Olga", "phone": "+79007770000", "team_id": self.team.id, "user_id": self.salesperson_2.id}
            )
        )
        self.assertFalse(walkin.lead_id)
        walkin.interest = "finance"
        walkin.with_user(self.receptionist).action_create_lead()
        self.assertEqual(walkin.lead_id.user_id, self.salesperson_2)
        self.assertEqual(walkin.partner_id.name, "Olga", "an unknown visitor becomes a new contact")

    def test_receptionist_quick_form(self):
        form = Form(self.env["dealer.walkin"].with_user(self.receptionist))
        form.name = "Pavel"
        form.phone = "+79008880000"
        form.interest = "new_car"
        form.team_id = self.team
        walkin = form.save()
        self.assertEqual(walkin.receptionist_id, self.receptionist)
        self.assertEqual(walkin.sudo().lead_id.dealer_channel, "walk_in")
        self.assertEqual(walkin.sudo().lead_id.create_uid, self.receptionist, "the receptionist recorded it")

    def test_other_showroom_does_not_see_the_visitor(self):
        branch = self.env["res.company"].create({"name": "South showroom"})
        other_receptionist = new_test_user(
            self.env,
            login="south_reception",
            groups="dealer_crm.group_receptionist",
            company_id=branch.id,
            company_ids=[Command.set(branch.ids)],
        )
        walkin = self.env["dealer.walkin"].create({"name": "Local guest", "team_id": self.team.id})
        visible = self.env["dealer.walkin"].with_user(other_receptionist).search([("id", "=", walkin.id)])
        self.assertFalse(visible)
        self.assertEqual(
            self.env["dealer.walkin"].with_user(self.receptionist).search([("id", "=", walkin.id)]), walkin
        )
