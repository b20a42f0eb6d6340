from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import uplift

EFFECT_STATES = [
    ("no_control", "No control group"),
    ("not_enough", "Not enough data yet"),
    ("uplift", "Clear uplift"),
    ("no_effect", "No measurable effect"),
    ("negative", "Fewer bookings"),
]


class DealerEffectMixin(models.AbstractModel):
    """A campaign or retention strategy with a control group and its incremental effect.

    The rows are ``dealer.effect.report`` (one per enrolment, treated or control); this mixin
    reads them grouped by the effort and group, and turns the counts, sums and sums of squares
    into rates, uplifts with their 95% intervals (``tools/uplift.py``), incremental bookings,
    revenue and ROI, and a verdict in plain words.
    """

    _name = "dealer.effect.mixin"
    _description = "Control group and incremental effect"

    # the effort's field on dealer.effect.report and dealer.campaign.enrolment
    _effect_field = None

    control_group = fields.Boolean(
        string="Keep a control group",
        help="Hold out a share of the audience that gets nothing, to measure what it really changes. Off: "
        "everyone eligible is reached. Setting a control share turns it on.",
    )
    control_share = fields.Float(
        string="Control group (%)",
        default=10.0,
        digits=(5, 2),
        help="This share of the audience, chosen at random but the same for a customer every time, gets nothing "
        "from it: their bookings show what would have happened without it (the incremental effect). "
        "It cannot change once customers are enrolled.",
    )
    effect_treated_count = fields.Integer(string="Treated customers", compute="_compute_effect")
    effect_control_count = fields.Integer(string="Control customers", compute="_compute_effect")
    effect_treated_rate = fields.Float(string="Booking rate, treated (%)", compute="_compute_effect")
    effect_control_rate = fields.Float(string="Booking rate, control (%)", compute="_compute_effect")
    effect_uplift = fields.Float(
        string="Uplift (points)",
        compute="_compute_effect",
        help="Booking rate of the treated group minus that of the control group, in percentage points.",
    )
    effect_uplift_low = fields.Float(string="Uplift from", compute="_compute_effect")
    effect_uplift_high = fields.Float(string="Uplift to", compute="_compute_effect")
    effect_p_value = fields.Float(string="p-value", compute="_compute_effect", digits=(16, 4))
    effect_revenue_treated = fields.Float(
        string="Revenue per customer, treated", compute="_compute_effect", groups="dealer_crm.group_dealer_see_money"
    )
    effect_revenue_control = fields.Float(
        string="Revenue per customer, control", compute="_compute_effect", groups="dealer_crm.group_dealer_see_money"
    )
    effect_revenue_uplift = fields.Float(
        string="Revenue uplift per customer", compute="_compute_effect", groups="dealer_crm.group_dealer_see_money"
    )
    effect_revenue_low = fields.Float(
        string="Revenue uplift from", compute="_compute_effect", groups="dealer_crm.group_dealer_see_money"
    )
    effect_revenue_high = fields.Float(
        string="Revenue uplift to", compute="_compute_effect", groups="dealer_crm.group_dealer_see_money"
    )
    incremental_bookings = fields.Float(
        compute="_compute_effect",
        digits=(16, 1),
        help="Bookings the treated group made because of it: the uplift times the treated customers.",
    )
    incremental_revenue = fields.Float(
        compute="_compute_effect",
        groups="dealer_crm.group_dealer_see_money",
        help="Revenue the treated group brought because of it: the revenue uplift per customer times the treated "
        "customers.",
    )
    incremental_roi = fields.Float(
        string="Incremental ROI (%)",
        compute="_compute_effect",
        groups="dealer_crm.group_dealer_see_money",
        help="(incremental revenue - budget) / budget.",
    )
    effect_state = fields.Selection(EFFECT_STATES, string="Effect", compute="_compute_effect")
    effect_verdict = fields.Char(string="Verdict", compute="_compute_effect")
    effect_expected_audience = fields.Integer(
        string="Expected audience",
        compute="_compute_effect_guidance",
        help="Customers (or cars) it reaches today.",
    )
    effect_min_uplift = fields.Float(
        string="Smallest detectable uplift (points)",
        compute="_compute_effect_guidance",
        help="With this audience and control share, a smaller uplift of the booking rate will not be told apart "
        "from chance (5% test, 80% power).",
    )
    effect_guidance = fields.Char(string="Control group advice", compute="_compute_effect_guidance")
    effect_guidance_warning = fields.Boolean(string="Audience too small", compute="_compute_effect_guidance")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a share given without the switch keeps a control group of that share
            if "control_share" in vals and "control_group" not in vals:
                vals["control_group"] = bool(vals["control_share"])
        return super().create(vals_list)

    def write(self, vals):
        if "control_share" in vals and "control_group" not in vals and vals["control_share"]:
            vals = {**vals, "control_group": True}
        return super().write(vals)

    def _control_share(self):
        """The share of the audience kept out (percent): 0 without a control group."""
        self.ensure_one()
        return self.control_share if self.control_group else 0.0

    @api.constrains("control_share", "control_group")
    def _check_control_share(self):
        enrolments = self.env["dealer.campaign.enrolment"].sudo()
        for effort in self:
            if not 0 <= effort.control_share <= 50:
                raise ValidationError(
                    self.env._(
                        "%(name)s: Control group (%%) must be between 0 and 50, not %(share)s.",
                        name=effort.display_name,
                        share=effort.control_share,
                    )
                )
            if enrolments.search_count([(self._effect_field, "=", effort.id)], limit=1):
                # the groups already recorded were chosen with the share in force then
                raise ValidationError(
                    self.env._(
                        "%(name)s: Control group (%%) cannot change once customers are enrolled: the groups "
                        "already chosen would no longer match it. Copy it to start again with another share.",
                        name=effort.display_name,
                    )
                )

    # ------------------------------------------------------------
    # Incremental effect
    # ------------------------------------------------------------

    def _effect_budget(self):
        """What the effort costs (money), for the incremental ROI."""
        return 0.0

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_effect(self):
        self.env["dealer.campaign.enrolment"].flush_model()
        self.env["dealer.visit"].flush_model(["revenue", "state", "date", "vehicle_id", "partner_id"])
        # sudo: the report's money columns are hidden from some roles by the fields' groups, not by the
        # query; the showrooms stay the user's (a strategy of no showroom spans several)
        report = self.env["dealer.effect.report"].sudo()
        fname = self._effect_field
        groups = report._read_group(
            [(fname, "in", self.ids), ("company_id", "in", [*self.env.companies.ids, False])],
            [fname, "group"],
            ["__count", "booked_count:sum", "revenue:sum", "revenue_sq:sum"],
        )
        stats = {(effort.id, group): values for effort, group, *values in groups}
        for effort in self:
            n_t, x_t, sum_t, sq_t = stats.get((effort.id, "treated"), (0, 0, 0.0, 0.0))
            n_c, x_c, sum_c, sq_c = stats.get((effort.id, "control"), (0, 0, 0.0, 0.0))
            rate = uplift.rate_uplift(n_t, x_t or 0, n_c, x_c or 0)
            money = uplift.mean_uplift(n_t, sum_t or 0.0, sq_t or 0.0, n_c, sum_c or 0.0, sq_c or 0.0)
            state, _half = uplift.verdict(rate)
            if n_c < uplift.MIN_GROUP or n_t < uplift.MIN_GROUP:
                state = "not_enough"
            if not n_c and not effort._control_share():
                state = "no_control"
            budget = effort._effect_budget()
            incremental_revenue = money["diff"] * n_t if money else 0.0
            effort.update(
                {
                    "effect_treated_count": n_t,
                    "effect_control_count": n_c,
                    "effect_treated_rate": rate["rate_t"] if rate else 0.0,
                    "effect_control_rate": rate["rate_c"] if rate else 0.0,
                    "effect_uplift": rate["diff"] if rate else 0.0,
                    "effect_uplift_low": rate["low"] if rate else 0.0,
                    "effect_uplift_high": rate["high"] if rate else 0.0,
                    "effect_p_value": rate["p_value"] if rate else 1.0,
                    "effect_revenue_treated": money["mean_t"] if money else 0.0,
                    "effect_revenue_control": money["mean_c"] if money else 0.0,
                    "effect_revenue_uplift": money["diff"] if money else 0.0,
                    "effect_revenue_low": money["low"] if money else 0.0,
                    "effect_revenue_high": money["high"] if money else 0.0,
                    "incremental_bookings": rate["diff"] / 100 * n_t if rate else 0.0,
                    "incremental_revenue": incremental_revenue,
                    "incremental_roi": (incremental_revenue - budget) / budget * 100 if budget and money else 0.0,
                    "effect_state": state,
                    "effect_verdict": effort._effect_verdict_text(state, rate, n_t, n_c),
                }
            )

    def _effect_verdict_text(self, state, rate, n_t, n_c):
        if state == "no_control":
            return self.env._("No control group: its effect cannot be told apart from what customers do anyway.")
        if state == "not_enough" and (n_c < uplift.MIN_GROUP or n_t < uplift.MIN_GROUP):
            return self.env._(
                "Not enough data yet: %(control)s customers in the control group and %(treated)s treated; "
                "at least %(min)s in each are needed.",
                control=n_c,
                treated=n_t,
                min=uplift.MIN_GROUP,
            )
        values = {
            "diff": f"{rate['diff']:+.1f}",
            "low": f"{rate['low']:+.1f}",
            "high": f"{rate['high']:+.1f}",
        }
        if state == "uplift":
            return self.env._(
                "Clear uplift: %(diff)s bookings per 100 customers compared with the control group "
                "(95%% interval %(low)s to %(high)s).",
                **values,
            )
        if state == "negative":
            return self.env._(
                "Fewer bookings than the control group: %(diff)s per 100 customers (95%% interval %(low)s to "
                "%(high)s).",
                **values,
            )
        if state == "no_effect":
            return self.env._(
                "No measurable effect: the uplift is between %(low)s and %(high)s bookings per 100 customers.",
                **values,
            )
        return self.env._(
            "Not enough data yet: the uplift is somewhere between %(low)s and %(high)s bookings per 100 customers.",
            **values,
        )

    # ------------------------------------------------------------
    # Sample-size guidance
    # ------------------------------------------------------------

    def _dealer_reader_companies(self, path=None):
        """The domain that keeps counts read as superuser to the showrooms the reader works in (on the
        company of ``path``, a many2one to a record of the effort's log, when given)."""
        field = f"{path}.company_id" if path else "company_id"
        return [] if self.env.su else [(field, "in", self.env.companies.ids)]

    def _effect_audience(self):
        """(expected audience, booking rate without it as a fraction) for the guidance."""
        return 0, 0.0

    @api.depends("control_share", "control_group")
    def _compute_effect_guidance(self):
        for effort in self:
            share = effort.control_share if effort.control_group else 0.0
            audience, base_rate = effort._effect_audience()
            mde = uplift.min_detectable_uplift(audience, share, base_rate)
            effort.effect_expected_audience = audience
            effort.effect_min_uplift = mde or 0.0
            effort.effect_guidance_warning = bool(share and mde and mde > uplift.REALISTIC_UPLIFT)
            if not share:
                effort.effect_guidance = self.env._("Without a control group the effect cannot be measured.")
            elif mde is None:
                effort.effect_guidance = self.env._("Nobody matches yet: the smallest detectable uplift is unknown.")
            elif mde > uplift.REALISTIC_UPLIFT:
                effort.effect_guidance = self.env._(
                    "Only an uplift of %(mde)s points or more can be detected with %(audience)s customers and a "
                    "%(share)s%% control group; reminders rarely move bookings that much. Reach more customers or "
                    "enlarge the control group.",
                    mde=f"{mde:.1f}",
                    audience=audience,
                    share=f"{effort.control_share:g}",
                )
            else:
                effort.effect_guidance = self.env._(
                    "An uplift of %(mde)s points or more will be detected.",
                    mde=f"{mde:.1f}",
                )
