"""The dealership's roles for any record with a chatter: who holds a role, giving it a task or a message.

An administrator composes rules from Odoo's ``base.automation`` and the operations below.
Each operation is a documented method safe to call on many records at once (a handful of
queries whatever the number of records) that runs with the rights of its caller; a
server action of the type "Dealership step" calls it with the parameters the administrator
filled in (role, days, date field, team, minutes, reason, message …), so no Python is needed.
"""

import logging
import uuid
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, email_normalize_all

from ..tools.roles import ROLE_GROUPS
from ..tools.translated import Translated, in_lang, variants

# context key of the memo of the roles' fallback users during one batch job (see _dealer_role_memo_context)
ROLE_MEMO_KEY = "dealer_role_memo"

_logger = logging.getLogger(__name__)

# Where a record names the person of a role, first match wins; the role's group is the fallback
# (``MailThread._dealer_role_group_user``). The director is the one of the record's showroom
# (``res.company.dealer_director_id``).
ROLE_PATHS = {
    "responsible": ("user_id", "advisor_id"),
    "sales_manager": ("dealer_sales_user_id", "partner_id.dealer_sales_user_id"),
    "service_advisor": ("advisor_id", "dealer_advisor_id", "partner_id.dealer_advisor_id"),
    "fi_manager": ("team_id.dealer_fi_user_id",),
    "documents_clerk": ("team_id.dealer_docs_user_id",),
    "cashier": ("team_id.dealer_cashier_user_id",),
    "sales_head": ("team_id.user_id",),
}


# context keys of messages nobody wrote by hand: an automation rule's run (base_automation) and a
# scheduled action (ir.cron)
AUTOMATED_POST_KEYS = ("__action_done", "cron_id")


