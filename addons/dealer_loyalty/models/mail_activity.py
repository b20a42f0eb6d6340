from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields
from odoo.exceptions import UserError
from odoo.fields import Domain

REMINDER_GROUPS = "dealer_crm.group_dealer_user"


class MailActivity(models.Model):
    """Call tasks of reminder campaigns and retention strategies, closed with an outcome."""

    _inherit = "mail.activity"

    dealer_strategy_id = fields.Many2one(
        "dealer.retention.strategy",
        string="Retention strategy",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
        groups=REMINDER_GROUPS,
    )
    dealer_dispatch_ids = fields.One2many(
        "dealer.dispatch", "activity_id", string="Campaign reminders", readonly=True, groups=REMINDER_GROUPS
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the strategy whose task it is (its results count the call that closes it): set by the strategy only
        refuse_system_fields(self, vals_list, ["dealer_strategy_id"])
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], ["dealer_strategy_id"])
        self._dealer_check_showroom()
        return super().write(vals)

    def unlink(self):
        self._dealer_check_showroom()
        return super().unlink()

    def _action_done(self, feedback=False, attachment_ids=None):
        self._dealer_check_showroom()
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _dealer_check_showroom(self):
        """A reminder call task of a showroom the user does not work in (one on a car or a customer every
        showroom reads) is that showroom's to close, move or delete: its campaign or strategy counts the
        outcome of the call. The person it was given to may always."""
        if self.env.su:
            return
        foreign = self._dealer_foreign_reminders()
        if foreign:
            raise UserError(
                self.env._(
                    "%(task)s is a reminder call of another showroom: its own staff close it.",
                    task=foreign[0].display_name,
                )
            )

    def _dealer_foreign_reminders(self):
        """These tasks that are reminder calls (of a campaign or a strategy) of no showroom the user works in,
        and not given to the user (as superuser: the user may not read the log or the strategy)."""
        user = self.env.user
        companies = user.company_ids
        return self.sudo().filtered(
            lambda task: task.user_id != user
            and (
                (task.dealer_dispatch_ids and not task.dealer_dispatch_ids.company_id & companies)
                or (task.dealer_strategy_id.company_id and task.dealer_strategy_id.company_id not in companies)
            )
        )

    @api.model
    def _dealer_reminder_call_domain(self):
        """Open phone-call tasks given by a campaign step or a retention strategy, to the user or of a showroom
        the user works in: a shared car's or customer's task of another showroom is that showroom's to close
        (its campaign counts the outcome)."""
        companies = self.env.user.company_ids.ids
        reminder = Domain("dealer_strategy_id", "!=", False) | Domain("dealer_dispatch_ids", "!=", False)
        ours = (
            Domain("user_id", "=", self.env.uid)
            # (with the strategy set: a path to False would also match the tasks of no strategy)
            | (
                Domain("dealer_strategy_id", "!=", False)
                & Domain("dealer_strategy_id.company_id", "in", [*companies, False])
            )
            | Domain("dealer_dispatch_ids.company_id", "in", companies)
        )
        return Domain("activity_category", "=", "phonecall") & reminder & ours

    @api.model
    def _dealer_reminder_calls(self, records):
        """``{record id: activity}``: the open reminder call task of each saved record, the user's own first."""
        ids = [record_id for record_id in records._origin.ids if record_id]
        if not ids:
            return {}
        activities = self.search(
            self._dealer_reminder_call_domain() & Domain("res_model", "=", records._name) & Domain("res_id", "in", ids),
            order="date_deadline, id",
        )
        found = {}
        for activity in activities.sorted(lambda a: a.user_id != self.env.user):
            found.setdefault(activity.res_id, activity)
        return found

    def action_dealer_call_outcome(self):
        """Close this call task with the call's outcome."""
        self.ensure_one()
        return self.env["dealer.call.outcome.wizard"]._action_open(self)
