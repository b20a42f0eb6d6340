from odoo import api, models
from odoo.tools import SQL

from .dealer_feedback import COMMENT_CLASS

PURGE_BATCH = 10000
# The block of the customer's comment copied into a detractor's issue, its head's task and the issue's
# chatter (the task done, its assignment notice): removed, the rest of each text stays.
COMMENT_BLOCK = f'<div class="{COMMENT_CLASS}">'
COMMENT_BLOCK_RE = f"{COMMENT_BLOCK}.*?</div>"


class DealerDataRetention(models.AbstractModel):
    _inherit = "dealer.data.retention"

    @api.model
    def _purge_personal_data(self, cutoff):
        """Also forget what customers wrote in their satisfaction surveys once older than the retention
        setting: the feedback's comment, the survey's free-text answer and the comment's copies in the
        detractor's issue, its tasks and its chatter (the score stays, for the NPS)."""
        res = super()._purge_personal_data(cutoff)
        self.env.flush_all()
        old_issues = SQL("SELECT issue_id FROM dealer_feedback WHERE issue_id IS NOT NULL AND answer_date < %s", cutoff)
        copies = [
            SQL(
                """UPDATE %(table)s SET %(column)s = regexp_replace(%(column)s, %(block_re)s, '', 'g')
                    WHERE id IN (SELECT id FROM %(table)s
                                  WHERE %(record)s IN (%(old_issues)s) AND %(column)s LIKE %(block)s
                                  ORDER BY id LIMIT %(batch)s)""",
                table=SQL.identifier(table),
                column=SQL.identifier(column),
                record=record,
                old_issues=old_issues,
                block_re=COMMENT_BLOCK_RE,
                block=f"%{COMMENT_BLOCK}%",
                batch=PURGE_BATCH,
            )
            for table, column, record in (
                ("dealer_customer_issue", "description", SQL("id")),
                ("mail_activity", "note", SQL("res_model = 'dealer.customer.issue' AND res_id")),
                ("mail_message", "body", SQL("model = 'dealer.customer.issue' AND res_id")),
            )
        ]
        for query in (
            *copies,
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
