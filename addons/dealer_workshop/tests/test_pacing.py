from datetime import date, datetime

from odoo import Command
from odoo.addons.dealer_loyalty.tests.common import DealerCampaignCase
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged


@tagged("post_install", "-at_install")
class TestPacing(DealerCampaignCase):
    """A tyre campaign paced by the free time of the tyre bays: held while they are full, released as they free.

    One tyre bay working 09:00-17:00 UTC every day; the campaign looks 2 days ahead and lets one
    message out per 4 free bay hours. From 10:05 an idle bay has 16 free hours over the next two
    days (6h55 today, 8h tomorrow, 1h05 the day after): 4 messages; the customers are 5.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        Bay = cls.env["dealer.workshop.bay"]
        Bay.search([]).write({"active": False})  # demo bays of the showroom do not count
        calendar = cls.env["resource.calendar"].create(
            {
                "name": "Tyre fitting hours",
                "tz": "UTC",
                "company_id": cls.company.id,
                "attendance_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 17,
                            "day_period": "full_day",
                        }
                    )
                    for day in range(7)
                ],
            }
        )
        cls.bay = Bay.create(
            {"name": "Tyre machine", "kind": "tyres", "company_id": cls.company.id, "calendar_id": calendar.id}
        )
        cls.other_customer = cls.env["res.partner"].create({"name": "Walk-in customer", "email": "walkin@example.com"})
        cls.other_car = cls.env["dealer.vehicle"].create(
            {"partner_id": cls.other_customer.id, "plate": "T000TT77", "company_id": cls.company.id}
        )

    def _paced_campaign(self, steps=(("email", -30),)):
        campaign = self._campaign(
            "warranty",
            steps,
            workshop_pacing=True,
            workshop_bay_kind="tyres",
            workshop_pacing_days=2,
            workshop_messages_per_hour=0.25,
        )
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        return campaign

    def _fill(self, *starts):
        """Bookings of a car outside the campaign taking the tyre bay for whole days (made before they start)."""
        with freeze_time("2026-12-01 07:00:00"):
            return self.env["crm.lead"].create(
                [
                    {
                        "name": f"Tyres {start}",
                        "type": "opportunity",
                        "dealer_interest": "service",
                        "partner_id": self.other_customer.id,
                        "vehicle_id": self.other_car.id,
                        "service_planned_at": start,
                        "workshop_bay_id": self.bay.id,
                        "workshop_hours": 8,
                    }
                    for start in starts
                ]
            )

    def _states(self, campaign, channel="email"):
        rows = self._dispatches(campaign).filtered(lambda row: row.channel == channel)
        sent = rows.filtered(lambda row: row.state == "sent")
        held = rows.filtered(lambda row: row.state == "queued" and row.workshop_held)
        return len(sent), len(held)

    def test_idle_workshop_sends_more_than_a_half_full_one(self):
        campaign = self._paced_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(self._states(campaign), (4, 1), "16 free hours x 0.25: four messages, one waits")

    def test_a_reminder_held_past_its_date_is_not_sent_late(self):
        """Held while the tyre bay is full, a reminder written for a month before the warranty ends does not
        leave once the warranty has ended, also while the bay is still full (let go, then skipped)."""
        days = [datetime(2026, 12, day, 9, 0) for day in (1, 2, 3)] + [
            datetime(2027, 1, day, 9, 0) for day in (1, 2, 3)
        ]
        self._fill(*days)
        campaign = self._paced_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(self._states(campaign), (0, 5), "the tyre bay is full: every message waits")
        with freeze_time("2027-01-01 13:05:00"):  # 1 January in every time zone
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(set(rows.mapped("state")), {"skipped"}, "the warranty has ended: nothing is sent about it")
        self.assertEqual(set(rows.mapped("skip_reason")), {"passed"})
        self.assertFalse(any(rows.mapped("workshop_held")))

    def test_half_full_workshop_sends_half(self):
        self._fill(datetime(2026, 12, 2, 9, 0))
        campaign = self._paced_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(self._states(campaign), (2, 3), "8 free hours left: two messages")

    def test_full_tyre_bays_hold_messages_until_capacity_frees(self):
        bookings = self._fill(datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 2, 9, 0), datetime(2026, 12, 3, 9, 0))
        campaign = self._paced_campaign([("email", -30), ("activity", -30)])
        unpaced = self._campaign("warranty", [("sms", -30)])
        with freeze_time("2026-12-01 06:00:00"):
            unpaced.action_start()

        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
            campaign.invalidate_recordset()
            self.assertEqual(self._states(campaign), (0, 5), "the tyre bay is full: every message waits")
            self.assertEqual(campaign.workshop_held_count, 5)
            self.assertIn("5 messages held", campaign.workshop_held_note)
            self.assertIn("full until", campaign.workshop_held_note)
            self.assertIn("12/04/2026", campaign.workshop_held_note, "the bay's first free day")
        rows = self._dispatches(campaign)
        self.assertEqual(set(rows.filtered(lambda r: r.channel == "email").mapped("state")), {"queued"}, "not dropped")
        self.assertEqual(
            set(rows.filtered(lambda r: r.channel == "activity").mapped("state")), {"delivered"}, "calls are not held"
        )
        self.assertEqual(set(self._dispatches(unpaced).mapped("state")), {"sent"}, "other campaigns are not paced")
        action = campaign.action_view_workshop_held()
        self.assertEqual(len(self.env["dealer.dispatch"].search(action["domain"])), 5)

        # a customer cancels tomorrow's booking: 8 free hours, two messages go
        reason = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
        with freeze_time("2026-12-01 11:00:00"):
            bookings[1].action_set_lost(lost_reason_id=reason.id)
        with freeze_time("2026-12-01 11:05:00"):
            self._run_cron()
        self.assertEqual(self._states(campaign), (2, 3))

        # two days on, the booked days are behind: 16 free hours, none of them promised to a recent message
        with freeze_time("2026-12-04 10:05:00"):
            self._run_cron()
            campaign.invalidate_recordset()
            self.assertEqual(campaign.workshop_held_count, 0)
        self.assertEqual(self._states(campaign), (5, 0), "every held message went out in the end")

    def test_pacing_off_releases_what_was_held(self):
        self._fill(datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 2, 9, 0), datetime(2026, 12, 3, 9, 0))
        campaign = self._paced_campaign()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(self._states(campaign), (0, 5))
        campaign.workshop_pacing = False
        with freeze_time("2026-12-01 10:10:00"):
            self._run_cron()
        self.assertEqual(self._states(campaign), (5, 0))

    def test_pacing_needs_a_kind_and_sane_figures(self):
        campaign = self._paced_campaign()
        for vals in ({"workshop_bay_kind": False}, {"workshop_pacing_days": 0}, {"workshop_messages_per_hour": 0}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                campaign.write(vals)
