from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.checks import check_date_years
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move, refuse_system_fields

from .res_config_settings import service_param

# what decides whether an issue repeats an earlier one
REPEAT_KEYS = {"vehicle_id", "category", "date", "company_id"}
# counted by the application (``_detect_repeat_repair``): the churn signal of a repeat repair is not typed away
# worked out by the application: the repeat-repair figures, and whether the issue is open (its state's)
ISSUE_SYSTEM_FIELDS = ("is_repeat_repair", "repeat_count", "is_open")

COMPLAINT_CATEGORIES = [
    ("engine", "Engine"),
    ("transmission", "Transmission"),
    ("brakes", "Brakes"),
    ("suspension", "Suspension / steering"),
    ("electrical", "Electrical / electronics"),
    ("body", "Body / paint"),
    ("climate", "Climate / heating"),
    ("noise", "Noise / vibration"),
    ("service_quality", "Quality of our work"),
    ("service_time", "Waiting time / deadlines"),
    ("communication", "Communication / staff"),
    ("price", "Price / invoice"),
    ("other", "Other"),
]


class DealerCustomerIssue(models.Model):
    """A problem a customer reports with their car or our service.

    The same vehicle coming back with the same complaint category within the configured
    window (setting *Repeat repair within*, default 90 days) is a repeat repair:
    a churn risk the service manager must see.
    """

    _name = "dealer.customer.issue"
    _description = "Customer issue"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Subject", required=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True, check_company=True
    )
    vehicle_id = fields.Many2one("dealer.vehicle", string="Vehicle", index="btree_not_null", check_company=True)
    visit_id = fields.Many2one("dealer.visit", string="Visit", index="btree_not_null", check_company=True)
    category = fields.Selection(COMPLAINT_CATEGORIES, string="Complaint category", required=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True, check_company=True
    )
    description = fields.Html()
    state = fields.Selection(
        [("new", "New"), ("in_progress", "In progress"), ("solved", "Solved"), ("cancelled", "Cancelled")],
        default="new",
        required=True,
        index=True,
        tracking=True,
    )
    is_open = fields.Boolean(compute="_compute_is_open", store=True, index=True)
    is_repeat_repair = fields.Boolean(
        string="Repeat repair",
        readonly=True,
        index=True,
        help="The same vehicle had an issue of the same category within the repeat-repair window.",
    )
    repeat_count = fields.Integer(
        string="Earlier issues",
        readonly=True,
        help="How many earlier issues of the same category this vehicle had within the window.",
    )

    _vehicle_category_idx = models.Index("(vehicle_id, category, date) WHERE vehicle_id IS NOT NULL")

    @api.depends("state")
    def _compute_is_open(self):
        for issue in self:
            issue.is_open = issue.state in ("new", "in_progress")

    @api.onchange("visit_id")
    def _onchange_visit_id(self):
        if self.visit_id:
            self.vehicle_id = self.visit_id.vehicle_id
            self.partner_id = self.visit_id.partner_id

    @api.constrains("date")
    def _check_date(self):
        check_date_years(self, "date")

    @api.model_create_multi
    def create(self, vals_list):
        """A new issue is counted, and so are the later ones of its car it makes repeats (a back-dated one)."""
        refuse_system_fields(self, vals_list, ISSUE_SYSTEM_FIELDS)
        issues = super().create(vals_list)
        (issues | issues._repeat_later_issues())._detect_repeat_repair()
        return issues

    def write(self, vals):
        """Moving an issue (its car, category, date or showroom) recounts it and the later issues it left and
        joined: a complaint entered on the wrong car is a repeat repair of neither car once corrected."""
        refuse_system_fields(self, [vals], ISSUE_SYSTEM_FIELDS)
        if not REPEAT_KEYS & set(vals):
            res = super().write(vals)
            check_access_after_move(self, vals, ["company_id"])
            return res
        before = self._repeat_later_issues()
        res = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        (self | before | self._repeat_later_issues())._detect_repeat_repair()
        return res

    def unlink(self):
        """The later issues a deleted issue made repeats are counted again without it."""
        later = self._repeat_later_issues() - self
        res = super().unlink()
        later.exists()._detect_repeat_repair()
        return res

    def _repeat_later_issues(self):
        """The issues whose repeat count counts these: the later issues of the same car, category and
        showroom within the window (read as superuser: the counts are the application's)."""
        issues = self.filtered("vehicle_id")
        if not issues:
            return self.browse()
        window = timedelta(days=service_param(self.env, "repeat_repair_days"))
        candidates = self.sudo().search_fetch(
            [
                ("vehicle_id", "in", issues.vehicle_id.ids),
                ("category", "in", list(set(issues.mapped("category")))),
                ("company_id", "in", issues.company_id.ids),
                ("date", ">=", min(issues.mapped("date"))),
                ("date", "<=", max(issues.mapped("date")) + window),
            ],
            ["vehicle_id", "category", "date", "company_id"],
        )
        keys = {(issue.vehicle_id, issue.category, issue.company_id): [] for issue in issues}
        for issue in issues:
            keys[issue.vehicle_id, issue.category, issue.company_id].append(issue.date)
        return self.browse(
            later.id
            for later in candidates
            if any(
                day <= later.date <= day + window
                for day in keys.get((later.vehicle_id, later.category, later.company_id), ())
            )
        )

    def _detect_repeat_repair(self):
        """Count, in one query, earlier issues of the same vehicle and category within the window, in the same
        showroom: a repeat repair is a showroom's own (a shared car's issues in another showroom are that
        showroom's, and counting them would tell this one of them). An issue without a car is no repeat."""
        self.sudo().filtered(lambda issue: not issue.vehicle_id and issue.repeat_count).write(
            {"is_repeat_repair": False, "repeat_count": 0}
        )
        issues = self.filtered("vehicle_id")
        if not issues:
            return
        days = service_param(self.env, "repeat_repair_days")
        earliest = min(issues.mapped("date")) - timedelta(days=days)
        history = self.sudo().search_fetch(
            [
                ("vehicle_id", "in", issues.vehicle_id.ids),
                ("category", "in", list(set(issues.mapped("category")))),
                ("date", ">=", earliest),
                ("company_id", "in", issues.company_id.ids),
            ],
            ["vehicle_id", "category", "date", "company_id"],
        )
        for issue in issues:
            count = sum(
                1
                for other in history
                if other.id != issue.id
                and other.vehicle_id == issue.vehicle_id
                and other.company_id == issue.company_id
                and other.category == issue.category
                and issue.date - timedelta(days=days) <= other.date <= issue.date
                and (other.date, other.id) < (issue.date, issue.id)
            )
            if issue.repeat_count != count or issue.is_repeat_repair != bool(count):
                issue.sudo().write({"is_repeat_repair": bool(count), "repeat_count": count})

    def action_start(self):
        self.write({"state": "in_progress"})

    def action_solve(self):
        self.write({"state": "solved"})

    def action_cancel(self):
        self.write({"state": "cancelled"})
