from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.rfm import parse_thresholds

# Every database-wide loyalty setting (system parameter ``dealer_loyalty.<key>``) and its
# default, written here only: the settings fields take their defaults from it, and
# ``res.partner._dealer_loyalty_params`` reads the parameters through ``read_loyalty_params``.
LOYALTY_DEFAULTS = {
    "rfm_window_months": 24,
    "rfm_method": "quantile",
    "rfm_bands": 5,
    "rfm_recency_thresholds": "30,90,180,365",
    "rfm_frequency_thresholds": "2,3,5,8",
    "rfm_monetary_thresholds": "10000,50000,100000,250000",
    "sleeping_days": 365,
    "new_days": 180,
    "loyal_min_events": 4,
    "risk_medium": 30,
    "risk_high": 60,
    "dispatch_batch_size": 200,
}
# The parameter key of each setting where it differs from its key in LOYALTY_DEFAULTS
# (the thresholds were stored under their one-letter names before they were spelled out).
PARAM_KEYS = {
    "rfm_recency_thresholds": "rfm_r_thresholds",
    "rfm_frequency_thresholds": "rfm_f_thresholds",
    "rfm_monetary_thresholds": "rfm_m_thresholds",
}
THRESHOLD_KEYS = ("rfm_recency_thresholds", "rfm_frequency_thresholds", "rfm_monetary_thresholds")


def param_name(key):
    """The system parameter holding the loyalty setting ``key``."""
    return f"dealer_loyalty.{PARAM_KEYS.get(key, key)}"


class LoyaltySettingError(ValueError):
    """A loyalty setting that cannot be used: ``key`` names it, ``problem`` says what is wrong."""

    def __init__(self, key, problem, value=None):
        super().__init__(key, problem, value)
        self.key, self.problem, self.value = key, problem, value


def read_loyalty_params(raw):
    """The one reader of the loyalty settings: ``{key: raw value or empty}`` → typed, checked values.

    An empty value takes its default. Raises ``LoyaltySettingError`` with the problem:
    ``invalid`` (not of the setting's type), ``thresholds`` (not ascending numbers),
    ``bands`` (2 to 9 score bands: scores are single digits side by side in "545"),
    ``counts`` (recency, frequency and monetary need as many thresholds, at least one, at most
    8) or ``positive`` (a batch of no message).
    """
    params = {}
    for key, default in LOYALTY_DEFAULTS.items():
        value = raw.get(key)
        if value is None or value is False or value == "":
            value = default
        try:
            params[key] = type(default)(value)
        except ValueError:
            raise LoyaltySettingError(key, "invalid", value) from None
    for key in THRESHOLD_KEYS:
        try:
            params[key] = parse_thresholds(params[key])
        except ValueError:
            raise LoyaltySettingError(key, "thresholds", params[key]) from None
    if not 2 <= params["rfm_bands"] <= 9:
        raise LoyaltySettingError("rfm_bands", "bands", params["rfm_bands"])
    counts = {len(params[key]) for key in THRESHOLD_KEYS}
    if len(counts) > 1 or 0 in counts or max(counts) > 8:
        raise LoyaltySettingError("rfm_recency_thresholds", "counts")
    if params["dispatch_batch_size"] < 1:
        raise LoyaltySettingError("dispatch_batch_size", "positive", params["dispatch_batch_size"])
    return params


