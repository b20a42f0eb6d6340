from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerSatisfactionCase


def no_commit(self, processed=0, *, remaining=None, deactivate=False):
    """The cron's batch commit, inside the test's transaction (which must not be committed)."""
    return 3600.0


@tagged("post_install", "-at_install")
class TestSatisfactionSurvey(DealerSatisfactionCase):
    def _send_due(self, day):
        with freeze_time(f"{day} 10:00:00"), patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit):
            self.env["dealer.feedback"]._cron_send_invitations()

    def _close_visit(self, partner):
        visit = self._visit(partner)
        visit.action_done()
        return visit, visit.feedback_ids

    def test_closed_visit_invites_a_russian_customer_in_russian_by_email(self):
        visit, feedback = self._close_visit(self.russian)
        self.assertEqual(len(feedback), 1, "one survey per closed visit")
        self.assertEqual(
            (feedback.state, feedback.kind, feedback.user_id, feedback.planned_date),
            ("planned", "service", self.advisor, self.TODAY + timedelta(days=1)),
        )
        self._send_due(self.TODAY)
        self.assertEqual(feedback.state, "planned", "not before the setting's delay (one day)")

        self._send_due(self.TODAY + timedelta(days=1))
        answer = feedback.user_input_id
        self.assertEqual(feedback.state, "sent")
        self.assertEqual((answer.partner_id, answer.lang_id.code), (self.russian, "ru_RU"))
        row = feedback.dispatch_id
        self.assertEqual((row.channel, row.partner_id, row.state), ("email", self.russian, "queued"))
        self.assertNotIn(answer.access_token, row.body, "the log every dealer user reads holds no personal link")
        self.assertIn(f"answer_token={answer.access_token}", row._text_to_send(), "the customer's own answer")
        self.assertIn("Спасибо за визит", row.body)
        self.assertIn("Как мы справились", row.subject)
        # the survey itself speaks Russian to this customer
        question = answer.survey_id.question_ids.sorted("sequence")[:1].with_context(lang="ru_RU")
        self.assertEqual(question.title, "Насколько вероятно, что вы порекомендуете нас другу?")

        # the one sender of customer messages sends it (consent, quiet hours, cap, log)
        with (
            freeze_time(f"{self.TODAY + timedelta(days=1)} 10:05:00"),
            self.mock_mail_gateway(),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.dispatch"]._cron_send_due()
        self.assertEqual(row.state, "sent")
        self.assertIn(answer.access_token, str(row.mail_message_id.body))
        self.assertEqual(row.mail_message_id.partner_ids, self.russian)

        # a second close of the same visit does not ask twice
        visit.action_reopen()
        visit.action_done()
        self.assertEqual(len(visit.feedback_ids), 1)

    def test_preferred_consented_channel_in_english(self):
        _visit, feedback = self._close_visit(self.english)
        self._send_due(self.TODAY + timedelta(days=1))
        self.assertEqual(feedback.dispatch_id.channel, "sms", "the customer's preferred consented channel")
        self.assertIn("Thank you for your visit", feedback.dispatch_id.body)
        self.assertEqual(feedback.user_input_id.lang_id.code, "en_US")

    def test_no_consent_no_survey(self):
        _visit, feedback = self._close_visit(self.silent)
        self.assertFalse(feedback, "a customer who may not be written to gets no survey")
        # consent withdrawn between the visit and the sending: nothing is sent
        _visit, feedback = self._close_visit(self.english)
        self.english.consent_sms = False
        rows_before = self.env["dealer.dispatch"].search_count([("partner_id", "=", self.english.id)])
        self._send_due(self.TODAY + timedelta(days=1))
        self.assertFalse(feedback.exists())
        self.assertEqual(self.env["dealer.dispatch"].search_count([("partner_id", "=", self.english.id)]), rows_before)

    def test_unanswered_survey_expires(self):
        _visit, feedback = self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))
        self._send_due(self.TODAY + timedelta(days=14))
        self.assertEqual(feedback.state, "sent")
        self._send_due(self.TODAY + timedelta(days=16))
        self.assertEqual(feedback.state, "expired")

    def test_promoter_answer_lands_everywhere(self):
        visit, feedback = self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))
        with freeze_time(f"{self.TODAY + timedelta(days=2)} 09:00:00"):  # before the survey expires
            self._answer(feedback, 10, "Всё отлично")
        self.assertEqual(
            (feedback.state, feedback.score, feedback.category, feedback.nps_points, feedback.csi_points),
            ("answered", 10, "promoter", 100, 100),
        )
        self.assertEqual(feedback.comment, "Всё отлично")
        self.assertEqual((visit.feedback_score, visit.satisfaction_score), (10, "10"))
        self.assertEqual((self.russian.dealer_last_nps, self.russian.dealer_last_nps_category), (10, "promoter"))
        self.assertEqual(self.russian.dealer_feedback_count, 1)
        self.assertEqual(
            self.env["dealer.feedback"].search(self.russian.action_dealer_view_feedback()["domain"]), feedback
        )
        self.assertFalse(feedback.issue_id, "a promoter opens no issue")

    def test_service_detractor_opens_issue_task_and_raises_risk(self):
        visit, feedback = self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))
        answer_day = self.TODAY + timedelta(days=2)
        with freeze_time(f"{answer_day} 09:00:00"):
            self._answer(feedback, 3, "Долго ждал")
        self.assertEqual((feedback.category, feedback.nps_points, feedback.csi_points), ("detractor", -100, 30))
        issue = feedback.issue_id
        self.assertTrue(issue)
        self.assertEqual((issue.partner_id, issue.visit_id, issue.category), (self.russian, visit, "satisfaction"))
        self.assertIn("Долго ждал", str(issue.description))
        task = issue.activity_ids
        self.assertEqual(len(task), 1)
        self.assertEqual(task.user_id, self.advisor, "the service advisor stands in for the head of service")
        self.assertLessEqual(task.date_deadline, answer_day + timedelta(days=1), "within a day")

        # the churn-risk rule fires from the real answer
        self.assertFalse(self.russian.risk_score)
        self.env["dealer.risk.rule"]._compute_signals(answer_day)
        signal = self.env["dealer.risk.signal"].search(
            [("partner_id", "=", self.russian.id), ("code", "=", "low_satisfaction")]
        )
        self.assertEqual(signal.evidence, "rated us 3 of 10")
        self.assertGreater(self.russian.risk_score, 0)

        # completing again (a resubmission) does not open a second issue
        feedback.user_input_id._mark_done()
        self.assertEqual(self.env["dealer.customer.issue"].search_count([("partner_id", "=", self.russian.id)]), 1)

    def test_showroom_staff_read_feedback_heads_handle_the_issue(self):
        visit, feedback = self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))
        with freeze_time(f"{self.TODAY + timedelta(days=2)} 09:00:00"):
            self._answer(feedback, 2, "Грязный салон")
        receptionist = new_test_user(self.env, login="csi_reception", groups="dealer_crm.group_receptionist")
        # the feedback form of a receptionist (who may not read customer issues) opens
        as_receptionist = feedback.with_user(receptionist)
        arch = as_receptionist.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="score"', arch)
        self.assertNotIn('name="issue_id"', arch, "issues are for the heads and the service staff")
        [read] = as_receptionist.web_read({name: {} for name in ("score", "category", "comment", "state")})
        self.assertEqual((read["score"], read["category"]), (2, "detractor"))
        self.assertEqual(visit.with_user(receptionist).feedback_score, 2)
        with self.assertRaises(AccessError):
            as_receptionist.write({"score": 10})
        # the head works the issue
        feedback.issue_id.with_user(self.advisor).action_solve()
        self.assertEqual(feedback.issue_id.state, "solved")
        self.assertEqual(
            self.env["dealer.feedback"].with_user(self.sales_head).search_count([("id", "=", feedback.id)]), 1
        )

    def test_sale_detractor_tasks_the_sales_head(self):
        team = self.env["crm.team"].create(
            {"name": "CSI showroom", "dealer_is_dealership": True, "user_id": self.sales_head.id}
        )
        car = self.env["dealer.vehicle"].create(
            {"brand_id": self.brand.id, "model_id": self.car_model.id, "state": "stock", "vin": "XW8ZZZ1ZZPG000977"}
        )
        deal = self.env["crm.lead"].create(
            {
                "name": "Roadster for Ivan",
                "type": "opportunity",
                "partner_id": self.russian.id,
                "team_id": team.id,
                "vehicle_id": car.id,
            }
        )
        # won on a fixed day: the survey is due the day after, whatever the clock and time zone of the run
        with freeze_time(f"{self.TODAY} 12:00:00"):
            deal.action_set_won()
        feedback = deal.dealer_feedback_ids
        self.assertEqual(
            (len(feedback), feedback.kind, feedback.planned_date), (1, "sale", self.TODAY + timedelta(days=1))
        )
        self._send_due(self.TODAY + timedelta(days=1))
        self.assertIn("покупку", feedback.dispatch_id.body)
        answer_day = self.TODAY + timedelta(days=2)
        with freeze_time(f"{answer_day} 09:00:00"):
            self._answer(feedback, 5)
        self.assertEqual(deal.dealer_feedback_score, 5)
        task = feedback.issue_id.activity_ids
        self.assertEqual(task.user_id, self.sales_head)
        feedback.issue_id.with_user(self.sales_head).action_start()
        self.assertEqual(feedback.issue_id.state, "in_progress", "the sales head works the issue")
        self.env["dealer.risk.rule"]._compute_signals(answer_day)
        self.assertIn("low_satisfaction", self.russian.risk_signal_ids.mapped("code"))

    def test_a_detractor_of_a_deal_of_no_showroom_is_called_back_by_the_feedbacks_showroom(self):
        """A deal of no showroom (its team shared by the showrooms, no salesperson's company) gets a feedback of the
        showroom that plans it. The call-back task carries the customer's comment: it goes to a head of that
        showroom, not to the shared team's head who works in another showroom."""
        south = self.env["res.company"].create({"name": "CSI South"})
        south_head = new_test_user(
            self.env,
            login="csi_south_head",
            groups="dealer_crm.group_sales_head",
            company_id=south.id,
            company_ids=south.ids,
        )
        team = self.env["crm.team"].create(
            {
                "name": "Shared showroom team",
                "dealer_is_dealership": True,
                "user_id": south_head.id,
                "company_id": False,
            }
        )
        car = self.env["dealer.vehicle"].create(
            {"brand_id": self.brand.id, "model_id": self.car_model.id, "state": "stock", "vin": "XW8ZZZ1ZZPG000978"}
        )
        deal = self.env["crm.lead"].create(
            {
                "name": "Roadster for Ivan, shared team",
                "type": "opportunity",
                "partner_id": self.russian.id,
                "team_id": team.id,
                "vehicle_id": car.id,
                "user_id": False,
            }
        )
        deal.company_id = False
        with freeze_time(f"{self.TODAY} 12:00:00"):
            deal.action_set_won()
        feedback = deal.dealer_feedback_ids
        self.assertEqual(feedback.company_id, self.env.company)
        self._send_due(self.TODAY + timedelta(days=1))
        with freeze_time(f"{self.TODAY + timedelta(days=2)} 09:00:00"):
            self._answer(feedback, 2, "Nobody called me back")
        task = feedback.issue_id.activity_ids
        self.assertTrue(task)
        self.assertNotEqual(task.user_id, south_head, "another showroom's head got the customer's comment")
        self.assertIn(self.env.company, task.user_id.company_ids)

    def _dispatch_due(self, day):
        with (
            freeze_time(f"{day} 10:05:00"),
            self.mock_mail_gateway(),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.dispatch"]._cron_send_due()

    def test_a_survey_that_never_reached_the_customer_does_not_lower_the_response_rate(self):
        _visit, answered = self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))
        self._dispatch_due(self.TODAY + timedelta(days=1))
        with freeze_time(f"{self.TODAY + timedelta(days=2)} 09:00:00"):
            self._answer(answered, 10)
        _visit, withheld = self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))
        # the customer withdraws their consent before the second invitation leaves: it is never sent
        self.russian.consent_email = False
        self._dispatch_due(self.TODAY + timedelta(days=1))
        self.assertIn(withheld.dispatch_id.state, ("skipped", "cancelled"), "never sent")
        self.env.flush_all()
        [(rate,)] = self.env["dealer.feedback.report"]._read_group(
            [("partner_id", "=", self.russian.id)], [], ["response_rate:avg"]
        )
        self.assertAlmostEqual(rate, 100.0, msg="one survey reached them, one answer")
        # an answer counts even when its invitation's log says it failed (an SMS may arrive all the same)
        self.env.cr.execute("UPDATE dealer_dispatch SET state = 'failed' WHERE id = %s", [answered.dispatch_id.id])
        self.assertEqual(
            self.env["dealer.feedback.report"].search_count(
                [("partner_id", "=", self.russian.id), ("state", "=", "answered")]
            ),
            1,
        )

    def test_nps_by_month_is_promoters_minus_detractors(self):
        Feedback = self.env["dealer.feedback"]
        scores = {date(2026, 4, 15): [10, 9, 9, 7, 3], date(2026, 5, 15): [10, 8, 6, 5, 2, 0]}
        for day, month_scores in scores.items():
            for score in month_scores:
                visit, feedback = self._close_visit(self.russian)
                self._send_due(self.TODAY + timedelta(days=1))
                with freeze_time(f"{day} 12:00:00"):
                    self._answer(feedback, score)
        # a survey sent and never answered lowers the response rate, not the NPS
        self._close_visit(self.russian)
        self._send_due(self.TODAY + timedelta(days=1))

        groups = Feedback._read_group(
            [("partner_id", "=", self.russian.id), ("state", "=", "answered")],
            ["answer_date:month"],
            ["nps_points:avg", "csi_points:avg"],
        )
        self.assertEqual(len(groups), 2)
        for month, nps, csi in groups:
            month_scores = scores[date(month.year, month.month, 15)]
            promoters = sum(1 for s in month_scores if s >= 9) / len(month_scores) * 100
            detractors = sum(1 for s in month_scores if s <= 6) / len(month_scores) * 100
            self.assertAlmostEqual(nps, promoters - detractors)
            self.assertAlmostEqual(csi, sum(month_scores) / len(month_scores) * 10)

        self.env.flush_all()
        [(rate, nps)] = self.env["dealer.feedback.report"]._read_group(
            [("partner_id", "=", self.russian.id)], [], ["response_rate:avg", "nps:avg"]
        )
        self.assertAlmostEqual(rate, 11 / 12 * 100)
        all_scores = [s for month_scores in scores.values() for s in month_scores]
        expected = (sum(1 for s in all_scores if s >= 9) - sum(1 for s in all_scores if s <= 6)) / 11 * 100
        self.assertAlmostEqual(nps, expected)


@tagged("post_install", "-at_install")
class TestSatisfactionSettings(DealerSatisfactionCase):
    def test_delay_setting_moves_the_invitation(self):
        self.env["res.config.settings"].create({"dealer_feedback_invite_delay_days": 3}).execute()
        visit = self._visit(self.russian)
        visit.action_done()
        self.assertEqual(visit.feedback_ids.planned_date, self.TODAY + timedelta(days=3))

    def test_bad_setting_names_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Survey expires after"):
            self.env["res.config.settings"].create({"dealer_feedback_expire_days": 0})
