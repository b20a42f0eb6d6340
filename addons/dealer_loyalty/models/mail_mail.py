import logging
import uuid
from contextlib import contextmanager, suppress
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize, email_split, formataddr
from odoo.tools.mail import email_split_tuples

_logger = logging.getLogger(__name__)

# context key naming the campaign row whose message is being handed to Odoo's outbox (see create)
DISPATCH_KEY = "dealer_dispatch_mail"


class DispatchMail:
    """The value of ``DISPATCH_KEY``: a Python object, which a context sent over RPC (JSON) cannot
    hold, so that nobody can make their own e-mail carry a customer's tracking or unsubscribe link.

    One object serves a whole batch of rows (``dealer.dispatch._dispatch_mark``), naming the row
    being handed over while ``naming`` lasts: the ORM keeps one environment per distinct context
    and looks a new one up among all the transaction's live ones, so a context per row made every
    ``with_context`` of the batch slower as the batch went on. (A campaign with personal booking links
    still renders each row with its own link in the context: ``dealer_workshop``.)
    """

    __slots__ = ("dispatch_id",)

    def __init__(self, dispatch_id=None):
        self.dispatch_id = dispatch_id

    @contextmanager
    def naming(self, dispatch_id):
        previous, self.dispatch_id = self.dispatch_id, dispatch_id
        try:
            yield self
        finally:
            self.dispatch_id = previous


# context key of Odoo's "Send email" server action run on a customer, a lead or a dealership record
# (see ir.actions.server._run_action_mail_post_multi): its e-mails reach only customers who agreed.
# It only ever takes recipients away, so a request's context may set it.
EMAIL_CONSENT_KEY = "dealer_email_consent"

# context key naming the memo (in the cursor) of the batch of e-mails being sent (see _send)
DISPATCH_MEMO = "dealer_dispatch_memo"

# Campaign e-mails leave through jobs of their own, one per part of the campaign rows
# (``ir_cron_dealer_email_queue_<part>``): Odoo's mail queue is one job, which one cron worker runs at a time,
# while several jobs run side by side on the cron workers of several Odoo servers
QUEUE_PARTS = 4
QUEUE_JOB = "dealer_loyalty.ir_cron_dealer_email_queue_%s"
# first key of the PostgreSQL advisory locks of the parts (the second is the part)
QUEUE_LOCK = 1145393493


def queue_part(dispatch_id):
    """The part (1 to ``QUEUE_PARTS``) of the campaign e-mail queue that sends the e-mails of a campaign row."""
    return dispatch_id % QUEUE_PARTS + 1


