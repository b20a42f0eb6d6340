from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.roles import DEALER_ROLES
from ..tools.settings import check_int_settings
from ..tools.translated import Translated

# Parameters an administrator must fill in for the steps that use them (parameter → field);
# the other dealership addons add theirs through ``_dealer_step_required_fields``.
# a task due ten years before or after its date, a response time beyond a month: a typo, refused when the rule is saved
STEP_DAYS_MAX = 3650
STEP_MINUTES_MAX = 60 * 24 * 31
REQUIRED_PARAMS = {
    "role": "dealer_role",
    "team": "dealer_team_id",
    "message": "dealer_message",
}


class IrActionsServer(models.Model):
    """The "Dealership step" action type: one of the suite's building blocks with its parameters.

    An administrator adds it to an automation rule like any other action (Settings >
    Automation Rules > Actions To Do > Add an action > Dealership step), picks the step and
    fills in the fields it needs; no Python. Each step is a documented method of the record's
    model (see ``_dealer_step_specs``) called once on all the records the action runs on.

    Each addon brings its own steps and parameters: ``_dealer_step_specs`` (step → method and
    parameters), ``_dealer_step_required_fields`` (parameter → the field that must be filled in)
    and ``_dealer_step_value`` (the value passed for a parameter); the form shows a parameter's
    field when the chosen step uses it (``dealer_step_params``).
    """

    _inherit = "ir.actions.server"

    state = fields.Selection(selection_add=[("dealer_step", "Dealership step")], ondelete={"dealer_step": "cascade"})
    dealer_step = fields.Selection(
        [
            ("assign_role", "Leads: assign to the person of a role"),
            ("route_team", "Leads: hand to a team with a response deadline"),
            ("start_clock", "Leads: start the response clock"),
            ("escalate", "Leads: escalate one level now"),
            ("reserve_vehicle", "Leads: reserve the car of interest"),
            ("release_vehicle", "Leads: release the reserved car"),
            ("schedule_activity", "Any record: activity for a role N days after a date"),
            ("notify_role", "Any record: internal message to the person of a role"),
        ],
        string="Dealership step",
        help="The dealership operation this action performs on the records of the rule.",
    )
    dealer_role = fields.Selection(
        DEALER_ROLES,
        string="Role",
        help="Whose task it is: the person the record names for this role (the deal's salesperson, the "
        "visit's advisor, the team's F&I manager …), else any user of the role in the record's company.",
    )
    dealer_days = fields.Integer(
        string="Days", help="Due this many days after the date below (negative: before it; empty date: today)."
    )
    dealer_date_field_id = fields.Many2one(
        "ir.model.fields",
        string="Counted from",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('date', 'datetime'))]",
        help="Date of the record the days count from; empty: the day the rule runs.",
    )
    # translated: each assignee reads the task's title (each customer the subject) in their language;
    # open activities are still told apart by title, in any of its languages (``Translated``)
    dealer_summary = fields.Char(
        string="Title or subject",
        translate=True,
        help="Title of the activity (a record never gets two open activities with the same title), "
        "of the opportunity, or subject of the message.",
    )
    dealer_activity_type_id = fields.Many2one("mail.activity.type", string="Activity type")
    dealer_team_id = fields.Many2one("crm.team", string="Team", help="Sales team the leads are handed to.")
    dealer_minutes = fields.Integer(
        string="Respond within (min)",
        help="Response deadline in minutes from the lead's arrival; empty: the response-time policy of its channel.",
    )
    dealer_message = fields.Text(
        string="Message",
        translate=True,
        help="Text of the message (or the reason written in the chatter); a message to a customer goes in "
        "their language when the text is translated into it.",
    )
    dealer_step_params = fields.Json(
        string="Step parameters",
        compute="_compute_dealer_step_params",
        help="The parameters the chosen dealership step takes; the form shows their fields.",
    )

    @api.depends("dealer_step")
    def _compute_dealer_step_params(self):
        specs = self._dealer_step_specs()
        for action in self:
            action.dealer_step_params = list(specs[action.dealer_step][1]) if action.dealer_step in specs else []

    @api.model
    def _dealer_step_specs(self):
        """``{step: (method, parameters)}``; the other dealership addons add their steps."""
        return {
            "assign_role": ("_dealer_assign_role", ("role",)),
            "route_team": ("_dealer_route_to_team", ("team", "minutes")),
            "start_clock": ("_dealer_start_response_clock", ("minutes",)),
            "escalate": ("_dealer_escalate_now", ()),
            "reserve_vehicle": ("_dealer_reserve_vehicle", ()),
            "release_vehicle": ("_dealer_release_vehicle", ("message",)),
            "schedule_activity": (
                "_dealer_schedule_role_activity",
                ("role", "days", "date_field", "summary", "activity_type"),
            ),
            "notify_role": ("_dealer_notify_role", ("role", "message")),
        }

    @api.model
    def _dealer_step_required_fields(self):
        """``{parameter: field}`` an administrator must fill in when the step takes the parameter;
        the other dealership addons add theirs."""
        return dict(REQUIRED_PARAMS)

    def _dealer_step_value(self, param):
        """The value of one parameter, as the building-block method expects it.

        A required parameter of another addon is the value of its field (see
        ``_dealer_step_required_fields``); an addon overrides this for any other parameter.
        """
        values = {  # read when asked for: the texts are read in every installed language
            "role": lambda: self.dealer_role,
            "days": lambda: self.dealer_days,
            "date_field": lambda: self.dealer_date_field_id.name or None,
            "summary": lambda: Translated.of_field(self, "dealer_summary") if self.dealer_summary else None,
            "activity_type": lambda: self.dealer_activity_type_id or None,
            "team": lambda: self.dealer_team_id,
            "minutes": lambda: self.dealer_minutes or None,
            # written in the language of who reads it (each customer's, each assignee's), not the trigger's
            "message": lambda: Translated.of_field(self, "dealer_message") if self.dealer_message else None,
        }
        return values[param]() if param in values else self[self._dealer_step_required_fields()[param]]

    # ------------------------------------------------------------
    # Name, checks, runner
    # ------------------------------------------------------------

    def _name_depends(self):
        return [*super()._name_depends(), "dealer_step"]

    def _generate_action_name(self):
        if self.state == "dealer_step" and self.dealer_step:
            labels = dict(self._fields["dealer_step"]._description_selection(self.env))
            return self.env._("Dealership: %(step)s", step=labels[self.dealer_step])
        return super()._generate_action_name()

    @api.constrains(
        "state",
        "dealer_step",
        "model_id",
        "dealer_role",
        "dealer_team_id",
        "dealer_message",
        "dealer_date_field_id",
        "dealer_days",
        "dealer_minutes",
    )
    def _check_dealer_step(self):
        for action in self.filtered(lambda a: a.state == "dealer_step"):
            if not action.dealer_step:
                raise ValidationError(self.env._("Choose the Dealership step of action %(name)s.", name=action.name))
            method, params = action._dealer_step_specs()[action.dealer_step]
            if not hasattr(self.env[action.model_id.model], method):
                raise ValidationError(
                    self.env._(
                        "The dealership step of action %(name)s cannot run on %(model)s.",
                        name=action.name,
                        model=action.model_id.name,
                    )
                )
            required = action._dealer_step_required_fields()
            for param in params:
                fname = required.get(param)
                if fname and not action[fname]:
                    raise ValidationError(
                        self.env._(
                            "Action %(name)s: fill in %(field)s.",
                            name=action.name,
                            field=action._fields[fname]._description_string(self.env),
                        )
                    )
            if action.dealer_date_field_id and action.dealer_date_field_id.model_id != action.model_id:
                raise ValidationError(self.env._("Counted from must be a date of the action's model."))
            # checked when the rule is saved, not when it runs: a wrong number would refuse every record it runs on
            check_int_settings(
                action, {"dealer_days": (0, -STEP_DAYS_MAX, STEP_DAYS_MAX), "dealer_minutes": (0, 0, STEP_MINUTES_MAX)}
            )

    def _run_action_dealer_step_multi(self, eval_context=None):
        """Call the step's method once on all the records the action runs on."""
        records = eval_context.get("records") or eval_context.get("record")
        if not records or not self.dealer_step:
            return False
        method, params = self._dealer_step_specs()[self.dealer_step]
        getattr(records, method)(**self._dealer_step_values(records, params))
        return False

    def _dealer_step_values(self, records, params):
        """``{parameter: value}`` of the step for ``records``.

        In a batch job (``_dealer_role_memo_context``: a cron losing a thousand bookings), Odoo's
        automation rules run this action once per record; the texts it writes in every installed
        language (``Translated``: one environment per language and record) are then read once for
        the job, under the action's id.
        """
        memo = records._dealer_batch_memo() if hasattr(records, "_dealer_batch_memo") else None
        key = ("dealer step texts", self.id)
        texts = memo.get(key) if memo is not None else None
        values = {
            param: texts[param] if texts and param in texts else self._dealer_step_value(param) for param in params
        }
        if memo is not None and texts is None:
            memo[key] = {param: value for param, value in values.items() if isinstance(value, Translated)}
        return values
