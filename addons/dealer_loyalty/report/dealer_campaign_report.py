from odoo import fields, models
from odoo.addons.dealer_crm.tools.sql import in_reader_companies
from odoo.tools import SQL

from ..models.dealer_campaign_step import DISPATCH_CHANNELS
from ..models.dealer_dispatch import DISPATCH_STATES


class DealerCampaignReport(models.Model):
    """Campaign results, one row per dispatch, with last-touch attribution of visits.

    A visit of an enrolled vehicle (or customer) within the campaign's attribution days
    after a sent message is a booking of the *latest* such message, so a visit is never
    counted twice across steps or campaigns.

    A booking credited to a message exactly (``_credited_bookings_sql``: a call task closed
    "booked", in bridges a booking made from the message's own link) is a booking of that
    row, each booking of one row only; the revenue of the booking's visits
    (``_booked_visits_sql``, known where the visits name their booking) is its revenue
    exactly, and those visits are not attributed to a message by the time window.
    """

    _name = "dealer.campaign.report"
    _description = "Campaign results"
    _auto = False
    _order = "date desc"

    campaign_id = fields.Many2one("dealer.campaign", readonly=True)
    step_id = fields.Many2one("dealer.campaign.step", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    channel = fields.Selection(DISPATCH_CHANNELS, readonly=True)
    state = fields.Selection(DISPATCH_STATES, readonly=True)
    date = fields.Date(string="Planned on", readonly=True)
    dispatch_count = fields.Integer(string="Messages", readonly=True, aggregator="sum")
    sent_count = fields.Integer(string="Sent", readonly=True, aggregator="sum")
    delivered_count = fields.Integer(string="Delivered", readonly=True, aggregator="sum")
    failed_count = fields.Integer(string="Failed", readonly=True, aggregator="sum")
    skipped_count = fields.Integer(string="Skipped", readonly=True, aggregator="sum")
    deliverability = fields.Float(
        string="Deliverability (%)",
        readonly=True,
        aggregator="avg",
        help="Share of sent messages that were delivered (average over sent messages).",
    )
    emailed_count = fields.Integer(string="E-mails sent", readonly=True, aggregator="sum")
    opened_count = fields.Integer(string="Opened", readonly=True, aggregator="sum")
    clicked_count = fields.Integer(string="Clicked", readonly=True, aggregator="sum")
    open_rate = fields.Float(
        string="Open rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of sent e-mails opened (images shown or a link clicked; average over sent e-mails).",
    )
    click_rate = fields.Float(
        string="Click rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of sent e-mails with a click on a link (average over sent e-mails).",
    )
    booking_count = fields.Integer(string="Bookings", readonly=True, aggregator="sum")
    revenue = fields.Float(
        string="Revenue attributed", readonly=True, aggregator="sum", groups="dealer_crm.group_dealer_see_money"
    )

    def _credited_bookings_sql(self):
        """Rows ``(dispatch_id, booking_id, priority, credited_at)``: bookings credited to a message exactly.

        A call task closed "booked" books its call's booking (``booking_id`` NULL when the call names
        none: one booking all the same). A booking several rows claim is credited to one of them:
        the highest ``priority``, then the latest ``credited_at``. Bridges add their own sources.
        """
        return SQL(
            """
            SELECT d.id AS dispatch_id, k.booking_id, 0 AS priority, COALESCE(k.started_at, d.sent_at) AS credited_at
              FROM dealer_dispatch d
         LEFT JOIN dealer_call k ON k.id = d.call_id
             WHERE d.call_outcome = 'booked'
            """
        )

    def _booked_visits_sql(self):
        """Rows ``(booking_id, visit_id, revenue)``: the visits that carried out a booking.

        No visit names its booking without the service addon: its bridge fills this in.
        """
        return SQL("SELECT NULL::int AS booking_id, NULL::int AS visit_id, NULL::numeric AS revenue WHERE FALSE")

    @property
    def _table_query(self):
        return SQL(
            """
            WITH credit_candidate AS (%(credits)s
            ), credit AS (
                (SELECT DISTINCT ON (booking_id) dispatch_id, booking_id
                   FROM credit_candidate
                  WHERE booking_id IS NOT NULL
               ORDER BY booking_id, priority DESC, credited_at DESC NULLS LAST, dispatch_id DESC)
                 UNION ALL
                SELECT dispatch_id, booking_id FROM credit_candidate WHERE booking_id IS NULL
            ), credit_count AS (
                SELECT dispatch_id, count(*) AS bookings FROM credit GROUP BY dispatch_id
            ), booked AS (
                SELECT c.dispatch_id, bv.visit_id, bv.revenue
                  FROM credit c JOIN (%(booked)s) bv ON bv.booking_id = c.booking_id
            ), booked_revenue AS (
                -- the group's message: as for the visits below, those to the showrooms its reader works in
                SELECT b.dispatch_id, sum(b.revenue) AS revenue
                  FROM booked b
                  JOIN dealer_dispatch d ON d.id = b.dispatch_id
                  JOIN dealer_campaign c ON c.id = d.campaign_id
                  JOIN dealer_visit v ON v.id = b.visit_id
                 WHERE c.company_id IS NOT NULL OR %(group_visit)s
              GROUP BY b.dispatch_id
            ), sent AS (
                SELECT d.id, d.vehicle_id, d.partner_id, d.sent_at, d.sent_at::date AS sent_day,
                       -- a showroom's campaign: visits to that showroom; the group's campaign: any
                       CASE WHEN c.company_id IS NOT NULL THEN d.company_id END AS showroom_id,
                       d.sent_at::date + c.attribution_days AS last_day
                  FROM dealer_dispatch d
                  JOIN dealer_campaign c ON c.id = d.campaign_id
                 WHERE d.state IN ('sent', 'delivered') AND d.channel != 'activity'
            ), candidate AS (
                -- a showroom's message is credited with visits to that showroom only: another showroom's
                -- visit of a shared customer is that showroom's work (and figures), not this message's result;
                -- the group's message with visits to any showroom its reader works in (``in_reader_companies``)
                SELECT v.id AS visit_id, v.revenue, s.id AS dispatch_id, s.sent_at
                  FROM sent s JOIN dealer_visit v ON v.vehicle_id = s.vehicle_id
                 WHERE v.state != 'cancelled' AND v.date BETWEEN s.sent_day AND s.last_day
                   AND (v.company_id = s.showroom_id OR s.showroom_id IS NULL AND %(group_visit)s)
                 UNION ALL
                SELECT v.id, v.revenue, s.id, s.sent_at
                  FROM sent s JOIN dealer_visit v ON v.partner_id = s.partner_id
                 WHERE s.vehicle_id IS NULL AND v.state != 'cancelled' AND v.date BETWEEN s.sent_day AND s.last_day
                   AND (v.company_id = s.showroom_id OR s.showroom_id IS NULL AND %(group_visit)s)
            ), touch AS (
                SELECT DISTINCT ON (visit_id) visit_id, revenue, dispatch_id
                  FROM candidate c
                 WHERE NOT EXISTS (SELECT 1 FROM booked b WHERE b.visit_id = c.visit_id)
              ORDER BY visit_id, sent_at DESC, dispatch_id DESC
            ), attributed AS (
                SELECT dispatch_id, count(*) AS visits, sum(revenue) AS revenue FROM touch GROUP BY dispatch_id
            )
            SELECT d.id, d.campaign_id, d.step_id, d.company_id, d.partner_id, d.channel, d.state,
                   d.scheduled_at::date AS date, 1 AS dispatch_count,
                   (d.state IN ('sent', 'delivered', 'bounced'))::int AS sent_count,
                   (d.state = 'delivered')::int AS delivered_count,
                   (d.state IN ('failed', 'bounced'))::int AS failed_count,
                   (d.state IN ('skipped', 'cancelled'))::int AS skipped_count,
                   CASE WHEN d.state IN ('sent', 'delivered', 'bounced')
                        THEN (d.state = 'delivered')::int * 100.0 END AS deliverability,
                   (d.channel = 'email' AND d.state IN ('sent', 'delivered', 'bounced'))::int AS emailed_count,
                   (d.opened_at IS NOT NULL)::int AS opened_count,
                   (d.clicked_at IS NOT NULL)::int AS clicked_count,
                   CASE WHEN d.channel = 'email' AND d.state IN ('sent', 'delivered', 'bounced')
                        THEN (d.opened_at IS NOT NULL)::int * 100.0 END AS open_rate,
                   CASE WHEN d.channel = 'email' AND d.state IN ('sent', 'delivered', 'bounced')
                        THEN (d.clicked_at IS NOT NULL)::int * 100.0 END AS click_rate,
                   COALESCE(a.visits, 0) + COALESCE(cc.bookings, 0) AS booking_count,
                   COALESCE(a.revenue, 0) + COALESCE(br.revenue, 0) AS revenue
              FROM dealer_dispatch d
         LEFT JOIN attributed a ON a.dispatch_id = d.id
         LEFT JOIN booked_revenue br ON br.dispatch_id = d.id
         LEFT JOIN credit_count cc ON cc.dispatch_id = d.id
            """,
            credits=self._credited_bookings_sql(),
            booked=self._booked_visits_sql(),
            group_visit=in_reader_companies(self.env, SQL.identifier("v", "company_id")),
        )
