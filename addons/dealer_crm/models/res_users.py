from odoo import models
from odoo.addons.base.models.res_users import check_identity


class ResUsers(models.Model):
    _inherit = "res.users"

    @check_identity
    def action_dealer_api_key_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.users.apikeys.description",
            "name": self.env._("New integration key"),
            "target": "new",
            "views": [(self.env.ref("dealer_crm.res_users_apikeys_description_view_form_dealer_api").id, "form")],
        }
