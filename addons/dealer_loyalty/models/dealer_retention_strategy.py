from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.roles import DEALER_ROLES
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from .res_partner import LOYALTY_STATUSES, RISK_LEVELS

RISK_ORDER = [code for code, _label in RISK_LEVELS]


class DealerRetentionStrategy(models.Model):
    """What to do with the customers of a segment or risk level: an offer and a task for a role.

    A control group (``control_share``) of the matching customers gets none of it; every
    episode is recorded as an enrolment (``dealer.campaign.enrolment`` with the strategy),
    treated or control, so the strategy's incremental effect is measured (dealer.effect.mixin).
    """

    _name = "dealer.retention.strategy"
    _description = "Retention strategy"
    # a strategy of no showroom is applied to every showroom's customers: changed by someone who works in all of them
    _inherit = ["dealer.effect.mixin", "dealer.writers.mixin", "dealer.shared.setting.mixin"]
    _order = "sequence, id"
    _effect_field = "strategy_id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Empty: customers of every company both its author and its last editor work for.",
    )
    segment_ids = fields.Many2many("dealer.segment", string="Segments", help="Empty: any segment.")
    min_risk_level = fields.Selection(
        RISK_LEVELS, string="Risk level from", help="Only customers at this risk level or higher; empty: any."
    )
    loyalty_status = fields.Selection(LOYALTY_STATUSES, help="Only customers with this loyalty status; empty: any.")
    offer = fields.Text(translate=True, help="The offer written on the customer's card, e.g. 10% off the next TO.")
    role = fields.Selection(
        DEALER_ROLES,
        string="Task for",
        help="The role that gets an activity for each customer: the customer's own sales manager or salesperson "
        "when they hold it, else a user of the role in the customer's showroom; empty: none.",
    )
    campaign_id = fields.Many2one(
        "dealer.campaign",
        string="Enrol in campaign",
        index="btree_not_null",
        domain="[('audience_model', '=', 'res.partner')]",
        help="The matching customers are enrolled in this running customer campaign with today as their trigger "
        "date, so its steps (offset 0 = today, +3 = in three days) go out to them. Vehicle campaigns write about "
        "one car and cannot take customers from a strategy.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False),
    )
    activity_summary = fields.Char(string="Task", translate=True, help="Title of the activity, e.g. Win-back call.")
    deadline_days = fields.Integer(string="Due in (days)", default=3)
    auto_apply = fields.Boolean(string="Apply daily", help="The daily run applies this strategy by itself.")
    last_applied = fields.Datetime(readonly=True)
    attribution_days = fields.Integer(
        string="Measured over (days)",
        default=30,
        help="The effect counts the visits of each customer in this many days from the day they began to match "
        "the strategy, treated and control alike.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    budget = fields.Monetary(
        groups="dealer_crm.group_dealer_see_money",
        help="What the strategy costs (the offer's discounts, the calls); used for the incremental ROI.",
    )
    enrolment_ids = fields.One2many("dealer.campaign.enrolment", "strategy_id", string="Enrolments")
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")
    call_count = fields.Integer(
        string="Calls closed", compute="_compute_call_results", help="Calls of the strategy's tasks with an outcome."
    )
    reached_count = fields.Integer(
        string="Reached",
        compute="_compute_call_results",
        help="Calls that reached the customer: talked, booked, call later or refused.",
    )
    booked_count = fields.Integer(string="Booked", compute="_compute_call_results")

    _attribution_days_positive = models.Constraint(
        "CHECK(attribution_days > 0)", "Measured over (days) must be at least one day."
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for strategy in self:
            strategy.currency_id = (strategy.company_id or self.env.company).currency_id

    def _effect_budget(self):
        return self.sudo().budget

    def _effect_audience(self):
        """The customers it matches today and the share of them with a visit in the last measured days,
        counted with the reader's rights (the form shows it before the showroom is saved and checked)."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        audience = Partner._search(self._partner_domain())
        count = Partner.search_count([("id", "in", audience)])
        if not count:
            return 0, 0.0
        since = fields.Date.subtract(fields.Date.context_today(self), days=max(self.attribution_days, 1))
        [(visited,)] = self.env["dealer.visit"]._read_group(
            [("partner_id", "in", audience), ("date", ">=", since), ("state", "!=", "cancelled")],
            [],
            ["partner_id:count_distinct"],
        )
        return count, visited / count

    def _control_seed(self):
        self.ensure_one()
        return f"strategy:{self.id}"

    def action_view_enrolments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_loyalty.dealer_campaign_enrolment_action")
        action["domain"] = [("strategy_id", "=", self.id)]
        action["context"] = {"search_default_group_control": 1}
        return action

    @api.constrains("role", "activity_summary", "deadline_days")
    def _check_activity(self):
        for strategy in self:
            if strategy.role and not strategy.activity_summary:
                raise ValidationError(
                    self.env._("Strategy %(name)s: set the Task title for the role's activity.", name=strategy.name)
                )
            if strategy.deadline_days < 0:
                raise ValidationError(
                    self.env._("Strategy %(name)s: Due in (days) must not be negative.", name=strategy.name)
                )

    @api.constrains("campaign_id")
    def _check_campaign(self):
        # the daily run enrols customers as the application: the person who names the campaign must be one who
        # may read it (a strategy of every showroom may feed one showroom's campaign, with that showroom's
        # customers and those of none only: _enrol_in_campaign)
        writer = self.env(su=False)
        for strategy in self:
            if strategy.campaign_id and not strategy.campaign_id.with_env(writer)._filtered_access("read"):
                raise ValidationError(
                    self.env._(
                        "Strategy %(name)s: Enrol in campaign must be a campaign of a showroom you work in.",
                        name=strategy.name,
                    )
                )
            if strategy.campaign_id and strategy.campaign_id.audience_model != "res.partner":
                raise ValidationError(
                    self.env._(
                        "Strategy %(name)s: Enrol in campaign must be a customer campaign; %(campaign)s writes "
                        "about vehicles.",
                        name=strategy.name,
                        campaign=strategy.campaign_id.name,
                    )
                )

    def _compute_partner_count(self):
        for strategy in self:
            strategy.partner_count = self.env["res.partner"].search_count(strategy._partner_domain())

    @api.depends_context("allowed_company_ids")
    def _compute_call_results(self):
        # sudo: counts of the strategy's calls, shown to whoever reads the strategy
        # (of the showrooms the reader works in: a strategy of no showroom reaches several)
        in_companies = self._dealer_reader_companies()
        counts = (
            self.env["dealer.call"]
            .sudo()
            ._dealer_reminder_counts([("strategy_id", "in", self.ids), *in_companies], "strategy_id")
        )
        for strategy in self:
            strategy.call_count, strategy.reached_count, strategy.booked_count = counts.get(strategy._origin, (0, 0, 0))

    def _partner_domain(self):
        self.ensure_one()
        domain = [("loyalty_status", "!=", "blocked"), ("segment_id", "!=", False)]
        if self.segment_ids:
            domain.append(("segment_id", "in", self.segment_ids.ids))
        if self.min_risk_level:
            domain.append(("risk_level", "in", RISK_ORDER[RISK_ORDER.index(self.min_risk_level) :]))
        if self.loyalty_status:
            domain.append(("loyalty_status", "=", self.loyalty_status))
        # the cron applies as superuser: a strategy of no showroom reaches only its authors' showrooms
        companies = self.company_id or self._dealer_writers_companies()
        domain.append(("company_id", "in", [*companies.ids, False]))
        return domain

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_loyalty.res_partner_loyalty_action")
        action["domain"] = self._partner_domain()
        action["context"] = {}
        return action

    def action_view_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_loyalty.dealer_call_reminder_action")
        action["domain"] = [("strategy_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_apply(self):
        # the marketer's button: applying writes customers' strategies, offers and tasks and enrols them in the
        # strategy's campaign as the application, so only who may change the strategy applies it
        self.check_access("write")
        created = self._apply()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("%(count)s activities created.", count=created),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _apply(self):
        """Apply each strategy to its customers, once per episode.

        An episode starts the day a customer begins to match a strategy (``retention_since``)
        and ends the day they no longer match it: only then is the offer written, the role's
        task created and the customer enrolled in the strategy's campaign (with the episode's
        start as the trigger date), so a strategy applied every day does not repeat itself.
        A customer follows one strategy at a time: the first matching one in sequence order.
        """
        created = 0
        today = fields.Date.context_today(self)
        Partner = self.env["res.partner"]
        Enrolment = self.env["dealer.campaign.enrolment"]
        taken = Partner
        # the episode's fields are not tracked: Odoo's tracking would still read every tracked field
        # of each customer written (their address …) to compare it afterwards, for nothing
        untracked = {"mail_notrack": True}
        for strategy in self.sorted(lambda s: (s.sequence, s.id)):
            partners = Partner.search(strategy._partner_domain()) - taken
            taken |= partners
            ended = (
                Partner.sudo()
                .with_context(**untracked)
                .search(Domain("retention_strategy_id", "=", strategy.id) & ~Domain(strategy._partner_domain()))
            )
            ended.write(
                {
                    "retention_strategy_id": False,
                    "retention_since": False,
                    "retention_control": False,
                }
            )
            new = partners.filtered(lambda p, s=strategy: p.retention_strategy_id != s)
            # customers in this strategy from before episodes were recorded: their episode is not restarted
            ongoing = (partners - new).filtered(lambda p: not p.retention_since)
            # the control group: chosen by a seeded hash, the same customer always in the same group
            seed = strategy._control_seed()
            control = new.filtered(lambda p, s=strategy, k=seed: Enrolment._is_control(k, p.id, s._control_share()))
            treated = new - control
            treated.sudo().with_context(**untracked).write(
                {
                    "retention_strategy_id": strategy.id,
                    "retention_since": today,
                    "retention_control": False,
                }
            )
            control.sudo().with_context(**untracked).write(
                {
                    "retention_strategy_id": strategy.id,
                    "retention_since": today,
                    "retention_control": True,
                }
            )
            ongoing.sudo().with_context(**untracked).write({"retention_since": today})
            strategy._record_episodes(new)
            created += strategy._create_activities(treated)
            strategy._enrol_in_campaign((partners - ongoing).filtered(lambda p: not p.retention_control))
            # the run's own bookkeeping, not an edit: whoever pressed "Apply now" (a marketer of one showroom on a
            # strategy of every showroom too) neither becomes its editor nor is refused
            strategy.sudo().last_applied = fields.Datetime.now()
        return created

    def _record_episodes(self, partners):
        """One enrolment of the strategy per customer and episode, treated or control (the audit trail
        of its effect); an episode already recorded is not recorded again."""
        self.ensure_one()
        Enrolment = self.env["dealer.campaign.enrolment"].sudo()
        done = {
            (partner.id, day)
            for partner, day in Enrolment._read_group(
                [("strategy_id", "=", self.id), ("partner_id", "in", partners.ids)],
                ["partner_id", "occurrence_key:day"],
            )
        }
        now = fields.Datetime.now()
        Enrolment.create(
            [
                {
                    "strategy_id": self.id,
                    "company_id": (partner.company_id or self.company_id or self.env.company).id,
                    "partner_id": partner.id,
                    "occurrence_date": partner.retention_since,
                    "occurrence_key": partner.retention_since,
                    "enrolled_at": now,
                    "control": partner.retention_control,
                }
                for partner in partners
                if partner.retention_since and (partner.id, partner.retention_since) not in done
            ]
        )

    def _create_activities(self, partners):
        """A task per customer for the strategy's role, written in its assignee's language (staff read
        it, not the customer); a customer who already has this task open gets no second one.

        Who holds the role for a customer is dealer_crm's ``_dealer_role_users`` (the customer's own
        person first), asked once; the task is given by ``_dealer_schedule_role_activity`` to
        those people, once per language.
        """
        self.ensure_one()
        if not self.role:
            return 0
        if self.activity_type_id.category == "phonecall":
            # a call contacts the customer on their phone number: the consent of an SMS, as for
            # a campaign's call task (the offer and the enrolment still apply)
            partners = partners._dealer_may_call()
        partners = partners.sudo()
        assignees = partners._dealer_role_users_in(self.role, self.company_id)
        by_lang = partners.filtered(lambda p: p.id in assignees).grouped(
            lambda p: assignees[p.id].lang or self.env.lang
        )
        activities = self.env["mail.activity"]
        for lang, customers in by_lang.items():
            text = self.with_context(lang=lang)
            activities |= customers._dealer_schedule_role_activity(
                self.role,
                days=self.deadline_days,
                summary=text.activity_summary,
                activity_type=self.activity_type_id or None,
                note=text.offer or None,
                users=assignees,
            )
        # the tasks are the strategy's: their outcome counts in its results (sudo: a link, not an edit of the task)
        activities.sudo().write({"dealer_strategy_id": self.id})
        return len(activities)

    def _enrol_in_campaign(self, partners):
        """Enrol each customer once per episode, the episode's first day being the trigger date."""
        self.ensure_one()
        campaign = self.campaign_id
        if not campaign or campaign.state != "running":
            return 0
        Enrolment = self.env["dealer.campaign.enrolment"].sudo()
        done = set(
            Enrolment._read_group(
                [("campaign_id", "=", campaign.id), ("partner_id", "in", partners.ids)],
                ["partner_id", "occurrence_date:day"],
            )
        )
        now = fields.Datetime.now()
        # a showroom's campaign writes to its own customers and to those of no showroom, never to another's
        todo = partners.filtered(
            lambda p: p.retention_since
            and (p, p.retention_since) not in done
            and (not campaign.company_id or p.company_id in (campaign.company_id, self.env["res.company"]))
        )
        seed = campaign._control_seed()
        Enrolment.create(
            [
                {
                    "campaign_id": campaign.id,
                    "company_id": (partner.company_id or campaign.company_id or self.env.company).id,
                    "partner_id": partner.id,
                    "occurrence_date": partner.retention_since,
                    "occurrence_key": partner.retention_since,
                    "enrolled_at": now,
                    # the campaign keeps its own control group among the customers the strategy treats
                    "control": Enrolment._is_control(seed, partner.id, campaign._control_share()),
                }
                for partner in todo
            ]
        )
        return len(todo)

    @api.model
    def _cron_apply(self):
        self.search([("auto_apply", "=", True)])._apply()
