from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.settings import check_int_settings
from odoo.exceptions import ValidationError

from ..tools.rfm import parse_thresholds

# The database-wide loyalty settings (system parameters ``dealer_loyalty.<key>``), each with its
# default written here only: whole numbers as ``(default, minimum, maximum)`` for dealer_crm's
# settings reader, the others as their default. The settings fields take their defaults from
# here, and ``res.partner._dealer_loyalty_params`` reads the parameters.
INT_SETTINGS = {
    "rfm_window_months": (24, 1, 240),
    # scores are single digits side by side in rfm_score ("545")
    "rfm_bands": (5, 2, 9),
    "sleeping_days": (365, 1, 3650),
    "new_days": (180, 1, 3650),
    "loyal_min_events": (4, 1, 1000),
    "risk_medium": (30, 0, 100000),
    "risk_high": (60, 0, 100000),
    "dispatch_batch_size": (200, 1, 10000),
}
TEXT_SETTINGS = {
    "rfm_method": "quantile",
    "rfm_recency_thresholds": "30,90,180,365",
    "rfm_frequency_thresholds": "2,3,5,8",
    "rfm_monetary_thresholds": "10000,50000,100000,250000",
}
LOYALTY_DEFAULTS = {**{key: spec[0] for key, spec in INT_SETTINGS.items()}, **TEXT_SETTINGS}
# The parameter key of each setting where it differs from its key above (the thresholds were
# stored under their one-letter names before they were spelled out).
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
    """Unusable RFM thresholds: ``key`` names the setting, ``problem`` says what is wrong."""

    def __init__(self, key, problem):
        super().__init__(key, problem)
        self.key, self.problem = key, problem


def parse_rfm_thresholds(texts):
    """``{threshold key: text}`` → ``{threshold key: [numbers]}``, checked together.

    Raises ``LoyaltySettingError``: ``thresholds`` (not ascending numbers separated by commas)
    or ``counts`` (recency, frequency and monetary need as many thresholds, 1 to 8).
    """
    parsed = {}
    for key in THRESHOLD_KEYS:
        try:
            parsed[key] = parse_thresholds(texts.get(key) or TEXT_SETTINGS[key])
        except ValueError:
            raise LoyaltySettingError(key, "thresholds") from None
    counts = {len(values) for values in parsed.values()}
    if len(counts) > 1 or 0 in counts or max(counts) > 8:
        raise LoyaltySettingError("rfm_recency_thresholds", "counts")
    return parsed


class ResConfigSettings(models.TransientModel):
    """Loyalty and reminder settings on Settings > Dealership.

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

    @api.constrains(*(f"dealer_{key}" for key in INT_SETTINGS))
    def _check_dealer_loyalty_numbers(self):
        check_int_settings(self, {f"dealer_{key}": spec for key, spec in INT_SETTINGS.items()})

    @api.constrains(*(f"dealer_{key}" for key in THRESHOLD_KEYS))
    def _check_dealer_rfm_thresholds(self):
        for settings in self:
            try:
                parse_rfm_thresholds({key: settings[f"dealer_{key}"] for key in THRESHOLD_KEYS})
            except LoyaltySettingError as error:
                if error.problem == "counts":
                    raise ValidationError(
                        self.env._(
                            "Recency, frequency and monetary thresholds must have the same, non-zero count (at most 8)."
                        )
                    ) from None
                label = self._fields[f"dealer_{error.key}"]._description_string(self.env)
                raise ValidationError(
                    self.env._("%(field)s must be ascending numbers separated by commas.", field=label)
                ) from None

    def action_dealer_telegram_set_webhook(self):
        """Register the current showroom's Telegram webhook (the bot's token and name are saved first)."""
        self.ensure_one()
        return self.company_id.action_dealer_telegram_set_webhook()
