from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command

from ..tools.system_fields import check_access_after_move, refuse_system_fields


class DealerCallReview(models.Model):
    """A head's score of one call: the checklist ticked while listening to the recording.

    The score is the share of the review's own lines that passed, so a review keeps its score when
    the checklist changes later. The operator (``user_id``) is the call's operator when the call was
    scored, stored with the review: scores are grouped per operator and month and the operator reads
    their own reviews, and a later change of the call's operator does not hand the score to someone else.
    """

    _name = "dealer.call.review"
    _description = "Call quality review"
    _order = "date desc, id desc"
    _rec_name = "call_id"
    _check_company_auto = True

    call_id = fields.Many2one(
        "dealer.call", string="Call", required=True, index=True, ondelete="cascade", check_company=True
    )
    reviewer_id = fields.Many2one(
        "res.users", string="Reviewer", required=True, index=True, default=lambda self: self.env.user
    )
    user_id = fields.Many2one("res.users", string="Operator", index=True, readonly=True)
    date = fields.Date(string="Scored on", required=True, default=fields.Date.context_today, index=True)
    line = fields.Selection(related="call_id.line", store=True, index=True)
    call_started_at = fields.Datetime(string="Call time", related="call_id.started_at", readonly=True)
    recording_url = fields.Char(string="Recording", related="call_id.recording_url", readonly=True)
    line_ids = fields.One2many("dealer.call.review.line", "review_id", string="Checklist", copy=True)
    score_percent = fields.Float(
        string="Score (%)",
        compute="_compute_score_percent",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="Points of the checklist passed, as a share of the points of this review.",
    )
    comment = fields.Text()
    company_id = fields.Many2one(
        "res.company", string="Showroom", related="call_id.company_id", store=True, index=True, readonly=True
    )

    @api.depends("line_ids.passed")
    def _compute_score_percent(self):
        for review in self:
            lines = review.line_ids
            review.score_percent = 100.0 * len(lines.filtered("passed")) / len(lines) if lines else 0.0

    @api.onchange("call_id")
    def _onchange_call_id(self):
        """A new review opens with the checklist of the call's showroom, every point unticked."""
        if self.call_id and not self.line_ids:
            criteria = self.env["dealer.call.criterion"]._for_company(self.call_id.company_id)
            self.line_ids = self._checklist_commands(criteria)

    @api.constrains("call_id")
    def _check_call_answered(self):
        self.call_id._check_can_be_scored()

    @api.model_create_multi
    def create(self, vals_list):
        """A review created without its lines (API, import) gets the checklist all the same."""
        refuse_system_fields(self, vals_list, ["score_percent"])
        self.env["dealer.call"].browse(
            [vals["call_id"] for vals in vals_list if vals.get("call_id")]
        )._check_can_be_scored()
        checklists = {}
        for vals in vals_list:
            if vals.get("call_id") and not vals.get("line_ids"):
                company = self.env["dealer.call"].browse(vals["call_id"]).company_id
                if company not in checklists:
                    checklists[company] = self.env["dealer.call.criterion"]._for_company(company)
                if not checklists[company]:
                    raise ValidationError(
                        self.env._(
                            "Checklist: the call quality checklist of %(showroom)s has no active point to score"
                            " the call against.",
                            showroom=company.display_name,
                        )
                    )
                vals["line_ids"] = self._checklist_commands(checklists[company])
        for vals in vals_list:
            if vals.get("call_id"):
                vals["user_id"] = self.env["dealer.call"].browse(vals["call_id"]).user_id.id
        return super().create(vals_list)

    def write(self, vals):
        """A review moved to another call is about that call's operator. Whose score it is and who scored it are
        not a person's to change: handed to another operator it would move their monthly figures."""
        refuse_system_fields(self, [vals], ["user_id", "reviewer_id", "score_percent", "company_id"])
        if vals.get("call_id"):
            vals = {**vals, "user_id": self.env["dealer.call"].browse(vals["call_id"]).user_id.id}
        result = super().write(vals)
        check_access_after_move(self, vals, ["call_id"])
        return result

    @api.model
    def _checklist_commands(self, criteria):
        """One unticked line per criterion, in the checklist's order."""
        return [
            Command.create({"criterion_id": criterion.id, "sequence": criterion.sequence, "passed": False})
            for criterion in criteria
        ]
