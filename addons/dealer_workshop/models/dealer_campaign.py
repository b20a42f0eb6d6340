from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

from .dealer_workshop_bay import BAY_KINDS

# how far ahead the campaign form looks for the day the bays free up
HELD_LOOKAHEAD_DAYS = 90
# campaigns whose messages do not lead to the workshop: no booking link unless the marketer ticks it
NO_BOOKING_LINK_TRIGGERS = ("insurance",)


class DealerCampaign(models.Model):
    """Bookings made from the reminders' links, and capacity-aware pacing of a campaign's messages."""

    _inherit = "dealer.campaign"

    dealer_booking_link = fields.Boolean(
        string="Booking link in messages",
        compute="_compute_dealer_booking_link",
        store=True,
        readonly=False,
        help="Each e-mail, SMS and Telegram message about a car ends with the customer's personal booking link "
        "(car and work filled in), unless its template places it with {{ object.dealer_booking_url }}. "
        "Off by default for insurance renewals, which do not lead to the workshop.",
    )
    workshop_pacing = fields.Boolean(
        string="Pace by workshop capacity",
        tracking=True,
        help="Send only as many messages as the free time of the matching bays over the next days can take: "
        "more when the workshop is idle; when it is full the messages wait (still queued) and go out as "
        "capacity frees. Call tasks are never held.",
    )
    workshop_bay_kind = fields.Selection(
        BAY_KINDS,
        string="Bays",
        default="mechanical",
        help="The kind of bays the bookings of this campaign need (tyre fitting for a tyre season campaign).",
    )
    workshop_pacing_days = fields.Integer(
        string="Free time over (days)",
        default=7,
        help="The free hours of the bays over this many days ahead set how many messages may go out; the "
        "messages sent in as many past days count against them.",
    )
    workshop_messages_per_hour = fields.Float(
        string="Messages per free bay hour",
        default=2.0,
        digits=(6, 2),
        help="How many messages one free bay hour allows (about how many messages it takes to fill an hour).",
    )
    workshop_held_count = fields.Integer(
        string="Messages held", compute="_compute_workshop_held", help="Due messages waiting for free bay time."
    )
    workshop_held_note = fields.Char(string="Held", compute="_compute_workshop_held")
    dealer_link_booking_count = fields.Integer(
        string="Bookings from links",
        compute="_compute_dealer_link_booking_count",
        help="Bookings customers made with the personal booking link of a message of this campaign.",
    )

    @api.depends("trigger")
    def _compute_dealer_booking_link(self):
        for campaign in self:
            campaign.dealer_booking_link = campaign.trigger not in NO_BOOKING_LINK_TRIGGERS

    @api.constrains("workshop_pacing", "workshop_bay_kind", "workshop_pacing_days", "workshop_messages_per_hour")
    def _check_workshop_pacing(self):
        for campaign in self.filtered("workshop_pacing"):
            if not campaign.workshop_bay_kind:
                raise ValidationError(
                    self.env._("Campaign %(name)s: pick the Bays its pacing counts on.", name=campaign.name)
                )
            if campaign.workshop_pacing_days < 1:
                raise ValidationError(
                    self.env._("Campaign %(name)s: Free time over (days) must be 1 or more.", name=campaign.name)
                )
            if campaign.workshop_messages_per_hour <= 0:
                raise ValidationError(
                    self.env._("Campaign %(name)s: Messages per free bay hour must be more than 0.", name=campaign.name)
                )

    def _compute_results(self):
        # the results read the bookings made from the links and their visits
        self.env["crm.lead"].flush_model(["dealer_dispatch_id"])
        self.env["dealer.visit"].flush_model(["service_lead_id", "state"])
        return super()._compute_results()

    @api.depends_context("allowed_company_ids")
    def _compute_dealer_link_booking_count(self):
        # sudo: a count of the campaign's bookings, shown to whoever reads the campaign
        counts = dict(
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("dealer_dispatch_id.campaign_id", "in", self.ids),
                    *self._dealer_reader_companies("dealer_dispatch_id"),
                ],
                ["dealer_dispatch_id.campaign_id"],
                ["__count"],
            )
        )
        for campaign in self:
            campaign.dealer_link_booking_count = counts.get(campaign, 0)

    @api.depends_context("allowed_company_ids")
    def _compute_workshop_held(self):
        # sudo: counts and free hours, shown to whoever reads the campaign
        held = dict(
            self.env["dealer.dispatch"]
            .sudo()
            ._read_group(
                [
                    ("campaign_id", "in", self.ids),
                    ("workshop_held", "=", True),
                    ("state", "=", "queued"),
                    *self._dealer_reader_companies(),
                ],
                ["campaign_id"],
                ["__count"],
            )
        )
        for campaign in self:
            count = held.get(campaign._origin, 0)
            campaign.workshop_held_count = count
            campaign.workshop_held_note = campaign._workshop_held_note(count) if count else False

    def _workshop_held_note(self, count):
        """ "5 messages held: tyre fitting bays full until 12/14/2026", or their free hours when not full."""
        self.ensure_one()
        now = fields.Datetime.now()
        days = self.workshop_pacing_days
        company = self.company_id or self.env.company
        kind = dict(self._fields["workshop_bay_kind"]._description_selection(self.env)).get(self.workshop_bay_kind)
        bays = self.env["dealer.workshop.bay"].sudo()
        free = sum(bays._free_hours(now, now + timedelta(days=days), [self.workshop_bay_kind], company).values())
        if free < 1:
            slots = bays._free_slots(
                self.workshop_bay_kind, 1.0, now, now + timedelta(days=HELD_LOOKAHEAD_DAYS), company=company
            )
            if slots:
                local = fields.Datetime.context_timestamp(self, slots[0][0])
                return self.env._(
                    "%(count)s messages held: %(kind)s bays full until %(date)s.",
                    count=count,
                    kind=kind,
                    date=format_date(self.env, local.date()),
                )
        return self.env._(
            "%(count)s messages held: the %(hours)s free hours of %(kind)s bays over the next %(days)s days "
            "are taken by the messages already sent.",
            count=count,
            hours=round(free, 1),
            kind=kind,
            days=days,
        )

    def action_view_dealer_link_bookings(self):
        """The bookings made with the personal links of this campaign's messages."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.crm_lead_service_action")
        action.update(
            {
                "domain": [("dealer_dispatch_id.campaign_id", "=", self.id)],
                "context": {"active_test": False, "create": False},
            }
        )
        return action

    def action_view_workshop_held(self):
        """The messages waiting for free bay time."""
        action = self.action_view_dispatches()
        action["domain"] = [("campaign_id", "=", self.id), ("workshop_held", "=", True), ("state", "=", "queued")]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # Pacing
    # ------------------------------------------------------------

    @api.model
    def _dealer_workshop_budgets(self, now):
        """``{(campaign id, company id): messages it may still send}`` of the paced running campaigns.

        One pair per campaign and showroom with due messages; a showroom without bays of the
        campaign's kind is left out (not paced). Free hours are asked once per kind, showroom and days.
        """
        campaigns = self.search(
            [("workshop_pacing", "=", True), ("state", "=", "running"), ("workshop_bay_kind", "!=", False)]
        )
        if not campaigns:
            return {}
        self.env.cr.execute(
            SQL(
                """
            SELECT d.campaign_id, COALESCE(d.company_id, c.company_id) AS company_id,
                   count(*) FILTER (WHERE d.state IN ('sending', 'sent', 'delivered')
                                      AND d.sent_at >= %(now)s - make_interval(days => c.workshop_pacing_days)) AS sent,
                   bool_or(d.state = 'queued' AND d.scheduled_at <= %(now)s) AS due
              FROM dealer_dispatch d
              JOIN dealer_campaign c ON c.id = d.campaign_id
             WHERE d.campaign_id = ANY(%(campaigns)s) AND d.channel != 'activity'
               AND COALESCE(d.company_id, c.company_id) IS NOT NULL
               AND (d.state = 'queued' OR d.sent_at >= %(now)s - make_interval(days => c.workshop_pacing_days))
          GROUP BY 1, 2
            """,
                now=now,
                campaigns=campaigns.ids,
            )
        )
        bays = self.env["dealer.workshop.bay"].sudo()
        free_hours, budgets = {}, {}
        for campaign_id, company_id, sent, due in self.env.cr.fetchall():
            if not due:
                continue
            campaign = campaigns.browse(campaign_id)
            key = (campaign.workshop_bay_kind, company_id, campaign.workshop_pacing_days)
            if key not in free_hours:
                free = bays._free_hours(now, now + timedelta(days=key[2]), kinds=[key[0]], companies=[company_id])
                free_hours[key] = sum(free.values()) if free else None
            if free_hours[key] is None:
                continue
            budgets[campaign_id, company_id] = self.env["dealer.dispatch"]._dealer_budget(
                free_hours[key], campaign.workshop_messages_per_hour, sent
            )
        return budgets
