from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _prepare_outgoing_body(self):
        """A campaign e-mail leaves with its opens and clicks traced back to its dispatch row.

        Only the copy sent to the customer is changed: the message in the chatter keeps plain
        short links and no pixel, so that staff reading it count as nobody's open.
        """
        body = super()._prepare_outgoing_body()
        if body and self.mail_message_id:
            dispatch = self._dealer_dispatch()
            if dispatch:
                body = dispatch._track_outgoing_body(body)
                body = dispatch._unsubscribe_footer(body)
        return body

    def _prepare_outgoing_list(self, mail_server=False, doc_to_followers=None):
        """Campaign e-mails carry the one-click unsubscribe headers of RFC 8058 (as Odoo's mass mailing does)."""
        email_list = super()._prepare_outgoing_list(mail_server=mail_server, doc_to_followers=doc_to_followers)
        dispatch = self._dealer_dispatch()
        if dispatch:
            url = dispatch._unsubscribe_url()
            for email_values in email_list:
                email_values.setdefault("headers", {}).update(
                    {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
                )
        return email_list

    def _dealer_dispatch(self):
        """The campaign e-mail row this mail belongs to, if any."""
        self.ensure_one()
        if not self.mail_message_id:
            return self.env["dealer.dispatch"]
        return (
            self.env["dealer.dispatch"]
            .sudo()
            .search([("mail_message_id", "=", self.mail_message_id.id), ("channel", "=", "email")], limit=1)
        )
