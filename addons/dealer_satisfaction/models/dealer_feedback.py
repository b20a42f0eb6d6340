"""Customer feedback: one NPS survey invitation per delivered car and per closed service visit.

Why Odoo's ``survey`` and not its rating mechanism: ``rating.rating`` is a 1–5 smiley scale
bound to a record's chatter; the Net Promoter Score needs the question "how likely are you to
recommend us" on a 0–10 scale with a comment, which a survey question of the type ``scale``
carries, in the customer's language (surveys are translatable).

Life of a feedback: *To send* when the deal is delivered or the visit closed (only for a
customer with a consented channel), *Sent* when the daily cron has queued the invitation in
dealer_loyalty's dispatch log (the one path of customer messages: consent, quiet hours, cap),
*Answered* when the customer completes the survey, *Expired* when they did not within the
setting's days. The average of ``nps_points`` (+100 promoter, 0 passive, −100 detractor) is the
NPS; the average of ``csi_points`` (score × 10) is the CSI.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.translated import Translated
from odoo.fields import Domain
from odoo.tools import plaintext2html

from .res_config_settings import satisfaction_param

FEEDBACK_KINDS = [("sale", "Car sale"), ("service", "Service visit")]
FEEDBACK_STATES = [
    ("planned", "To send"),
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("expired", "Expired"),
]
CATEGORIES = [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")]
INVITATION_CHANNELS = ("email", "sms", "telegram")
# the head who handles a detractor of each kind (the service advisor stands in for the head of service)
HEAD_ROLES = {"sale": "sales_head", "service": "service_advisor"}
SURVEYS = {"sale": "dealer_satisfaction.survey_nps_sale", "service": "dealer_satisfaction.survey_nps_service"}
BATCH_SIZE = 200
# Where the customer's personal survey link goes in the stored invitation: the dispatch log (which
# every dealer user reads) and the chatter copy of an SMS keep this mark; the link itself is put in
# the text only when it leaves (dealer.dispatch._text_to_send), so no staff member can answer in the
# customer's name.
SURVEY_LINK = "[survey link]"
# The customer's own words in the detractor's issue and in its head's task: purged by data retention.
COMMENT_CLASS = "o_dealer_feedback_comment"


def score_category(score):
    """NPS category of a 0–10 score."""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


class DealerFeedback(models.Model):
    _name = "dealer.feedback"
    _description = "Customer feedback"
    _order = "event_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Deal", index="btree_not_null", ondelete="cascade", readonly=True, check_company=True
    )
    visit_id = fields.Many2one(
        "dealer.visit", string="Visit", index="btree_not_null", ondelete="cascade", readonly=True, check_company=True
    )
    kind = fields.Selection(FEEDBACK_KINDS, required=True, index=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson / advisor", index=True, readonly=True, help="Whose work the customer rates."
    )
    company_id = fields.Many2one("res.company", string="Showroom", required=True, index=True, readonly=True)
    event_date = fields.Date(
        string="Delivered / visited on", required=True, readonly=True, help="The car's delivery or the visit's date."
    )
    planned_date = fields.Date(string="Invite on", readonly=True, index=True)
    user_input_id = fields.Many2one(
        "survey.user_input", string="Survey answer", ondelete="set null", readonly=True, index="btree_not_null"
    )
    dispatch_id = fields.Many2one(
        "dealer.dispatch", string="Invitation", ondelete="set null", readonly=True, index="btree_not_null"
    )
    channel = fields.Selection(
        [("email", "E-mail"), ("sms", "SMS"), ("telegram", "Telegram")], string="Channel", readonly=True
    )
    state = fields.Selection(FEEDBACK_STATES, default="planned", required=True, index=True, readonly=True)
    sent_date = fields.Datetime(string="Sent", readonly=True)
    answer_date = fields.Datetime(string="Answered on", readonly=True)
    score = fields.Integer(readonly=True, aggregator="avg", help="How likely the customer is to recommend us, 0 to 10.")
    comment = fields.Text(readonly=True, help="What the customer says we should improve (personal data).")
    category = fields.Selection(CATEGORIES, compute="_compute_points", store=True, index=True)
    nps_points = fields.Integer(
        string="NPS",
        compute="_compute_points",
        store=True,
        aggregator="avg",
        help="+100 for a promoter (9–10), 0 for a passive (7–8), −100 for a detractor (0–6): "
        "the average over answered surveys is the Net Promoter Score.",
    )
    csi_points = fields.Integer(
        string="CSI",
        compute="_compute_points",
        store=True,
        aggregator="avg",
        help="The score × 10: the average over answered surveys is the satisfaction index (0–100).",
    )
    issue_id = fields.Many2one(
        "dealer.customer.issue", string="Issue", readonly=True, ondelete="set null", index="btree_not_null"
    )

    _one_per_deal = models.UniqueIndex("(lead_id) WHERE lead_id IS NOT NULL", "This deal already has its survey.")
    _one_per_visit = models.UniqueIndex("(visit_id) WHERE visit_id IS NOT NULL", "This visit already has its survey.")
    _score_range = models.Constraint("CHECK (score BETWEEN 0 AND 10)", "The score must be from 0 to 10.")

    @api.depends("partner_id", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for feedback in self:
            feedback.display_name = f"{feedback.partner_id.display_name} / {kinds.get(feedback.kind, '')}"

    @api.depends("state", "score")
    def _compute_points(self):
        for feedback in self:
            if feedback.state != "answered":
                feedback.category = False
                feedback.nps_points = feedback.csi_points = 0
                continue
            feedback.category = score_category(feedback.score)
            feedback.nps_points = {"promoter": 100, "passive": 0, "detractor": -100}[feedback.category]
            feedback.csi_points = feedback.score * 10

    # ------------------------------------------------------------
    # Planning: when a car is delivered or a visit closed
    # ------------------------------------------------------------

    @api.model
    def _invitation_channel(self, partner):
        """The customer's preferred channel when it is consented and reachable, else the first one that is.

        The same consent, blacklist and address checks as every dispatch row (dealer_loyalty), so
        that a customer who may not be written to gets no survey at all.
        """
        Dispatch = self.env["dealer.dispatch"].sudo()
        preferred = partner.dealer_preferred_channel
        for channel in ((preferred,) if preferred in INVITATION_CHANNELS else ()) + INVITATION_CHANNELS:
            row = Dispatch.new({"partner_id": partner.id, "channel": channel})
            if row._has_consent() and row._has_address():
                return channel
        return None

    @api.model
    def _plan(self, vals_list):
        """Create the feedback of the events in ``vals_list`` not planned yet, for reachable customers only."""
        delay = satisfaction_param(self.env, "invite_delay_days")
        feedback = self.sudo()
        taken_leads = set(
            feedback.search([("lead_id", "in", [v["lead_id"] for v in vals_list if v.get("lead_id")])]).lead_id.ids
        )
        taken_visits = set(
            feedback.search([("visit_id", "in", [v["visit_id"] for v in vals_list if v.get("visit_id")])]).visit_id.ids
        )
        partners = self.env["res.partner"].sudo().browse({vals["partner_id"] for vals in vals_list})
        reachable = {partner.id for partner in partners if self._invitation_channel(partner)}
        todo = [
            {**vals, "planned_date": vals["event_date"] + timedelta(days=delay)}
            for vals in vals_list
            if vals["partner_id"] in reachable
            and vals.get("lead_id") not in taken_leads
            and vals.get("visit_id") not in taken_visits
        ]
        return feedback.create(todo)

    @api.model
    def _plan_for_deals(self, leads):
        today = fields.Date.context_today(self)
        return self._plan(
            [
                {
                    "kind": "sale",
                    "lead_id": lead.id,
                    "partner_id": lead.partner_id.id,
                    "user_id": lead.user_id.id,
                    "company_id": (lead.company_id or self.env.company).id,
                    "event_date": today,
                }
                for lead in leads
            ]
        )

    @api.model
    def _plan_for_visits(self, visits):
        return self._plan(
            [
                {
                    "kind": "service",
                    "visit_id": visit.id,
                    "partner_id": visit.partner_id.id,
                    "user_id": visit.advisor_id.id,
                    "company_id": visit.company_id.id,
                    "event_date": visit.date,
                }
                for visit in visits
            ]
        )

    # ------------------------------------------------------------
    # Invitations
    # ------------------------------------------------------------

    def _survey(self):
        self.ensure_one()
        return self.env.ref(SURVEYS[self.kind]).sudo()

    def _survey_url(self):
        """The customer's personal survey link (the answer's token): only in the message that leaves."""
        self.ensure_one()
        return self.get_base_url().rstrip("/") + self.user_input_id.get_start_url()

    def _invitation_text(self, lang, url=SURVEY_LINK):
        """The invitation in the customer's language, with the mark of their personal survey link."""
        self.ensure_one()
        env = self.with_context(lang=lang).env
        company = self.company_id.name
        if self.kind == "sale":
            return env._(
                "Thank you for buying your car at %(company)s! How likely are you to recommend us to a friend? "
                "Two questions, one minute: %(url)s",
                company=company,
                url=url,
            )
        return env._(
            "Thank you for your visit to %(company)s service! How likely are you to recommend us to a friend? "
            "Two questions, one minute: %(url)s",
            company=company,
            url=url,
        )

    def _invitation_subject(self, lang):
        self.ensure_one()
        return self.with_context(lang=lang).env._("How did we do, %(name)s?", name=self.partner_id.name)

    def _send_invitations(self):
        """Create each survey answer (personal token, customer's language) and queue the messages at once.

        Customers who withdrew every consent since the event get nothing and their planned
        feedback is dropped; the others get one dispatch row each, sent by dealer_loyalty's cron.
        The answer can be given until the survey expires (the setting's days), no later.
        """
        Dispatch = self.env["dealer.dispatch"].sudo()
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        deadline = now + timedelta(days=satisfaction_param(self.env, "expire_days"))
        unreachable = self.browse()
        invited, vals_list = {}, []
        for feedback in self:
            channel = self._invitation_channel(feedback.partner_id)
            if not channel:
                unreachable |= feedback
                continue
            lang = Dispatch.new({"partner_id": feedback.partner_id.id, "company_id": feedback.company_id.id})._lang()
            answer = feedback._survey()._create_answer(
                partner=feedback.partner_id,
                check_attempts=False,
                lang_id=self.env["res.lang"]._lang_get(lang).id,
                deadline=deadline,
            )
            invited[feedback] = (channel, answer)
            vals_list.append(
                {
                    "partner_id": feedback.partner_id.id,
                    "company_id": feedback.company_id.id,
                    "channel": channel,
                    "occurrence_date": today,
                    "scheduled_at": now,
                    "action_id": False,
                    "res_model": self._name,
                    "res_id": feedback.id,
                    "subject": feedback._invitation_subject(lang),
                    "body": feedback._invitation_text(lang),
                }
            )
        rows = {row.res_id: row for row in Dispatch._queue_messages(vals_list)}
        for feedback, (channel, answer) in invited.items():
            feedback.write(
                {
                    "state": "sent",
                    "sent_date": now,
                    "channel": channel,
                    "user_input_id": answer.id,
                    "dispatch_id": rows.get(feedback.id, Dispatch).id,
                }
            )
        unreachable.unlink()

    # ------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------

    def _register_answers(self):
        """Copy the completed surveys' score and comment (one read of all their lines) and act on them.

        Only a survey still waiting for its answer counts: an expired one (or one past its deadline
        that the daily cron has not expired yet) and one already answered change nothing.
        """
        now = fields.Datetime.now()
        waiting = self.filtered(
            lambda f: f.state == "sent" and not (f.user_input_id.deadline and f.user_input_id.deadline < now)
        )
        lines = (
            self.env["survey.user_input.line"]
            .sudo()
            .search_fetch(
                [("user_input_id", "in", waiting.user_input_id.ids), ("skipped", "=", False)],
                ["user_input_id", "answer_type", "value_scale", "value_text_box", "value_char_box"],
            )
        )
        scores, comments = {}, {}
        for line in lines:
            if line.answer_type == "scale":
                scores[line.user_input_id.id] = line.value_scale
            elif line.answer_type in ("text_box", "char_box"):
                comments[line.user_input_id.id] = line.value_text_box or line.value_char_box
        answered = self.browse()
        for feedback in waiting:
            answer = feedback.user_input_id
            if answer.id not in scores:
                continue
            feedback.write(
                {
                    "state": "answered",
                    "score": scores[answer.id],
                    "comment": comments.get(answer.id) or False,
                    "answer_date": answer.end_datetime or fields.Datetime.now(),
                }
            )
            answered |= feedback
        answered._copy_to_visits()
        answered.filtered(lambda f: f.category == "detractor" and not f.issue_id)._open_issues()
        return answered

    def _copy_to_visits(self):
        """A visit's score is the loyalty addon's per-visit satisfaction, which the churn-risk rule reads."""
        for score, feedbacks in self.filtered("visit_id").grouped("score").items():
            feedbacks.visit_id.sudo().write({"satisfaction_score": str(score)})

    def _open_issues(self):
        """A detractor opens a customer issue and gives the head of the department a task due within a day."""
        Issue = self.env["dealer.customer.issue"].sudo()
        for feedback in self:
            vehicle = feedback.visit_id.vehicle_id or feedback.lead_id.vehicle_id
            # the staff's language (the showroom's), never the one of the customer's survey page
            lang = self.env["mail.thread"]._dealer_staff_lang(feedback.company_id or self.env.company)
            env = self.with_context(lang=lang).env
            issue = Issue.create(
                {
                    "name": env._(
                        "Detractor: %(customer)s rated us %(score)s of 10",
                        customer=feedback.partner_id.name,
                        score=feedback.score,
                    ),
                    "company_id": feedback.company_id.id,
                    "partner_id": feedback.partner_id.id,
                    "vehicle_id": vehicle.id,
                    "visit_id": feedback.visit_id.id,
                    "category": "satisfaction",
                    "description": feedback._comment_html(),
                    "user_id": False,
                }
            )
            feedback.issue_id = issue
            # the head of the deal's team; for a visit its advisor, who stands in for the head of service
            role = HEAD_ROLES[feedback.kind]
            source = feedback.lead_id or feedback.visit_id
            # the feedback's showroom's people: a deal of no showroom has no one of its own
            head = source._dealer_role_users_in(role, feedback.company_id).get(source.id)
            activity = issue._dealer_schedule_role_activity(
                role,
                users={issue.id: head} if head else None,
                days=1,
                # the task in the head's language (the issue, shared by the showroom, in the showroom's)
                summary=Translated.of_text(env, lambda env: env._("Call back a detractor")),
                note=Translated.of_text(
                    env,
                    lambda env, feedback=feedback: Markup("<p>%s</p>%s")
                    % (
                        env._(
                            "%(customer)s rated us %(score)s of 10. Comment:",
                            customer=feedback.partner_id.name,
                            score=feedback.score,
                        ),
                        feedback._comment_html(),
                    ),
                ),
                notify=True,
            )
            if activity and issue._dealer_works_in_showroom(activity[:1].user_id):
                issue.user_id = activity[:1].user_id

    def _comment_html(self):
        """The customer's comment as escaped HTML (plain text: it can carry no markup or script), in its
        own block, which the data-retention purge removes from wherever it was copied."""
        self.ensure_one()
        return Markup('<div class="%s">%s</div>') % (COMMENT_CLASS, plaintext2html(self.comment or "-"))

    # ------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------

    @api.model
    def _cron_send_invitations(self):
        """Queue the due invitations in batches, then expire the ones left unanswered too long."""
        feedback = self.sudo()
        today = fields.Date.context_today(feedback)
        due = Domain("state", "=", "planned") & Domain("planned_date", "<=", today)
        while True:
            batch = feedback.search(due, limit=BATCH_SIZE, order="planned_date, id")
            if not batch:
                break
            batch._send_invitations()
            remaining = feedback.search_count(due)
            if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining) or not remaining:
                break
        feedback._expire()

    @api.model
    def _expire(self):
        days = satisfaction_param(self.env, "expire_days")
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("state", "=", "sent"), ("sent_date", "<", limit)]).write({"state": "expired"})
