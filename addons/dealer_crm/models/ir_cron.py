from odoo import api, models

NOTIFIED = "dealer_crm.cron_workers_notified"


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _notifydb(self):
        """Wake the cron workers once per commit, however many jobs the transaction made due.

        Odoo queues one wake-up per ``_trigger``, and each opens a connection to the ``postgres``
        database to send the same notice (the database's name): a lead from the API makes the mail
        queue, the lead enrichment and the response clock due, three connections after one commit.
        The workers read every due job when woken, so the first notice is enough.
        """
        data = self.env.cr.postcommit.data
        if data.get(NOTIFIED):
            return
        data[NOTIFIED] = True
        super()._notifydb()
