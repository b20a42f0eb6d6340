from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.rfm import parse_thresholds

# (config parameter, default) of every loyalty setting; res.partner reads them through
# ``_dealer_loyalty_params`` so that a missing parameter falls back to the same default.
LOYALTY_DEFAULTS = {
    "rfm_window_months": 24,
    "rfm_method": "quantile",
    "rfm_bands": 5,
    "rfm_r_thresholds": "30,90,180,365",
    "rfm_f_thresholds": "2,3,5,8",
    "rfm_m_thresholds": "10000,50000,100000,250000",
    "sleeping_days": 365,
    "new_days": 180,
    "loyal_min_events": 4,
    "risk_medium": 30,
    "risk_high": 60,
}


class ResConfigSettings(models.TransientModel):
    """Loyalty thresholds, kept as system parameters ``dealer_loyalty.<key>``."""

    _inherit = "res.config.settings"

    dealer_rfm_window_months = fields.Integer(
        string="RFM window (months)",
        config_parameter="dealer_loyalty.rfm_window_months",
        default=24,
        help="Frequency and monetary value count the visits and purchases of this many last months.",
    )
    dealer_rfm_method = fields.Selection(
        [("quantile", "Quantiles (ranks among all customers)"), ("bands", "Fixed bands (thresholds)")],
        string="RFM scoring",
        config_parameter="dealer_loyalty.rfm_method",
        default="quantile",
    )
    dealer_rfm_bands = fields.Integer(
        string="Number of quantiles",
        config_parameter="dealer_loyalty.rfm_bands",
        default=5,
        help="Scores go from 1 to this number (5 = quintiles).",
    )
    dealer_rfm_r_thresholds = fields.Char(
        string="Recency thresholds (days)",
        config_parameter="dealer_loyalty.rfm_r_thresholds",
        default="30,90,180,365",
        help="Ascending, comma-separated; a customer seen within the first gets the top score.",
    )
    dealer_rfm_f_thresholds = fields.Char(
        string="Frequency thresholds (visits)",
        config_parameter="dealer_loyalty.rfm_f_thresholds",
        default="2,3,5,8",
        help="Ascending, comma-separated; each threshold reached adds one to the score.",
    )
    dealer_rfm_m_thresholds = fields.Char(
        string="Monetary thresholds",
        config_parameter="dealer_loyalty.rfm_m_thresholds",
        default="10000,50000,100000,250000",
        help="Ascending, comma-separated amounts spent in the window.",
    )
    dealer_sleeping_days = fields.Integer(
        string="Sleeping after (days)",
        config_parameter="dealer_loyalty.sleeping_days",
        default=365,
        help="A customer without any visit or purchase for longer than this is sleeping.",
    )
    dealer_new_days = fields.Integer(
        string="New for (days)",
        config_parameter="dealer_loyalty.new_days",
        default=180,
        help="A customer whose first visit or purchase is this recent is new.",
    )
    dealer_loyal_min_events = fields.Integer(
        string="Loyal from (visits)",
        config_parameter="dealer_loyalty.loyal_min_events",
        default=4,
        help="Visits and purchases within the RFM window that make a customer loyal.",
    )
    dealer_risk_medium = fields.Integer(
        string="Medium risk from",
        config_parameter="dealer_loyalty.risk_medium",
        default=30,
    )
    dealer_risk_high = fields.Integer(string="High risk from", config_parameter="dealer_loyalty.risk_high", default=60)

    @api.constrains("dealer_rfm_bands")
    def _check_dealer_rfm_bands(self):
        for settings in self:
            if not 2 <= settings.dealer_rfm_bands <= 9:
                raise ValidationError(self.env._("Number of quantiles must be between 2 and 9."))

    @api.constrains("dealer_rfm_r_thresholds", "dealer_rfm_f_thresholds", "dealer_rfm_m_thresholds")
    def _check_dealer_rfm_thresholds(self):
        for settings in self:
            lengths = set()
            for fname in ("dealer_rfm_r_thresholds", "dealer_rfm_f_thresholds", "dealer_rfm_m_thresholds"):
                try:
                    lengths.add(len(parse_thresholds(settings[fname])))
                except ValueError:
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be ascending numbers separated by commas.", field=self._fields[fname].string
                        )
                    ) from None
            if len(lengths) > 1 or 0 in lengths or max(lengths) > 8:
                raise ValidationError(
                    self.env._(
                        "Recency, frequency and monetary thresholds must have the same, non-zero count (at most 8)."
                    )
                )
