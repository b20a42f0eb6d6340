"""A campaign e-mail names its dispatch row (``mail.mail.dealer_dispatch_id``).

The queue used to look the rows up by message for every batch it sent, whatever the batch held;
the e-mails of campaign rows still waiting in the queue (or failed and retried) get their row
here, in one statement, so they leave with their tracking and unsubscribe link as before.
"""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE mail_mail m
           SET dealer_dispatch_id = d.id
          FROM (SELECT DISTINCT ON (mail_message_id) id, mail_message_id
                  FROM dealer_dispatch
                 WHERE channel = 'email' AND mail_message_id IS NOT NULL
              ORDER BY mail_message_id, id) d
         WHERE d.mail_message_id = m.mail_message_id
           AND m.dealer_dispatch_id IS NULL
           AND m.state IN ('outgoing', 'exception')
        """
    )
