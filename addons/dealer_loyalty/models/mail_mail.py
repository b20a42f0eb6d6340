import uuid
from dataclasses import dataclass

from odoo import api, fields, models
from odoo.fields import Domain

# context key naming the campaign row whose message is being handed to Odoo's outbox (see create)
DISPATCH_KEY = "dealer_dispatch_mail"


@dataclass(frozen=True)
class DispatchMail:
    """The value of ``DISPATCH_KEY``: a Python object, which a context sent over RPC (JSON) cannot
    hold, so that nobody can make their own e-mail carry a customer's tracking or unsubscribe link."""

    dispatch_id: int


# context key naming the memo (in the cursor) of the batch of e-mails being sent (see _send)
DISPATCH_MEMO = "dealer_dispatch_memo"


class MailMail(models.Model):
    _inherit = "mail.mail"

    # as mass_mailing's ``mailing_id``: the campaign row an e-mail belongs to is on the e-mail itself,
    # read with it, so that the queue costs nothing more for the e-mails of anything else
    dealer_dispatch_id = fields.Many2one(
        "dealer.dispatch", string="Campaign message", readonly=True, index="btree_not_null", ondelete="set null"
    )

    @api.model_create_multi
    def create(self, vals_list):
        """The e-mails of a campaign row's message (``message_notify`` called with ``DISPATCH_KEY``)
        remember the row."""
        mark = self.env.context.get(DISPATCH_KEY)
        if isinstance(mark, DispatchMail):
            for vals in vals_list:
                vals.setdefault("dealer_dispatch_id", mark.dispatch_id)
        return super().create(vals_list)

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
        (their customers, steps and campaigns once for the batch, not per e-mail)."""
        token = uuid.uuid4().hex
        self.env.cr.cache[DISPATCH_MEMO, token] = {"mails": self.ids}
        try:
            return super(MailMail, self.with_context(**{DISPATCH_MEMO: token}))._send(*args, **kwargs)
        finally:
            self.env.cr.cache.pop((DISPATCH_MEMO, token), None)

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
        """
        in_cron = self.env.context.get("ir_cron_progress_id") and not email_ids and "filters" not in self.env.context
        if not in_cron:
            return super().process_email_queue(email_ids=email_ids, batch_size=batch_size)
        now = fields.Datetime.now()
        domain = Domain("state", "=", "outgoing") & (
            Domain("scheduled_date", "=", False) | Domain("scheduled_date", "<=", now)
        )
        size = int(self.env["ir.config_parameter"].sudo().get_param("mail.mail.queue.batch.size", batch_size))
        batch_ids = self.search(domain, limit=size or batch_size).ids  # the batch Odoo's search takes
        result = super().process_email_queue(email_ids=email_ids, batch_size=batch_size)
        processed = len(batch_ids) - self.search_count(Domain("id", "in", batch_ids) & Domain("state", "=", "outgoing"))
        # a batch that sent nothing (the SMTP server down…) asks for no rerun: the hourly run retries
        self.env["ir.cron"]._commit_progress(processed, remaining=self.search_count(domain) if processed else 0)
        return result
