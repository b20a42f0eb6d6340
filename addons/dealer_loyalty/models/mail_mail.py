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
            dispatch = (
                self.env["dealer.dispatch"]
                .sudo()
                .search([("mail_message_id", "=", self.mail_message_id.id), ("channel", "=", "email")], limit=1)
            )
            if dispatch:
                body = dispatch._dealer_track_outgoing_body(body)
        return body
