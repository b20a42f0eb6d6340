"""The call journal: every call, from the telephony or logged by hand, is a measured record.

Reported calls (inbound and outbound, answered and missed) land in the journal with their time to
answer and operator; a missed call keeps its call-back task with its deadline and escalation, and the
later answered call to the customer closes it and says how long the customer waited; calls are logged
by hand from the lead; the analysis reads answered-within-the-norm and missed-call rates per operator
and hour as the pivot does; a showroom's operators see only their showroom's calls; old calls lose
their number and recording.
"""

from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common import DealerSalesCase, DealerTourCase, slow
from .test_api_leads import CALLS, RoutedApiCase

JOURNAL_COUNTED = ["dealer.call", "crm.lead", "res.partner", "mail.activity", "dealer.api.request"]
# 20 November 2026, 10:00 in Moscow
T0 = datetime(2026, 11, 20, 7, 0)


def iso(when):
    return when.isoformat() + "+00:00"


@tagged("post_install", "-at_install")
class TestCallJournalApi(RoutedApiCase):
    def call(self, **over):
        body = {"call_id": "PBX-J1", "caller": "+7 916 000-11-22", "status": "answered", "started_at": iso(T0)}
        body.update(over)
        return self.post(CALLS, body)

    def journal(self, answer):
        status, body = answer
        self.assertIn(status, (200, 201), body)
        return self.env["dealer.call"].browse(body["call_record_id"])

    def test_inbound_answered_call_is_journalled_with_its_time_to_answer(self):
        call = self.journal(
            self.call(
                ring_s=9,
                duration_s=125,
                agent_login=self.seller.login,
                recording_url="https://pbx.example.com/rec/1.mp3",
            )
        )
        self.assertEqual(
            (call.source, call.call_ref, call.direction, call.status, call.line),
            ("api", "PBX-J1", "inbound", "answered", "sales"),
        )
        self.assertEqual((call.ring_seconds, call.duration_seconds, call.user_id), (9, 125, self.seller))
        self.assertEqual(call.recording_url, "https://pbx.example.com/rec/1.mp3")
        self.assertEqual(call.partner_id.phone, "+79160001122", "the unknown number became a contact")
        self.assertEqual(call.lead_id.partner_id, call.partner_id, "the call concerns the lead it created")
        self.assertTrue(call.answered_in_norm, "9 s is within the 15 s norm")
        self.assertEqual(call.lead_id.dealer_call_count, 1)
        slow_answer = self.journal(self.call(call_id="PBX-J2", ring_s=40, duration_s=60))
        self.assertFalse(slow_answer.answered_in_norm, "40 s of ringing is past the norm")
        self.assertEqual(slow_answer.lead_id, call.lead_id, "the customer's open lead on the line")

    def test_a_recording_is_heard_by_the_staff_who_take_calls(self):
        """A recording is the customer's conversation: the staff who take and score calls open it from the call;
        a marketer or a cashier, who read the deal and its notes, find the call named, not the link."""
        call = self.journal(self.call(duration_s=60, recording_url="https://pbx.example.com/rec/conversation.mp3"))
        lead = call.lead_id
        self.assertEqual(call.with_user(self.seller).recording_url, "https://pbx.example.com/rec/conversation.mp3")
        for role in ("marketer", "cashier"):
            colleague = new_test_user(self.env, login=f"rec_{role}", groups=f"dealer_crm.group_{role}")
            notes = " ".join(str(body) for body in lead.with_user(colleague).message_ids.mapped("body"))
            self.assertIn("Inbound call, answered", notes, "the call is noted on the deal")
            self.assertNotIn("conversation.mp3", notes, role)
            self.assertIn("Recording: on the call in the journal", notes, "the note leads to the call")
            with self.assertRaises(AccessError, msg=role):
                call.with_user(colleague).read(["recording_url"])
            self.assertNotIn("recording_url", call.with_user(colleague).fields_get(), role)

    def test_a_missed_call_reads_in_the_salespersons_language_and_the_showrooms_time(self):
        """The telephony reports in English at 07:00 UTC; the Russian salesperson's call-back task is in Russian
        and the call's note says 10:00, Moscow time."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        self.seller.lang = "ru_RU"
        self.seller.company_id.resource_calendar_id.tz = "Europe/Moscow"
        missed = self.journal(self.call(status="missed", ring_s=30))
        self.assertEqual(missed.company_id, self.seller.company_id)
        task = missed.lead_id.activity_ids.filtered(lambda a: a.user_id == self.seller)
        self.assertEqual(task.summary, "Перезвонить: пропущенный звонок")
        notes = missed.lead_id.message_ids.filtered(lambda m: "missed" in (m.body or ""))
        self.assertIn("10:00", notes[:1].body or "", missed.lead_id.message_ids.mapped("body"))
        self.assertNotIn("UTC", notes[:1].body or "")

    def test_missed_call_task_deadline_escalation_and_call_back(self):
        missed = self.journal(self.call(status="missed", ring_s=30))
        lead = missed.lead_id
        self.assertEqual((missed.status, missed.user_id.id), ("missed", False))
        task = lead.activity_ids.filtered(lambda a: a.summary == lead._dealer_missed_call_summary())
        self.assertEqual(task.user_id, self.seller, "the call-back is the salesperson's task")
        self.assertEqual(lead.dealer_sla_deadline, T0 + timedelta(minutes=10), "missed call: 10 minutes")
        # calling again before being called back keeps the one task
        again = self.journal(self.call(call_id="PBX-J1b", status="missed", started_at=iso(T0 + timedelta(minutes=3))))
        self.assertEqual(len(lead.activity_ids.filtered(lambda a: a.summary == task.summary)), 1)
        self.assertEqual(lead.dealer_sla_deadline, T0 + timedelta(minutes=13), "the clock restarts on each missed call")
        with freeze_time(T0 + timedelta(minutes=14)):
            self.env["crm.lead"]._cron_dealer_escalate()
        self.assertEqual(lead.dealer_escalation_level, 1)
        self.assertTrue(
            lead.activity_ids.filtered(lambda a: a.user_id == self.head and a.summary.startswith("Escalation")),
            "past the deadline the team head is told",
        )
        callback = self.journal(
            self.call(
                call_id="PBX-J1c",
                direction="outbound",
                agent_login=self.seller.login,
                duration_s=90,
                started_at=iso(T0 + timedelta(minutes=25)),
            )
        )
        self.assertEqual((missed.callback_call_id, again.callback_call_id), (callback, callback))
        self.assertEqual(missed.callback_minutes, 25.0)
        self.assertEqual(again.callback_minutes, 22.0)
        self.assertFalse(task.active, "the call-back task is done")
        self.assertEqual(lead.dealer_sla_state, "late", "the customer was reached after the deadline")

    def test_replayed_call_is_journalled_once(self):
        _s, first = self.call(duration_s=30)
        before = self.table_counts(*JOURNAL_COUNTED)
        status, again = self.call(duration_s=30)
        self.assertEqual((status, again["replayed"]), (200, True))
        self.assertEqual(again["call_record_id"], first["call_record_id"])
        self.assertEqual(self.table_counts(*JOURNAL_COUNTED), before)
        # the request log forgotten (data retention): the PBX's call id is still known to the journal
        self.env["dealer.api.request"].sudo().search([]).unlink()
        self.assertApiError(self.call(duration_s=30), 400, "invalid_input", "call_id")

    def test_bad_input_names_the_field_and_writes_nothing(self):
        before = self.table_counts(*JOURNAL_COUNTED)
        self.assertApiError(self.call(ring_s=-1), 400, "invalid_input", "ring_s")
        self.assertApiError(self.call(ring_s="ten"), 400, "invalid_input", "ring_s")
        self.assertApiError(self.call(ring_s=2.5), 400, "invalid_input", "ring_s")
        self.assertApiError(self.call(ring_s=7200), 400, "invalid_input", "ring_s")
        self.assertApiError(self.call(duration_s=100000), 400, "invalid_input", "duration_s")
        self.assertApiError(self.call(direction="sideways"), 400, "invalid_input", "direction")
        self.assertApiError(self.call(lead_id=999999999), 400, "invalid_input", "lead_id")
        self.assertEqual(self.table_counts(*JOURNAL_COUNTED), before)

    def test_call_names_the_booking_it_concerns(self):
        partner = self.env["res.partner"].create({"name": "Oleg Booked", "phone": "+79160009988"})
        booking = self.env["crm.lead"].create(
            {"name": "Service booking", "partner_id": partner.id, "dealer_interest": "service", "type": "opportunity"}
        )
        call = self.journal(
            self.call(caller="+79160009988", line="service", direction="outbound", lead_id=booking.id, duration_s=40)
        )
        self.assertEqual((call.lead_id, call.partner_id, call.line), (booking, partner, "service"))


class TestCallJournal(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(cls.env, login="north_call_centre", groups="dealer_crm.group_call_center")
        cls.customer = cls.env["res.partner"].create({"name": "Pavel Orlov", "phone": "+79165550011"})
        cls.lead = cls._lead(partner_id=cls.customer.id, user_id=cls.salesperson_1.id, phone="+79165550011")
        cls.calendar = cls.env["resource.calendar"].create({"name": "Moscow hours", "tz": "Europe/Moscow"})
        cls.company.resource_calendar_id = cls.calendar

    def log_form(self, user, record):
        action = record.with_user(user).action_dealer_log_call()
        self.assertEqual(action["res_model"], "dealer.call")
        Call = self.env["dealer.call"].with_user(user).with_context(**action["context"])
        return Form(Call, view="dealer_crm.dealer_call_view_form_log")

    def make_calls(self, values_list):
        return self.env["dealer.call"].create(
            [{"partner_id": self.customer.id, "company_id": self.company.id, **values} for values in values_list]
        )

    def test_log_a_call_by_hand_from_the_lead(self):
        with self.log_form(self.salesperson_1, self.lead) as form:
            self.assertEqual((form.partner_id, form.lead_id, form.phone), (self.customer, self.lead, "+79165550011"))
            self.assertEqual((form.user_id, form.direction, form.status), (self.salesperson_1, "outbound", "answered"))
            form.duration_text = "4:30"
            form.outcome = "talked"
            form.note = "Wants a test drive on Saturday"
        call = self.lead.dealer_call_ids
        self.assertEqual((call.source, call.duration_seconds, call.user_id), ("manual", 270, self.salesperson_1))
        self.assertEqual(self.lead.dealer_call_count, 1)
        self.assertEqual(self.customer.dealer_call_count, 1)
        calls = self.lead.with_user(self.salesperson_1).action_dealer_view_calls()
        self.assertEqual(self.env["dealer.call"].search(calls["domain"]), call)
        with self.log_form(self.operator, self.customer) as form:
            self.assertEqual(
                (form.partner_id, form.phone, form.user_id), (self.customer, "+79165550011", self.operator)
            )
            form.duration_text = "95"
        self.assertEqual(self.customer.dealer_call_count, 2)
        self.assertEqual(self.env["dealer.call"].search([("user_id", "=", self.operator.id)]).duration_seconds, 95)

    def test_absurd_durations_are_refused_naming_the_field(self):
        before = self.env["dealer.call"].search_count([])
        for typed in ("-5", "four minutes", "4:75", "1:-3"):
            with self.assertRaises(ValidationError) as caught:
                with self.log_form(self.salesperson_1, self.lead) as form:
                    form.duration_text = typed
            self.assertIn("Duration (min:s)", str(caught.exception))
        for values, field in (
            ({"direction": "inbound", "ring_seconds": -3}, "Time to answer"),
            ({"duration_seconds": 90000}, "Duration"),
        ):
            with self.assertRaises(ValidationError) as caught:
                self.make_calls([values])
            self.assertIn(field, str(caught.exception))
        self.assertEqual(self.env["dealer.call"].search_count([]), before, "nothing half-written")

    def test_a_call_by_hand_calls_back_the_missed_calls(self):
        tasks = self.lead._dealer_register_missed_call(T0, self.customer.phone)
        missed = self.make_calls(
            [{"direction": "inbound", "status": "missed", "lead_id": self.lead.id, "started_at": T0, "user_id": False}]
        )
        other = self.env["res.partner"].create({"name": "Someone else", "phone": "+79165550099"})
        not_theirs = self.make_calls(
            [{"direction": "inbound", "status": "missed", "partner_id": other.id, "started_at": T0, "user_id": False}]
        )
        with freeze_time(T0 + timedelta(minutes=40)):
            with self.log_form(self.salesperson_1, self.lead) as form:
                form.started_at = T0 + timedelta(minutes=40)
                form.duration_text = "2:00"
        callback = self.lead.dealer_call_ids - missed
        self.assertEqual(missed.callback_call_id, callback)
        self.assertEqual(missed.callback_minutes, 40.0)
        self.assertFalse(not_theirs.callback_call_id, "another customer's missed call is not called back")
        self.assertFalse(tasks.active, "the call-back task is done")

    def test_a_call_back_logged_by_hand_counts_from_when_it_was_logged(self):
        """A call typed in with a start a minute after the missed call, three hours later, would show a call-back in
        a minute that nobody measured: its time to call back runs until it was logged (as the response clock)."""
        missed = self.make_calls(
            [{"direction": "inbound", "status": "missed", "lead_id": self.lead.id, "started_at": T0, "user_id": False}]
        )
        with freeze_time(T0 + timedelta(hours=3)):
            with self.log_form(self.salesperson_1, self.lead) as form:
                form.started_at = T0 + timedelta(minutes=1)
                form.duration_text = "0:30"
        self.assertTrue(missed.callback_call_id)
        self.assertEqual(missed.callback_minutes, 180.0)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            missed.callback_call_id.with_user(self.salesperson_1).write({"logged_at": T0 + timedelta(minutes=1)})

    def test_kpis_by_operator_line_and_hour_as_the_pivot_reads_them(self):
        lead_2 = self._lead(partner_id=self.customer.id)
        inbound = {"direction": "inbound", "line": "sales"}
        self.make_calls(
            [
                # operator: 10:00 in the norm, 10:20 too slow, a missed call at 10:40 called back 30 min later
                {**inbound, "user_id": self.operator.id, "started_at": T0, "ring_seconds": 5, "lead_id": self.lead.id},
                {
                    **inbound,
                    "user_id": self.operator.id,
                    "started_at": T0 + timedelta(minutes=20),
                    "ring_seconds": 30,
                    "lead_id": self.lead.id,
                },
                {
                    **inbound,
                    "status": "missed",
                    "user_id": False,
                    "started_at": T0 + timedelta(minutes=40),
                    "lead_id": self.lead.id,
                },
                # the receptionist at 11:10, on the service line
                {
                    **inbound,
                    "line": "service",
                    "user_id": self.receptionist.id,
                    "started_at": T0 + timedelta(minutes=70),
                    "ring_seconds": 10,
                    "lead_id": lead_2.id,
                },
            ]
        )
        self.make_calls(
            [
                {
                    "direction": "outbound",
                    "user_id": self.salesperson_1.id,
                    "started_at": T0 + timedelta(minutes=70),
                    "lead_id": self.lead.id,
                }
            ]
        )
        Call = self.env["dealer.call"]
        measures = ["__count", "in_norm_percent:avg", "missed_percent:avg", "callback_minutes:avg"]
        inbound_domain = [("direction", "=", "inbound"), ("partner_id", "=", self.customer.id)]
        by_line = {row["line"]: row for row in Call.formatted_read_group(inbound_domain, ["line"], measures)}
        self.assertEqual(by_line["sales"]["__count"], 3)
        self.assertAlmostEqual(by_line["sales"]["in_norm_percent:avg"], 100 / 3, places=1)
        self.assertAlmostEqual(by_line["sales"]["missed_percent:avg"], 100 / 3, places=1)
        self.assertEqual(by_line["service"]["in_norm_percent:avg"], 100.0)
        by_hour = {
            row["hour"]: row["__count"] for row in Call.formatted_read_group(inbound_domain, ["hour"], ["__count"])
        }
        self.assertEqual(by_hour, {10: 3, 11: 1}, "hours of the showroom's day (Moscow)")
        missed = Call.search([("status", "=", "missed"), ("partner_id", "=", self.customer.id)])
        self.assertEqual(missed.callback_minutes, 30.0, "called back by the outbound call at 11:10")
        per_lead = self.env["crm.lead"].formatted_read_group(
            [("id", "in", (self.lead | lead_2).ids)], [], ["dealer_call_count:avg"]
        )
        self.assertEqual(per_lead[0]["dealer_call_count:avg"], 2.5, "calls per lead: 4 and 1")

    def test_the_norm_is_a_setting(self):
        self.env["res.config.settings"].create({"dealer_call_answer_norm_seconds": 30}).execute()
        call = self.make_calls([{"direction": "inbound", "ring_seconds": 25}])
        self.assertTrue(call.answered_in_norm, "25 s is within a 30 s norm")
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"dealer_call_answer_norm_seconds": 0})

    def test_an_operator_sees_only_the_calls_of_their_showroom(self):
        south = self.env["res.company"].create({"name": "South showroom"})
        south_call = self.env["dealer.call"].sudo().create({"phone": "+79990000001", "company_id": south.id})
        north_call = self.make_calls([{}])
        Call = self.env["dealer.call"].with_user(self.operator)
        self.assertEqual(Call.search([("id", "in", (north_call | south_call).ids)]), north_call)
        with self.assertRaises(AccessError):
            south_call.with_user(self.operator).read(["phone"])
        with self.assertRaises(AccessError):
            north_call.with_user(self.operator).unlink()
        with self.assertRaises(AccessError):
            Call.with_user(self.fi_manager).create({"phone": "+79990000002"})

    # ------------------------------------------------------------
    # A call typed in is logged by hand; what a call measured cannot be rewritten
    # ------------------------------------------------------------

    def test_a_call_logged_by_hand_cannot_pose_as_the_telephonys(self):
        self.env["res.config.settings"].create({"dealer_clock_telephony_only": True}).execute()
        with freeze_time(T0):
            self._check_typed_call_is_manual()

    def _check_typed_call_is_manual(self):
        self.lead._dealer_start_response_clock(minutes=10)
        values = {
            "source": "api",
            "direction": "outbound",
            "status": "answered",
            "partner_id": self.customer.id,
            "lead_id": self.lead.id,
            "duration_seconds": 120,
        }
        typed = self.env["dealer.call"].with_user(self.salesperson_1).create(values)
        self.assertEqual(typed.source, "manual", "a call typed in is logged by hand, whatever it claims")
        self.assertEqual(self.lead.dealer_sla_state, "running", "only telephony calls stop this showroom's clock")
        integration = new_test_user(self.env, login="north_pbx", groups="dealer_crm.group_integration")
        reported = self.env["dealer.call"].with_user(integration).create({**values, "user_id": self.salesperson_1.id})
        self.assertEqual(reported.source, "api")
        self.assertEqual(self.lead.dealer_first_contact_call_id, reported)

    def test_an_operator_edits_only_their_own_calls_the_heads_all(self):
        mine = self.env["dealer.call"].with_user(self.salesperson_1).create({"partner_id": self.customer.id})
        theirs = self.env["dealer.call"].with_user(self.salesperson_2).create({"partner_id": self.customer.id})
        mine.with_user(self.salesperson_1).write({"outcome": "talked", "note": "Test drive on Saturday"})
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesperson_1).write({"note": "Never answered"})
        with self.assertRaises(AccessError):
            self.env["dealer.call"].with_user(self.salesperson_1).create(
                {"partner_id": self.customer.id, "user_id": self.salesperson_2.id, "duration_seconds": 600}
            )
        self.assertEqual(
            self.env["dealer.call"].with_user(self.salesperson_1).search([("id", "in", (mine | theirs).ids)]),
            mine | theirs,
            "every call of the showroom stays readable",
        )
        theirs.with_user(self.team_head).write({"outcome": "refused", "note": "Bought elsewhere"})
        theirs.with_user(self.director).write({"note": "Checked by the director"})
        self.assertEqual(theirs.note, "Checked by the director")

    def test_what_a_call_measured_is_fixed_once_journalled(self):
        call = (
            self.env["dealer.call"]
            .with_user(self.salesperson_1)
            .create({"partner_id": self.customer.id, "duration_text": "1:30", "phone": "+79165550011"})
        )
        self.assertEqual(call.duration_seconds, 90)
        for user, vals, field in (
            (self.salesperson_1, {"duration_text": "9:00"}, "Duration (min:s)"),
            (self.salesperson_1, {"duration_seconds": 540}, "Duration"),
            (self.salesperson_1, {"user_id": self.salesperson_2.id}, "Operator"),
            (self.salesperson_1, {"status": "missed"}, "Status"),
            (self.team_head, {"started_at": T0 - timedelta(hours=3)}, "Started"),
            (self.director, {"ring_seconds": 3}, "Time to answer"),
            (self.director, {"phone": "+79990000000"}, "Number"),
        ):
            with self.assertRaises(UserError) as caught:
                call.with_user(user).write(vals)
            self.assertTrue(str(caught.exception).startswith(field + ":"), str(caught.exception))
        call.with_user(self.salesperson_1).write({"status": "answered", "note": "Same status: nothing changes"})
        self.assertEqual((call.duration_seconds, call.user_id, call.status), (90, self.salesperson_1, "answered"))
        integration = new_test_user(self.env, login="north_pbx_fix", groups="dealer_crm.group_integration")
        call.with_user(integration).write({"duration_seconds": 95, "user_id": self.salesperson_2.id})
        self.assertEqual((call.duration_seconds, call.user_id), (95, self.salesperson_2), "the telephony corrects it")

    # ------------------------------------------------------------
    # Call-backs
    # ------------------------------------------------------------

    def test_a_call_back_is_our_answered_outbound_call_within_a_week(self):
        tasks = self.lead._dealer_register_missed_call(T0, self.customer.phone)
        missed_call = {"direction": "inbound", "status": "missed", "user_id": False, "lead_id": self.lead.id}
        old, missed = self.make_calls(
            [{**missed_call, "started_at": T0 - timedelta(days=8)}, {**missed_call, "started_at": T0}]
        )
        unanswered, recalled = self.make_calls(
            [
                # our attempt that nobody answered, then the customer got through themselves
                {"direction": "outbound", "status": "missed", "started_at": T0 + timedelta(minutes=5)},
                {"direction": "inbound", "user_id": self.receptionist.id, "started_at": T0 + timedelta(minutes=10)},
            ]
        )
        self.assertFalse(missed.callback_call_id, "neither an unanswered attempt nor the customer's re-call")
        self.assertFalse(missed.callback_minutes, "the time to call back stays unmeasured")
        self.assertFalse(tasks.active, "the customer was reached: the call-back task is done")
        callback = self.make_calls([{"direction": "outbound", "started_at": T0 + timedelta(hours=2)}])
        self.assertEqual(missed.callback_call_id, callback)
        self.assertEqual(missed.callback_minutes, 120.0)
        self.assertFalse(old.callback_call_id, "a missed call of more than a week before is no longer called back")
        self.assertFalse(unanswered.callback_call_id | recalled.callback_call_id)

    def test_old_calls_lose_number_and_recording(self):
        old, recent = self.make_calls(
            [
                {"phone": "+79165550011", "recording_url": "https://pbx/1", "started_at": T0 - timedelta(days=200)},
                {"phone": "+79165550011", "recording_url": "https://pbx/2", "started_at": T0 - timedelta(days=10)},
            ]
        )
        self.env["dealer.data.retention"]._forget_call_details(T0 - timedelta(days=90))
        self.assertEqual((old.phone, old.recording_url), (False, False))
        self.assertEqual(old.partner_id, self.customer, "the call stays in the journal and the statistics")
        self.assertEqual((recent.phone, recent.recording_url), ("+79165550011", "https://pbx/2"))


@tagged("post_install", "-at_install")
class TestCallJournalTour(DealerTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls._tour_user("tour_call_operator", "dealer_crm.group_sales_manager")
        cls.customer = cls.env["res.partner"].create({"name": "Tour Call Customer", "phone": "+79005557788"})
        cls.lead = (
            cls.env["crm.lead"]
            .with_context(dealer_sla_skip=True)
            .create(
                {
                    "name": "Tour call deal",
                    "type": "opportunity",
                    "partner_id": cls.customer.id,
                    "team_id": cls.env.ref("dealer_crm.crm_team_dealer_showroom").id,
                    "user_id": cls.operator.id,
                    "dealer_channel": "phone",
                }
            )
        )

    def _check_logged_call(self, lang):
        self.run_tour(
            f"/odoo/action-dealer_crm.crm_lead_action_dealer_sales/{self.lead.id}",
            "dealer_call_journal_tour",
            self.operator,
            lang,
        )
        call = self.lead.dealer_call_ids
        self.assertEqual(len(call), 1, "the call is logged once")
        self.assertEqual((call.source, call.user_id, call.partner_id), ("manual", self.operator, self.customer))
        self.assertEqual((call.duration_seconds, call.outcome, call.phone), (200, "talked", "+79005557788"))

    @slow
    def test_operator_logs_a_call_from_the_lead(self):
        self._check_logged_call("en_US")

    @slow
    def test_operator_logs_a_call_from_the_lead_ru(self):
        self._check_logged_call("ru_RU")
