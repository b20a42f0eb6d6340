from datetime import timedelta

from odoo import api, fields, models

from ..tools.settings import int_param
from .res_config_settings import INT_SETTINGS, param_name


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
        """The hook: forget what is older than ``cutoff``. Here: the integration API's request log."""
        self.env["dealer.api.request"].sudo()._purge_before(cutoff)

    @api.model
    def _cron_purge_personal_data(self):
        self._purge_personal_data(fields.Datetime.now() - timedelta(days=self._retention_days()))
