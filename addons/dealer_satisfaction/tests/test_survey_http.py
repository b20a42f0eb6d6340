import re
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import HttpCase, freeze_time, tagged

from .common import DealerSatisfactionCase
from .test_feedback import no_commit


@tagged("post_install", "-at_install")
class TestSurveyOverHttp(DealerSatisfactionCase, HttpCase):
    """The customer opens the link of the invitation and answers on Odoo's own survey pages."""

    def test_russian_customer_answers_in_russian_and_a_detractor_is_handled(self):
        visit = self._visit(self.russian)
        visit.action_done()
        feedback = visit.feedback_ids
        with (
            freeze_time(f"{self.TODAY + timedelta(days=1)} 10:00:00"),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.feedback"]._cron_send_invitations()
        link = re.search(r"https?://\S+", feedback.dispatch_id._text_to_send()).group(0)
        answer, survey = feedback.user_input_id, feedback.user_input_id.survey_id
        self.assertIn(answer.access_token, link)

        # the customer answers the next day (before the survey expires)
        with freeze_time(f"{self.TODAY + timedelta(days=2)} 09:00:00"):
            # the link of the message opens the customer's own survey, in their language
            page = self.url_open(link.replace(survey.get_base_url(), ""))
            self.assertEqual(page.status_code, 200)
            self.assertIn("Ваш визит в сервис: как мы справились?", page.text)
            csrf_token = re.search(r'csrf_token.+?value="([a-f0-9]{40}o[0-9]*)"', page.text).group(1)
            begin = f"/survey/begin/{survey.access_token}/{answer.access_token}"
            self.assertEqual(self.url_open(begin, json={"params": {"lang_code": "ru_RU"}}).status_code, 200)
            page = self.url_open(f"/survey/{survey.access_token}/{answer.access_token}")
            self.assertIn("Насколько вероятно, что вы порекомендуете нас другу?", page.text)

            score_question, comment_question = survey.question_ids.sorted("sequence")
            submitted = self.url_open(
                f"/survey/submit/{survey.access_token}/{answer.access_token}",
                json={
                    "params": {
                        str(score_question.id): "4",
                        str(comment_question.id): "Машину вернули грязной",
                        "csrf_token": csrf_token,
                        "token": answer.access_token,
                        "button_submit": "next",
                    }
                },
            )
            self.assertEqual(submitted.status_code, 200)
            self.assertNotIn("error", submitted.json())

        self.assertEqual((answer.state, feedback.state, feedback.score), ("done", "answered", 4))
        self.assertEqual(feedback.comment, "Машину вернули грязной")
        self.assertEqual((feedback.category, visit.satisfaction_score), ("detractor", "4"))
        self.assertEqual(feedback.issue_id.activity_ids.user_id, self.advisor)

    def test_an_expired_link_is_refused_and_changes_nothing(self):
        visit = self._visit(self.english)
        visit.action_done()
        feedback = visit.feedback_ids
        with (
            freeze_time(f"{self.TODAY + timedelta(days=1)} 10:00:00"),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.feedback"]._cron_send_invitations()
        answer, survey = feedback.user_input_id, feedback.user_input_id.survey_id
        link = re.search(r"https?://\S+", feedback.dispatch_id._text_to_send()).group(0)
        with freeze_time(f"{self.TODAY + timedelta(days=20)} 09:00:00"):
            page = self.url_open(link.replace(survey.get_base_url(), ""))
            score_question = survey.question_ids.sorted("sequence")[:1]
            self.url_open(
                f"/survey/submit/{survey.access_token}/{answer.access_token}",
                json={"params": {str(score_question.id): "0", "token": answer.access_token, "button_submit": "next"}},
            )
        self.assertNotIn("How likely are you to recommend us", page.text, "the expired survey is not shown")
        self.assertFalse(answer.user_input_line_ids)
        self.assertEqual((feedback.state, feedback.score, visit.satisfaction_score), ("sent", 0, False))