class MailThread(models.AbstractModel):
    """The dealership's roles on every model with a chatter: who holds a role for a record
    (``_dealer_role_users``), giving that person a task (``_dealer_schedule_role_activity``) or a
    message (``_dealer_notify_role``). Deal hand-offs, response-time escalation, missed calls,
    reservations, follow-ups and the other addons' tasks all go through these methods."""

    _inherit = "mail.thread"

    # ------------------------------------------------------------
    # Who holds a role
    # ------------------------------------------------------------

    def _dealer_role_users(self, role, group_fallback=True):
        """Who holds ``role`` for each record: ``{record id: res.users}`` (records without anybody are absent).

        The record's own person comes first (the deal's salesperson, the visit's advisor, the
        team's F&I manager, the company's director …: ``_dealer_role_own_users``) when they work
        in the record's showroom (a customer shared by the showrooms has the sales manager of one
        of them: another showroom's deal of that customer goes to its own people); otherwise, unless
        ``group_fallback`` is false, a user of the role's group in the record's company
        (``_dealer_role_group_user``). One search per company for the fallback.
        """
        if role not in ROLE_GROUPS:
            raise UserError(self.env._("Unknown role %(role)s.", role=role))
        own = self._dealer_role_own_users(role)
        users = {
            record.id: own[record.id]
            for record in self
            if record.id in own and record._dealer_works_in_showroom(own[record.id])
        }
        if not group_fallback:
            return users
        fallback = {}
        for record in self.filtered(lambda r: r.id not in users):
            company = record._dealer_role_company()
            if company not in fallback:
                fallback[company] = self._dealer_role_group_user(role, company)
            if fallback[company]:
                users[record.id] = fallback[company]
        return users

    def _dealer_role_users_in(self, role, company):
        """``_dealer_role_users`` for work of showroom ``company`` (its campaign, its strategy) on records it
        shares with other showrooms (a customer or car of no showroom): a person of the record who does not
        work in ``company`` is replaced by the role's user there (``_dealer_role_group_user``), so that
        one showroom's task and offer never go to another showroom's staff."""
        if not company:
            return self._dealer_role_users(role)
        # the showroom's own people (its director …) for the records of no showroom
        users = self.with_company(company)._dealer_role_users(role)
        fallback = None
        for record_id, user in list(users.items()):
            if company not in user.sudo().company_ids:
                if fallback is None:
                    fallback = self._dealer_role_group_user(role, company)
                if fallback:
                    users[record_id] = fallback
                else:
                    del users[record_id]
        return users

    @api.model
    def _dealer_staff_lang(self, company, user=None):
        """The language a task or note for the staff is written in: the assignee's, else the
        showroom's (its partner's), else the language of new contacts; never the language of the
        scheduled action that writes it (Odoo's crons run without one: English)."""
        installed = dict(self.env["res.lang"].get_installed())  # cached, as the defaults below

        def candidates():  # each one only when the ones before it gave no installed language
            yield user and user.lang
            yield company.partner_id.lang
            yield self.env["ir.default"]._get_model_defaults("res.partner").get("lang")

        return next((lang for lang in candidates() if lang in installed), self.env.lang or "en_US")

    def _dealer_works_in_showroom(self, user):
        """Whether ``user`` works in this record's showroom (anybody may act on a record of no showroom)."""
        self.ensure_one()
        company = "company_id" in self._fields and self.company_id
        return not company or company in user.sudo().company_ids

    def _dealer_private_to(self, company):
        """Whether only the people of showroom ``company`` read this record, so that a note of that
        showroom's own work (a call, its recording) may go in its chatter: a record of that showroom, or a
        record of no showroom when the database has no other showroom."""
        self.ensure_one()
        own = "company_id" in self._fields and self.company_id
        if own:
            return own == company
        return self._dealer_one_showroom()

    @api.model
    def _dealer_one_showroom(self):
        """Whether the database has a single showroom (company): then everybody reads every record.

        sudo: a count of the companies, whoever asks."""
        return self.env["res.company"].sudo().search_count([], limit=2) < 2

    def _dealer_role_company(self):
        """The showroom whose people act on this record: its company, else the current one."""
        self.ensure_one()
        return ("company_id" in self._fields and self.company_id) or self.env.company

    def _dealer_role_own_users(self, role):
        """Hook: ``{record id: user}`` named on the records themselves (see ``ROLE_PATHS``).

        Models override it for their own people (a car's salesperson is the one of the deal that
        sold it, a customer's is their sales manager …); the company's director is the director of
        the record's showroom.
        """
        users = {}
        paths = [path for path in ROLE_PATHS.get(role, ()) if path.split(".")[0] in self._fields]
        for record in self:
            for path in paths:
                user = record.mapped(path)[:1]
                if user and user._name == "res.users" and user.active:
                    users[record.id] = user
                    break
            else:
                if role == "director":
                    director = record._dealer_role_company().dealer_director_id
                    if director.active:
                        users[record.id] = director
        return users

    @api.model
    def _dealer_role_group_user(self, role, company):
        """The user of ``role``'s group who takes a record that names nobody for the role.

        The one tie-break of the suite: an active internal user of the company who really holds
        the role comes before a director (whose group implies every role), the lowest id first.
        """
        memo = self._dealer_batch_memo()
        if memo is not None and (role, company.id) in memo:
            return self.env["res.users"].sudo().browse(memo[role, company.id])
        group = self.env.ref(ROLE_GROUPS[role])
        domain = [("all_group_ids", "in", group.ids), ("share", "=", False), ("company_ids", "in", company.ids)]
        users = self.env["res.users"].sudo().search(domain, order="id")
        director = self.env.ref("dealer_crm.group_dealer_manager")
        user = users.filtered(lambda user: director not in user.all_group_ids)[:1] or users[:1]
        if memo is not None:
            memo[role, company.id] = user.ids
        return user

    def _dealer_role_memo_context(self):
        """These records in a context where each role's fallback user is looked up once per company.

        For a batch job such as a cron losing a thousand bookings: Odoo's automation rules run
        their action once per record, and each action asks ``_dealer_role_group_user`` for the
        same person (a search of the role's users: 36% of a no-show). The answers are kept in
        the cursor under this context's own token, for this job only: ``_dealer_role_memo_drop``
        forgets them when the job is done. The records of the job are kept too: the tasks they
        already have are looked up once for all of them (``_dealer_open_activity_ids``).
        """
        batch = self.with_context(**{ROLE_MEMO_KEY: uuid.uuid4().hex})
        batch._dealer_batch_memo()["job", self._name] = set(self.ids)
        return batch

    def _dealer_batch_memo(self):
        """The memo of the batch job these records are processed in (``_dealer_role_memo_context``), or None."""
        token = self.env.context.get(ROLE_MEMO_KEY)
        return self.env.cr.cache.setdefault((ROLE_MEMO_KEY, token), {}) if token else None

    def _dealer_role_memo_drop(self):
        self.env.cr.cache.pop((ROLE_MEMO_KEY, self.env.context.get(ROLE_MEMO_KEY)), None)

    # ------------------------------------------------------------
    # Giving a role a task
    # ------------------------------------------------------------

    def _dealer_schedule_role_activity(
        self,
        role,
        days=0,
        date_field=None,
        summary=None,
        activity_type=None,
        note=None,
        group_fallback=True,
        notify=False,
        users=None,
    ):
        """Give the person of ``role`` one activity per record, due ``days`` days after ``date_field``.

        Built on Odoo's ``activity_schedule``: one call per assignee and deadline.

        :param str role: a key of ``DEALER_ROLES`` (``sales_manager``, ``fi_manager`` …)
        :param int days: days after the date (negative: before it)
        :param str date_field: a date/datetime field of the record; empty: today
        :param str summary: the activity's title; a record that already has an open activity
            with this title gets no second one (a rule may fire twice without piling up tasks).
            A title that knows its translations (``tools.translated.Translated``, an automation
            rule's) is written in each assignee's language and counts as the same in any of them
        :param activity_type: ``mail.activity.type`` record (default: To-Do)
        :param note: the activity's note, or ``{record id: note}`` for a note per record; a note that knows
            its translations (``Translated``) is written in each assignee's language, as the title
        :param bool group_fallback: see ``_dealer_role_users``; false: records whose own person
            is missing get no task
        :param bool notify: send the assignees Odoo's "activity assigned" e-mail; off by default:
            the assignees see the tasks in their activity menu, and one e-mail per task would
            not scale on rules that run on thousands of records
        :param dict users: ``{record id: res.users}`` decided by the caller instead of the role's
            holders (e.g. the person an escalation level names); ``role`` then only names them
        :returns: the created ``mail.activity`` records
        """
        if "activity_ids" not in self._fields:
            raise UserError(self.env._("%(model)s has no activities.", model=self._description))
        if date_field and (date_field not in self._fields or self._fields[date_field].type not in ("date", "datetime")):
            raise UserError(
                self.env._("%(field)s is not a date field of %(model)s.", field=date_field, model=self._description)
            )
        # the default title in each assignee's language (an automation rule may run in the cron's English)
        summary = summary or Translated.of_text(self.env, lambda env: env._("Follow up"))
        activity_type = activity_type or self.env.ref("mail.mail_activity_data_todo")
        taken = self._dealer_open_activity_ids(variants(summary))
        records = self.filtered(lambda r: r.id not in taken)
        if users is None:
            users = records._dealer_role_users(role, group_fallback=group_fallback)
        records_with_user = records.filtered(lambda r: users.get(r.id))
        if len(records_with_user) < len(records):
            _logger.info("%s: %s records have no %s", summary, len(records) - len(records_with_user), role)
        today = fields.Date.context_today(self)
        notes = note if isinstance(note, dict) else dict.fromkeys(records_with_user.ids, note or "")
        batches = records_with_user.grouped(
            lambda r: (
                users[r.id],
                (fields.Date.to_date(r[date_field]) if date_field and r[date_field] else today)
                + timedelta(days=days or 0),
                notes.get(r.id) or "",
            )
        )
        if not notify:
            records_with_user = records_with_user.with_context(mail_activity_quick_update=True)
        activities = self.env["mail.activity"]
        for (user, deadline, batch_note), batch in batches.items():
            lang = self._dealer_staff_lang(batch[:1]._dealer_role_company(), user)
            activities |= records_with_user.browse(batch.ids).activity_schedule(
                date_deadline=deadline,
                summary=in_lang(summary, lang),
                note=in_lang(batch_note, lang),
                activity_type_id=activity_type.id,
                user_id=user.id,
            )
        known = (self._dealer_batch_memo() or {}).get(self._dealer_open_activity_key(variants(summary)))
        if known is not None:
            known |= set(records_with_user.ids)
        return activities

    def _dealer_open_activity_ids(self, summaries):
        """Ids of these records that have an open activity titled one of ``summaries`` (whoever may see it).

        In a batch job (``_dealer_role_memo_context``), where Odoo's automation rules call this once
        per record, the job's records are looked up together the first time, and the tasks given
        since are added (``_dealer_schedule_role_activity``).
        """
        memo = self._dealer_batch_memo()
        job = memo.get(("job", self._name)) if memo is not None else None
        if not job or not job.issuperset(self.ids):
            return self._dealer_open_activity_query(self.ids, summaries)
        key = self._dealer_open_activity_key(summaries)
        if key not in memo:
            memo[key] = self._dealer_open_activity_query(list(job), summaries)
        return memo[key] & set(self.ids)

    def _dealer_open_activity_key(self, summaries):
        """Where the batch memo keeps the job's records with an open task titled one of ``summaries``."""
        return ("open activities", self._name, tuple(summaries))

    def _dealer_open_activity_query(self, ids, summaries):
        return {
            res_id
            for [res_id] in self.env["mail.activity"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", ids), ("summary", "in", list(summaries))], ["res_id"]
            )
        }

    # ------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------

    def _dealer_is_human_message(self, message):
        """Whether ``message``, just posted on these records, was written to the customer by a person.

        The one rule of the suite for "a person wrote it" (the response clock of leads, replies to a
        customer's Telegram): a comment with a subtype customers receive (not a note, not
        ``auto_comment``, the type of templates posted by server actions), whose author is the
        internal user posting it, not the superuser/OdooBot, and posted outside an automation rule
        or a scheduled action (``AUTOMATED_POST_KEYS``): a rule that sends a template "as" the
        salesperson whose write triggered it, or an automatic reply to the customer's e-mail, is not.
        """
        user = self.env.user
        return bool(
            message.message_type == "comment"
            and message.subtype_id
            and not message.subtype_id.internal
            and not any(key in self.env.context for key in AUTOMATED_POST_KEYS)
            and not user._is_superuser()
            and user._is_internal()
            and message.author_id == user.partner_id
        )

    def _dealer_message_reached_customer(self, message, customer, email=None):
        """Whether ``message``, just posted on this record, went to its customer: the e-mail of the
        contact ``customer`` or the address ``email`` (a lead's e-mail before it has a contact) is among
        the addresses Odoo e-mails it to. A message that reached only colleagues, or nobody besides its
        author, or a customer without an address, did not reach the customer however it was sent.
        """
        message = message.sudo()
        recipients = message.partner_ids | message.notification_ids.res_partner_id
        wanted = {email_normalize(address) for address in (customer.email if customer else None, email) if address}
        wanted.discard(False)
        sent_to = set(recipients.mapped("email_normalized")) | set(email_normalize_all(message.outgoing_email_to or ""))
        return bool(wanted & sent_to)

    # ------------------------------------------------------------
    # Printed documents
    # ------------------------------------------------------------

    def _dealer_keeps_prints(self):
        """Whether the prints of this record are kept when its report keeps every print
        (``ir.actions.report.dealer_archive``): yes, unless the model says when (a quotation: when it is
        the dealership's)."""
        self.ensure_one()
        return True

    def _dealer_document_holder(self):
        """The record that keeps the printed documents of this one (``ir.actions.report.dealer_archive``).

        The record itself; a model whose documents belong to another record overrides it (a
        quotation's are kept on its deal). An empty result means the record itself.
        """
        self.ensure_one()
        return self

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
            # in the notified person's language when the message knows its translations (a rule's)
            lang = self._dealer_staff_lang(record._dealer_role_company(), user)
            messages |= record.message_post(
                body=Markup("<p>%s</p>") % in_lang(message, lang),
                subtype_xmlid="mail.mt_note",
                message_type="comment",
                partner_ids=user.partner_id.ids if user else [],
            )
        return messages
