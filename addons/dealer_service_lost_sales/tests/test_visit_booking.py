from datetime import date, datetime

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, freeze_time

from .common import ServiceLostSalesCase


class TestVisitCarriesOutBooking(ServiceLostSalesCase):
    """A workshop visit is linked to the booking it carries out, so the job's revenue counts once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a make of its own: the ledger rows of this car are the only ones of that make
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "Booking Test Make"})
        cls.vehicle = cls.env["dealer.vehicle"].create(
            {"plate": "B002BB77", "brand_id": cls.brand.id, "partner_id": cls.customer.id}
        )
        cls.Report = cls.env["dealer.lost.revenue.report"]

    def visit(self, day=date(2026, 3, 2), state="open", vehicle=None, amount=8000):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": (vehicle or self.vehicle).id,
                "advisor_id": self.advisor.id,
                "date": day,
                "state": state,
                "line_ids": [Command.create({"name": "Brake pads", "amount": amount, "status": "done"})],
            }
        )

    def realised(self):
        self.env.flush_all()
        [(amount,)] = self.Report._read_group(
            [("brand_id", "=", self.brand.id), ("business", "=", "service")], [], ["realised_amount:sum"]
        )
        return amount

    def test_booked_job_counts_once(self):
        lead = self.service_lead([("Brake pads", 8000, "accepted")], service_planned_at=datetime(2026, 3, 2, 9, 0))
        visit = self.visit()
        self.assertEqual(visit.service_lead_id, lead, "the booking of that car and day")
        self.assertEqual(lead.service_work_visit_ids, visit)
        with freeze_time("2026-03-02 17:00:00"):
            lead.action_set_won()
        self.assertEqual(self.realised(), 8000, "won, the car not yet handed over: the accepted amount")
        visit.action_done()
        self.assertEqual(self.realised(), 8000, "closed visit: its lines, and the booking not a second time")
        # a visit that carried out no booking still counts in full
        self.visit(day=date(2026, 6, 1), state="done", amount=5000)
        self.assertEqual(self.realised(), 13000)

    def test_visit_closed_before_the_win_is_linked_when_recorded(self):
        """The DMS sends the closed visit in the evening; the advisor won the opportunity that afternoon."""
        lead = self.service_lead([("Brake pads", 8000, "accepted")])
        with freeze_time("2026-03-02 15:00:00"):
            lead.action_set_won()
        visit = self.visit(state="done")
        self.assertEqual(visit.service_lead_id, lead)
        self.assertEqual(self.realised(), 8000)

    def test_only_a_matching_opportunity_is_linked(self):
        later = self.service_lead([("Tyres", 20000, "proposed")], service_planned_at=datetime(2026, 5, 1, 9, 0))
        visit = self.visit()
        self.assertFalse(visit.service_lead_id, "booked two months later: another visit")
        in_workshop = self.service_lead([("Oil", 3000, "proposed")], stage_id=self.stage["reception"].id)
        second = self.visit()
        self.assertEqual(second.service_lead_id, in_workshop, "the car is in the workshop: this is its job")
        third = self.visit()
        self.assertFalse(third.service_lead_id, "one job, one visit")
        lost = self.service_lead([("Oil", 3000, "proposed")], service_planned_at=datetime(2026, 3, 2, 9, 0))
        lost.action_set_lost(lost_reason_id=self.reason["price"].id)
        self.assertFalse(self.visit().service_lead_id, "a lost booking was not carried out")
        self.assertFalse(later.service_work_visit_ids)

    def test_advisor_links_by_hand_and_a_wrong_link_is_refused(self):
        lead = self.service_lead([("Oil", 3000, "proposed")])
        visit = self.visit().with_user(self.advisor)
        self.assertFalse(visit.service_lead_id)
        with Form(visit) as form:
            form.service_lead_id = lead
        self.assertEqual(visit.service_lead_id, lead)
        other_car = self.env["dealer.vehicle"].create({"plate": "C003CC77", "partner_id": self.customer.id})
        other = self.service_lead([("Oil", 3000, "proposed")], vehicle_id=other_car.id)
        sale = self.Lead.create({"name": "A sale", "type": "opportunity", "vehicle_id": self.vehicle.id})
        for wrong in (other, sale):
            with self.assertRaisesRegex(ValidationError, "Service opportunity"):
                visit.service_lead_id = wrong