class ResConfigSettings(models.TransientModel):
    """Loyalty and reminder settings on Settings > Dealer CRM.

    Database-wide values are system parameters ``dealer_loyalty.<key>`` (defaults in
    ``LOYALTY_DEFAULTS``); the Telegram bot and the frequency cap are the current showroom's.
    """

    _inherit = "res.config.settings"

    # ------------------------------------------------------------
    # RFM segmentation, loyalty status, churn risk (database-wide)
    # ------------------------------------------------------------

    dealer_rfm_window_months = fields.Integer(
        string="RFM window (months)",
        config_parameter=param_name("rfm_window_months"),
        default=LOYALTY_DEFAULTS["rfm_window_months"],
        help="Frequency and monetary value count the visits and purchases of this many last months.",
    )
    dealer_rfm_method = fields.Selection(
        [("quantile", "Quantiles (ranks among all customers)"), ("bands", "Fixed bands (thresholds)")],
        string="RFM scoring",
        config_parameter=param_name("rfm_method"),
        default=LOYALTY_DEFAULTS["rfm_method"],
    )
    dealer_rfm_bands = fields.Integer(
        string="Number of quantiles",
        config_parameter=param_name("rfm_bands"),
        default=LOYALTY_DEFAULTS["rfm_bands"],
        help="Scores go from 1 to this number (5 = quintiles).",
    )
    dealer_rfm_recency_thresholds = fields.Char(
        string="Recency thresholds (days)",
        config_parameter=param_name("rfm_recency_thresholds"),
        default=LOYALTY_DEFAULTS["rfm_recency_thresholds"],
        help="Ascending, comma-separated; a customer seen within the first gets the top score.",
    )
    dealer_rfm_frequency_thresholds = fields.Char(
        string="Frequency thresholds (visits)",
        config_parameter=param_name("rfm_frequency_thresholds"),
        default=LOYALTY_DEFAULTS["rfm_frequency_thresholds"],
        help="Ascending, comma-separated; each threshold reached adds one to the score.",
    )
    dealer_rfm_monetary_thresholds = fields.Char(
        string="Monetary thresholds",
        config_parameter=param_name("rfm_monetary_thresholds"),
        default=LOYALTY_DEFAULTS["rfm_monetary_thresholds"],
        help="Ascending, comma-separated amounts spent in the window.",
    )
    dealer_sleeping_days = fields.Integer(
        string="Sleeping after (days)",
        config_parameter=param_name("sleeping_days"),
        default=LOYALTY_DEFAULTS["sleeping_days"],
        help="A customer without any visit or purchase for longer than this is sleeping.",
    )
    dealer_new_days = fields.Integer(
        string="New for (days)",
        config_parameter=param_name("new_days"),
        default=LOYALTY_DEFAULTS["new_days"],
        help="A customer whose first visit or purchase is this recent is new.",
    )
    dealer_loyal_min_events = fields.Integer(
        string="Loyal from (visits)",
        config_parameter=param_name("loyal_min_events"),
        default=LOYALTY_DEFAULTS["loyal_min_events"],
        help="Visits and purchases within the RFM window that make a customer loyal.",
    )
    dealer_risk_medium = fields.Integer(
        string="Medium risk from",
        config_parameter=param_name("risk_medium"),
        default=LOYALTY_DEFAULTS["risk_medium"],
    )
    dealer_risk_high = fields.Integer(
        string="High risk from",
        config_parameter=param_name("risk_high"),
        default=LOYALTY_DEFAULTS["risk_high"],
    )

    # ------------------------------------------------------------
    # Reminder campaigns
    # ------------------------------------------------------------

    dealer_dispatch_batch_size = fields.Integer(
        string="Messages per sending batch",
        config_parameter=param_name("dispatch_batch_size"),
        default=LOYALTY_DEFAULTS["dispatch_batch_size"],
        help="The sending cron hands this many queued messages to the outbox, then commits and goes on.",
    )
    dealer_msg_cap_count = fields.Integer(related="company_id.dealer_msg_cap_count", readonly=False)
    dealer_msg_cap_days = fields.Integer(related="company_id.dealer_msg_cap_days", readonly=False)
    dealer_telegram_bot_username = fields.Char(related="company_id.dealer_telegram_bot_username", readonly=False)
    dealer_telegram_bot_token = fields.Char(related="company_id.dealer_telegram_bot_token", readonly=False)
    dealer_telegram_link_days = fields.Integer(related="company_id.dealer_telegram_link_days", readonly=False)

    @api.constrains(
        "dealer_rfm_window_months",
        "dealer_rfm_bands",
        "dealer_rfm_recency_thresholds",
        "dealer_rfm_frequency_thresholds",
        "dealer_rfm_monetary_thresholds",
        "dealer_sleeping_days",
        "dealer_new_days",
        "dealer_loyal_min_events",
        "dealer_dispatch_batch_size",
    )
    def _check_dealer_loyalty_settings(self):
        for settings in self:
            try:
                read_loyalty_params({key: settings[f"dealer_{key}"] for key in LOYALTY_DEFAULTS})
            except LoyaltySettingError as error:
                raise ValidationError(settings._dealer_loyalty_error_message(error)) from None

    def _dealer_loyalty_error_message(self, error):
        label = self._fields[f"dealer_{error.key}"].get_description(self.env)["string"]
        if error.problem == "thresholds":
            return self.env._("%(field)s must be ascending numbers separated by commas.", field=label)
        if error.problem == "bands":
            return self.env._("Number of quantiles must be between 2 and 9.")
        if error.problem == "counts":
            return self.env._(
                "Recency, frequency and monetary thresholds must have the same, non-zero count (at most 8)."
            )
        return self.env._("%(field)s must be at least 1.", field=label)

    def action_dealer_telegram_set_webhook(self):
        """Register the current showroom's Telegram webhook (the bot's token and name are saved first)."""
        self.ensure_one()
        return self.company_id.action_dealer_telegram_set_webhook()
