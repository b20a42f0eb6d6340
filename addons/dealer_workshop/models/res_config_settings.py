from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.settings import check_int_settings, int_param

PREFIX = "dealer_workshop."
# ``key: (default, minimum, maximum)`` of the addon's database-wide settings (system parameters
# PREFIX + key), each default written here only.
WORKSHOP_PARAMS = {
    "slot_minutes": (30, 5, 240),
    "booking_days": (30, 1, 365),
    "late_notice_minutes": (60, 0, 1440),
    "otp_minutes": (10, 1, 60),
}
FIELDS = {
    "dealer_workshop_slot_minutes": "slot_minutes",
    "dealer_workshop_booking_days": "booking_days",
    "dealer_workshop_late_notice_minutes": "late_notice_minutes",
    "dealer_workshop_otp_minutes": "otp_minutes",
}


def workshop_param(env, key):
    """The value of the addon's setting ``key`` (its default when unset), through dealer_crm's one reader."""
    return int_param(env, PREFIX + key, WORKSHOP_PARAMS[key])


class ResConfigSettings(models.TransientModel):
    """Booking slots, how far ahead customers book, late notices and code lifetime: Settings > Dealership."""

    _inherit = "res.config.settings"

    dealer_workshop_slot_minutes = fields.Integer(
        string="Booking slot (minutes)",
        config_parameter=PREFIX + "slot_minutes",
        default=WORKSHOP_PARAMS["slot_minutes"][0],
        help="Step between the start times the booking page offers.",
    )
    dealer_workshop_booking_days = fields.Integer(
        string="Bookable days ahead",
        config_parameter=PREFIX + "booking_days",
        default=WORKSHOP_PARAMS["booking_days"][0],
        help="How far ahead customers may book on the booking page.",
    )
    dealer_workshop_late_notice_minutes = fields.Integer(
        string="Warn of a late car (minutes before)",
        config_parameter=PREFIX + "late_notice_minutes",
        default=WORKSHOP_PARAMS["late_notice_minutes"][0],
        help="A car that will not be ready when promised: its customer is told this long before the promised time.",
    )
    dealer_workshop_otp_minutes = fields.Integer(
        string="Confirmation code valid (minutes)",
        config_parameter=PREFIX + "otp_minutes",
        default=WORKSHOP_PARAMS["otp_minutes"][0],
        help="How long the code sent to a customer's phone confirms a booking.",
    )

    @api.constrains(*FIELDS)
    def _check_dealer_workshop_params(self):
        check_int_settings(self, {fname: WORKSHOP_PARAMS[key] for fname, key in FIELDS.items()})
