from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.marks import marked
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields

# Outcomes of a reminder call that reached the customer (a person answered and heard the reminder);
# "no answer" and "wrong number" close the call without reaching anybody.
REACHED_OUTCOMES = ("talked", "booked", "call_later", "refused")
# the reminder or strategy task a call closed: set by the outcome wizard only, since the campaign's and
# the strategy's results count the call's outcome (a call typed in over RPC naming a campaign's
# reminder would credit the campaign with a booking)
REMINDER_LINKS = ("dispatch_id", "strategy_id", "campaign_id")
# what a reminder's call tells its campaign or strategy: set again only by closing a task with the wizard
REMINDER_RESULTS = ("outcome", "booking_id")


class DealerCall(models.Model):
    """A call made for a reminder campaign's call task or a retention strategy's task.

    The wizard that closes such a task (``dealer.call.outcome.wizard``) writes the call with the
    reminder it answers: the campaign's results and the strategy's results count its outcome.
    """

    _inherit = "dealer.call"

    dispatch_id = fields.Many2one(
        "dealer.dispatch",
        string="Reminder",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The campaign's call task this call closed.",
    )
    campaign_id = fields.Many2one(
        "dealer.campaign",
        string="Campaign",
        compute="_compute_campaign_id",
        store=True,
        index="btree_not_null",
        readonly=True,
    )
    strategy_id = fields.Many2one(
        "dealer.retention.strategy",
        string="Retention strategy",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The retention strategy whose task this call closed.",
    )
    booked_percent = fields.Float(
        string="Booked (%)",
        compute="_compute_booked_percent",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="100 for a call that booked the customer, 0 for any other call: averaged over closed calls "
        "(calls with an outcome) it is the call-to-booking conversion.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, ["booked_percent"])  # the outcome's: 100 for a booking
        if not marked(self.env, "dealer_call_outcome"):
            refuse_system_fields(self, vals_list, REMINDER_LINKS)
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], ["booked_percent"])
        if not marked(self.env, "dealer_call_outcome"):
            refuse_system_fields(self, [vals], REMINDER_LINKS)
            reminders = set(REMINDER_RESULTS) & set(vals) and self.filtered(lambda c: c.dispatch_id or c.strategy_id)
            if reminders:
                refuse_system_fields(reminders, [vals], REMINDER_RESULTS)
        return super().write(vals)

    @api.depends("dispatch_id.campaign_id")
    def _compute_campaign_id(self):
        for call in self:
            call.campaign_id = call.dispatch_id.campaign_id

    @api.depends("outcome")
    def _compute_booked_percent(self):
        for call in self:
            call.booked_percent = 100.0 if call.outcome == "booked" else 0.0

    @api.model
    def _dealer_reminder_counts(self, domain, groupby):
        """``{group: (closed, reached, booked)}`` of the calls of ``domain`` grouped by ``groupby`` (one query)."""
        counts = {}
        for group, outcome, count in self._read_group(
            [*domain, ("outcome", "!=", False)], [groupby, "outcome"], ["__count"]
        ):
            closed, reached, booked = counts.get(group, (0, 0, 0))
            counts[group] = (
                closed + count,
                reached + (count if outcome in REACHED_OUTCOMES else 0),
                booked + (count if outcome == "booked" else 0),
            )
        return counts
