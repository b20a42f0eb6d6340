from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class DealerSlaEscalation(models.Model):
    _name = "dealer.sla.escalation"
    _inherit = ["dealer.shared.setting.mixin"]
    _description = "Escalation level"
    _order = "sequence, id"
    _check_company_auto = True

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
    user_id = fields.Many2one(
        "res.users", string="User", check_company=True, help="Only for the target 'A given user'."
    )
    # a showroom's own chain replaces the shared one (as a showroom's response-time policy does)
    company_id = fields.Many2one(
        "res.company",
        string="Showroom",
        index=True,
        help="The showroom whose leads climb this level. A showroom with levels of its own climbs only "
        "those; the others climb the levels left empty here, which only someone who works in all showrooms "
        "changes.",
    )
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

    # what decides which level a waiting lead climbs next, and when
    _CHAIN_FIELDS = frozenset({"sequence", "active", "company_id", "delay_minutes"})

    @api.model_create_multi
    def create(self, vals_list):
        levels = super().create(vals_list)
        self._reschedule_waiting_leads()
        return levels

    def write(self, vals):
        before = self._climbing_chains() if {"sequence", "active", "company_id"} & set(vals) else None
        res = super().write(vals)
        if before:
            self._keep_steps_ahead(*before)
        if self._CHAIN_FIELDS & set(vals):
            self._reschedule_waiting_leads()
        return res

    @api.model
    def _climbing_chains(self):
        """``(leads waiting for their next step, {company: ids of its chain's levels in order})``, before the
        chain is reordered (see ``_keep_steps_ahead``)."""
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(
                [
                    ("dealer_next_escalation_date", "!=", False),
                    ("dealer_sla_state", "=", "running"),
                    ("dealer_escalation_level_id", "!=", False),
                ]
            )
        )
        if not leads:
            return None
        chains = self._chains({lead.company_id for lead in leads})
        return leads, {company: levels.ids for company, levels in chains.items()}

    @api.model
    def _keep_steps_ahead(self, leads, before):
        """A step that was ahead of a waiting lead's last step and has been moved in front of it (the chain
        reordered, a level moved between showrooms or brought back) is still ahead: the lead counts the
        step before it as its last, so that it is climbed rather than skipped. (A step it had climbed
        and that now comes after it may then be climbed again: a second task rather than none.)

        sudo and SQL: only the leads' pointer to their last step moves, one UPDATE per new pointer.
        """
        after = self._chains({lead.company_id for lead in leads})
        anchors = {}
        for lead in leads:
            old, new = before[lead.company_id], after[lead.company_id].ids
            last = lead.dealer_escalation_level_id.id
            if last not in old or last not in new:
                continue
            ahead = set(old[old.index(last) + 1 :])
            moved = [level_id for level_id in new[: new.index(last)] if level_id in ahead]
            if moved:
                position = new.index(moved[0])
                anchors.setdefault(new[position - 1] if position else None, []).append(lead.id)
        self.env.flush_all()
        for anchor, lead_ids in anchors.items():
            self.env.cr.execute(
                SQL("UPDATE crm_lead SET dealer_escalation_level_id = %s WHERE id = ANY(%s)", anchor, lead_ids)
            )
        if anchors:
            self.env["crm.lead"].invalidate_model(["dealer_escalation_level_id"])

    def unlink(self):
        self._hand_over_climbed_leads()
        res = super().unlink()
        self._reschedule_waiting_leads()
        return res

    def _hand_over_climbed_leads(self):
        """Before these levels are deleted, the leads that climbed one of them last count the level
        before it in its chain as their last (none: the chain's first step comes next), so that the
        step after the deleted one is their next: not skipped, not repeated.

        sudo and SQL: every showroom's leads point at a chain's levels; only that pointer moves.
        """
        self.env.flush_all()
        every = self.sudo().with_context(active_test=False)
        for level in self:
            chain = every.search([("company_id", "=", level.company_id.id)], order="sequence, id") - self
            before = chain.filtered(lambda other, level=level: (other.sequence, other.id) < (level.sequence, level.id))
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead SET dealer_escalation_level_id = %s WHERE dealer_escalation_level_id = %s",
                    before[-1:].id or None,
                    level.id,
                )
            )
        self.env["crm.lead"].invalidate_model(["dealer_escalation_level_id"])

    @api.model
    def _reschedule_waiting_leads(self):
        """The leads still climbing the chain (waiting for their next step) climb it as it now is.

        See ``crm.lead._dealer_reschedule_escalation``.

        sudo: whoever may change the chain changes when every showroom's waiting leads climb it; the
        leads are only given their next moment, nothing of them is read back to the user.
        """
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search([("dealer_next_escalation_date", "!=", False), ("dealer_sla_state", "=", "running")])
        )
        leads._dealer_reschedule_escalation()

    @api.model
    def _chains(self, companies):
        """``{company: its active levels in order}`` for each of ``companies`` (``res.company`` records):
        the showroom's own levels, else the shared ones. An empty company (a lead of no showroom)
        climbs the shared chain."""
        companies = set(companies)
        levels = self.sudo().search(
            [("company_id", "in", [*(company.id for company in companies if company), False])],
            order="sequence, id",
        )
        shared = levels.filtered(lambda level: not level.company_id)
        own = levels.grouped("company_id")
        return {company: own.get(company, shared) if company else shared for company in companies}
