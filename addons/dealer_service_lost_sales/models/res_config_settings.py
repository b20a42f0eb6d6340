from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.settings import check_int_settings, int_param

PREFIX = "dealer_service_lost_sales."
# The addon's database-wide whole-number settings, kept as system parameters PREFIX + key,
# ``key: (default, minimum, maximum)``, each default written here only (the settings fields take
# their defaults from here; dealer_crm's settings reader checks the parameters against them).
SERVICE_PARAMS = {
    "no_show_grace_minutes": (60, 0, 24 * 60),
    "deferred_grace_days": (30, 0, 365),
    "repeat_repair_days": (90, 1, 3650),
    "booking_link_days": (3, 0, 30),
    "workshop_link_days": (30, 0, 365),
}


def service_param(env, key):
    """The value of the addon's setting ``key`` (its default when unset), through dealer_crm's one reader."""
    return int_param(env, PREFIX + key, SERVICE_PARAMS[key])


class ResConfigSettings(models.TransientModel):
    """The aftersales lost-sales rules an administrator tunes: their block on Settings > Dealership."""

    _inherit = "res.config.settings"

    dealer_no_show_grace_minutes = fields.Integer(
        string="No-show after (minutes)",
        config_parameter=PREFIX + "no_show_grace_minutes",
        default=SERVICE_PARAMS["no_show_grace_minutes"][0],
        help="A booking still in Scheduling this long after its planned time, with no visit of the car, "
        "is recorded as a no-show.",
    )
    dealer_deferred_grace_days = fields.Integer(
        string="Deferred work lost after (days)",
        config_parameter=PREFIX + "deferred_grace_days",
        default=SERVICE_PARAMS["deferred_grace_days"][0],
        help='Deferred work still open this long after its due date is lost as "deferred and never done".',
    )
    dealer_repeat_repair_days = fields.Integer(
        string="Repeat repair within (days)",
        config_parameter=PREFIX + "repeat_repair_days",
        default=SERVICE_PARAMS["repeat_repair_days"][0],
        help="A customer issue of the same car and category within this many days of an earlier one "
        "is a repeat repair.",
    )
    dealer_booking_link_days = fields.Integer(
        string="Booking matches a visit within (days)",
        config_parameter=PREFIX + "booking_link_days",
        default=SERVICE_PARAMS["booking_link_days"][0],
        help="A visit of a car carries out the car's booking planned (or won) this many days around the visit date.",
    )
    dealer_workshop_link_days = fields.Integer(
        string="Car in the workshop for at most (days)",
        config_parameter=PREFIX + "workshop_link_days",
        default=SERVICE_PARAMS["workshop_link_days"][0],
        help="A visit also carries out an opportunity of its car that entered a workshop stage (Reception to "
        "Delivery) at most this many days before the visit.",
    )

    @api.constrains(*(f"dealer_{key}" for key in SERVICE_PARAMS))
    def _check_dealer_service_params(self):
        check_int_settings(self, {f"dealer_{key}": spec for key, spec in SERVICE_PARAMS.items()})
