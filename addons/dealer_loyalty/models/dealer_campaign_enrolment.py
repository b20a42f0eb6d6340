from odoo import fields, models
from odoo.tools import SQL

STOP_REASONS = [
    ("booked", "Booked a visit"),
    ("renewed", "Policy renewed"),
    ("opt_out", "Opted out"),
    ("stopped", "Campaign stopped"),
]


class DealerCampaignEnrolment(models.Model):
    """One customer (and vehicle) in one campaign for one occurrence of its trigger date.

    Enrolments are written by set-based SQL when a campaign plans; their ``enrolled_at``
    is the moment after which a visit or a service opportunity counts as a booking.
    """

    _name = "dealer.campaign.enrolment"
    _description = "Campaign enrolment"
    _order = "id desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one("dealer.campaign", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True, readonly=True
    )
    vehicle_id = fields.Many2one("dealer.vehicle", ondelete="cascade", index="btree_not_null", readonly=True)
    occurrence_date = fields.Date(
        string="Trigger date",
        required=True,
        readonly=True,
        help="The date the steps count from: policy end, maintenance due, window end…",
    )
    occurrence_key = fields.Date(
        string="Occurrence",
        readonly=True,
        help="Which real-world occurrence this enrolment is for: the start of the service interval (last "
        "maintenance, else delivery) for maintenance reminders, whose projected due date moves with the "
        "mileage; the trigger date otherwise. A customer is enrolled once per occurrence.",
    )
    enrolled_at = fields.Datetime(required=True, readonly=True)
    state = fields.Selection(
        [("active", "Active"), ("stopped", "Stopped")], default="active", required=True, index=True, readonly=True
    )
    stop_reason = fields.Selection(STOP_REASONS, readonly=True)
    dispatch_ids = fields.One2many("dealer.dispatch", "enrolment_id", string="Messages")
    call_activity_id = fields.Many2one(
        "mail.activity",
        string="Open call task",
        compute="_compute_call_activity_id",
        groups="dealer_crm.group_dealer_user",
    )

    _plan_idx = models.Index("(campaign_id, occurrence_date) WHERE state = 'active'")
    _occurrence_uniq = models.UniqueIndex(
        "(campaign_id, partner_id, COALESCE(vehicle_id, 0), COALESCE(occurrence_key, occurrence_date))",
        "This customer is already enrolled in the campaign for this occurrence.",
    )

    def _compute_call_activity_id(self):
        rows = self.env["dealer.dispatch"].search(
            [("enrolment_id", "in", self.ids), ("activity_id", "!=", False), ("channel", "=", "activity")],
            order="id desc",
        )
        open_calls = rows.activity_id.filtered(lambda a: a.active and a.activity_category == "phonecall")
        for enrolment in self:
            enrolment.call_activity_id = next(
                (row.activity_id for row in rows if row.enrolment_id == enrolment and row.activity_id in open_calls),
                False,
            )

    def init(self):
        """Enrolments made before the occurrence key existed are keyed by their trigger date (as they were)."""
        res = super().init()
        self.env.cr.execute(
            SQL(
                "UPDATE dealer_campaign_enrolment SET occurrence_key = occurrence_date"
                " WHERE occurrence_key IS NULL AND occurrence_date IS NOT NULL"
            )
        )
        return res

    def action_dealer_call_outcome(self):
        """Close the enrolment's open call task with the outcome of the call."""
        self.ensure_one()
        return self.env["dealer.call.outcome.wizard"]._action_open(self.call_activity_id)
