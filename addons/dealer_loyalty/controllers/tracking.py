import base64

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.addons.dealer_crm.tools.tokens import hide_in_access_log
from odoo.http import Response, request

# the tracking links' signatures stay out of the server's access log
hide_in_access_log(r"/dealer/loyalty/open/\d+/")
hide_in_access_log(r"/r/[^/\s]+/d/\d+/")

# a transparent 1x1 GIF
PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


class DealerCampaignTracking(http.Controller):
    """Opens and clicks of campaign e-mails, traced to their dispatch row by a signed URL."""

    @http.route(
        "/dealer/loyalty/open/<int:dispatch_id>/<string:token>/blank.gif",
        type="http",
        auth="public",
        save_session=False,
        readonly=False,
    )
    def dealer_campaign_open(self, dispatch_id, token, **_kw):
        """The e-mail's pixel: answers the image whatever the token, records only a genuine open."""
        request.env["dealer.dispatch"]._tracked(dispatch_id, token)._register_open()
        return Response(PIXEL, mimetype="image/gif", headers=[("Cache-Control", "no-store")])

    @http.route(
        "/r/<string:code>/d/<int:dispatch_id>/<string:token>",
        type="http",
        auth="public",
        save_session=False,
        readonly=False,
    )
    def dealer_campaign_click(self, code, dispatch_id, token, **_kw):
        """A tracked link of a campaign e-mail: Odoo's link tracker counts it, the row records it,
        and the customer goes where the link points (only to a URL stored with the code)."""
        url = request.env["link.tracker"].sudo().get_url_from_code(code)
        if not url:
            raise NotFound()
        if not request.env["ir.http"].is_a_bot():
            request.env["link.tracker.click"].sudo().add_click(
                code, ip=request.httprequest.remote_addr, country_code=request.geoip.country_code
            )
            request.env["dealer.dispatch"]._tracked(dispatch_id, token)._register_click()
        return request.redirect(url, code=302, local=False)
