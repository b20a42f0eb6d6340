import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.settings import int_param
from .res_config_settings import INT_SETTINGS, param_name
from .res_partner import IDENTITY_FIELDS

_logger = logging.getLogger(__name__)


class DealerDataRetention(models.AbstractModel):
    """The one place that forgets old personal data (personal-data law: keep it no longer than needed).

    One setting (days, system parameter ``dealer_crm.personal_data_retention_days``, on Settings >
    Dealership) and one daily cron: ``_cron_purge_personal_data`` calls the hook
    ``_purge_personal_data(cutoff)``, which deletes or blanks what is older than the
    cutoff.  An addon with personal data of its own extends the hook (``super()``, then its own
    tables, in batches with ``ir.cron._commit_progress``).
    """

    _name = "dealer.data.retention"
    _description = "Personal data retention"

    @api.model
    def _retention_days(self):
        """The retention setting in days (Settings > Dealership), read and checked by the suite's one reader."""
        key = "personal_data_retention_days"
        return int_param(self.env, param_name(key), INT_SETTINGS[key])

    @api.model
    def _purge_personal_data(self, cutoff):
        """The hook: forget what is older than ``cutoff``. Here: the integration API's request log and
        the identity documents of customers without a recent deal."""
        self.env["dealer.api.request"].sudo()._purge_before(cutoff)
        self._forget_identity_documents(cutoff)
        self._forget_call_details(cutoff)

    @api.model
    def _forget_identity_documents(self, cutoff):
        """Blank the passport data and birth date of customers who no longer need them: one UPDATE.

        They are kept for a sales contract: while the customer (or their company) has an open
        deal, or a deal created or closed after ``cutoff``; a signed contract keeps its own copy
        (the kept prints). A later purchase asks for the document again.

        :returns: ids of the customers whose identity data was forgotten
        """
        self.env.flush_all()
        columns = [SQL.identifier(fname) for fname in IDENTITY_FIELDS]
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE res_partner partner
                   SET %(blank)s
                 WHERE (%(filled)s)
                   AND NOT EXISTS (
                        SELECT 1
                          FROM crm_lead lead
                         WHERE lead.partner_id IN (partner.id, partner.commercial_partner_id)
                           AND ((lead.active AND lead.won_status = 'pending')
                                OR lead.create_date >= %(cutoff)s
                                OR lead.date_closed >= %(cutoff)s)
                   )
             RETURNING partner.id
                """,
                blank=SQL(", ").join(SQL("%s = NULL", column) for column in columns),
                filled=SQL(" OR ").join(SQL("%s IS NOT NULL", column) for column in columns),
                cutoff=cutoff,
            )
        )
        partner_ids = [partner_id for (partner_id,) in rows]
        if partner_ids:
            self.env["res.partner"].browse(partner_ids).invalidate_recordset(list(IDENTITY_FIELDS))
            _logger.info("Data retention: forgot the identity documents of %s customers", len(partner_ids))
        return partner_ids

    @api.model
    def _forget_call_details(self, cutoff):
        """Blank the number and the recording link of calls older than ``cutoff``: one UPDATE.

        The call stays in the journal with its customer, times and outcome (the statistics), but the
        conversation itself (the recording) and a number that may be nobody's card are forgotten.

        :returns: how many calls were blanked
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE dealer_call
                   SET phone = NULL, recording_url = NULL
                 WHERE started_at < %(cutoff)s
                   AND (phone IS NOT NULL OR recording_url IS NOT NULL)
                """,
                cutoff=cutoff,
            )
        )
        count = self.env.cr.rowcount
        if count:
            self.env["dealer.call"].invalidate_model(["phone", "recording_url"])
            _logger.info("Data retention: forgot the number and recording of %s calls", count)
        return count

    @api.model
    def _cron_purge_personal_data(self):
        self._purge_personal_data(fields.Datetime.now() - timedelta(days=self._retention_days()))
