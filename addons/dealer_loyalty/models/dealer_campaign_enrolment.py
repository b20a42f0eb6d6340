import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

STOP_REASONS = [
    ("booked", "Booked a visit"),
    ("renewed", "Policy renewed"),
    ("opt_out", "Opted out"),
    ("stopped", "Campaign stopped"),
    ("not_owner", "No longer the car's owner"),
]


class DealerCampaignEnrolment(models.Model):
    """One customer (and vehicle) in one campaign, or one customer in one retention strategy,
    for one occurrence of its trigger date (a strategy: one episode).

    Enrolments are written by set-based SQL when a campaign plans; their ``enrolled_at``
    is the moment after which a visit or a service opportunity counts as a booking.
    An enrolment of the control group (``control``) is recorded like the others and gets
    nothing: its outcome is the comparison the campaign's incremental effect is measured against.
    """

    _name = "dealer.campaign.enrolment"
    _description = "Campaign enrolment"
    _order = "id desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one("dealer.campaign", ondelete="cascade", index="btree_not_null", readonly=True)
    strategy_id = fields.Many2one(
        "dealer.retention.strategy",
        string="Retention strategy",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
    )
    control = fields.Boolean(
        string="Control group",
        readonly=True,
        help="Kept out of the campaign (or strategy) on purpose: this customer gets nothing from it, so that "
        "the bookings of the others can be compared with theirs. Chosen at random, stable per customer.",
    )
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
    _one_effort = models.Constraint(
        "CHECK((campaign_id IS NULL) != (strategy_id IS NULL))",
        "An enrolment belongs to one campaign or to one retention strategy.",
    )
    _strategy_episode_uniq = models.UniqueIndex(
        "(strategy_id, partner_id, occurrence_key) WHERE strategy_id IS NOT NULL",
        "This customer is already enrolled in the strategy for this episode.",
    )
    _occurrence_uniq = models.UniqueIndex(
        "(campaign_id, partner_id, COALESCE(vehicle_id, 0), COALESCE(occurrence_key, occurrence_date))",
        "This customer is already enrolled in the campaign for this occurrence.",
    )

    # Who was enrolled, in which group and when is the audit trail of a measured effect: the planning
    # writes it (as superuser), a user may only stop an enrolment.
    FIXED_FIELDS = (
        "campaign_id",
        "strategy_id",
        "control",
        "partner_id",
        "vehicle_id",
        "company_id",
        "occurrence_date",
        "occurrence_key",
        "enrolled_at",
    )

    def write(self, vals):
        if not self.env.su:
            for fname in self.FIXED_FIELDS:
                if fname in vals:
                    raise UserError(
                        self.env._(
                            "%(field)s of an enrolment is set when the customer is enrolled and cannot be changed.",
                            field=self._fields[fname]._description_string(self.env),
                        )
                    )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_measured(self):
        measured = self.campaign_id.filtered("control_group") or self.strategy_id.filtered("control_group")
        if not self.env.su and measured:
            raise UserError(
                self.env._(
                    "Enrolments of a campaign or strategy with a control group are its measured audience: "
                    "stop the campaign instead of deleting them."
                )
            )

    @api.depends("campaign_id", "strategy_id", "partner_id")
    def _compute_display_name(self):
        for enrolment in self:
            effort = enrolment.campaign_id or enrolment.strategy_id
            enrolment.display_name = f"{effort.display_name or ''} / {enrolment.partner_id.display_name or ''}"

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

    # ------------------------------------------------------------
    # Control group: a seeded hash of the effort and the customer
    # ------------------------------------------------------------

    @api.model
    def _control_sql(self, seed, partner_sql, share):
        """SQL truth of "this customer is in the control group" of the effort ``seed``.

        ``seed`` names the effort ("campaign:12", "strategy:3"); the first 32 bits of
        md5(seed:customer) modulo 10,000 below ``share`` (percent, two decimals) pick the
        control group: random across customers, the same every time for one customer and
        effort, so planning again never moves anyone between the groups.
        """
        if not share or share <= 0:
            return SQL("FALSE")
        return SQL(
            "((('x' || substr(md5(%s || ':' || (%s)::text), 1, 8))::bit(32)::bigint %% 10000) < %s)",
            seed,
            partner_sql,
            round(share * 100),
        )

    @api.model
    def _is_control(self, seed, partner_id, share):
        """Python twin of ``_control_sql`` for enrolments written through the ORM."""
        if not share or share <= 0:
            return False
        digest = hashlib.md5(f"{seed}:{partner_id}".encode()).hexdigest()
        return int(digest[:8], 16) % 10000 < round(share * 100)

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
