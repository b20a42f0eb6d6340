"""Odoo's SMS composer keeps to the customers' SMS consent."""

from odoo import models
from odoo.addons.dealer_crm.models.mail_thread import AUTOMATED_POST_KEYS
from odoo.exceptions import UserError


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _dealer_refused(self, records, recipients_info, numbers=()):
        """The records (and typed ``numbers``) whose SMS would reach someone without SMS consent, or a
        blacklisted number: ``(records, numbers)``. See ``dealer.dispatch._consented``."""
        dispatch = self.env["dealer.dispatch"].sudo()
        partner_ids = [info["partner"].id for info in recipients_info.values() if info["partner"]]
        loose = [info["sanitized"] for info in recipients_info.values() if not info["partner"] and info["sanitized"]]
        # a number is covered by the consent given to the showroom of the records written about
        allowed_ids, allowed_numbers = dispatch._consented("sms", partner_ids, loose + list(numbers), records)
        refused = records.filtered(
            lambda r: (
                recipients_info[r.id]["partner"].id not in allowed_ids
                if recipients_info[r.id]["partner"]
                else recipients_info[r.id]["sanitized"] and recipients_info[r.id]["sanitized"] not in allowed_numbers
            )
        )
        return refused, [number for number in numbers if number not in allowed_numbers]

    def _get_optout_record_ids(self, records, recipients_info):
        """*Send SMS* to many customers, leads or the dealership's records (mass mode) texts only
        those with SMS consent whose number is not blacklisted: the others' SMS are cancelled as
        opted out, and the sender is told whom it did not reach."""
        optout = super()._get_optout_record_ids(records, recipients_info)
        if not self.env["dealer.dispatch"]._needs_consent(self.res_model):
            return optout
        refused, __ = self._dealer_refused(records, recipients_info)
        if refused:
            self.env["dealer.dispatch"].sudo()._tell_composer_sender("sms", refused.mapped("display_name"))
        return list(optout) + refused.ids

    def _action_send_sms_numbers(self):
        """An SMS to a number from a dealership record without a chatter (the call journal's SMS button, the call
        outcome dialog) texts the number at once: only a number whose customer agreed to SMS (not blacklisted),
        as in the chatter; a number of nobody's card is refused too (nothing says it may be texted)."""
        if self.env["dealer.dispatch"]._needs_consent(self.res_model):
            typed = (
                self.sanitized_numbers.split(",")
                if self.sanitized_numbers
                else [self.recipient_single_number_itf or self.recipient_single_number or ""]
            )
            records = self._get_records()
            if records is not None and not records:
                records = None
            # the showroom's country reads a number typed without its +
            country = (
                records.sudo()[:1].company_id if records is not None and "company_id" in records._fields else False
            )
            numbers = {
                number: self.env["res.partner"]._phone_format(
                    number=number, country=(country or self.env.company).country_id, raise_exception=False
                )
                or number
                for number in typed
                if number
            }
            __, allowed = self.env["dealer.dispatch"].sudo()._consented("sms", (), list(numbers.values()), records)
            refused = [number for number, sanitized in numbers.items() if sanitized not in allowed]
            if refused or not numbers:
                raise UserError(
                    self.env._(
                        "No SMS sent: %(names)s did not agree to receive SMS (SMS consent on the customer's "
                        "card) or the number is blacklisted.",
                        names=", ".join(refused) or "-",
                    )
                )
        return super()._action_send_sms_numbers()

    def _action_send_sms_comment(self, records=None):
        """An SMS from the chatter of a customer, a lead or a dealership record goes only to a customer
        who agreed to SMS (and whose number is not blacklisted). The same rule as the reminders and the
        Telegram replies: the SMS consent is for every SMS.

        A person sending from one record's chatter is refused, naming the customer. An automation
        rule's or a scheduled action's SMS (Odoo's "Send SMS" action) leaves the refused records
        out and texts the others: one customer without consent must not undo the change that
        triggered the rule, nor a whole batch.
        """
        records = records if records is not None else self._get_records()
        if records and self.env["dealer.dispatch"]._needs_consent(records._name):
            info = records._sms_get_recipients_info(force_field=self.number_field_name)
            numbers = self.sanitized_numbers.split(",") if self.sanitized_numbers else []
            refused, refused_numbers = self._dealer_refused(records, info, numbers)
            automated = any(key in self.env.context for key in AUTOMATED_POST_KEYS)
            # numbers typed in the composer are always a person's choice: refused as well
            if refused_numbers or (refused and len(records) == 1 and not automated):
                names = [(info[r.id]["partner"] or r).sudo().display_name for r in refused] + refused_numbers
                raise UserError(
                    self.env._(
                        "No SMS sent: %(names)s did not agree to receive SMS (SMS consent on the customer's "
                        "card) or the number is blacklisted.",
                        names=", ".join(names),
                    )
                )
            records -= refused
            if not records:
                return self.env["mail.message"]
        return super()._action_send_sms_comment(records=records)
