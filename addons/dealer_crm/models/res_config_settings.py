from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .dealer_data_retention import RETENTION_DEFAULT, RETENTION_PARAM, RETENTION_RANGE


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dealer_personal_data_retention_days = fields.Integer(
        string="Keep integration logs and message tracking for (days)",
        config_parameter=RETENTION_PARAM,
        default=RETENTION_DEFAULT,
        help="Integration API requests, e-mail opens and clicks (with their IP addresses) older than this are "
        "deleted every night. A request sent again after this period is no longer recognised as a replay.",
    )

    @api.constrains("dealer_personal_data_retention_days")
    def _check_dealer_personal_data_retention_days(self):
        low, high = RETENTION_RANGE
        for settings in self:
            if not low <= settings.dealer_personal_data_retention_days <= high:
                raise ValidationError(
                    self.env._(
                        "Keep integration logs and message tracking for (days): enter a number from %(min)s "
                        "to %(max)s.",
                        min=low,
                        max=high,
                    )
                )
