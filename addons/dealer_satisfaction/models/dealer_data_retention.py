from odoo import api, models
from odoo.tools import SQL

PURGE_BATCH = 10000


class DealerDataRetention(models.AbstractModel):
    _inherit = "dealer.data.retention"

    @api.model
    def _purge_personal_data(self, cutoff):
        """Also forget what customers wrote in their satisfaction surveys once older than the retention
        setting: the feedback's comment and the survey's free-text answer (the score stays, for the NPS)."""
        res = super()._purge_personal_data(cutoff)
        self.env.flush_all()
        for query in (
            SQL(
                """UPDATE dealer_feedback SET comment = NULL
                    WHERE id IN (SELECT id FROM dealer_feedback
                                  WHERE comment IS NOT NULL AND answer_date < %(cutoff)s
                                  ORDER BY id LIMIT %(batch)s)""",
                cutoff=cutoff,
                batch=PURGE_BATCH,
            ),
            SQL(
                """UPDATE survey_user_input_line SET value_text_box = NULL, value_char_box = NULL
                    WHERE id IN (SELECT line.id FROM survey_user_input_line line
                                   JOIN dealer_feedback f ON f.user_input_id = line.user_input_id
                                  WHERE f.answer_date < %(cutoff)s
                                    AND (line.value_text_box IS NOT NULL OR line.value_char_box IS NOT NULL)
                                  ORDER BY line.id LIMIT %(batch)s)""",
                cutoff=cutoff,
                batch=PURGE_BATCH,
            ),
        ):
            while True:
                self.env.cr.execute(query)
                done = self.env.cr.rowcount
                self.env["ir.cron"]._commit_progress(done)
                if done < PURGE_BATCH:
                    break
        self.env.invalidate_all()
        return res
