"""Building blocks for the dealership's own automation rules (Settings > Automation Rules).

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
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

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


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    def _dealer_role_own_users(self, role):
        """A car's salesperson and F&I manager are those of the deal that sold it."""
        if role == "sales_manager":
            return {v.id: u for v, u in self._dealer_followup_users("salesperson").items() if u}
        if role == "fi_manager":
            return {v.id: u for v, u in self._dealer_followup_users("fi_manager").items() if u}
        return super()._dealer_role_own_users(role)


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _dealer_role_own_users(self, role):
        """A customer's responsible person is their sales manager, else their salesperson."""
        users = super()._dealer_role_own_users(role)
        if role in ("responsible", "sales_manager"):
            for partner in self.filtered(lambda p: p.id not in users):
                user = partner.dealer_sales_user_id or partner.user_id
                if user:
                    users[partner.id] = user
        return users


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _dealer_role_own_users(self, role):
        """A deal's salesperson is its responsible person."""
        if role == "sales_manager":
            users = {lead.id: lead.user_id for lead in self if lead.user_id}
            rest = self.filtered(lambda lead: lead.id not in users)
            users.update(super(CrmLead, rest)._dealer_role_own_users(role))
            return users
        return super()._dealer_role_own_users(role)

    # ------------------------------------------------------------
    # Assignment
    # ------------------------------------------------------------

    def _dealer_assign_role(self, role):
        """Make the person of ``role`` the salesperson of each lead (one write per person).

        :returns: the leads that got somebody
        """
        users = self._dealer_role_users(role)
        assigned = self.browse()
        bulk = self._dealer_bulk_context()
        # The team is written with the user: crm would otherwise look a team up lead by lead.
        groups = self.filtered(lambda lead: lead.id in users).grouped(lambda lead: (users[lead.id], lead.team_id))
        for (user, team), leads in groups.items():
            leads.with_context(**bulk).write({"user_id": user.id, "team_id": team.id})
            assigned |= leads
        return assigned

    def _dealer_bulk_context(self):
        """Context of writes on many leads: no clock restart, and no "you have been assigned" e-mail
        per lead when more than one lead changes hands (the salesperson sees them in the pipeline)."""
        return {"dealer_sla_skip": True, "mail_auto_subscribe_no_notify": len(self) > 1}

    def _dealer_route_to_team(self, team, minutes=None):
        """Hand the leads to ``team`` and route them to its least busy member; optionally set the
        response deadline to ``minutes`` after the lead arrived (instead of the channel's policy).

        Leads whose salesperson already belongs to the team keep them.
        """
        if not team:
            raise UserError(self.env._("Choose the Team the leads go to."))
        members = team.crm_team_member_ids.user_id | team.user_id
        others = self.filtered(lambda lead: lead.user_id not in members)
        bulk = self._dealer_bulk_context()
        others.with_context(**bulk).write({"team_id": team.id, "user_id": False})
        (self - others).filtered(lambda lead: lead.team_id != team).with_context(**bulk).write({"team_id": team.id})
        others.with_context(**bulk)._dealer_route()
        if minutes:
            self._dealer_set_response_deadline(minutes)
        return self

    # ------------------------------------------------------------
    # Response clock
    # ------------------------------------------------------------

    def _dealer_start_response_clock(self, minutes=None):
        """Start the response clock (channel policy, or ``minutes`` when given); leads already
        answered keep their result."""
        if minutes:
            return self._dealer_set_response_deadline(minutes)
        return self._dealer_start_sla()

    def _dealer_set_response_deadline(self, minutes):
        """Deadline = arrival of the lead + ``minutes``, in one UPDATE; answered leads are left alone."""
        if minutes <= 0:
            raise ValidationError(self.env._("Respond within (min) must be a positive number of minutes."))
        self.check_access("write")
        leads = self.filtered(lambda lead: lead.dealer_sla_state in (False, "running"))
        if not leads:
            return leads
        first_level = self.env["dealer.sla.escalation"].sudo().search([], order="sequence, id", limit=1)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead
               SET dealer_sla_start = COALESCE(dealer_sla_start, %(now)s),
                   dealer_sla_deadline = COALESCE(dealer_sla_start, %(now)s) + make_interval(mins => %(minutes)s),
                   dealer_sla_state = 'running',
                   dealer_escalation_level = 0,
                   dealer_next_escalation_date = CASE WHEN %(delay)s IS NULL THEN NULL ELSE
                        COALESCE(dealer_sla_start, %(now)s) + make_interval(mins => %(minutes)s + %(delay)s) END
             WHERE id = ANY(%(ids)s)
            """,
                now=fields.Datetime.now(),
                minutes=int(minutes),
                delay=first_level.delay_minutes if first_level else None,
                ids=leads.ids,
            )
        )
        leads.invalidate_recordset(
            [
                "dealer_sla_start",
                "dealer_sla_deadline",
                "dealer_sla_state",
                "dealer_escalation_level",
                "dealer_next_escalation_date",
            ]
        )
        return leads

    def _dealer_stop_response_clock(self):
        """The customer was contacted: stop the clock and record the response time."""
        self._dealer_register_contact()
        return self

    def _dealer_escalate_now(self):
        """Take the waiting leads one step up the escalation chain at once (the cron does it on time)."""
        levels = self.env["dealer.sla.escalation"].sudo().search([], order="sequence, id")
        running = self.filtered(lambda lead: lead.dealer_sla_state == "running")
        if not levels or not running:
            return running
        batches = running.grouped(lambda lead: min(lead.dealer_escalation_level, len(levels)))
        batches.pop(len(levels), None)
        for index, batch in batches.items():
            batch._dealer_escalate_to(levels[index], levels[index + 1] if index + 1 < len(levels) else None)
        return running

    # ------------------------------------------------------------
    # Reservations
    # ------------------------------------------------------------

    def _dealer_reserve_vehicle(self):
        """Reserve each lead's car of interest when it is in stock and free (one create for all).

        :returns: the created ``dealer.reservation`` records
        """
        leads = self.filtered(lambda lead: lead.vehicle_id.state == "stock" and lead.won_status == "pending")
        taken = set(
            self.env["dealer.reservation"]
            .sudo()
            .search([("vehicle_id", "in", leads.vehicle_id.ids), ("state", "=", "active")])
            .vehicle_id.ids
        )
        vals_list, seen = [], set()
        for lead in leads:
            if lead.vehicle_id.id in taken or lead.vehicle_id.id in seen:
                continue
            seen.add(lead.vehicle_id.id)
            vals_list.append(
                {
                    "lead_id": lead.id,
                    "vehicle_id": lead.vehicle_id.id,
                    "user_id": (lead.user_id or self.env.user).id,
                    "company_id": (lead.company_id or self.env.company).id,
                }
            )
        return self.env["dealer.reservation"].create(vals_list)

    def _dealer_release_vehicle(self, reason=None):
        """Release the active reservations of these leads and tell other interested salespeople."""
        reservations = self.env["dealer.reservation"].search([("lead_id", "in", self.ids), ("state", "=", "active")])
        if reservations:
            reservations._release(reason or self.env._("Released by an automation rule."))
        return reservations
