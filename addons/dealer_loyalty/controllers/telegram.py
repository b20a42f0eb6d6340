from odoo import http
from odoo.http import request


class DealerTelegramWebhook(http.Controller):
    @http.route(
        "/dealer/telegram/webhook/<string:secret>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def dealer_telegram_webhook(self, secret, **kwargs):
        """Telegram's update for a company bot; ``/start <token>`` links the chat to the contact."""
        env = request.env(su=True)
        company = secret and env["res.company"].search([("dealer_telegram_webhook_secret", "=", secret)], limit=1)
        if not company:
            return request.make_json_response({"ok": False}, status=404)
        try:
            update = request.get_json_data()
        except ValueError:
            return request.make_json_response({"ok": False, "error": "invalid JSON"}, status=400)
        partner = env["res.partner"]._dealer_telegram_handle_update(company, update)
        if not partner:
            return request.make_json_response({"ok": True, "linked": False})
        # Telegram executes a method returned as the webhook's answer: the welcome needs no outgoing call.
        welcome = env._("You will now receive reminders from %(company)s here.", company=company.name)
        return request.make_json_response(
            {"ok": True, "linked": True, "method": "sendMessage", "chat_id": partner.telegram_chat_id, "text": welcome}
        )
