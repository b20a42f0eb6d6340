from odoo import api, fields, models

from ..tools.settings import check_int_settings

# The database-wide whole-number settings of dealer_crm (system parameters ``dealer_crm.<key>``),
# ``key: (default, minimum, maximum)``, each default written here only: the settings fields take
# their defaults from here, and ``dealer_crm.tools.settings.int_param`` reads the parameters.
INT_SETTINGS = {
    "personal_data_retention_days": (90, 1, 3650),
    # next best offers (dealer.next.offer)
    "next_offer_count": (5, 1, 20),
    "next_offer_maintenance_days": (30, 0, 365),
    "tyre_spring_month": (3, 1, 12),
    "tyre_spring_day": (15, 1, 31),
    "tyre_autumn_month": (10, 1, 12),
    "tyre_autumn_day": (15, 1, 31),
    "tyre_weeks_ahead": (4, 0, 26),
    # call journal (dealer.call): an inbound call answered within this many seconds is in the norm
    "call_answer_norm_seconds": (15, 1, 600),
    # response clock: an answered call this long (seconds) is real human contact
    "human_contact_seconds": (20, 0, 3600),
}
# response clock: only calls reported by the telephony stop it (calls logged by hand do not)
CLOCK_TELEPHONY_ONLY = "dealer_crm.clock_telephony_calls_only"


def param_name(key):
    """The system parameter holding the dealer_crm setting ``key``."""
    return f"dealer_crm.{key}"


class ResConfigSettings(models.TransientModel):
    """Settings > Dealership: the suite's one settings app, which every addon extends with its blocks.

    Database-wide values are system parameters (``config_parameter=``, defaults in
    ``INT_SETTINGS``); the director and the reservation hold are the current showroom's
    (``res.company``).
    """

    _inherit = "res.config.settings"

    dealer_personal_data_retention_days = fields.Integer(
        string="Keep integration logs and message tracking for (days)",
        config_parameter=param_name("personal_data_retention_days"),
        default=INT_SETTINGS["personal_data_retention_days"][0],
        help="Integration API requests, e-mail opens and clicks (with their IP addresses) older than this are "
        "deleted every night. A request sent again after this period is no longer recognised as a replay. "
        "Customers' passport data and dates of birth are forgotten this long after their last deal.",
    )
    dealer_next_offer_count = fields.Integer(
        string="Next best offers per car",
        config_parameter=param_name("next_offer_count"),
        default=INT_SETTINGS["next_offer_count"][0],
        help="How many items the customer card, the vehicle, the deal and the service booking offer for each car.",
    )
    dealer_next_offer_maintenance_days = fields.Integer(
        string="Offer maintenance ahead (days)",
        config_parameter=param_name("next_offer_maintenance_days"),
        default=INT_SETTINGS["next_offer_maintenance_days"][0],
        help="The maintenance package is offered from this many days before the car's maintenance is due.",
    )
    dealer_tyre_spring_month = fields.Integer(
        string="Summer tyre season starts (month)",
        config_parameter=param_name("tyre_spring_month"),
        default=INT_SETTINGS["tyre_spring_month"][0],
    )
    dealer_tyre_spring_day = fields.Integer(
        string="Summer tyre season starts (day)",
        config_parameter=param_name("tyre_spring_day"),
        default=INT_SETTINGS["tyre_spring_day"][0],
    )
    dealer_tyre_autumn_month = fields.Integer(
        string="Winter tyre season starts (month)",
        config_parameter=param_name("tyre_autumn_month"),
        default=INT_SETTINGS["tyre_autumn_month"][0],
    )
    dealer_tyre_autumn_day = fields.Integer(
        string="Winter tyre season starts (day)",
        config_parameter=param_name("tyre_autumn_day"),
        default=INT_SETTINGS["tyre_autumn_day"][0],
    )
    dealer_tyre_weeks_ahead = fields.Integer(
        string="Offer the tyre change ahead (weeks)",
        config_parameter=param_name("tyre_weeks_ahead"),
        default=INT_SETTINGS["tyre_weeks_ahead"][0],
        help="The seasonal tyre change is offered from this many weeks before the season starts until a month after.",
    )
    dealer_call_answer_norm_seconds = fields.Integer(
        string="Answer calls within (seconds)",
        config_parameter=param_name("call_answer_norm_seconds"),
        default=INT_SETTINGS["call_answer_norm_seconds"][0],
        help="An inbound call answered within this time counts as answered within the norm in the call "
        "journal (15 seconds is about three rings). Calls already recorded keep their result.",
    )
    dealer_human_contact_seconds = fields.Integer(
        string="A call is a contact from (seconds)",
        config_parameter=param_name("human_contact_seconds"),
        default=INT_SETTINGS["human_contact_seconds"][0],
        help="An answered call stops a lead's response clock only when it lasted at least this long: a "
        "hang-up, a voicemail or a few seconds' call is no conversation with the customer.",
    )
    dealer_clock_telephony_only = fields.Boolean(
        string="Only telephony-reported calls stop the response clock",
        config_parameter=CLOCK_TELEPHONY_ONLY,
        help="Off: a call logged by hand is a person's word and stops the clock like a call the telephony "
        "reported; the lead keeps the call, so the report shows which it was. On: only calls the telephony "
        "reported (and messages written to the customer) stop it.",
    )
    dealer_director_id = fields.Many2one(related="company_id.dealer_director_id", readonly=False)
    dealer_reservation_hours = fields.Integer(related="company_id.dealer_reservation_hours", readonly=False)
    dealer_require_identity = fields.Boolean(related="company_id.dealer_require_identity", readonly=False)

    @api.constrains(*(f"dealer_{key}" for key in INT_SETTINGS))
    def _check_dealer_crm_numbers(self):
        check_int_settings(self, {f"dealer_{key}": spec for key, spec in INT_SETTINGS.items()})

    def set_values(self):
        """Keep a dealership setting of 0 (e.g. no grace period): Odoo saves a whole number 0 as no
        parameter at all, which the readers would take for "unset" and replace with the default."""
        res = super().set_values()
        icp = self.env["ir.config_parameter"].sudo()
        for fname, field in self._fields.items():
            param = getattr(field, "config_parameter", None)
            if fname.startswith("dealer_") and param and field.type == "integer" and self[fname] == 0:
                if field.default and field.default(self):
                    icp.set_param(param, "0")
        return res
