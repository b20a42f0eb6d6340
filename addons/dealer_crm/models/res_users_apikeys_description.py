from odoo import models
from odoo.addons.base.models.res_users import check_identity
from odoo.exceptions import AccessError

from .res_users_apikeys import DEALER_API_SCOPE


class ResUsersApikeysDescription(models.TransientModel):
    _inherit = "res.users.apikeys.description"

    @check_identity
    def action_dealer_make_api_key(self):
        return self._dealer_make_api_key()

    def _dealer_make_api_key(self):
        """Odoo's ``make_key``, but the key opens only the dealer API (see ``_dealer_api_check_credentials``)."""
        self.check_access_make_key()
        if not self.env.user.has_group("dealer_crm.group_integration"):
            raise AccessError(self.env._("Only a user of the Integration (API) group can have an integration key."))
        description = self.sudo()
        key = self.env["res.users.apikeys"]._generate(DEALER_API_SCOPE, description.name, self.expiration_date)
        description.unlink()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.users.apikeys.show",
            "name": self.env._("Integration key ready"),
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": key},
        }
