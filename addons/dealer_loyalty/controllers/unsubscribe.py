from werkzeug.exceptions import NotFound

from odoo import http
from odoo.addons.dealer_crm.tools.tokens import hide_in_access_log, private_page
from odoo.http import request

# the unsubscribe links' signatures stay out of the server's access log
hide_in_access_log(r"/dealer/loyalty/unsubscribe/\d+/")


class DealerCampaignUnsubscribe(http.Controller):
    """The unsubscribe link of campaign e-mails (and the RFC 8058 one-click POST of mail programs).

    GET only shows the question: mail scanners open links, and opening must not unsubscribe.
    POST adds the address to Odoo's e-mail blacklist and withdraws the customer's e-mail consent.
    """

    @http.route(
        "/dealer/loyalty/unsubscribe/<int:dispatch_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def dealer_campaign_unsubscribe(self, dispatch_id, token, **_kw):
        row = request.env["dealer.dispatch"]._unsubscribe_row(dispatch_id, token)
        if not row:
            raise NotFound()
        done = request.httprequest.method == "POST"
        if done:
            row._unsubscribe()
        partner = row.partner_id
        # the language of the e-mail the customer clicked in
        request.update_context(lang=row._lang(row.step_id.mail_template_id))
        env = request.env
        values = {
            "email": row._unsubscribe_address(),
            "company": (row.company_id or partner.company_id or env.company).name,
        }
        if done:
            message = env._("Done: %(email)s will no longer receive e-mails from %(company)s.", **values)
        else:
            message = env._("Stop the e-mails of %(company)s to %(email)s?", **values)
        return private_page(
            request.render(
                "dealer_loyalty.dealer_unsubscribe_page",
                {"done": done, "message": message, "action": f"/dealer/loyalty/unsubscribe/{dispatch_id}/{token}"},
            )
        )
