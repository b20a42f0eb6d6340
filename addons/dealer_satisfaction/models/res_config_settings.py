from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.settings import check_int_settings, int_param

PREFIX = "dealer_satisfaction."
# ``key: (default, minimum, maximum)`` of the addon's database-wide settings (system parameters
# PREFIX + key), each default written here only.
SATISFACTION_PARAMS = {
    "invite_delay_days": (1, 0, 30),
    "expire_days": (14, 1, 365),
}


def satisfaction_param(env, key):
    """The value of the addon's setting ``key`` (its default when unset), through dealer_crm's one reader."""
    return int_param(env, PREFIX + key, SATISFACTION_PARAMS[key])


class ResConfigSettings(models.TransientModel):
    """When the satisfaction survey goes out and how long it waits: a block on Settings > Dealership."""

    _inherit = "res.config.settings"

    dealer_feedback_invite_delay_days = fields.Integer(
        string="Survey sent after (days)",
        config_parameter=PREFIX + "invite_delay_days",
        default=SATISFACTION_PARAMS["invite_delay_days"][0],
        help="Days after a car's delivery or a service visit before the customer gets the satisfaction survey.",
    )
    dealer_feedback_expire_days = fields.Integer(
        string="Survey expires after (days)",
        config_parameter=PREFIX + "expire_days",
        default=SATISFACTION_PARAMS["expire_days"][0],
        help="A survey not answered this many days after it was sent counts as unanswered.",
    )

    @api.constrains("dealer_feedback_invite_delay_days", "dealer_feedback_expire_days")
    def _check_dealer_satisfaction_params(self):
        check_int_settings(
            self,
            {
                "dealer_feedback_invite_delay_days": SATISFACTION_PARAMS["invite_delay_days"],
                "dealer_feedback_expire_days": SATISFACTION_PARAMS["expire_days"],
            },
        )
