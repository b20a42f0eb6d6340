from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

PREFIX = "dealer_service_lost_sales."
# the addon's tunable numbers, kept as system parameters PREFIX + key: key -> (default, minimum, maximum)
SERVICE_PARAMS = {
    "no_show_grace_minutes": (60, 0, 24 * 60),
    "deferred_grace_days": (30, 0, 365),
    "repeat_repair_days": (90, 1, 3650),
    "booking_link_days": (3, 0, 30),
    "workshop_link_days": (30, 0, 365),
}


def service_param(env, key):
    """The value of a setting of the addon; its default when the system parameter is unset.

    A parameter edited by hand into something else than a whole number in range is reported
    by name instead of breaking the caller (a cron, a visit from the DMS) with a bare error.
    """
    default, minimum, maximum = SERVICE_PARAMS[key]
    raw = env["ir.config_parameter"].sudo().get_param(PREFIX + key)
    if raw in (None, False, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise UserError(
            env._(
                "System parameter %(param)s must be a whole number from %(min)s to %(max)s, not %(value)r.",
                param=PREFIX + key,
                min=minimum,
                max=maximum,
                value=raw,
            )
        )
    return value


class ResConfigSettings(models.TransientModel):
    """The aftersales lost-sales rules an administrator tunes (Settings → Dealer Service)."""

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
        for settings in self:
            for key, (_default, minimum, maximum) in SERVICE_PARAMS.items():
                fname = f"dealer_{key}"
                if not minimum <= settings[fname] <= maximum:
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be from %(min)s to %(max)s.",
                            field=self._fields[fname].string,
                            min=minimum,
                            max=maximum,
                        )
                    )
