"""Loyalty building blocks of automation rules on any record with a chatter (see dealer_crm's "Dealership step")."""

from odoo import fields, models
from odoo.exceptions import UserError


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _dealer_customers(self):
        """``{record id: res.partner}``: the record itself for a contact, else its ``partner_id``."""
        if self._name == "res.partner":
            return {partner.id: partner for partner in self}
        field = self._fields.get("partner_id")
        if not field or field.comodel_name != "res.partner":
            raise UserError(self.env._("%(model)s has no customer.", model=self._description))
        return {record.id: record.partner_id for record in self if record.partner_id}

    def _dealer_enrol_in_campaign(self, campaign):
        """Enrol the customers (or their cars) of these records in a running reminder ``campaign``.

        The campaign's own rules apply: only those whose trigger date (policy end, maintenance
        due …) puts a step within the planning window are enrolled, never twice for the same
        date, and their first reminders are planned at once. Set-based: one INSERT … SELECT.

        :returns: the number of new enrolments
        """
        if not campaign:
            raise UserError(self.env._("Choose the Campaign to enrol the customers in."))
        if campaign.state != "running":
            raise UserError(self.env._("Campaign %(name)s is not running: start it first.", name=campaign.name))
        partners = self.env["res.partner"].union(*self._dealer_customers().values())
        if campaign.audience_model == self._name:
            ids = self.ids
        elif campaign.audience_model == "res.partner":
            ids = partners.ids
        else:
            ids = self.env["dealer.vehicle"].search([("partner_id", "in", partners.ids)]).ids
        before = campaign.enrolment_count
        campaign.with_context(dealer_enrol_ids=ids)._plan()
        campaign.invalidate_recordset(["enrolment_count"])
        return campaign.enrolment_count - before

    def _dealer_post_to_customer(self, message, subject=None, action=None):
        """Queue ``message`` to each record's customer on the customer's preferred channel (e-mail
        by default, SMS, Telegram) in the dispatch log; a customer who prefers phone calls gives the
        record's responsible person a call task when they may be phoned (SMS consent, number not
        blacklisted).

        Nothing leaves in the caller's transaction: the sending cron sends the queued rows with
        the same consent and blacklist check, quiet hours, frequency cap and log as campaign
        messages. A rule that fires twice on one record in a day queues its text once.

        :param action: the automation rule's server action, recorded on the rows
        :returns: ``{channel: number of records}``; ``skipped`` for records without a customer or
            a customer who prefers calls but may not be phoned
        """
        if not message:
            raise UserError(self.env._("Enter the Message to send."))
        customers = self._dealer_customers()
        counts = {}
        calls = self.browse()
        vals_list = []
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        for record in self:
            partner = customers.get(record.id)
            channel = partner._dealer_message_channel() if partner else None
            if channel == "phone":
                calls |= record
            elif channel:
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "vehicle_id": record.id if record._name == "dealer.vehicle" else False,
                        "company_id": record._dealer_message_company(partner).id,
                        "channel": channel,
                        "occurrence_date": today,
                        "scheduled_at": now,
                        "action_id": action.id if action else False,
                        "res_model": record._name,
                        "res_id": record.id,
                        "subject": subject or False,
                        "body": message,
                    }
                )
            channel = channel or "skipped"
            counts[channel] = counts.get(channel, 0) + 1
        self.env["dealer.dispatch"].sudo()._queue_messages(vals_list)
        if calls:
            calls._dealer_schedule_role_activity(
                "responsible",
                summary=self.env._("Call the customer"),
                note=message,
                activity_type=self.env.ref("mail.mail_activity_data_call"),
            )
        return counts

    def _dealer_message_company(self, partner):
        company = self._fields.get("company_id") and self.company_id
        return company or partner.company_id or self.env.company
