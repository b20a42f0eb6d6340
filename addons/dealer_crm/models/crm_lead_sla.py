import logging
from ast import literal_eval
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

MISSED_CALL = "missed_call"
ESCALATION_BATCH = 1000
SLA_SKIP_INTERESTS = ("service",)


class CrmLead(models.Model):
    """Routing, response-time clock and escalation of sales leads.

    The clock starts when a lead arrives (``_dealer_start_sla``) or a call is missed
    (``_dealer_register_missed_call``); the first real contact stops it
    (``_dealer_register_contact``); ``_cron_dealer_escalate`` walks unanswered leads up the
    chain of ``dealer.sla.escalation`` levels.
    """

    _inherit = "crm.lead"

    dealer_sla_start = fields.Datetime(
        string="Response clock started",
        readonly=True,
        copy=False,
        help="When the request arrived (or the missed call came in) and the response clock started.",
    )
    dealer_sla_deadline = fields.Datetime(
        string="Respond before",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The latest moment for the first contact, from the response-time policy of the channel.",
    )
    dealer_sla_state = fields.Selection(
        [("running", "Waiting for first contact"), ("met", "Answered in time"), ("late", "Answered late")],
        string="Response",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Whether the customer was contacted within the response time of the lead's channel.",
    )
    dealer_first_contact_date = fields.Datetime(string="First contact", readonly=True, copy=False)
    dealer_response_minutes = fields.Float(
        string="Response time (min)",
        readonly=True,
        copy=False,
        digits=(10, 1),
        aggregator="avg",
        help="Minutes from the start of the response clock to the first real contact.",
    )
    dealer_escalation_level = fields.Integer(
        string="Escalations",
        readonly=True,
        copy=False,
        help="How many steps of the escalation chain this lead has gone up while nobody answered.",
    )
    dealer_next_escalation_date = fields.Datetime(
        string="Next escalation",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """New leads are routed and their response clock starts at once (skip with the
        ``dealer_sla_skip`` context key, e.g. for imports of historical leads).

        Both are decided before the INSERT and written with it: one write cycle per lead
        instead of three (create, then routing, then clock), which is what lets the
        integration API take a burst of web leads.
        """
        if not self.env.context.get("dealer_sla_skip"):
            vals_list = self._dealer_presets(vals_list)
        return super().create(vals_list)

    @api.model
    def _dealer_presets(self, vals_list):
        """Return ``vals_list`` with the salesperson, team and response clock of new leads.

        Each lead is probed as an in-memory record with the values it will be created with
        (defaults and the creator's team included), so the decision is the one
        ``_dealer_route`` and ``_dealer_set_clock`` take on a saved lead. Routing is the
        dealership's decision, not the creator's: it runs as superuser, so a receptionist
        or the API user need no rights on teams.
        """
        defaults = self.default_get(["user_id", "active", "type", "team_id", "dealer_channel", "dealer_interest"])
        leads = self.sudo()
        default_teams = {}
        probe_list = []
        for vals in vals_list:
            values = {**defaults, **vals}
            if not values.get("team_id") and values.get("user_id"):
                # crm.lead's own default team of the salesperson (_compute_team_id), once per user and type
                key = (values["user_id"], values.get("type"))
                if key not in default_teams:
                    domain = [("use_leads" if values.get("type") == "lead" else "use_opportunities", "=", True)]
                    default_teams[key] = self.env["crm.team"]._get_default_team_id(user_id=key[0], domain=domain).id
                values["team_id"] = default_teams[key]
            probe_list.append(leads.new(values))
        probes = leads.browse().concat(*probe_list)  # not ``leads.concat``: ``self`` is the original on copy()
        # _dealer_sla_eligible() before the won/lost status exists: a new lead is lost only when
        # archived, won only when created in a won stage
        Stage = self.env["crm.stage"].sudo()
        eligible = (
            leads.browse()
            .concat(
                *(
                    probe
                    for probe, vals in zip(probes, vals_list, strict=True)
                    if probe.active
                    and probe.dealer_interest not in SLA_SKIP_INTERESTS
                    and not Stage.browse(vals.get("stage_id")).is_won
                )
            )
            ._dealer_deals()
        )
        if not eligible:
            return vals_list
        vals_list = [dict(vals) for vals in vals_list]
        routed = eligible._dealer_route_targets()
        for probe, (team, user) in routed.items():
            probe.update({"team_id": team, "user_id": user})  # the probe's company follows, as on save
        clocks = eligible._dealer_clock_vals(fields.Datetime.now())
        for index, probe in enumerate(probes):
            if probe in routed:
                team, user = routed[probe]
                vals_list[index].update({"team_id": team.id, "user_id": user.id})
            vals_list[index].update(clocks.get(probe, {}))
        return vals_list

    def _dealer_sla_eligible(self):
        """Leads whose response clock starts on creation: open sales requests.

        Service opportunities (interest "service") are booked appointments with their own
        follow-up in the service pipeline, not requests waiting for a salesperson; a missed
        call starts the clock on any lead through ``_dealer_register_missed_call``.
        """
        return self._dealer_deals().filtered(
            lambda lead: lead.active and lead.won_status == "pending" and lead.dealer_interest not in SLA_SKIP_INTERESTS
        )

    def write(self, vals):
        """Moving a lead to another stage is a sign somebody worked on it: it stops the clock."""
        res = super().write(vals)
        if "stage_id" in vals:
            self._dealer_register_contact()
        return res

    def message_post(self, **kwargs):
        """A message sent to the customer (not an internal note) by an employee is a first contact."""
        message = super().message_post(**kwargs)
        if (
            message.message_type == "comment"
            and message.subtype_id
            and not message.subtype_id.internal
            and self.env.user._is_internal()
            and message.author_id == self.env.user.partner_id
        ):
            self._dealer_register_contact()
        return message

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_dealer_contacted(self):
        """The "Contacted" button: the salesperson confirms the first contact by hand."""
        self._dealer_register_contact()
        return True

    def action_dealer_reserve_vehicle(self):
        """Open a new reservation for this deal, with its car when that car is in stock."""
        self.ensure_one()
        vehicle = self.vehicle_id if self.vehicle_id.state == "stock" else self.env["dealer.vehicle"]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reserve a car"),
            "res_model": "dealer.reservation",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_lead_id": self.id,
                "default_vehicle_id": vehicle.id,
                "default_user_id": self.user_id.id,
            },
        }

    # ------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------

    def _dealer_needs_routing(self):
        integration = self.env.ref("dealer_crm.group_integration", raise_if_not_found=False)
        return self.filtered(
            lambda lead: not lead.user_id
            or lead.user_id._is_superuser()
            or (integration and integration in lead.user_id.all_group_ids)
        )

    def _dealer_route(self):
        """Assign leads without a salesperson to a team member, by team and interest.

        Uses the native ``crm.team`` configuration: a team takes the leads that match its
        ``assignment_domain`` (e.g. ``[('dealer_interest', 'in', ['new_car'])]``), a member the
        ones matching the member's ``assignment_domain``; paused members/teams
        (``assignment_optout``) are skipped. Among the eligible members the one with the
        fewest open leads gets the lead. Odoo's own ``_action_assign_leads`` is a quota-based
        batch run (and merges duplicates) — right for a nightly re-balance, too slow for a lead
        that must be answered within minutes.
        """
        by_target = {}
        for lead, target in self._dealer_route_targets().items():
            by_target.setdefault(target, []).append(lead.id)
        for (team, user), lead_ids in by_target.items():
            self.browse(lead_ids).with_context(dealer_sla_skip=True).write({"team_id": team.id, "user_id": user.id})

    def _dealer_route_targets(self):
        """``{lead: (team, user)}`` for the leads that need routing and found a member.

        Works on saved leads and on in-memory probes of leads about to be created.
        """
        leads = self._dealer_needs_routing()
        if not leads:
            return {}
        # the dealership's teams, and a team a lead was explicitly handed to (an automation step)
        teams = self.env["crm.team"].search(
            [
                ("assignment_optout", "=", False),
                "|",
                ("dealer_is_dealership", "=", True),
                ("id", "in", leads.team_id.ids),
            ],
            order="sequence, id",
        )
        members = teams.crm_team_member_ids.filtered(lambda m: not m.assignment_optout and m.user_id.active)
        load = dict(
            self.env["crm.lead"]._read_group(
                [("user_id", "in", members.user_id.ids), ("won_status", "=", "pending")], ["user_id"], ["__count"]
            )
        )
        targets = {}
        for lead in leads:
            member = self._dealer_pick_member(lead, teams, members, load)
            if member:
                load[member.user_id] = load.get(member.user_id, 0) + 1
                targets[lead] = (member.crm_team_id, member.user_id)
        return targets

    @api.model
    def _dealer_pick_member(self, lead, teams, members, load):
        candidate_teams = (lead.team_id & teams) or teams  # a paused preset team routes like none
        for team in candidate_teams:
            if team.company_id and lead.company_id and team.company_id != lead.company_id:
                continue
            if not lead.filtered_domain(literal_eval(team.assignment_domain or "[]")):
                continue
            eligible = members.filtered(
                lambda m, t=team: m.crm_team_id == t and lead.filtered_domain(literal_eval(m.assignment_domain or "[]"))
            )
            if eligible:
                return min(eligible, key=lambda m: (load.get(m.user_id, 0), m.id))
        return None

    # ------------------------------------------------------------
    # Response clock
    # ------------------------------------------------------------

    def _dealer_start_sla(self, start=None, channel=None):
        """Route new leads and start their response clock.

        Called on create and by the integration API for a recordset of new leads.
        Leads whose clock already runs or was already stopped are left alone (so calling it
        twice is harmless). The deadline is ``start`` + the minutes of the
        ``dealer.sla.policy`` of the lead's channel (or of ``channel`` when given).

        :param datetime start: when the request arrived (default: now)
        :param str channel: policy channel overriding the lead's own (e.g. ``"missed_call"``)
        :returns: the leads whose clock was started
        """
        leads = self.filtered(lambda lead: not lead.dealer_sla_start)
        if not leads:
            return leads
        leads._dealer_route()
        return leads._dealer_set_clock(start or fields.Datetime.now(), channel)

    def _dealer_set_clock(self, start, channel=None):
        groups = {}
        for lead, vals in self._dealer_clock_vals(start, channel).items():
            groups.setdefault(vals["dealer_sla_deadline"], (vals, []))[1].append(lead.id)
        started = self.browse()
        for vals, lead_ids in groups.values():
            leads = self.browse(lead_ids)
            leads.with_context(dealer_sla_skip=True).write(vals)
            started |= leads
        return started

    def _dealer_clock_vals(self, start, channel=None):
        """``{lead: values}`` starting the response clock at ``start``, for the leads whose
        channel has a response-time policy in their company."""
        policy = self.env["dealer.sla.policy"]
        first_level = self.env["dealer.sla.escalation"].search([], order="sequence, id", limit=1)
        minutes_cache, result = {}, {}
        for lead in self:
            key = (channel or lead.dealer_channel, lead.company_id)
            if key not in minutes_cache:
                minutes_cache[key] = policy._minutes_for(*key)
            minutes = minutes_cache[key]
            if minutes is None:
                continue
            deadline = start + timedelta(minutes=minutes)
            result[lead] = {
                "dealer_sla_start": start,
                "dealer_sla_deadline": deadline,
                "dealer_sla_state": "running",
                "dealer_first_contact_date": False,
                "dealer_response_minutes": 0.0,
                "dealer_escalation_level": 0,
                "dealer_next_escalation_date": first_level and deadline + timedelta(minutes=first_level.delay_minutes),
            }
        return result

    def _dealer_register_contact(self, contact_date=None):
        """Stop the response clock: the customer was really contacted.

        Called by the "Contacted" button, a stage move, a call or meeting activity marked done,
        a message sent to the customer, and by the integration API for an answered call.
        Records the response time in minutes and whether it was in time; one UPDATE for the
        whole recordset, leads without a running clock are ignored.

        :param datetime contact_date: when the contact happened (default: now)
        """
        running = self.filtered(lambda lead: lead.dealer_sla_state == "running")
        if not running:
            return
        self.env.flush_all()
        when = contact_date or fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead
               SET dealer_first_contact_date = %(when)s,
                   dealer_response_minutes = GREATEST(0, EXTRACT(EPOCH FROM (%(when)s - dealer_sla_start)) / 60.0),
                   dealer_sla_state = CASE WHEN %(when)s <= dealer_sla_deadline THEN 'met' ELSE 'late' END,
                   dealer_next_escalation_date = NULL
             WHERE id = ANY(%(ids)s) AND dealer_sla_state = 'running'
            """,
                when=when,
                ids=running.ids,
            )
        )
        running.invalidate_recordset(
            ["dealer_first_contact_date", "dealer_response_minutes", "dealer_sla_state", "dealer_next_escalation_date"]
        )

    def _dealer_register_missed_call(self, call_date=None, caller=None):
        """A call from the customer was missed: schedule a call-back and restart the clock.

        Routes the leads when needed, starts the response clock with the ``missed_call``
        policy (e.g. 10 minutes) from ``call_date`` — also on leads whose previous clock was
        already stopped, since the customer is waiting again — and creates a "call back"
        activity for each lead's salesperson. From then on the escalation cron applies.

        :param datetime call_date: when the call came in (naive UTC; default now)
        :param str caller: the caller's number, shown in the activity
        :returns: mail.activity recordset created (one per lead that has a salesperson)
        """
        start = call_date or fields.Datetime.now()
        self._dealer_route()
        self._dealer_set_clock(start, MISSED_CALL)
        with_user = self.filtered("user_id")
        note = self.env._("Missed call from %(caller)s.", caller=caller) if caller else ""
        vals_list = [
            lead._dealer_activity_vals(
                lead.user_id, self.env._("Call back: missed call"), note, "mail.mail_activity_data_call"
            )
            for lead in with_user
        ]
        return self.env["mail.activity"].sudo().create(vals_list)

    def _dealer_activity_vals(self, user, summary, note="", act_type_xmlid="mail.mail_activity_data_todo"):
        self.ensure_one()
        activity_type = self.env.ref(act_type_xmlid, raise_if_not_found=False) or self.env.ref(
            "mail.mail_activity_data_todo"
        )
        return {
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": note,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
            "automated": True,
        }

    # ------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------

    def _dealer_escalation_user(self, level):
        """Who must act at this escalation level, or an empty recordset."""
        self.ensure_one()
        if level.target == "responsible":
            return self.user_id
        if level.target == "team_head":
            return self.team_id.user_id
        if level.target == "user":
            return level.user_id
        return (self.company_id or self.env.company).dealer_director_id

    @api.model
    def _cron_dealer_escalate(self, limit=ESCALATION_BATCH):
        """Take every lead whose escalation moment has passed one step up the chain.

        Per step: an activity for the person of that level and a chatter message; then the
        lead's next escalation moment becomes deadline + the next level's delay (or none at
        the end of the chain). Works on batches of ``limit`` leads and re-triggers itself
        while more are due.
        """
        now = fields.Datetime.now()
        leads = self.sudo().search(
            [("dealer_sla_state", "=", "running"), ("dealer_next_escalation_date", "<=", now)],
            order="dealer_next_escalation_date, id",
            limit=limit,
        )
        levels = self.env["dealer.sla.escalation"].sudo().search([], order="sequence, id")
        # Group before acting: a lead goes up one level per run, never two.
        batches = leads.grouped(lambda lead: min(lead.dealer_escalation_level, len(levels)))
        leads_past_chain = batches.pop(len(levels), self.browse())
        leads_past_chain.write({"dealer_next_escalation_date": False})
        for index, batch in batches.items():
            next_level = levels[index + 1] if index + 1 < len(levels) else None
            batch._dealer_escalate_to(levels[index], next_level)
        if len(leads) == limit:
            self.env.ref("dealer_crm.ir_cron_dealer_sla_escalate")._trigger()

    def _dealer_escalate_to(self, level, next_level):
        vals_list, bodies = [], {}
        for lead in self:
            user = lead._dealer_escalation_user(level)
            overdue = max(0, int((fields.Datetime.now() - lead.dealer_sla_deadline).total_seconds() // 60))
            summary = self.env._("Escalation: customer waiting for %(minutes)s min past the deadline", minutes=overdue)
            if user:
                vals_list.append(
                    lead._dealer_activity_vals(user, summary, act_type_xmlid="mail.mail_activity_data_call")
                )
            bodies[lead.id] = Markup("<p>%s</p>") % self.env._(
                "Not contacted in time: escalated to %(level)s (%(user)s).",
                level=level.name,
                user=user.name or self.env._("nobody set"),
            )
        self.env["mail.activity"].create(vals_list)
        self._message_log_batch(bodies=bodies)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead
               SET dealer_escalation_level = dealer_escalation_level + 1,
                   dealer_next_escalation_date = CASE WHEN %(delay)s IS NULL THEN NULL
                        ELSE dealer_sla_deadline + make_interval(mins => %(delay)s) END
             WHERE id = ANY(%(ids)s)
            """,
                delay=next_level.delay_minutes if next_level else None,
                ids=self.ids,
            )
        )
        self.invalidate_recordset(["dealer_escalation_level", "dealer_next_escalation_date"])
