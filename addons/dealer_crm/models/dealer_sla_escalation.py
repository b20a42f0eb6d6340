from odoo import api, fields, models
from odoo.exceptions import ValidationError


class DealerSlaEscalation(models.Model):
    _name = "dealer.sla.escalation"
    _description = "Escalation level"
    _order = "sequence, id"

    sequence = fields.Integer(default=10, help="The chain is climbed in this order.")
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    target = fields.Selection(
        [
            ("responsible", "Responsible salesperson"),
            ("team_head", "Team head"),
            ("director", "Director"),
            ("user", "A given user"),
        ],
        required=True,
        default="team_head",
        help="Who gets the activity at this step: the team head is the sales team's leader, "
        "the director is set on the company.",
    )
    user_id = fields.Many2one("res.users", string="User", help="Only for the target 'A given user'.")
    delay_minutes = fields.Integer(
        string="Minutes after the deadline",
        default=0,
        help="This step fires when the lead is still unanswered this many minutes after its response deadline.",
    )

    @api.constrains("delay_minutes", "target", "user_id")
    def _check_level(self):
        for level in self:
            if level.delay_minutes < 0:
                raise ValidationError(self.env._("Minutes after the deadline cannot be negative."))
            if level.target == "user" and not level.user_id:
                raise ValidationError(self.env._("Set the User of escalation level %(name)s.", name=level.name))
