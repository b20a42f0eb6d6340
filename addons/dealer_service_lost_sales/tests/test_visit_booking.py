from datetime import date, datetime

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user

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

    def visit(self, day=date(2026, 3, 2), state="open", vehicle=None, amount=8000, **vals):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": (vehicle or self.vehicle).id,
                "advisor_id": self.advisor.id,
                "date": day,
                "state": state,
                "line_ids": [Command.create({"name": "Brake pads", "amount": amount, "status": "done"})],
                **vals,
            }
        )

    def booking(self, planned=datetime(2026, 3, 2, 9, 0), **vals):
        return self.service_lead([("Brake pads", 8000, "accepted")], service_planned_at=planned, **vals)

    def realised(self):
        self.env.flush_all()
        [(amount,)] = self.Report._read_group(
            [("brand_id", "=", self.brand.id), ("business", "=", "service")], [], ["realised_amount:sum"]
        )
        return amount

    def test_booked_job_counts_once(self):
        lead = self.booking()
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

    def test_booking_follows_the_workshop_and_is_no_no_show(self):
        lead = self.booking()
        self.assertEqual(lead.stage_id, self.stage["scheduling"])
        visit = self.visit()
        self.assertEqual(lead.stage_id, self.stage["reception"], "the car came in")
        with freeze_time("2026-03-02 18:00:00"):
            self.Lead._cron_dealer_detect_no_show()
        self.assertEqual(lead.won_status, "pending", "the car came: no no-show")
        visit.action_done()
        self.assertEqual(lead.stage_id, self.stage["completed"], "the work is finished")
        self.assertEqual(lead.won_status, "pending", "the advisor hands the car over")
        # a booking whose car never came is still a no-show
        missed = self.booking(planned=datetime(2026, 4, 1, 9, 0))
        with freeze_time("2026-04-01 18:00:00"):
            self.Lead._cron_dealer_detect_no_show()
        self.assertEqual(missed.won_status, "lost")

    def test_booking_goes_back_when_no_visit_carries_it_out(self):
        lead = self.booking()
        visit = self.visit()
        self.assertEqual(lead.stage_id, self.stage["reception"])
        visit.action_cancel()
        self.assertEqual(lead.stage_id, self.stage["scheduling"], "the car did not come after all")
        with freeze_time("2026-03-02 18:00:00"):
            self.Lead._cron_dealer_detect_no_show()
        self.assertEqual(lead.won_status, "lost", "a no-show again")
        other = self.booking()
        visit = self.visit()
        self.assertEqual(other.stage_id, self.stage["reception"])
        visit.vehicle_id = self.env["dealer.vehicle"].create({"plate": "D005DD77", "partner_id": self.customer.id})
        self.assertEqual(other.stage_id, self.stage["scheduling"], "the visit was of another car")
        # a replayed close does not push a booking the advisor moved back by hand
        third = self.booking()
        visit = self.visit(state="done")
        self.assertEqual(third.stage_id, self.stage["completed"])
        third.stage_id = self.stage["in_progress"]
        visit.write({"state": "done"})
        self.assertEqual(third.stage_id, self.stage["in_progress"])

    def test_checks_skip_carried_out_work_whoever_runs_them(self):
        deferred = self.service_lead(
            [("Wipers", 1500, "proposed")], service_source="visit", date_deadline=date(2026, 3, 1)
        )
        self.visit(day=date(2026, 3, 10)).service_lead_id = deferred  # done in a later visit
        manager = new_test_user(self.env, login="svc_sales_mgr", groups="dealer_crm.group_sales_manager")
        with freeze_time("2026-06-01 08:00:00"):
            self.Lead.with_user(manager)._cron_dealer_detect_no_show()
            self.Lead._cron_dealer_deferred_not_done()
        self.assertEqual(deferred.won_status, "pending", "its work was carried out")

    def test_visit_closed_before_the_win_is_linked_when_recorded(self):
        """The DMS sends the closed visit in the evening; the advisor won the opportunity that afternoon."""
        lead = self.service_lead([("Brake pads", 8000, "accepted")])
        with freeze_time("2026-03-02 12:00:00"):
            lead.action_set_won()
        visit = self.visit(state="done")
        self.assertEqual(visit.service_lead_id, lead)
        self.assertEqual(self.realised(), 8000)

    def test_only_a_matching_opportunity_is_linked(self):
        later = self.booking(planned=datetime(2026, 5, 1, 9, 0))
        self.assertFalse(self.visit().service_lead_id, "booked two months later: another visit")
        in_workshop = self.service_lead(
            [("Oil", 3000, "proposed")],
            stage_id=self.stage["reception"].id,
            date_last_stage_update=datetime(2026, 3, 1, 10, 0),  # the car came in the day before
        )
        self.assertFalse(
            self.visit(day=date(2026, 5, 20)).service_lead_id, "left in Reception for months: not the job of May"
        )
        second = self.visit()
        self.assertEqual(second.service_lead_id, in_workshop, "the car is in the workshop: this is its job")
        self.assertFalse(self.visit().service_lead_id, "one job, one visit")
        lost = self.booking()
        lost.action_set_lost(lost_reason_id=self.reason["price"].id)
        self.assertFalse(self.visit().service_lead_id, "a lost booking was not carried out")
        self.assertFalse(later.service_work_visit_ids)

    def test_cancelled_visit_frees_the_booking(self):
        lead = self.booking()
        self.assertFalse(self.visit(state="cancelled").service_lead_id, "a cancelled visit carried out nothing")
        visit = self.visit()
        self.assertEqual(visit.service_lead_id, lead)
        visit.action_cancel()
        self.assertFalse(visit.service_lead_id)
        self.assertEqual(self.visit().service_lead_id, lead, "the visit that really happened")

    def test_other_company_and_other_car(self):
        branch = self.env["res.company"].create({"name": "Branch B"})
        shared = self.env["dealer.vehicle"].create({"plate": "S004SS77", "company_id": False})
        self.booking(vehicle_id=shared.id, company_id=branch.id, user_id=False)
        self.assertFalse(self.visit(vehicle=shared).service_lead_id, "another showroom's booking")
        lead = self.booking()
        visit = self.visit()
        self.assertEqual(visit.service_lead_id, lead)
        visit.vehicle_id = shared
        self.assertFalse(visit.service_lead_id, "another car: not that booking any more")

    def test_upgrade_links_earlier_visits(self):
        lead = self.booking()
        with freeze_time("2026-03-02 17:00:00"):
            lead.action_set_won()
        visit = self.visit(state="done")
        visit._dealer_set_service_leads({visit.id: None})  # as recorded before the link existed
        self.assertEqual(self.realised(), 16000, "counted twice without the link")
        self.env["dealer.visit"]._dealer_backfill_service_links()
        self.assertEqual(visit.service_lead_id, lead)
        self.assertEqual(self.realised(), 8000)

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
        branch = self.env["res.company"].create({"name": "Branch C"})
        car_c = self.env["dealer.vehicle"].create({"plate": "C004CC77", "company_id": branch.id})
        elsewhere = self.service_lead(
            [("Oil", 3000, "proposed")], company_id=branch.id, user_id=False, vehicle_id=car_c.id
        )
        with self.assertRaises(UserError):
            visit.sudo().service_lead_id = elsewhere

    def test_windows_are_settings(self):
        """The admin widens the booking window and narrows the workshop one in Settings."""
        booking = self.booking(planned=datetime(2026, 3, 7, 9, 0))
        self.assertFalse(self.visit().service_lead_id, "five days before the booking: not its visit by default")
        settings = Form(self.env["res.config.settings"])
        settings.dealer_booking_link_days = 7
        settings.dealer_workshop_link_days = 2
        settings.save().execute()
        self.assertEqual(self.visit(day=date(2026, 3, 2)).service_lead_id, booking, "within the 7 days set")
        in_workshop = self.service_lead(
            [("Oil", 3000, "proposed")],
            stage_id=self.stage["reception"].id,
            date_last_stage_update=datetime(2026, 4, 1, 10, 0),
        )
        self.assertFalse(self.visit(day=date(2026, 4, 20)).service_lead_id, "in Reception for longer than 2 days")
        self.assertEqual(self.visit(day=date(2026, 4, 2)).service_lead_id, in_workshop)

    def test_settings_refuse_values_out_of_range(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, "Booking matches a visit within"):
            Settings.create({"dealer_booking_link_days": 45})
        with self.assertRaisesRegex(ValidationError, "No-show after"):
            Settings.create({"dealer_no_show_grace_minutes": -5})
        self.env["ir.config_parameter"].sudo().set_param("dealer_service_lost_sales.booking_link_days", "three")
        with self.assertRaisesRegex(UserError, "dealer_service_lost_sales.booking_link_days"):
            self.visit()
