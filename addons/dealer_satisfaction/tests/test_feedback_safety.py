"""What no one but the customer may do with their survey, and what the staff see of their words.

The personal survey link is in the message that leaves only (not in the dispatch log nor in a
chatter copy staff can open); an expired survey takes no answer; the customer's comment is plain
text wherever it is copied, and those copies are forgotten with it; the sales head changes the
detractors' issues only.
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from ..models.dealer_feedback import SURVEY_LINK
from .common import DealerSatisfactionCase
from .test_feedback import no_commit

SENT_DAY = DealerSatisfactionCase.TODAY + timedelta(days=1)


@tagged("post_install", "-at_install")
class TestFeedbackSafety(DealerSatisfactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.director = new_test_user(cls.env, login="csi_director", groups="dealer_crm.group_dealer_manager")

    def _invite(self, partner):
        visit = self._visit(partner)
        visit.action_done()
        with (
            freeze_time(f"{SENT_DAY} 10:00:00"),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.feedback"]._cron_send_invitations()
        return visit, visit.feedback_ids

    def _send_messages(self):
        with (
            freeze_time(f"{SENT_DAY} 10:05:00"),
            self.mock_mail_gateway(),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.dispatch"]._cron_send_due()

    def _staff_messages_with(self, text):
        """The chatter messages each member of the staff can open that contain ``text``."""
        return {
            user.login: self.env["mail.message"].with_user(user).search([("body", "ilike", text)])
            for user in (self.sales_head, self.advisor, self.director)
        }

    # ------------------------------------------------------------
    # The personal link
    # ------------------------------------------------------------

    def test_email_link_is_in_the_email_only(self):
        _visit, feedback = self._invite(self.russian)
        token = feedback.user_input_id.access_token
        row = feedback.dispatch_id
        self.assertNotIn(token, row.body)
        self.assertIn(SURVEY_LINK, row.body, "the log shows where the link goes")
        self.assertFalse(self.env["dealer.dispatch"].with_user(self.sales_head).search([("body", "ilike", token)]))
        self._send_messages()
        self.assertEqual(row.state, "sent")
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", row.mail_message_id.id)])
        self.assertIn(f"answer_token={token}", str(mail.body_html), "the customer's e-mail carries their link")
        self.assertEqual(row.mail_message_id.message_type, "user_notification")
        for login, messages in self._staff_messages_with(token).items():
            self.assertFalse(messages, f"{login} cannot open the customer's invitation")
        with self.assertRaises(AccessError):
            row.mail_message_id.with_user(self.director).read(["body"])

    def test_sms_link_is_not_in_the_chatter(self):
        _visit, feedback = self._invite(self.english)
        token = feedback.user_input_id.access_token
        row = feedback.dispatch_id
        self.assertEqual(row.channel, "sms")
        self.assertNotIn(token, row.body)
        self._send_messages()
        self.assertEqual(row.state, "sent")
        self.assertIn(f"answer_token={token}", row.sms_id.sudo().body, "the SMS itself carries the link")
        self.assertIn(SURVEY_LINK, str(row.mail_message_id.body), "the chatter copy keeps the mark")
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", token)]), "in no chatter at all")
        self.english.invalidate_recordset()
        self.assertIn(row.mail_message_id, self.english.with_user(self.sales_head).message_ids)

    def test_no_link_to_another_customers_survey(self):
        """A log row pointed at another customer's feedback sends the mark, never that customer's link."""
        _visit, feedback = self._invite(self.english)
        token = feedback.user_input_id.access_token
        row = feedback.dispatch_id
        forged = row.copy({"partner_id": self.russian.id, "channel": "email", "state": "queued"})
        self._send_messages()
        self.assertEqual(forged.state, "sent", forged.skip_reason or forged.last_error)
        self.assertIn(SURVEY_LINK, str(forged.mail_message_id.body))
        self.assertFalse(self.env["mail.mail"].sudo().search([("body_html", "ilike", token)]))
        self.assertIn(f"answer_token={token}", row.sms_id.sudo().body, "the survey's own customer gets it")

    def test_no_one_points_a_feedback_at_another_customers_answer(self):
        """A director who could write a feedback would point it at their own card and at another customer's answer
        (another showroom's too): its invitation would mail them that customer's personal link, and that
        customer's answer would land on the director's feedback. Staff, the director included, only read
        feedback; and a feedback pointed at an answer not of its customer and survey gets neither."""
        _visit, theirs = self._invite(self.english)
        token = theirs.user_input_id.access_token
        _visit, mine = self._invite(self.russian)
        for user in (self.director, self.sales_head, self.advisor):
            for vals in ({"user_input_id": theirs.user_input_id.id}, {"partner_id": self.english.id}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    mine.with_user(user).write(vals)
        # what the rights now refuse, done as the system: the next message and the answer stay apart
        mine_answer = mine.user_input_id
        mine.write({"user_input_id": theirs.user_input_id.id})
        forged = mine.dispatch_id
        self.assertEqual((forged.channel, forged.state), ("email", "queued"))
        self._send_messages()
        self.assertEqual(forged.state, "sent", forged.skip_reason or forged.last_error)
        self.assertFalse(self.env["mail.mail"].sudo().search([("body_html", "ilike", token)]))
        with freeze_time(f"{SENT_DAY + timedelta(days=1)} 09:00:00"):
            self._answer(theirs, 2, "Rude staff")
        self.assertEqual((theirs.state, theirs.score), ("answered", 2), "the customer's own feedback has it")
        self.assertEqual((mine.state, mine.score, mine.comment), ("sent", 0, False))
        self.assertNotEqual(mine_answer, theirs.user_input_id)

    # ------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------

    def test_expired_survey_takes_no_answer(self):
        visit, feedback = self._invite(self.russian)
        expire_days = 14
        self.assertEqual(
            feedback.user_input_id.deadline,
            fields.Datetime.to_datetime(f"{SENT_DAY} 10:00:00") + timedelta(days=expire_days),
            "the survey's own deadline: Odoo's survey pages refuse it afterwards",
        )
        score_before = visit.satisfaction_score
        # past the deadline, before the daily cron marked it expired
        with freeze_time(f"{SENT_DAY + timedelta(days=expire_days)} 11:00:00"):
            self._answer(feedback, 1, "Late")
        self.assertEqual((feedback.state, feedback.score, feedback.comment), ("sent", 0, False))
        with freeze_time(f"{SENT_DAY + timedelta(days=expire_days + 1)} 10:00:00"):
            self.env["dealer.feedback"]._expire()
            self._answer(feedback, 2, "Even later")
        self.assertEqual((feedback.state, feedback.score, feedback.comment), ("expired", 0, False))
        self.assertFalse(feedback.issue_id, "no detractor's issue from an expired survey")
        self.assertEqual(visit.satisfaction_score, score_before)
        self.assertFalse(feedback.category)

    # ------------------------------------------------------------
    # The comment: plain text, forgotten everywhere
    # ------------------------------------------------------------

    def _detractor(self, comment):
        _visit, feedback = self._invite(self.russian)
        with freeze_time(f"{SENT_DAY + timedelta(days=1)} 09:00:00"):
            self._answer(feedback, 3, comment)
        return feedback

    def test_comment_is_plain_text_in_the_issue_and_the_task(self):
        feedback = self._detractor("<b>x</b><script>alert(1)</script> & more")
        issue = feedback.issue_id
        task = issue.activity_ids
        self.assertEqual(len(task), 1)
        for html in (str(issue.description), str(task.note)):
            self.assertIn("&lt;b&gt;x&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more", html)
            self.assertNotIn("<b>", html)
            self.assertNotIn("<script", html)
        self.assertIn("rated us 3 of 10", str(task.note))

    def test_retention_forgets_the_comment_in_the_issue_and_the_task(self):
        feedback = self._detractor("Мастер нагрубил")
        issue = feedback.issue_id
        issue.message_post(body="Called the customer back", message_type="comment", subtype_xmlid="mail.mt_note")
        task = issue.activity_ids
        self.assertIn("Мастер нагрубил", str(task.note))
        cutoff = fields.Datetime.to_datetime(f"{SENT_DAY + timedelta(days=100)} 00:00:00")
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit):
            self.env["dealer.data.retention"]._purge_personal_data(cutoff)
        self.assertFalse(feedback.comment)
        self.assertNotIn("Мастер нагрубил", str(issue.description))
        self.assertNotIn("Мастер нагрубил", str(task.note))
        self.assertIn("rated us 3 of 10", str(task.note), "the task still says what it is about")
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", "Мастер нагрубил")]))
        self.assertTrue(issue.message_ids.filtered(lambda m: "Called the customer back" in str(m.body)))
        # the task done later: its chatter message holds no comment either
        task.action_feedback(feedback="Apologised")
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", "Мастер нагрубил")]))

    def test_retention_forgets_the_comment_in_the_done_task_message(self):
        feedback = self._detractor("Грязный салон")
        feedback.issue_id.activity_ids.action_feedback(feedback="Apologised")
        self.assertTrue(self.env["mail.message"].sudo().search([("body", "ilike", "Грязный салон")]))
        cutoff = fields.Datetime.to_datetime(f"{SENT_DAY + timedelta(days=100)} 00:00:00")
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit):
            self.env["dealer.data.retention"]._purge_personal_data(cutoff)
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", "Грязный салон")]))

    # ------------------------------------------------------------
    # Who changes which issue
    # ------------------------------------------------------------

    def test_sales_head_changes_satisfaction_issues_only(self):
        feedback = self._detractor("Долго ждал")
        satisfaction = feedback.issue_id
        service = self.env["dealer.customer.issue"].create(
            {"name": "Brakes squeak", "partner_id": self.russian.id, "category": "brakes"}
        )
        satisfaction.with_user(self.sales_head).action_start()
        self.assertEqual(satisfaction.state, "in_progress")
        self.assertEqual(service.with_user(self.sales_head).read(["name"])[0]["name"], "Brakes squeak", "reads it")
        with self.assertRaises(AccessError):
            service.with_user(self.sales_head).action_start()
        service.with_user(self.advisor).action_start()
        self.assertEqual(service.state, "in_progress", "the service staff keep every issue")
        both = new_test_user(
            self.env, login="csi_head_advisor", groups="dealer_crm.group_sales_head,dealer_crm.group_service_advisor"
        )
        service.with_user(both).action_solve()
        self.assertEqual(service.state, "solved", "a sales head with a service role keeps every issue")
        service.with_user(self.director).action_cancel()
        self.assertEqual(service.state, "cancelled")
