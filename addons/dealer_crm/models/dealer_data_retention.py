from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

RETENTION_PARAM = "dealer_crm.personal_data_retention_days"
RETENTION_DEFAULT = 90
RETENTION_RANGE = (1, 3650)


class DealerDataRetention(models.AbstractModel):
    """The one place that forgets old personal data (personal-data law: keep it no longer than needed).

    One setting (days, ``RETENTION_PARAM``) and one daily cron: ``_cron_purge_personal_data`` calls
    the hook ``_dealer_purge_personal_data(cutoff)``, which deletes or blanks what is older than the
    cutoff.  An addon with personal data of its own extends the hook (``super()``, then its own
    tables, in batches with ``ir.cron._commit_progress``).
    """

    _name = "dealer.data.retention"
    _description = "Personal data retention"

    @api.model
    def _dealer_retention_days(self):
        raw = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
        if raw in (None, False, ""):
            return RETENTION_DEFAULT
        try:
            days = int(raw)
        except ValueError:
            days = None
        if days is None or not RETENTION_RANGE[0] <= days <= RETENTION_RANGE[1]:
            raise UserError(
                self.env._(
                    "System parameter %(param)s must be a whole number of days from %(min)s to %(max)s, not %(value)r.",
                    param=RETENTION_PARAM,
                    min=RETENTION_RANGE[0],
                    max=RETENTION_RANGE[1],
                    value=raw,
                )
            )
        return days

    @api.model
    def _dealer_purge_personal_data(self, cutoff):
        """The hook: forget what is older than ``cutoff``. Here: the integration API's request log."""
        self.env["dealer.api.request"].sudo()._dealer_purge_before(cutoff)

    @api.model
    def _cron_purge_personal_data(self):
        self._dealer_purge_personal_data(fields.Datetime.now() - timedelta(days=self._dealer_retention_days()))
