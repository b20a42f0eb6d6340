from odoo import SUPERUSER_ID, http
from odoo.addons.dealer_crm.tools.tokens import same_token
from odoo.http import request

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class DealerTelegramWebhook(http.Controller):
    @http.route(
        "/dealer/telegram/webhook/<int:company_id>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def dealer_telegram_webhook(self, company_id, **kwargs):
        """An update of a company's bot, authenticated by the secret Telegram sends in a header.

        The path names the company only: the secret never appears in a URL (nor in access logs).
        ``/start <token>`` asks for the phone number of the link's contact and the user's own shared
        number links the chat to it, ``/stop`` unlinks it, any other text of a linked chat is the
        customer's message to the dealership. Each ``update_id`` is processed
        once per company: Telegram resends an update until it gets a 200, and a replay must not
        post a customer's message twice.
        """
        # the bot acts as the system user (OdooBot), as Odoo's mail gateway does for incoming e-mail
        env = request.env(user=SUPERUSER_ID, su=True)
        company = env["res.company"].browse(company_id).exists()
        secret = company.dealer_telegram_webhook_secret if company else None
        given = request.httprequest.headers.get(SECRET_HEADER) or ""
        if not secret or not same_token(given, secret):
            return request.make_json_response({"ok": False}, status=403)
        try:
            update = request.get_json_data()
        except ValueError:
            return request.make_json_response({"ok": False, "error": "invalid JSON"}, status=400)
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
            return request.make_json_response({"ok": False, "error": "invalid update"}, status=400)
        if not env["dealer.telegram.update"]._claim(company, update_id):
            return request.make_json_response({"ok": True, "duplicate": True})
        partners, reply = env["res.partner"]._dealer_telegram_handle_update(company, update)
        answer = {"ok": True, "linked": bool(partners and partners[0].telegram_chat_id)}
        if reply:
            # Telegram executes a method returned as the webhook's answer: the reply needs no outgoing call.
            chat_id = update["message"]["chat"]["id"]
            answer.update(method="sendMessage", chat_id=str(chat_id), text=reply["text"])
            if reply.get("reply_markup"):
                answer["reply_markup"] = reply["reply_markup"]
        return request.make_json_response(answer)
