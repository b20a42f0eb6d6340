"""The dealership's roles for any record with a chatter: who holds a role, giving it a task or a message.

An administrator composes rules from Odoo's ``base.automation`` and the operations below.
Each operation is a documented method safe to call on many records at once (a handful of
queries whatever the number of records) that runs with the rights of its caller; a
server action of the type "Dealership step" calls it with the parameters the administrator
filled in (role, days, date field, team, minutes, reason, message …), so no Python is needed.
"""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools.roles import ROLE_GROUPS

_logger = logging.getLogger(__name__)

# Where a record names the person of a role, first match wins; the role's group is the fallback.
ROLE_PATHS = {
    "responsible": ("user_id", "advisor_id"),
    "sales_manager": ("dealer_sales_user_id", "partner_id.dealer_sales_user_id"),
    "service_advisor": ("advisor_id", "dealer_advisor_id", "partner_id.dealer_advisor_id"),
    "fi_manager": ("team_id.dealer_fi_user_id",),
    "documents_clerk": ("team_id.dealer_docs_user_id",),
    "cashier": ("team_id.dealer_cashier_user_id",),
    "sales_head": ("team_id.user_id",),
    "director": ("company_id.dealer_director_id",),
}


class MailThread(models.AbstractModel):
    """Generic building blocks, available on every model with a chatter."""

    _inherit = "mail.thread"

    def _dealer_role_users(self, role):
        """Who holds ``role`` for each record: ``{record id: res.users}`` (records without anybody are absent).

        The record's own person comes first (the deal's salesperson, the visit's advisor, the
        team's F&I manager, the company's director …, see ``ROLE_PATHS``); otherwise any user
        of the role's group in the record's company. One query per path and per company.
        """
        if role not in ROLE_GROUPS:
            raise UserError(self.env._("Unknown role %(role)s.", role=role))
        users = self._dealer_role_own_users(role)
        fallback = {}
        for record in self.filtered(lambda r: r.id not in users):
            company = record._fields.get("company_id") and record.company_id or self.env.company
            if company not in fallback:
                fallback[company] = self.env["crm.lead"]._dealer_find_role_user(ROLE_GROUPS[role], company)
            if fallback[company]:
                users[record.id] = fallback[company]
        return users

    def _dealer_role_own_users(self, role):
        """Hook: ``{record id: user}`` named on the records themselves (see ``ROLE_PATHS``)."""
        users = {}
        paths = [path for path in ROLE_PATHS.get(role, ()) if path.split(".")[0] in self._fields]
        for record in self:
            for path in paths:
                user = record.mapped(path)[:1]
                if user and user._name == "res.users" and user.active:
                    users[record.id] = user
                    break
        return users

    def _dealer_schedule_role_activity(
        self, role, days=0, date_field=None, summary=None, activity_type=None, note=None
    ):
        """Give the person of ``role`` one activity per record, due ``days`` days after ``date_field``.

        :param str role: a key of ``DEALER_ROLES`` (``sales_manager``, ``fi_manager`` …)
        :param int days: days after the date (negative: before it)
        :param str date_field: a date/datetime field of the record; empty: today
        :param str summary: the activity's title; a record that already has an open activity
            with this title gets no second one (a rule may fire twice without piling up tasks)
        :param activity_type: ``mail.activity.type`` record (default: To-Do)
        :returns: the created ``mail.activity`` records
        """
        if "activity_ids" not in self._fields:
            raise UserError(self.env._("%(model)s has no activities.", model=self._description))
        if date_field and (date_field not in self._fields or self._fields[date_field].type not in ("date", "datetime")):
            raise UserError(
                self.env._("%(field)s is not a date field of %(model)s.", field=date_field, model=self._description)
            )
        summary = summary or self.env._("Follow up")
        activity_type = activity_type or self.env.ref("mail.mail_activity_data_todo")
        users = self._dealer_role_users(role)
        taken = self._dealer_open_activity_ids(summary)
        today = fields.Date.context_today(self)
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for record in self:
            if record.id in taken or record.id not in users:
                continue
            base = fields.Date.to_date(record[date_field]) if date_field and record[date_field] else today
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": record.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": note or False,
                    "user_id": users[record.id].id,
                    "date_deadline": base + timedelta(days=days or 0),
                    "automated": True,
                }
            )
        if len(vals_list) < len(self) - len(taken):
            _logger.info("%s: %s records have no %s", summary, len(self) - len(taken) - len(vals_list), role)
        # The assignees see the new tasks in their activity menu; one e-mail per task would not scale.
        return self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)

    def _dealer_open_activity_ids(self, summary):
        return {
            res_id
            for [res_id] in self.env["mail.activity"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids), ("summary", "=", summary)], ["res_id"]
            )
        }

    def _dealer_notify_role(self, role, message):
        """Post ``message`` as an internal note on each record, notifying the person of ``role``.

        Used e.g. to remind the owner of an overdue improvement action; one message per record.
        :returns: the posted ``mail.message`` records
        """
        if not message:
            raise UserError(self.env._("Enter the Message to post."))
        users = self._dealer_role_users(role)
        messages = self.env["mail.message"]
        for record in self:
            user = users.get(record.id)
            messages |= record.message_post(
                body=Markup("<p>%s</p>") % message,
                subtype_xmlid="mail.mt_note",
                message_type="comment",
                partner_ids=user.partner_id.ids if user else [],
            )
        return messages
