from odoo import api, fields, models

from ..tools.settings import check_int_settings

# The database-wide whole-number settings of dealer_crm (system parameters ``dealer_crm.<key>``),
# ``key: (default, minimum, maximum)``, each default written here only: the settings fields take
# their defaults from here, and ``dealer_crm.tools.settings.int_param`` reads the parameters.
INT_SETTINGS = {
    "personal_data_retention_days": (90, 1, 3650),
}


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
        "deleted every night. A request sent again after this period is no longer recognised as a replay.",
    )
    dealer_director_id = fields.Many2one(related="company_id.dealer_director_id", readonly=False)
    dealer_reservation_hours = fields.Integer(related="company_id.dealer_reservation_hours", readonly=False)

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
