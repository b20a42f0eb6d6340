from odoo import api, models
from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT, check_identity
from odoo.exceptions import AccessError
from odoo.tools import SQL

DEALER_API_SCOPE = "dealer_api"


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    @api.model
    def _dealer_api_check_credentials(self, key):
        """The user of an integration key, or ``None``.

        Only keys generated for the dealer API (scope ``dealer_api``) open it. Odoo's own
        ``_check_credentials`` also accepts global keys (no scope), which are valid on ``/json/2``
        and XML-RPC too: a leaked website key must not open the whole database, and a personal
        key must not post leads as the integration.
        """
        if not key:
            return None
        self.env.cr.execute(
            SQL(
                """
            SELECT k.user_id, k.key
              FROM res_users_apikeys k
              JOIN res_users u ON u.id = k.user_id
             WHERE u.active AND k.index = %(index)s AND k.scope = %(scope)s
               AND (k.expiration_date IS NULL OR k.expiration_date >= now() at time zone 'utc')
                """,
                index=key[:INDEX_SIZE],
                scope=DEALER_API_SCOPE,
            )
        )
        for user_id, hashed in self.env.cr.fetchall():
            if KEY_CRYPT_CONTEXT.verify(key, hashed):
                return user_id
        return None


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
