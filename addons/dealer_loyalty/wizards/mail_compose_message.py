"""Odoo's e-mail composer sending to many customers at once keeps to their consent."""

from odoo import models
from odoo.tools import email_normalize, email_split


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """*Send email* to many customers, leads or the dealership's records (mass mode) e-mails only
        those with e-mail consent whose address is not blacklisted (``dealer.dispatch._consented``):
        the others' e-mails are cancelled as opted out, as Odoo cancels blacklisted ones, and the
        sender is told whom the e-mail did not reach. An e-mail written to one record (a reply in
        its chatter, a quotation) is a conversation and goes as in Odoo.
        """
        mail_values_dict = super()._process_mail_values_state(mail_values_dict)
        dispatch = self.env["dealer.dispatch"].sudo()
        if self.composition_mode != "mass_mail" or not dispatch._needs_consent(self.model):
            return mail_values_dict
        recipients = {}  # {record id: (partner ids, addresses without a contact)}
        for res_id, values in mail_values_dict.items():
            if values.get("state") == "cancel" or values.get("failure_type"):
                continue  # blacklisted, opted out, invalid or duplicate already
            partner_ids = [command[1] for command in values.get("recipient_ids") or [] if command[1]]
            addresses = [email_normalize(email, strict=False) for email in email_split(values.get("email_to") or "")]
            recipients[res_id] = (partner_ids, [address for address in addresses if address])
        allowed_ids, allowed_addresses = dispatch._consented(
            "email",
            [pid for pids, __ in recipients.values() for pid in pids],
            [address for __, addresses in recipients.values() for address in addresses],
            # an address is covered by the consent given to the showroom of the records written about
            self.env[self.model].browse(list(recipients)),
        )
        refused = []
        for res_id, (partner_ids, addresses) in recipients.items():
            if set(partner_ids) <= allowed_ids and set(addresses) <= allowed_addresses:
                continue
            values = mail_values_dict[res_id]
            values["state"] = "cancel"
            values["failure_type"] = "mail_optout"
            refused.append(res_id)
        if refused:
            names = self.env[self.model].browse(refused).mapped("display_name")
            dispatch._tell_composer_sender("email", names)
        return mail_values_dict
