from unittest.mock import patch

from odoo import sql_db
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCronWakeup(TransactionCase):
    """A transaction that makes several jobs due wakes the cron workers once when it commits (one
    connection to the ``postgres`` database instead of one per job)."""

    def commit_hooks(self):
        with patch.object(sql_db, "db_connect") as connect:
            self.env.cr.postcommit.run()
        return connect.call_count

    def test_one_commit_wakes_the_workers_once_and_the_next_commit_again(self):
        self.env.cr.postcommit.clear()  # what the test's setup queued
        mail_queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        escalation = self.env.ref("dealer_crm.ir_cron_dealer_sla_escalate")
        (mail_queue | escalation).write({"active": True})
        self.env.cr.postcommit.clear()  # writing a job queues a wake-up too
        mail_queue._trigger()
        escalation._trigger()
        mail_queue._trigger()
        self.assertEqual(self.commit_hooks(), 1)
        self.assertEqual(self.commit_hooks(), 0, "nothing due, nobody woken")
        escalation._trigger()
        self.assertEqual(self.commit_hooks(), 1, "the next transaction's job wakes the workers again")
