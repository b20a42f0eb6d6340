"""Reminders that lead to a slot, and campaigns paced by the workshop's free capacity.

* Every campaign message about a car (e-mail, SMS, Telegram) carries the customer's personal booking
  link (``_dealer_booking_url``): the booking page opens with the customer, the car and the work filled
  in, and a booking made from it names this row (``crm.lead.dealer_dispatch_id``), so the campaign
  results credit it to this message exactly. The link is appended in the customer's language unless
  the template already shows it through the placeholder ``{{ object.dealer_booking_url }}`` (a field
  of the car and of the customer that reads the link of the message being rendered). Messages about
  a customer only (customer campaigns: birthdays, loyalty status, win-back) are not about a car or its
  work: nothing is appended, but their templates may place the placeholder, the link then opens the
  page with the customer filled in.
* A campaign with workshop pacing (``dealer.campaign.workshop_pacing``) lets out only as many due
  messages as the free hours of its kind of bays over the next days allow; the others stay queued,
  marked held (``workshop_held``), and go out on a later run once bookings are cancelled or the days
  go by and the capacity frees. Call tasks are never held: the operator offers a free slot on the
  phone, and a held call would only leave staff idle.
"""

import math
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.addons.dealer_crm.tools.tokens import same_token
from odoo.addons.dealer_loyalty.models.res_partner import TELEGRAM_TEXT_LIMIT
from odoo.fields import Domain
from odoo.tools import SQL

BOOKING_URL_KEY = "dealer_booking_url"
# The mark of a booking's manage link (move, cancel) in a stored confirmation: the link itself is put in
# only in the message that leaves, so the dispatch log (read by every dealer user) holds no key to it.
BOOKING_LINK = "[booking link]"
# The customer's signed personal links never become public short links (a short code can be guessed,
# and every user reads the link tracker): the reminder's booking link, a booking's manage link, the
# repair-status link (regular expressions, as Odoo's _shorten_links takes them).
PERSONAL_LINKS = (r"/service/book", r"/service/booking", r"/service/status", r"/service/b/\d+/\w+")
# characters of the signature a compact (SMS) booking link keeps: 64 bits
COMPACT_TOKEN_SIZE = 16
# days a reminder's booking link opens the page with the customer filled in, counted from its sending
BOOKING_LINK_DAYS = 90


