from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import DealerSatisfactionCase
from .test_feedback import no_commit


@tagged("post_install", "-at_install")
class TestFeedbackRetention(DealerSatisfactionCase):
    def _invited(self, visit, comment, score):
        """The visit's survey sent the next day and answered the day after."""
        visit.action_done()
        with (
            freeze_time(f"{visit.date + timedelta(days=1)} 10:00:00"),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.feedback"]._cron_send_invitations()
        with freeze_time(f"{visit.date + timedelta(days=2)} 10:00:00"):
            self._answer(visit.feedback_ids, score, comment)
        return visit.feedback_ids

    def test_old_comments_are_forgotten_scores_stay(self):
        # a visit answered on its second day, another one half a year later (each survey before it expires)
        old, recent = (
            self._invited(self._visit(self.russian), "Мастер нагрубил", 5),
            self._invited(self._visit(self.english, day=self.TODAY + timedelta(days=198)), "Too slow", 6),
        )

        cutoff = fields.Datetime.to_datetime(f"{self.TODAY + timedelta(days=100)} 00:00:00")
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit):
            self.env["dealer.data.retention"]._purge_personal_data(cutoff)

        self.assertEqual((old.comment, old.score, old.category), (False, 5, "detractor"))
        old_texts = old.user_input_id.user_input_line_ids.filtered(lambda line: line.answer_type == "text_box")
        self.assertFalse(old_texts.value_text_box, "the survey's own copy of the comment is gone too")
        self.assertEqual(recent.comment, "Too slow")
