"""Loyalty building blocks for automation rules (see dealer_crm/models/dealer_automation.py)."""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .dealer_telegram import DealerTelegramError

_logger = logging.getLogger(__name__)

CHANNEL_ADDRESS = {"email": "email", "sms": "phone", "telegram": "telegram_chat_id"}


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
        campaign.with_context(dealer_enrol_ids=ids)._dealer_plan()
        campaign.invalidate_recordset(["enrolment_count"])
        return campaign.enrolment_count - before

    def _dealer_post_to_customer(self, message, subject=None):
        """Send ``message`` to each record's customer on the customer's preferred channel, if the
        customer consented to it and has an address there (e-mail, SMS queued for the SMS cron,
        Telegram); a customer who prefers phone calls gives the record's responsible person a call
        task; otherwise nothing is sent and the chatter says why.

        :returns: ``{channel: number of records}``, channel ``skipped`` for those not sent
        """
        if not message:
            raise UserError(self.env._("Enter the Message to send."))
        customers = self._dealer_customers()
        counts = {}
        skipped = {}
        calls = self.browse()
        for record in self:
            partner = customers.get(record.id)
            channel = partner._dealer_message_channel() if partner else None
            if channel == "phone":
                calls |= record
            elif channel:
                channel = record._dealer_send_on_channel(partner, channel, message, subject) or "skipped"
            if not channel or channel == "skipped":
                skipped[record.id] = Markup("<p>%s</p>") % self.env._(
                    "Message not sent: the customer has no consent or address for their preferred channel."
                )
                channel = "skipped"
            counts[channel] = counts.get(channel, 0) + 1
        if calls:
            calls._dealer_schedule_role_activity(
                "responsible",
                summary=self.env._("Call the customer"),
                note=message,
                activity_type=self.env.ref("mail.mail_activity_data_call"),
            )
        if skipped:
            self._message_log_batch(bodies=skipped)
        return counts

    def _dealer_send_on_channel(self, partner, channel, message, subject):
        self.ensure_one()
        if channel == "email":
            self.message_post(
                body=Markup("<p>%s</p>") % message,
                subject=subject,
                partner_ids=partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        elif channel == "sms":
            self._message_sms(message, partner_ids=partner.ids, put_in_queue=True)
        else:
            company = (self._fields.get("company_id") and self.company_id) or partner.company_id or self.env.company
            try:
                self.env["dealer.telegram"]._dealer_send_message(company, partner.telegram_chat_id, message)
            except DealerTelegramError as error:
                _logger.info("Telegram message to %s not sent: %s", partner.id, error)
                return None
            self._message_log(body=Markup("<p>%s</p>") % self.env._("Sent by Telegram: %(text)s", text=message))
        return channel


class ResPartner(models.Model):
    _inherit = "res.partner"

    risk_high_since = fields.Datetime(
        string="At high risk since",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the customer's churn risk became high; empty while it is not. Automation rules react to it "
        "with the time trigger '0 days after At high risk since' (risk scores are written in bulk, which "
        "'on change' triggers do not see).",
    )

    def _dealer_message_channel(self):
        """The preferred channel when the customer consented to it and can be reached there."""
        self.ensure_one()
        channel = self.dealer_preferred_channel
        if channel == "phone":
            return "phone" if self.phone else None
        if channel in CHANNEL_ADDRESS and self[f"consent_{channel}"] and self[CHANNEL_ADDRESS[channel]]:
            return channel
        return None

    @api.model
    def _dealer_update_risk_score(self, params=None):
        """Also stamp when customers entered (or left) high risk, in one UPDATE."""
        res = super()._dealer_update_risk_score(params=params)
        self.env.cr.execute(
            SQL(
                """
            UPDATE res_partner
               SET risk_high_since = CASE WHEN risk_level = 'high' THEN %(now)s END
             WHERE COALESCE(risk_level = 'high', FALSE) <> (risk_high_since IS NOT NULL)
            """,
                now=fields.Datetime.now(),
            )
        )
        self.invalidate_model(["risk_high_since"])
        return res

    def _dealer_recompute_segments(self):
        """Recompute the RFM segment and loyalty status of these customers now.

        RFM scores are ranks over the whole customer base, so the scoring is the one set-based
        statement of the nightly run (every customer); the loyalty status is refreshed for the
        customers at hand only. Marketers only (an automation rule runs as the system).
        """
        if not (self.env.su or self.env.user.has_group("dealer_crm.group_marketer")):
            raise AccessError(self.env._("Only marketers may recompute the loyalty figures."))
        self.sudo()._dealer_update_rfm()
        if self:
            self.sudo()._dealer_update_lifecycle(partner_ids=self.ids)
        return self


class DealerCampaign(models.Model):
    _inherit = "dealer.campaign"

    def _dealer_audience_domain(self):
        """Restricted to the records an automation rule enrols (``dealer_enrol_ids`` in the context)."""
        domain = super()._dealer_audience_domain()
        ids = self.env.context.get("dealer_enrol_ids")
        if ids is not None:
            domain &= Domain("id", "in", ids)
        return domain


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    dealer_step = fields.Selection(
        selection_add=[
            ("enrol_campaign", "Any record with a customer: enrol in a reminder campaign"),
            ("recompute_segments", "Customers: recompute segments"),
            ("post_to_customer", "Any record: message to the customer on their preferred channel"),
        ],
        ondelete={"enrol_campaign": "set null", "recompute_segments": "set null", "post_to_customer": "set null"},
    )
    dealer_campaign_id = fields.Many2one(
        "dealer.campaign", string="Campaign", ondelete="cascade", help="Running reminder campaign to enrol in."
    )

    @api.model
    def _dealer_step_specs(self):
        return {
            **super()._dealer_step_specs(),
            "enrol_campaign": ("_dealer_enrol_in_campaign", ("campaign",)),
            "recompute_segments": ("_dealer_recompute_segments", ()),
            "post_to_customer": ("_dealer_post_to_customer", ("message", "subject")),
        }

    def _dealer_step_value(self, param):
        if param == "campaign":
            return self.dealer_campaign_id
        if param == "subject":
            return self.dealer_summary or None
        return super()._dealer_step_value(param)