class DealerDispatch(models.Model):
    _inherit = "dealer.dispatch"

    skip_reason = fields.Selection(selection_add=[("visit_closed", "The visit is closed")])
    workshop_held = fields.Boolean(
        string="Held: workshop full",
        readonly=True,
        help="Queued, but held back by the campaign's workshop pacing: the matching bays have no free time "
        "for the bookings it would bring. It goes out on a later run when capacity frees.",
    )
    dealer_booking_count = fields.Integer(
        string="Bookings from the link",
        compute="_compute_dealer_booking_count",
        help="Bookings the customer made with this message's personal booking link.",
    )

    _workshop_held_idx = models.Index("(campaign_id) WHERE workshop_held")

    def _compute_dealer_booking_count(self):
        # sudo: a count of the bookings made from the message, shown to whoever reads the message
        counts = dict(
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("dealer_dispatch_id", "in", self.ids)], ["dealer_dispatch_id"], ["__count"])
        )
        for row in self:
            row.dealer_booking_count = counts.get(row, 0)

    def action_view_dealer_bookings(self):
        """The bookings made with this message's personal link."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.crm_lead_service_action")
        action.update(
            {
                "domain": [("dealer_dispatch_id", "=", self.id)],
                "context": {"active_test": False, "create": False},
            }
        )
        return action

    # ------------------------------------------------------------
    # Personal booking links
    # ------------------------------------------------------------

    @api.model
    def _dealer_booking_token(self, dispatch_id):
        """The signature of a reminder's personal booking link."""
        return tools.hmac(self.env(su=True), "dealer_workshop-booking-link", dispatch_id)

    def _dealer_booking_url(self, compact=False):
        """The personal booking link of this message: the booking page with customer, car and work filled in.

        ``compact``: the SMS's form of the same link, ``/service/b/<id>/<16 characters of the signature>``
        (64 bits: not to be guessed), which leads to the full one; the full link alone would take two
        Cyrillic SMS parts.
        """
        self.ensure_one()
        base = self.get_base_url().rstrip("/")
        token = self._dealer_booking_token(self.id)
        if compact:
            return f"{base}/service/b/{self.id}/{token[:COMPACT_TOKEN_SIZE]}"
        return f"{base}/service/book?d={self.id}&t={token}"

    def _dealer_booking_link_expired(self, now=None):
        """The link of a message sent more than BOOKING_LINK_DAYS ago no longer names its customer.

        A message with no sending time (marked failed, though an SMS or Telegram message may still have
        reached the customer) counts from when it was due to leave: its link expires all the same."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        since = self.sent_at or self.scheduled_at or self.create_date
        return bool(since) and since < now - timedelta(days=BOOKING_LINK_DAYS)

    @api.model
    def _dealer_from_compact_booking_link(self, dispatch_id, token):
        """The message a compact booking link names, or an empty recordset when the link is forged."""
        if not isinstance(dispatch_id, int) or not isinstance(token, str) or len(token) != COMPACT_TOKEN_SIZE:
            return self.browse()
        if not same_token(token, self._dealer_booking_token(dispatch_id)[:COMPACT_TOKEN_SIZE]):
            return self.browse()
        return self.sudo().browse(dispatch_id).exists()

    @api.model
    def _dealer_from_booking_link(self, dispatch_id, token):
        """The message a booking link names, or an empty recordset when the link is forged."""
        try:
            dispatch_id = int(dispatch_id)
        except (TypeError, ValueError):
            return self.browse()
        if not same_token(token, self._dealer_booking_token(dispatch_id)):
            return self.browse()
        return self.sudo().browse(dispatch_id).exists()

    def _dealer_carries_booking_link(self):
        """A message of a campaign with booking links (not a staff task, not an automation rule's own text)."""
        self.ensure_one()
        return (
            bool(self.step_id) and self.channel in ("email", "sms", "telegram") and self.campaign_id.dealer_booking_link
        )

    def _sending_context(self):
        """The message is rendered with its personal booking link in the context (the placeholder reads it)."""
        context = super()._sending_context()
        if self._dealer_carries_booking_link():
            context[BOOKING_URL_KEY] = self._dealer_booking_url()
        return context

    def _outgoing_text(self, text, lang, html=False):
        """A message about a car ends with its booking link, unless its template placed it already.

        The link is personal and signed: it is never made a short link of Odoo's link tracker (whose
        three-letter codes anyone can try, and whose links every user reads); an SMS carries its compact
        form (``_dealer_booking_url(compact=True)``).
        """
        text = super()._outgoing_text(text, lang, html=html)
        url = self.env.context.get(BOOKING_URL_KEY)
        if not url:
            return text
        placed = url in text or url.replace("&", "&amp;") in text
        if not placed and not self.vehicle_id:
            return text
        if self.channel == "sms":
            compact = self._dealer_booking_url(compact=True)
            text, url = text.replace(url, compact), compact
        if placed:
            return text
        label = self.with_context(lang=lang).env._("Book a visit")
        if html:
            button = Markup(
                '<p style="margin: 16px 0;"><a href="%s" style="background-color: #875A7B; color: #ffffff; '
                'padding: 8px 16px; border-radius: 4px; text-decoration: none;">%s</a></p>'
            ) % (url, label)
            return tools.mail.append_content_to_html(text, button, plaintext=False)
        line = f"\n\n{label}: {url}"
        if self.channel == "telegram" and len(text) + len(line) > TELEGRAM_TEXT_LIMIT:
            text = text[: TELEGRAM_TEXT_LIMIT - len(line) - 1].rstrip() + "…"
        return text + line

    def _stored_copy(self, text):
        """The chatter copy of a message shows the mark of its booking link: the link opens the booking page
        in the customer's name, and the car's chatter is read by every dealership user."""
        text = super()._stored_copy(text)
        url = self.env.context.get(BOOKING_URL_KEY)
        if url:
            for link in (self._dealer_booking_url(compact=True), url):
                text = text.replace(link, BOOKING_LINK)
        return text

    @api.model
    def _unshortened_links(self):
        return super()._unshortened_links() + list(PERSONAL_LINKS)

    def _text_to_send(self):
        """A workshop notice about a visit gets the customer's status link, a booking's confirmation its
        manage link, only in the message that leaves; the stored text keeps a mark. Only when the visit or
        booking is the row's customer's own: a row pointed at another customer's record sends no link."""
        text = super()._text_to_send()
        if self.res_model == "dealer.visit" and self.res_id:
            visit = self.env["dealer.visit"].sudo().browse(self.res_id).exists()
            if visit.partner_id == self.partner_id:
                text = visit._dealer_notice_to_send(text)
        elif self.res_model == "crm.lead" and self.res_id and BOOKING_LINK in text:
            lead = self.env["crm.lead"].sudo().browse(self.res_id).exists()
            if lead and lead.partner_id == self.partner_id:
                from ..controllers.portal_booking import booking_url  # here: the controllers import the models

                text = text.replace(BOOKING_LINK, booking_url(lead))
        return text

    # ------------------------------------------------------------
    # Pacing by the workshop's free capacity
    # ------------------------------------------------------------

    def _precheck(self, usage, now):
        """A workshop notice (received, ready, late) still queued when its visit was closed or cancelled — held
        by quiet hours, retried — is not sent: the car is back with its customer."""
        if (
            self.transactional
            and self.res_model == "dealer.visit"
            and self.env["dealer.visit"].sudo().browse(self.res_id).exists().state in ("done", "cancelled")
        ):
            return ("skipped", "visit_closed")
        return super()._precheck(usage, now)

    @api.model
    def _due_domain(self, now):
        return super()._due_domain(now) & Domain("workshop_held", "=", False)

    @api.model
    def _cron_send_due(self):
        """Hold what the workshop cannot take before the messages go out."""
        self.sudo()._dealer_pace_by_workshop(fields.Datetime.now())
        return super()._cron_send_due()

    @api.model
    def _dealer_pace_by_workshop(self, now):
        """Mark the due messages of paced campaigns held or free, in two statements.

        For each paced running campaign and showroom that has bays of the campaign's kind: budget =
        floor(free hours of those bays over the next N days × messages per free hour) − messages of the
        campaign sent to that showroom's customers in the last N days (they will book into the same
        free hours). The oldest due messages within the budget go, the rest wait (still queued). A
        showroom without bays of the kind is not paced. Call tasks are never held.
        """
        self.env.flush_all()
        # rows that are not (or no longer) subject to pacing are never held; nor is a message written for before
        # its trigger date once that date has passed: the sending skips it (``_date_passed``) instead of holding it.
        # Passed in every time zone (UTC-12 is the last to leave a day): a row let go is one the sending skips
        past = SQL(
            "EXISTS (SELECT 1 FROM dealer_campaign_step s WHERE s.id = d.step_id AND s.offset_days <= 0"
            " AND d.occurrence_date < (%s::timestamp - interval '12 hours')::date)",
            now,
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE dealer_dispatch d SET workshop_held = FALSE
             WHERE d.workshop_held
               AND (d.state != 'queued' OR d.channel = 'activity' OR %(past)s OR NOT EXISTS (
                        SELECT 1 FROM dealer_campaign c
                         WHERE c.id = d.campaign_id AND c.workshop_pacing AND c.state = 'running'))
            """,
                past=past,
            )
        )
        budgets = self.env["dealer.campaign"]._dealer_workshop_budgets(now)
        if budgets:
            keys = list(budgets)
            self.env.cr.execute(
                SQL(
                    """
                WITH budget AS (
                    SELECT * FROM unnest(%(campaigns)s::int[], %(companies)s::int[], %(budgets)s::int[])
                        AS b(campaign_id, company_id, budget)
                ), due AS (
                    SELECT d.id, b.budget,
                           row_number() OVER (PARTITION BY b.campaign_id, b.company_id
                                              ORDER BY d.scheduled_at, d.id) AS rank
                      FROM dealer_dispatch d
                      JOIN dealer_campaign c ON c.id = d.campaign_id
                      JOIN budget b ON b.campaign_id = d.campaign_id
                                   AND b.company_id = COALESCE(d.company_id, c.company_id)
                     WHERE d.state = 'queued' AND d.scheduled_at <= %(now)s AND d.channel != 'activity'
                       AND NOT %(past)s
                )
                UPDATE dealer_dispatch d SET workshop_held = (due.rank > due.budget)
                  FROM due
                 WHERE due.id = d.id AND d.workshop_held IS DISTINCT FROM (due.rank > due.budget)
                """,
                    campaigns=[key[0] for key in keys],
                    companies=[key[1] for key in keys],
                    budgets=[budgets[key] for key in keys],
                    now=now,
                    past=past,
                )
            )
        self.invalidate_model(["workshop_held"])

    @staticmethod
    def _dealer_budget(free_hours, rate, sent):
        """Messages a campaign may still send: floor(free hours × rate) − already sent, never below 0."""
        return max(math.floor(free_hours * rate + 1e-9) - sent, 0)
