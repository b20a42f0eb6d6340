from odoo import api, models
from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT
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