class MailMail(models.Model):
    _inherit = "mail.mail"

    # as mass_mailing's ``mailing_id``: the campaign row an e-mail belongs to is on the e-mail itself,
    # read with it, so that the queue costs nothing more for the e-mails of anything else
    dealer_dispatch_id = fields.Many2one(
        "dealer.dispatch", string="Campaign message", readonly=True, index="btree_not_null", ondelete="set null"
    )
    # set with the campaign row (create); empty: Odoo's mail queue sends the e-mail
    dealer_queue_part = fields.Integer(
        string="Campaign queue part",
        readonly=True,
        help="Which job of the campaign e-mail queue sends this campaign e-mail.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """The e-mails of a campaign row's message (``message_notify`` called with ``DISPATCH_KEY``)
        remember the row, and the part of the campaign e-mail queue that sends them."""
        mark = self.env.context.get(DISPATCH_KEY)
        if isinstance(mark, DispatchMail) and mark.dispatch_id:
            for vals in vals_list:
                vals.setdefault("dealer_dispatch_id", mark.dispatch_id)
        for vals in vals_list:
            if vals.get("dealer_dispatch_id"):
                vals["dealer_queue_part"] = queue_part(vals["dealer_dispatch_id"])
        if self.env.context.get(EMAIL_CONSENT_KEY):
            self._dealer_keep_to_consent(vals_list)
        return super().create(vals_list)

    @api.model
    def _dealer_keep_to_consent(self, vals_list):
        """Leave out of the e-mails about to be queued (``vals_list``, changed in place) the recipients
        without e-mail consent or whose address is blacklisted (``dealer.dispatch._consented``: staff and
        vendors are no customers), both the contacts and the typed addresses (To, Cc). An e-mail left
        with nobody is kept cancelled as opted out, as Odoo's mass mailing keeps a blacklisted one: the
        e-mail log tells an admin why the customer got nothing, and a person who ran the action from the
        *Action* menu is told whom it missed."""
        dispatch = self.env["dealer.dispatch"].sudo()
        refused = []
        by_model = {}
        for vals in vals_list:
            if vals.get("res_id") and dispatch._needs_consent(vals.get("model")) and vals.get("state") != "cancel":
                by_model.setdefault(vals["model"], []).append(vals)
        for model, group in list(by_model.items()):
            # the dealership's records only: another team's lead or a supplier's card e-mails as in Odoo
            ids = dispatch._consent_record_ids(model, [vals["res_id"] for vals in group])
            by_model[model] = [vals for vals in group if vals["res_id"] in ids]
        for model, group in by_model.items():
            if not group:
                continue
            recipients = [(vals, self._dealer_recipient_ids(vals), self._dealer_addresses(vals)) for vals in group]
            allowed_ids, allowed_addresses = dispatch._consented(
                "email",
                [pid for __, pids, __ in recipients for pid in pids],
                [address for __, __, addresses in recipients for address in addresses.values()],
                self.env[model].browse({vals["res_id"] for vals in group}),
            )
            for vals, pids, addresses in recipients:
                kept_ids = [pid for pid in pids if pid in allowed_ids]
                kept = {raw: address for raw, address in addresses.items() if address in allowed_addresses}
                if len(kept_ids) == len(pids) and len(kept) == len(addresses):
                    continue
                _logger.info(
                    "E-mail about %s %s: %s of its recipients without e-mail consent or blacklisted left out",
                    model,
                    vals["res_id"],
                    len(pids) - len(kept_ids) + len(addresses) - len(kept),
                )
                vals["recipient_ids"] = [Command.set(kept_ids)]
                for fname in ("email_to", "email_cc"):
                    if vals.get(fname):
                        vals[fname] = ", ".join(
                            formataddr((name, address))
                            for name, address in email_split_tuples(vals[fname])
                            if address in kept
                        )
                if not kept_ids and not kept:
                    vals.update(state="cancel", failure_type="mail_optout")
                refused += self.env["res.partner"].sudo().browse(set(pids) - set(kept_ids)).mapped("display_name")
                refused += [raw for raw in addresses if raw not in kept]
        dispatch._tell_composer_sender("email", refused)

    @api.model
    def _dealer_recipient_ids(self, vals):
        """The contact ids of ``recipient_ids`` commands (link and set) in create values."""
        ids = []
        for command in vals.get("recipient_ids") or []:
            if command[0] == Command.LINK:
                ids.append(command[1])
            elif command[0] == Command.SET:
                ids.extend(command[2])
        return ids

    @api.model
    def _dealer_addresses(self, vals):
        """``{address as typed: normalized address}`` of the To and Cc of create values."""
        typed = email_split(vals.get("email_to") or "") + email_split(vals.get("email_cc") or "")
        return {raw: email_normalize(raw, strict=False) for raw in typed if email_normalize(raw, strict=False)}

    def _prepare_outgoing_body(self):
        """A campaign e-mail leaves with its opens and clicks traced back to its dispatch row.

        Only the copy sent to the customer is changed: the message in the chatter keeps plain
        short links and no pixel, so that staff reading it count as nobody's open.
        """
        body = super()._prepare_outgoing_body()
        dispatch = self._dealer_dispatch()
        if body and dispatch:
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

    def _send(self, *args, **kwargs):
        """Odoo's queue sends its e-mails one by one: the campaign rows of a batch are read together
        (their customers, steps and campaigns once for the batch, not per e-mail: ``_dealer_send_batch``).

        A campaign e-mail leaves only from the transaction that holds its part's lock, whoever sends it
        (its part's job, Odoo's queue for a part whose job is off, a job run by hand, a person's "Send now"):
        a part's e-mails are never sent by two transactions at once, and those another one sent meanwhile
        are left out. The e-mails of a part locked elsewhere wait for whoever holds it.
        """
        parts = {part for part in self.mapped("dealer_queue_part") if part}
        plain_ids = {mail.id for mail in self if not mail.dealer_queue_part}
        if not parts:
            return self._dealer_send_batch(*args, **kwargs)
        # the queue commits after each e-mail (auto_commit): it holds the locks across its commits; any other
        # sender holds them until its transaction ends
        queue = kwargs.get("auto_commit", args[0] if args else False) is True
        self.env.flush_all()
        with self._dealer_part_locks(parts, queue) as held:
            if queue:
                # the transaction's snapshot starts after the locks: what another sender committed is seen (the
                # queue commits after each e-mail anyway; nothing of it is pending here)
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.cr.execute(
                SQL(
                    """SELECT id FROM mail_mail
                        WHERE id = ANY(%s) AND dealer_queue_part = ANY(%s) AND state = 'outgoing'
                        %s""",
                    self.ids,
                    list(held),
                    # a snapshot older than the lock: a row another sender changed since is a serialization
                    # failure (the request is replayed), never a second e-mail
                    SQL("") if queue else SQL("FOR NO KEY UPDATE"),
                )
            )
            kept = {mail_id for (mail_id,) in self.env.cr.fetchall()}
            if parts - held:
                # a part another transaction holds: its job looks again in a minute rather than at its hourly run
                self._dealer_start_parts(parts - held, fields.Datetime.now() + timedelta(minutes=1))
            self.invalidate_recordset(["state"])  # as it is now, not as it was read before the lock
            mails = self.browse([mail_id for mail_id in self.ids if mail_id in kept or mail_id in plain_ids])
            return mails._dealer_send_batch(*args, **kwargs) if mails else True

    def _dealer_send_batch(self, *args, **kwargs):
        """Odoo's ``_send`` with a memo of the batch: its campaign rows are read together."""
        token = uuid.uuid4().hex
        self.env.cr.cache[DISPATCH_MEMO, token] = {"mails": self.ids}
        try:
            return super(MailMail, self.with_context(**{DISPATCH_MEMO: token}))._send(*args, **kwargs)
        finally:
            self.env.cr.cache.pop((DISPATCH_MEMO, token), None)

    @contextmanager
    def _dealer_part_locks(self, parts, queue):
        """Lock the campaign e-mail queue's ``parts`` that no other transaction holds; yields the parts locked.

        PostgreSQL advisory locks. For the queue, which commits after each e-mail, locks of a session of
        their own: they last across its commits and whatever becomes of its transaction, are released at
        the end, and go with the connection if the process dies. For any other sender, locks of its
        transaction, released when it commits what it sent.
        """
        held = set()
        if not queue:
            for part in sorted(parts):
                self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", QUEUE_LOCK, part))
                if self.env.cr.fetchone()[0]:
                    held.add(part)
            yield held
            return
        lock_cr = self.env.registry.cursor()
        try:
            for part in sorted(parts):
                lock_cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", QUEUE_LOCK, part))
                if lock_cr.fetchone()[0]:
                    held.add(part)
            lock_cr.commit()  # no transaction left open while the e-mails leave
            yield held
        finally:
            try:
                lock_cr.rollback()
                for part in held:
                    lock_cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", QUEUE_LOCK, part))
                lock_cr.commit()
            except Exception:
                # a connection that may still hold the locks never goes back to the pool
                _logger.exception("Campaign e-mail queue: the locks of parts %s could not be released", held)
                lock_cr._cnx.close()
            with suppress(Exception):  # a connection closed above cannot be given back, and need not be
                lock_cr.close()

    def _dealer_dispatch(self):
        """The campaign row this e-mail belongs to, or an empty recordset.

        An e-mail of anything else costs no query: the link is a column of the e-mail, which
        Odoo reads to send it anyway.
        """
        self.ensure_one()
        dispatch = self.sudo().dealer_dispatch_id
        memo = self.env.cr.cache.get((DISPATCH_MEMO, self.env.context.get(DISPATCH_MEMO)))
        if dispatch and memo is not None:
            if "rows" not in memo:
                memo["rows"] = self.browse(memo["mails"]).sudo().dealer_dispatch_id.ids
            dispatch = dispatch.with_prefetch(memo["rows"])
        return dispatch

    # ------------------------------------------------------------
    # The queue, as the campaigns' e-mails need it: it goes on until the outbox is empty
    # ------------------------------------------------------------

    @api.model
    def process_email_queue(self, email_ids=(), batch_size=1000):
        """From the cron, tell the cron runner how many due e-mails are still waiting after this batch.

        Odoo 19's queue means to report its progress but asks ``self.env.get('ir_cron')``, which is
        never true: each run sends one batch (``mail.mail.queue.batch.size``, 1,000) and reports
        nothing, so the runner takes the job as done and the rest of a large campaign waits for the
        queue's next hourly run. Reported, the runner runs the queue again at once (the same job
        loops, or is rescheduled as soon as possible, on any server's cron worker).

        Run by Odoo's own job (no ``filters``), the queue leaves the campaign e-mails of each part whose
        job is active to that job (``_dealer_send_queue_part``), so the parts leave side by side on
        several cron workers. A part whose job an administrator switched off is sent by Odoo's queue
        again. Whoever sends a part holds its lock (``_send``): no e-mail leaves twice, even while a
        job is switched on or run by hand.
        """
        in_cron = self.env.context.get("ir_cron_progress_id") and not email_ids
        if not in_cron:
            return super().process_email_queue(email_ids=email_ids, batch_size=batch_size)
        if "filters" not in self.env.context:
            parts = list(self._dealer_queue_jobs())
            queue = self.with_context(filters=[("dealer_queue_part", "not in", parts)])
            return queue.process_email_queue(email_ids=email_ids, batch_size=batch_size)
        now = fields.Datetime.now()
        domain = (
            Domain("state", "=", "outgoing")
            & (Domain("scheduled_date", "=", False) | Domain("scheduled_date", "<=", now))
            & Domain(self.env.context["filters"])
        )
        size = int(self.env["ir.config_parameter"].sudo().get_param("mail.mail.queue.batch.size", batch_size))
        batch_ids = self.search(domain, limit=size or batch_size).ids  # the batch Odoo's search takes
        result = super().process_email_queue(email_ids=email_ids, batch_size=batch_size)
        processed = len(batch_ids) - self.search_count(Domain("id", "in", batch_ids) & Domain("state", "=", "outgoing"))
        # a batch that sent nothing (the SMTP server down…) asks for no rerun: the hourly run retries
        self.env["ir.cron"]._commit_progress(processed, remaining=self.search_count(domain) if processed else 0)
        return result

    @api.model
    def _dealer_send_queue_part(self, part):
        """The job of one part of the campaign e-mails: Odoo's queue, for the e-mails of that part."""
        return self.with_context(filters=[("dealer_queue_part", "=", part)]).process_email_queue()

    @api.model
    def _dealer_queue_jobs(self):
        """``{part: job}`` of the campaign e-mail queue's active jobs."""
        ids = {
            part: self.env["ir.model.data"]._xmlid_to_res_id(QUEUE_JOB % part, raise_if_not_found=False)
            for part in range(1, QUEUE_PARTS + 1)
        }
        active = self.env["ir.cron"].sudo().browse([job_id for job_id in ids.values() if job_id]).filtered("active")
        return {part: active.browse(job_id) for part, job_id in ids.items() if job_id in active.ids}

    @api.model
    def _dealer_start_queues(self, dispatch_ids):
        """Make the jobs that send the e-mails of these campaign rows due at once (Odoo's queue for a part
        whose job is switched off)."""
        self._dealer_start_parts({queue_part(dispatch_id) for dispatch_id in dispatch_ids})

    @api.model
    def _dealer_start_parts(self, parts, at=None):
        """Make the jobs of these parts of the campaign e-mail queue due (``at``, or at once)."""
        jobs = self._dealer_queue_jobs()
        for part in sorted(set(parts) & set(jobs)):
            jobs[part]._trigger(at)
        if set(parts) - set(jobs):
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger(at)
