"""Speed to lead that cannot be gamed: the response clock stops only on real human contact.

A stage move, a ticked task, a template an automation rule sends "as" the salesperson, an automatic
reply to the customer, a message to many leads at once and a call of a few seconds leave the clock
running; an answered call long enough to be a conversation or a message a salesperson wrote does stop
it, and the lead says which and how long it took in the showroom's working hours.
"""

from ast import literal_eval
from datetime import datetime, timedelta

import pytz

from odoo import Command
from odoo.tests import Form, freeze_time, tagged

from .common import DealerSalesCase

MOSCOW = pytz.timezone("Europe/Moscow")


def utc(local):
    """Naive UTC of a naive Moscow time (the showroom's)."""
    return MOSCOW.localize(local).astimezone(pytz.utc).replace(tzinfo=None)


MONDAY_10 = utc(datetime(2026, 3, 2, 10, 0))


def later(minutes, seconds=0):
    """Naive UTC, ``minutes`` after Monday 10:00 in the showroom."""
    return MONDAY_10 + timedelta(minutes=minutes, seconds=seconds)


@tagged("post_install", "-at_install")  # automation rules hook into the ORM once the registry is ready
class TestSpeedToLead(DealerSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Irina Volkova", "email": "irina@example.com", "phone": "+79161112233"}
        )
        # The showroom works Monday to Friday 9:00–13:00 and 14:00–18:00, Moscow time.
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "North showroom hours",
                "tz": "Europe/Moscow",
                "attendance_ids": [
                    Command.create(
                        {"name": f"{day} {period}", "dayofweek": str(day), "hour_from": start, "hour_to": end}
                    )
                    for day in range(5)
                    for period, start, end in (("morning", 9, 13), ("afternoon", 14, 18))
                ],
            }
        )
        cls.company.resource_calendar_id = cls.calendar

    def _started_lead(self, start=None, **vals):
        """A web lead of salesperson 1 whose clock started at ``start`` (naive UTC; default Monday
        2 March 2026, 10:00 in the showroom): 15 minutes to answer."""
        values = {"user_id": self.salesperson_1.id, "partner_id": self.customer.id, **vals}
        lead = self._lead(**values)
        lead._dealer_start_sla(start=start or MONDAY_10)
        self.assertEqual(lead.dealer_sla_state, "running")
        return lead

    def _call(self, lead, seconds, started_at, source="api", status="answered", ring=0):
        call = self.env["dealer.call"].create(
            {
                "source": source,
                "direction": "outbound",
                "status": status,
                "lead_id": lead.id,
                "partner_id": lead.partner_id.id,
                "user_id": lead.user_id.id,
                "started_at": started_at,
                "ring_seconds": ring,
                "duration_seconds": seconds,
            }
        )
        return call

    # ------------------------------------------------------------
    # What does not stop the clock
    # ------------------------------------------------------------

    def test_stage_move_and_ticked_task_do_not_stop_the_clock(self):
        lead = self._started_lead()
        other_stage = self.env["crm.stage"].create({"name": "North: qualified", "sequence": 5})
        with freeze_time(later(5)):
            lead.with_user(self.salesperson_1).stage_id = other_stage
            call_task = lead.activity_schedule("mail.mail_activity_data_call", user_id=self.salesperson_1.id)
            call_task.with_user(self.salesperson_1).action_feedback(feedback="Called")
        self.assertEqual(lead.stage_id, other_stage)
        self.assertEqual(lead.dealer_sla_state, "running", "moving the card or ticking a task is no contact")
        self.assertFalse(lead.dealer_first_contact_date)

    def test_template_sent_by_an_automation_rule_does_not_stop_the_clock(self):
        """A rule on the priority sends a template and posts a message "as" the salesperson who set it."""
        template = self.env["mail.template"].create(
            {
                "name": "We got your request",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "subject": "Your request",
                "body_html": "<p>Thank you, we will call you back shortly.</p>",
            }
        )
        model_id = self.env["ir.model"]._get_id("crm.lead")
        self.env["base.automation"].create(
            {
                "name": "Hot lead: greet the customer",
                "model_id": model_id,
                "trigger": "on_priority_set",
                "filter_domain": "[('priority', '=', '3')]",
                "action_server_ids": [
                    Command.create(
                        {
                            "name": "Greeting template",
                            "model_id": model_id,
                            "state": "mail_post",
                            "template_id": template.id,
                            "mail_post_method": "comment",
                        }
                    ),
                    Command.create(
                        {
                            "name": "Greeting message",
                            "model_id": model_id,
                            "state": "code",
                            "code": "record.message_post(body='Thank you, we will call you back shortly.', "
                            "message_type='comment', subtype_xmlid='mail.mt_comment')",
                        }
                    ),
                ],
            }
        )
        lead = self._started_lead()
        with freeze_time(later(2)):
            lead.with_user(self.salesperson_1).priority = "3"
        greetings = lead.message_ids.filtered(lambda m: "call you back shortly" in (m.body or ""))
        self.assertEqual(len(greetings), 2, "the rule did write to the customer twice")
        self.assertIn(self.salesperson_1.partner_id, greetings.author_id, "in the salesperson's name")
        self.assertEqual(lead.dealer_sla_state, "running", "a rule's message is not a person reaching the customer")

    def test_automatic_reply_to_the_customer_does_not_stop_the_clock(self):
        model_id = self.env["ir.model"]._get_id("crm.lead")
        self.env["base.automation"].create(
            {
                "name": "Auto-reply to customers",
                "model_id": model_id,
                "trigger": "on_message_received",
                "action_server_ids": [
                    Command.create(
                        {
                            "name": "Auto-reply",
                            "model_id": model_id,
                            "state": "code",
                            "code": "record.message_post(body='We have your message and will answer soon.', "
                            "message_type='comment', subtype_xmlid='mail.mt_comment')",
                        }
                    )
                ],
            }
        )
        lead = self._started_lead()
        with freeze_time(later(1)):
            lead.message_post(
                body="Is the car still available?",
                author_id=self.customer.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertTrue(lead.message_ids.filtered(lambda m: "will answer soon" in (m.body or "")), "replied")
        self.assertEqual(lead.dealer_sla_state, "running")

    def test_message_to_many_leads_at_once_or_by_a_scheduled_action_does_not_stop_the_clock(self):
        lead = self._started_lead()
        other = self._started_lead()
        composer = Form(
            self.env["mail.compose.message"]
            .with_user(self.salesperson_1)
            .with_context(
                default_model="crm.lead",
                default_res_ids=(lead | other).ids,
                default_composition_mode="comment",
            )
        )
        composer.subject = "Spring sale"
        composer.body = "<p>Spring sale: all models 10% off</p>"
        with freeze_time(later(3)):
            composer.save().action_send_mail()
            lead.with_context(cron_id=1).with_user(self.salesperson_1).message_post(
                body="Reminder", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertTrue(lead.message_ids.filtered(lambda m: "Spring sale" in (m.body or "")))
        self.assertEqual((lead | other).mapped("dealer_sla_state"), ["running", "running"])

    def test_short_answered_call_does_not_stop_the_clock(self):
        lead = self._started_lead()
        call = self._call(lead, 12, later(4))
        self.assertFalse(call._human_contacts(), "12 s is under the default 20 s")
        missed = self._call(lead, 0, later(5), status="missed")
        self.assertFalse(missed._human_contacts())
        self.assertEqual(lead.dealer_sla_state, "running")

    # ------------------------------------------------------------
    # What stops it
    # ------------------------------------------------------------

    def test_long_answered_call_stops_the_clock_and_is_kept_on_the_lead(self):
        lead = self._started_lead()
        self._call(lead, 12, later(4))
        call = self._call(lead, 95, later(6), ring=30)
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertEqual(lead.dealer_first_contact_kind, "call")
        self.assertEqual(lead.dealer_first_contact_call_id, call)
        self.assertEqual(lead.dealer_first_contact_date, later(6, 30), "when it was answered")
        self.assertAlmostEqual(lead.dealer_response_minutes, 6.5)
        self.assertEqual(lead.dealer_response_in_policy, 100.0)
        self._call(lead, 300, later(60))
        self.assertEqual(lead.dealer_first_contact_call_id, call, "the first contact stays the first")

    def test_human_contact_threshold_is_a_setting(self):
        settings = self.env["res.config.settings"].create({"dealer_human_contact_seconds": 10})
        settings.execute()
        lead = self._started_lead()
        self._call(lead, 12, later(4))
        self.assertEqual(lead.dealer_sla_state, "met", "12 s is a contact once the threshold is 10 s")

    def test_call_logged_by_hand_counts_unless_only_telephony_is_trusted(self):
        lead = self._started_lead()
        with freeze_time(later(6)):
            self._call(lead, 60, later(5), source="manual")
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertEqual(lead.dealer_first_contact_call_id.source, "manual", "the lead shows it was logged by hand")

        self.env["res.config.settings"].create({"dealer_clock_telephony_only": True}).execute()
        other = self._started_lead()
        with freeze_time(later(6)):
            self._call(other, 60, later(5), source="manual")
        self.assertEqual(other.dealer_sla_state, "running", "a person's word alone no longer stops it")
        self._call(other, 60, later(20))
        self.assertEqual(other.dealer_sla_state, "late")
        self.assertEqual(other.dealer_first_contact_call_id.source, "api")

    def test_call_logged_by_hand_counts_from_when_it_was_logged(self):
        """Typing in a call half an hour later with the time of a quick answer does not make it quick."""
        lead = self._started_lead()
        with freeze_time(later(30)):
            self._call(lead, 120, later(1), source="manual")
        self.assertEqual(lead.dealer_sla_state, "late")
        self.assertEqual(lead.dealer_first_contact_date, later(30))
        self.assertAlmostEqual(lead.dealer_response_minutes, 30.0)

    def test_call_before_the_request_does_not_answer_it(self):
        lead = self._started_lead()
        self._call(lead, 300, MONDAY_10 - timedelta(days=3))
        self.assertEqual(lead.dealer_sla_state, "running", "that call answered an earlier request")

    def test_message_that_reached_nobody_does_not_stop_the_clock(self):
        """ "Send message" with the customer unticked goes to the lead's followers only (here: its author)."""
        lead = self._started_lead()
        with freeze_time(later(3)):
            lead.with_user(self.salesperson_1).sudo().message_post(
                body="Irina asked for the brochure.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            lead.with_user(self.salesperson_1).sudo().message_post(
                body="Could you call Irina back?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.salesperson_2.partner_id.ids,
            )
        self.assertEqual(lead.dealer_sla_state, "running", "the customer received none of these messages")
        self.assertFalse(lead.dealer_first_contact_date)

    def test_message_to_the_leads_address_stops_the_clock(self):
        """A web lead without a contact yet: the message to its e-mail address reached the customer."""
        lead = self._started_lead(partner_id=False, email_from="Irina <IRINA@example.com>")
        with freeze_time(later(4)):
            lead.with_user(self.salesperson_1).sudo().message_post(
                body="Hello Irina!",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        self.assertEqual(lead.dealer_sla_state, "met", "the contact with the lead's address received it")
        self.assertAlmostEqual(lead.dealer_response_minutes, 4.0)

    def test_message_written_by_the_salesperson_stops_the_clock(self):
        lead = self._started_lead()
        lead.with_user(self.salesperson_1).message_post(body="Call him tomorrow", subtype_xmlid="mail.mt_note")
        self.assertEqual(lead.dealer_sla_state, "running", "an internal note is not for the customer")
        with freeze_time(later(7)):
            # as the chatter's "Send message" does it (mail's controller posts in sudo as the user), the
            # customer ticked among the recipients
            lead.with_user(self.salesperson_1).sudo().message_post(
                body="Hello Irina, the car is ready for a test drive tomorrow.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        self.assertEqual(lead.dealer_sla_state, "met")
        self.assertEqual(lead.dealer_first_contact_kind, "message")
        self.assertFalse(lead.dealer_first_contact_call_id)
        self.assertAlmostEqual(lead.dealer_response_minutes, 7.0)
        with freeze_time(later(60)):
            self.env["crm.lead"]._cron_dealer_escalate()
        self.assertFalse(self.activities_of(self.team_head, lead), "a contacted lead is not escalated")

    # ------------------------------------------------------------
    # Business hours
    # ------------------------------------------------------------

    def _working_minutes(self, start, end):
        """What Odoo's calendar says: working hours of the showroom between two naive UTC moments."""
        hours = self.calendar.get_work_duration_data(start, end)["hours"]
        return hours * 60

    def test_response_over_the_weekend_counts_working_minutes(self):
        start = utc(datetime(2026, 3, 6, 17, 30))  # Friday 17:30, half an hour before closing
        contact = utc(datetime(2026, 3, 9, 9, 40))  # Monday 9:40
        lead = self._started_lead(start=start)
        with freeze_time(contact):
            lead.with_user(self.salesperson_1).message_post(
                body="Good morning!",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        self.assertEqual(lead.dealer_sla_state, "late")
        self.assertEqual(lead.dealer_response_in_policy, 0.0)
        self.assertAlmostEqual(lead.dealer_response_minutes, (contact - start).total_seconds() / 60)
        self.assertAlmostEqual(lead.dealer_response_work_minutes, self._working_minutes(start, contact), places=1)
        self.assertAlmostEqual(lead.dealer_response_work_minutes, 30 + 40, places=1)

    def test_response_over_a_night_and_lunch_counts_working_minutes_per_lead(self):
        night_start = utc(datetime(2026, 3, 3, 17, 50))  # Tuesday 17:50
        night_contact = utc(datetime(2026, 3, 4, 9, 20))  # Wednesday 9:20
        lunch_start = utc(datetime(2026, 3, 4, 12, 45))  # Wednesday 12:45
        lunch_contact = utc(datetime(2026, 3, 4, 14, 5))  # Wednesday 14:05
        night = self._started_lead(start=night_start)
        lunch = self._started_lead(start=lunch_start)
        self._call(night, 60, night_contact)
        self._call(lunch, 60, lunch_contact)
        self.assertAlmostEqual(night.dealer_response_work_minutes, self._working_minutes(night_start, night_contact))
        self.assertAlmostEqual(night.dealer_response_work_minutes, 10 + 20)
        self.assertAlmostEqual(lunch.dealer_response_work_minutes, 15 + 5)
        self.assertAlmostEqual(lunch.dealer_response_minutes, 80)

    def test_leads_contacted_before_the_working_hours_measure_get_it(self):
        """What the upgrade does for leads whose clock an earlier version stopped (and the demo)."""
        start = utc(datetime(2026, 3, 6, 17, 30))
        contact = utc(datetime(2026, 3, 9, 9, 40))
        lead = self._started_lead(start=start)
        lead.with_context(dealer_sla_skip=True).write(
            {"dealer_first_contact_date": contact, "dealer_sla_state": "late", "dealer_response_minutes": 3850}
        )
        self.env["crm.lead"]._dealer_fill_contact_measures()
        self.assertAlmostEqual(lead.dealer_response_work_minutes, 70.0)
        self.assertEqual(lead.dealer_response_in_policy, 0.0)

    def test_clocks_of_many_leads_stop_in_a_bounded_number_of_queries(self):
        """Working minutes and the clock's results for 40 leads: one interval computation per calendar
        and one UPDATE, not queries per lead."""
        leads = self.env["crm.lead"].concat(*(self._started_lead() for _i in range(40)))
        contacts = {lead: (later(5 + index), "message", None) for index, lead in enumerate(leads)}
        self.env.invalidate_all()
        with self.assertQueryCount(7):
            self.env["crm.lead"]._dealer_stop_clocks(contacts)
        self.assertEqual(leads[:2].mapped("dealer_response_work_minutes"), [5.0, 6.0])
        self.assertEqual(leads[-1].dealer_response_work_minutes, 44.0)
        self.assertEqual(set(leads[:11].mapped("dealer_sla_state")), {"met"})
        self.assertEqual(set(leads[11:].mapped("dealer_sla_state")), {"late"})

    # ------------------------------------------------------------
    # Report
    # ------------------------------------------------------------

    def test_time_to_first_human_contact_report_by_salesperson(self):
        """What the pivot of Reporting > Time to first human contact shows per salesperson."""
        fast = self._started_lead()
        slow = self._started_lead(start=utc(datetime(2026, 3, 6, 17, 30)))
        other = self._started_lead(user_id=self.salesperson_2.id)
        self._call(fast, 60, later(10))
        self._call(slow, 60, utc(datetime(2026, 3, 9, 9, 30)))
        self._call(other, 60, later(4))
        action = self.env.ref("dealer_crm.crm_lead_action_first_contact")
        self.assertIn("pivot", action.view_mode)
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                [*literal_eval(action.domain), ("team_id", "=", self.team.id)],
                ["user_id"],
                ["dealer_response_work_minutes:avg", "dealer_response_minutes:avg", "dealer_response_in_policy:avg"],
            )
        )
        rows = {user: (work, minutes, in_policy) for user, work, minutes, in_policy in groups}
        work, minutes, in_policy = rows[self.salesperson_1]
        self.assertAlmostEqual(work, (10 + 60) / 2, msg="10 min on Monday, 30+30 over the weekend")
        weekend = (utc(datetime(2026, 3, 9, 9, 30)) - slow.dealer_sla_start).total_seconds() / 60
        self.assertAlmostEqual(minutes, (10 + weekend) / 2)
        self.assertAlmostEqual(in_policy, 50.0, msg="one of two within the 15 minutes")
        self.assertEqual(rows[self.salesperson_2][2], 100.0)
