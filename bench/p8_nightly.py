"""P8: the nightly chain of crons, each step against its raw-SQL equivalent on the same data.

The steps, in the order the crons run them at night (``data/ir_cron*.xml`` of the addons):

1. RFM scores — ``res.partner._dealer_update_rfm()`` (cron *RFM segments, loyalty status and
   churn risk*), raw: P1's ``UPDATE … FROM (window functions)``;
2. loyalty status — ``_dealer_update_loyalty_status()``, raw: the addon's own statement run by
   itself (the step is one SQL statement already: the ratio is what the ORM adds around it);
3. churn risk — ``dealer.risk.rule._compute_signals()`` (signals of every rule, then the risk
   score and level), raw: ``DELETE`` + one ``INSERT … SELECT`` per rule (the rules' SQL) and a
   hand-written score ``UPDATE``;
4. retention strategies — ``dealer.retention.strategy._cron_apply()`` (the default strategies
   set to apply automatically), raw: the strategies' customer searches as SQL (the ORM's own
   query text, built beforehand) and one statement per strategy, first match wins: the customers'
   episode (``UPDATE res_partner``, the control group by the same seeded hash), its audit row
   (``INSERT INTO dealer_campaign_enrolment``) and the role's task in the assignee's language
   (``INSERT INTO mail_activity``: the customer's own person when they hold the role and work in
   the customer's showroom, else the role's user of the showroom; a call only to a customer who
   agreed to SMS/calls; none twice) — the same rows ours writes, compared after each run;
5. campaign planning — ``dealer.campaign._cron_plan()`` with P2's three running campaigns,
   raw: P2's ``INSERT … SELECT``;
6. deferred work — ``crm.lead._cron_dealer_deferred_not_done()`` and
7. no-shows — ``crm.lead._cron_dealer_detect_no_show()`` on service opportunities planted for
   the benchmark (visits ÷ 200 of each: overdue deferred work, bookings past their time),
   raw: ``UPDATE crm_lead`` (lost) + ``INSERT INTO dealer_loss_event``, and for a no-show the
   call-back task that the automation rule *No-show: call-back task* gives the showroom's service
   client manager (``INSERT INTO mail_activity``).

Every run starts from the same state (restored from a snapshot taken once, untimed, then
``VACUUM ANALYZE``): every customer's figures are written, as on the first night or a night when
everything moves (the worst case). Ours and raw alternate who goes first; the median of the
chain totals is reported, with each step's median and share.
"""

import statistics

import benchlib

PLANT_PREFIX = "Bench P8 "
SNAP_PARTNER = "bench_p8_partner_snapshot"
SNAP_LEAD = "bench_p8_lead_snapshot"
PARTNER_COLS = (
    "loyalty_status",
    "loyalty_status_date",
    "loyalty_first_date",
    "loyalty_last_date",
    "loyalty_cohort_month",
    "loyalty_retained_12m",
    "risk_score",
    "risk_level",
    "risk_high_since",
    "retention_strategy_id",
    "retention_since",
)
STEPS = ["RFM", "loyalty status", "churn risk", "retention", "planning", "deferred work", "no-shows"]


def _table_exists(cr, name):
    cr.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cr.fetchone()[0]


def plant_leads(bench, n):
    """``n`` overdue deferred-work opportunities and ``n`` bookings past their time, once per database."""
    import datetime

    env = bench.env
    Lead = env["crm.lead"].sudo()
    existing = Lead.with_context(active_test=False).search_count([("name", "=like", PLANT_PREFIX + "%")])
    if existing >= 2 * n:
        return
    env.cr.execute(
        "SELECT id FROM res_partner WHERE company_id = %s AND name LIKE 'Bench customer%%' ORDER BY id LIMIT %s",
        [bench.company_id, n],
    )
    partners = [r[0] for r in env.cr.fetchall()]
    scheduling = Lead._dealer_service_stage("scheduling")
    now = datetime.datetime.now().replace(microsecond=0)
    today = datetime.date.today()
    common = {"type": "opportunity", "dealer_interest": "service", "company_id": bench.company_id, "user_id": False}
    vals = []
    for i, partner in enumerate(partners):
        vals.append(
            dict(
                common,
                name=f"{PLANT_PREFIX}no-show {i}",
                partner_id=partner,
                stage_id=scheduling.id,
                service_planned_at=now - datetime.timedelta(days=1, minutes=i % 600),
                expected_revenue=100 + i % 400,
            )
        )
        vals.append(
            dict(
                common,
                name=f"{PLANT_PREFIX}deferred {i}",
                partner_id=partner,
                stage_id=scheduling.id,
                service_source="visit",
                date_deadline=today - datetime.timedelta(days=90 + i % 60),
                expected_revenue=200 + i % 300,
            )
        )
    for start in range(0, len(vals), 500):
        Lead.create(vals[start : start + 500])
    env.flush_all()


def snapshot(bench):
    """The state every run starts from (taken once per database, kept as two tables)."""
    cr = bench.cr
    if not _table_exists(cr, SNAP_PARTNER):
        cr.execute(f"CREATE TABLE {SNAP_PARTNER} AS SELECT id, {', '.join(PARTNER_COLS)} FROM res_partner")
        cr.execute(f"ALTER TABLE {SNAP_PARTNER} ADD PRIMARY KEY (id)")
    if not _table_exists(cr, SNAP_LEAD):
        cr.execute(f"CREATE TABLE {SNAP_LEAD} AS SELECT * FROM crm_lead WHERE name LIKE %s", [PLANT_PREFIX + "%"])
        cr.execute(
            "CREATE TABLE bench_p8_marks AS SELECT"
            " (SELECT COALESCE(max(id), 0) FROM dealer_loyalty_status_history) AS history,"
            " (SELECT COALESCE(max(id), 0) FROM mail_activity) AS activity,"
            " (SELECT COALESCE(max(id), 0) FROM dealer_loss_event) AS loss,"
            " (SELECT COALESCE(max(id), 0) FROM mail_message) AS message"
        )


def snapshot_due_leads(bench):
    """Every service opportunity either cron could lose today joins the snapshot, not only the planted
    ones: the data's own bookings fall due as the days pass, and a side that lost them must not leave
    them lost for the other side (nor for the next run)."""
    cr = bench.cr
    bench.env.flush_all()
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [SNAP_LEAD],
    )
    cols = ", ".join(f'"{r[0]}"' for r in cr.fetchall())
    cr.execute(
        f"""INSERT INTO {SNAP_LEAD} ({cols})
            SELECT {cols} FROM crm_lead l
             WHERE l.active AND l.dealer_interest = 'service'
               AND (l.service_planned_at < now() AT TIME ZONE 'UTC'
                    OR (l.service_source = 'visit' AND l.won_status = 'pending'
                        AND l.date_deadline < CURRENT_DATE))
               AND NOT EXISTS (SELECT 1 FROM {SNAP_LEAD} s WHERE s.id = l.id)"""
    )
    if cr.rowcount:
        benchlib.say(f"P8: {cr.rowcount} of the data's own service opportunities are due today: kept to restore")


def restore(bench, campaign_ids):
    cr = bench.cr
    bench.env.flush_all()
    cr.execute("SELECT history, activity, loss, message FROM bench_p8_marks")
    history, activity, loss, message = cr.fetchone()
    sets = ", ".join(f"{c} = s.{c}" for c in PARTNER_COLS)
    ours, snap = (", ".join(f"{alias}.{c}" for c in PARTNER_COLS) for alias in ("p", "s"))
    cr.execute(
        f"UPDATE res_partner p SET {sets} FROM {SNAP_PARTNER} s WHERE s.id = p.id"
        f" AND ({ours}) IS DISTINCT FROM ({snap})"
    )
    cr.execute("DELETE FROM dealer_loyalty_status_history WHERE id > %s", [history])
    cr.execute("DELETE FROM mail_activity WHERE id > %s", [activity])
    cr.execute("DELETE FROM dealer_loss_event WHERE id > %s", [loss])
    cr.execute("DELETE FROM mail_message WHERE id > %s AND model IN ('crm.lead', 'res.partner')", [message])
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'",
        [SNAP_LEAD],
    )
    cols = [r[0] for r in cr.fetchall()]
    cr.execute(
        f"UPDATE crm_lead l SET {', '.join(f'{c} = s.{c}' for c in cols)} FROM {SNAP_LEAD} s WHERE s.id = l.id"
        " AND (l.active IS DISTINCT FROM s.active OR l.won_status IS DISTINCT FROM s.won_status)"
    )
    # RFM: every score is written again (as P1)
    cr.execute("UPDATE dealer_customer_score SET recency_days = NULL WHERE r IS NOT NULL")
    # planning: P2's campaigns plan from scratch
    cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = ANY(%s)", [campaign_ids])
    cr.execute("DELETE FROM dealer_campaign_enrolment WHERE campaign_id = ANY(%s)", [campaign_ids])
    # retention: every customer starts an episode today (earlier runs' episodes of today taken back)
    cr.execute("DELETE FROM dealer_campaign_enrolment WHERE strategy_id IS NOT NULL AND occurrence_key >= CURRENT_DATE")
    bench.env.invalidate_all()


TABLES = (
    "res_partner",
    "dealer_customer_score",
    "dealer_loyalty_status_history",
    "dealer_risk_signal",
    "mail_activity",
    "crm_lead",
    "dealer_loss_event",
    "dealer_dispatch",
    "dealer_campaign_enrolment",
)


RAW_RISK_SCORE = """
WITH score AS (
    SELECT p.id, COALESCE(s.total, 0) AS total
      FROM res_partner p
 LEFT JOIN (SELECT partner_id, sum(contribution) AS total FROM dealer_risk_signal GROUP BY partner_id) s
        ON s.partner_id = p.id
     WHERE s.partner_id IS NOT NULL OR p.risk_score <> 0 OR p.risk_level IS NOT NULL
), lvl AS (
    SELECT id, total, CASE WHEN total >= %(high)s THEN 'high' WHEN total >= %(medium)s THEN 'medium'
                           WHEN total > 0 THEN 'low' END AS level
      FROM score
)
UPDATE res_partner p
   SET risk_score = lvl.total, risk_level = lvl.level,
       risk_high_since = CASE WHEN lvl.level = 'high' THEN COALESCE(p.risk_high_since, %(now)s) END
  FROM lvl
 WHERE p.id = lvl.id AND (p.risk_score, p.risk_level) IS DISTINCT FROM (lvl.total, lvl.level)
"""

RAW_LOST = """
WITH lost AS (
    UPDATE crm_lead l
       SET active = FALSE, probability = 0, automated_probability = 0, lost_reason_id = %(reason)s,
           won_status = 'lost', write_uid = %(uid)s, write_date = %(now)s
      FROM (SELECT l.id FROM crm_lead l
              JOIN crm_stage st ON st.id = l.stage_id
             WHERE l.active AND l.dealer_interest = 'service' AND %(where)s
               AND NOT EXISTS (SELECT 1 FROM dealer_visit v WHERE v.service_lead_id = l.id)) due
     WHERE l.id = due.id
 RETURNING l.id, l.name, l.company_id, l.stage_id, l.expected_revenue, l.user_id, l.partner_id, l.vehicle_id,
           l.service_source
), events AS (
INSERT INTO dealer_loss_event (kind, date, company_id, lead_id, stage_id, reason_id, amount, advisor_id, partner_id,
                               vehicle_id, create_uid, write_uid, create_date, write_date)
SELECT %(kind)s, %(today)s, lost.company_id, lost.id, lost.stage_id, %(reason)s,
       CASE WHEN lost.service_source = 'declined' THEN 0 ELSE COALESCE(lost.expected_revenue, 0) END,
       lost.user_id, lost.partner_id, lost.vehicle_id, %(uid)s, %(uid)s, %(now)s, %(now)s
  FROM lost
)
%(then)s
"""

# The language a task is written in (dealer_crm's ``_dealer_staff_lang``): the assignee's, else the
# showroom's, else English; ``up`` is the assignee's partner, ``cp`` the showroom's.
RAW_STAFF_LANG = """COALESCE((SELECT code FROM res_lang WHERE active AND code = up.lang),
                 (SELECT code FROM res_lang WHERE active AND code = cp.lang), 'en_US')"""

# A task for each customer a strategy treats (``_create_activities``): the customer's own person
# for the role (the role's field on the customer, else their sales manager or salesperson when they
# hold the role) if they work in the customer's showroom, else the role's user of that showroom;
# written in the assignee's language; none for a customer who has it open already.
RAW_STRATEGY = """
WITH matched AS (
    SELECT p.id FROM res_partner p WHERE p.id IN (%(match)s) AND %(not_taken)s
), ended AS (
    UPDATE res_partner p SET retention_strategy_id = NULL, retention_since = NULL, retention_control = FALSE,
           write_date = %(now)s
     WHERE p.retention_strategy_id = %(sid)s AND p.id NOT IN (%(match)s)
), ongoing AS (
    UPDATE res_partner p SET retention_since = %(today)s, write_date = %(now)s
     WHERE p.id IN (SELECT id FROM matched) AND p.retention_strategy_id = %(sid)s AND p.retention_since IS NULL
), upd AS (
    UPDATE res_partner p SET retention_strategy_id = %(sid)s, retention_since = %(today)s,
           retention_control = %(control)s, write_date = %(now)s
     WHERE p.id IN (SELECT id FROM matched) AND p.retention_strategy_id IS DISTINCT FROM %(sid)s
 RETURNING p.id, p.complete_name, p.company_id, p.retention_control, p.phone, p.phone_sanitized, p.consent_sms,
           p.user_id, p.dealer_sales_user_id %(path_cols)s
), episodes AS (
    INSERT INTO dealer_campaign_enrolment (strategy_id, company_id, partner_id, state, occurrence_date,
                                           occurrence_key, enrolled_at, control, create_uid, write_uid,
                                           create_date, write_date)
    SELECT %(sid)s, COALESCE(upd.company_id, %(company)s), upd.id, 'active', %(today)s, %(today)s, %(now)s,
           upd.retention_control, %(uid)s, %(uid)s, %(now)s, %(now)s
      FROM upd
    ON CONFLICT (strategy_id, partner_id, occurrence_key) WHERE strategy_id IS NOT NULL DO NOTHING
), applied AS (
    UPDATE dealer_retention_strategy SET last_applied = %(now)s WHERE id = %(sid)s
), assignee AS (
    SELECT upd.id, upd.complete_name, COALESCE(upd.company_id, %(company)s) AS company_id,
           COALESCE(CASE WHEN upd.company_id IS NULL
                           OR EXISTS (SELECT 1 FROM res_company_users_rel r
                                       WHERE r.user_id = own.uid AND r.cid = upd.company_id)
                         THEN own.uid END, fb.uid) AS uid
      FROM upd
 LEFT JOIN LATERAL (
           SELECT c.uid FROM (VALUES %(candidates)s) c(k, uid, on_path)
             JOIN res_users ru ON ru.id = c.uid
            WHERE CASE WHEN c.on_path THEN ru.active
                       ELSE %(any_user)s OR (ru.active AND EXISTS (SELECT 1 FROM res_groups_users_rel g
                                                                   WHERE g.uid = ru.id AND g.gid = %(group)s)) END
         ORDER BY c.k LIMIT 1
           ) own ON TRUE
 LEFT JOIN (VALUES %(fallback)s) fb(company_id, uid) ON fb.company_id = COALESCE(upd.company_id, %(company)s)
     WHERE %(has_role)s AND NOT upd.retention_control AND %(consent)s
       AND NOT EXISTS (SELECT 1 FROM mail_activity a
                        WHERE a.res_model = 'res.partner' AND a.res_id = upd.id
                          AND a.summary IN (SELECT value FROM jsonb_each_text(%(summary)s::jsonb)))
)
INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id, summary, note, date_deadline,
                           user_id, user_tz, automated, active, dealer_strategy_id, create_uid, write_uid,
                           create_date, write_date)
SELECT %(model)s, 'res.partner', a.id, a.complete_name, %(type)s,
       COALESCE(%(summary)s::jsonb ->> up.lang, %(summary)s::jsonb ->> 'en_US'),
       COALESCE(%(offer)s::jsonb ->> up.lang, %(offer)s::jsonb ->> 'en_US'),
       %(today)s::date + %(days)s, a.uid, up.tz, TRUE, TRUE, %(sid)s, %(uid)s, %(uid)s, %(now)s, %(now)s
  FROM assignee a
  JOIN res_users u ON u.id = a.uid
  JOIN res_partner up ON up.id = u.partner_id
"""

# The no-show call-back (the automation rule's task step): the role's user of the booking's showroom.
RAW_CALL_BACK = f"""
INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id, summary, date_deadline,
                           user_id, user_tz, automated, active, create_uid, write_uid, create_date, write_date)
SELECT %(model)s, 'crm.lead', lost.id, lost.name, %(type)s,
       COALESCE(%(summary)s::jsonb ->> {RAW_STAFF_LANG}, %(summary)s::jsonb ->> 'en_US'),
       %(today)s::date + %(days)s, u.id, up.tz, TRUE, TRUE, %(uid)s, %(uid)s, %(now)s, %(now)s
  FROM lost
  JOIN (VALUES %(fallback)s) fb(company_id, uid) ON fb.company_id = COALESCE(lost.company_id, %(company)s)
  JOIN res_users u ON u.id = fb.uid
  JOIN res_partner up ON up.id = u.partner_id
  JOIN res_company co ON co.id = fb.company_id
  JOIN res_partner cp ON cp.id = co.partner_id
 WHERE NOT EXISTS (SELECT 1 FROM mail_activity a
                    WHERE a.res_model = 'crm.lead' AND a.res_id = lost.id
                      AND a.summary IN (SELECT value FROM jsonb_each_text(%(summary)s::jsonb)))
"""


def bench_p8(bench, today, runs):
    import datetime

    import run

    from odoo import fields
    from odoo.addons.dealer_crm.models.mail_thread import ROLE_PATHS
    from odoo.addons.dealer_crm.tools.roles import ROLE_GROUPS
    from odoo.tools import SQL

    env = bench.env(context={})  # a cron's context: no tracking_disable
    cr = env.cr
    visits = bench.visits()
    plant_leads(bench, max(visits // 200, 10))
    campaigns = run.setup_campaigns(bench, today)
    campaign_ids = campaigns.ids
    strategies = env["dealer.retention.strategy"].search([])
    strategies.write({"auto_apply": True})
    snapshot(bench)
    snapshot_due_leads(bench)
    bench.checkpoint()
    Partner = env["res.partner"]
    params = Partner._dealer_loyalty_params()
    now = fields.Datetime.now()

    # --- raw statements, built once (untimed) -----------------------------------------------
    start = fields.Date.subtract(today, months=params["rfm_window_months"])
    raw_rfm = SQL(run.RAW_RFM, today=today, start=start, b=params["rfm_bands"])
    raw_status = Partner._dealer_loyalty_status_sql(today=today, params=params)
    rules = env["dealer.risk.rule"].search([])
    raw_signals = [rule._insert_signals_sql(today) for rule in rules]
    raw_score = SQL(RAW_RISK_SCORE, high=params["risk_high"], medium=params["risk_medium"], now=now)
    raw_plan = SQL(run.RAW_PLAN, ids=campaign_ids, today=today, uid=env.uid, now=now)
    from odoo.addons.dealer_service_lost_sales.models.res_config_settings import service_param

    grace_min = service_param(env, "no_show_grace_minutes")
    grace_days = service_param(env, "deferred_grace_days")
    reasons = env["crm.lost.reason"]
    lost_common = {"uid": env.uid, "now": now, "today": today}
    model_id = env["ir.model"]._get_id
    companies = env["res.company"].search([])
    fallback_memo = {}

    def fallback(role):
        """The role's user of each showroom (``_dealer_role_group_user``), as SQL ``VALUES`` rows."""
        if role not in fallback_memo:
            fallback_memo[role] = SQL(", ").join(
                SQL("(%s::int, %s::int)", company.id, Partner._dealer_role_group_user(role, company).id or None)
                for company in companies
            )
        return fallback_memo[role]

    call_back = env.ref("dealer_service_lost_sales.automation_no_show_call_back_action")
    if (
        call_back.dealer_role in ROLE_PATHS
        or not env.ref("dealer_service_lost_sales.automation_no_show_call_back").active
    ):
        raise NotImplementedError("the raw no-show call-back gives the task to the role's user of the showroom only")
    call_back_sql = SQL(
        RAW_CALL_BACK,
        model=model_id("crm.lead"),
        type=call_back.dealer_activity_type_id.id,
        summary=SQL("(SELECT dealer_summary FROM ir_act_server WHERE id = %s)", call_back.id),
        today=today,
        days=call_back.dealer_days or 0,
        fallback=fallback(call_back.dealer_role),
        company=env.company.id,
        uid=env.uid,
        now=now,
    )
    raw_deferred = SQL(
        RAW_LOST,
        reason=reasons._dealer_by_code("deferred_not_done").id,
        kind="deferred_not_done",
        where=SQL(
            "l.service_source = 'visit' AND l.won_status = 'pending' AND l.date_deadline < %s",
            today - datetime.timedelta(days=grace_days),
        ),
        then=SQL("SELECT 1"),
        **lost_common,
    )
    raw_no_show = SQL(
        RAW_LOST,
        reason=reasons._dealer_by_code("no_show").id,
        kind="no_show",
        where=SQL(
            "st.dealer_service_step = 'scheduling' AND l.service_planned_at < %s",
            now - datetime.timedelta(minutes=grace_min),
        ),
        then=call_back_sql,
        **lost_common,
    )

    def raw_retention_sql():
        """The strategies' customer searches (the ORM's own SQL), first match wins, one statement each."""
        statements = []
        taken = []
        Enrolment = env["dealer.campaign.enrolment"]
        for strategy in (
            env["dealer.retention.strategy"].search([("auto_apply", "=", True)]).sorted(lambda s: (s.sequence, s.id))
        ):
            if strategy.campaign_id or strategy.role == "director" or strategy.company_id:
                raise NotImplementedError(f"raw retention: {strategy.name} (a campaign, a director or a showroom)")
            query = Partner.sudo()._search(strategy._partner_domain())
            match = query.select(SQL.identifier("res_partner", "id"))
            not_taken = SQL(" AND ").join(SQL("p.id NOT IN (%s)", q) for q in taken) if taken else SQL("TRUE")
            taken.append(match)
            role = strategy.role
            paths = [path for path in ROLE_PATHS.get(role, ()) if path.split(".")[0] in Partner._fields] if role else []
            if any("." in path for path in paths):
                raise NotImplementedError(f"raw retention: the role path {paths}")
            candidates = [
                *(SQL("(%s, upd.%s, TRUE)", k, SQL.identifier(f"path_{k}")) for k in range(len(paths))),
                SQL("(%s, upd.dealer_sales_user_id, FALSE)", len(paths)),
                SQL("(%s, upd.user_id, FALSE)", len(paths) + 1),
            ]
            phone_call = strategy.activity_type_id.category == "phonecall"
            statements.append(
                SQL(
                    RAW_STRATEGY,
                    sid=strategy.id,
                    match=match,
                    not_taken=not_taken,
                    today=today,
                    now=now,
                    uid=env.uid,
                    company=env.company.id,
                    control=Enrolment._control_sql(strategy._control_seed(), SQL("p.id"), strategy._control_share()),
                    path_cols=SQL("").join(
                        SQL(", p.%s AS %s", SQL.identifier(path), SQL.identifier(f"path_{k}"))
                        for k, path in enumerate(paths)
                    ),
                    candidates=SQL(", ").join(candidates),
                    any_user=role in ("responsible", "sales_manager"),
                    group=env.ref(ROLE_GROUPS[role]).id if role else None,
                    fallback=fallback(role) if role else SQL("(NULL::int, NULL::int)"),
                    has_role=bool(role),
                    consent=SQL(
                        "COALESCE(upd.phone, '') != '' AND upd.consent_sms AND NOT EXISTS"
                        " (SELECT 1 FROM phone_blacklist b WHERE b.active AND b.number = upd.phone_sanitized)"
                    )
                    if phone_call
                    else SQL("TRUE"),
                    summary=SQL("(SELECT activity_summary FROM dealer_retention_strategy WHERE id = %s)", strategy.id),
                    offer=SQL("(SELECT offer FROM dealer_retention_strategy WHERE id = %s)", strategy.id),
                    model=model_id("res.partner"),
                    type=(strategy.activity_type_id or env.ref("mail.mail_activity_data_todo")).id,
                    days=strategy.deadline_days or 0,
                )
            )
        return statements

    raw_retention = raw_retention_sql()

    def execute(*statements):
        env.flush_all()
        for statement in statements:
            cr.execute(statement)

    ours_steps = [
        ("RFM", lambda: Partner._dealer_update_rfm(today=today)),
        ("loyalty status", lambda: Partner._dealer_update_loyalty_status(today=today)),
        ("churn risk", lambda: env["dealer.risk.rule"]._compute_signals(today=today)),
        ("retention", lambda: env["dealer.retention.strategy"]._cron_apply()),
        ("planning", lambda: env["dealer.campaign"]._cron_plan()),
        ("deferred work", lambda: env["crm.lead"]._cron_dealer_deferred_not_done()),
        ("no-shows", lambda: env["crm.lead"]._cron_dealer_detect_no_show()),
    ]
    raw_steps = [
        ("RFM", lambda: execute(raw_rfm)),
        ("loyalty status", lambda: execute(raw_status)),
        ("churn risk", lambda: execute(SQL("DELETE FROM dealer_risk_signal"), *raw_signals, raw_score)),
        ("retention", lambda: execute(*raw_retention)),
        ("planning", lambda: execute(raw_plan)),
        ("deferred work", lambda: execute(raw_deferred)),
        ("no-shows", lambda: execute(raw_no_show)),
    ]

    def outcome():
        """What a chain wrote (the same on both sides, or the raw SQL is not an equivalent): counts, and
        a digest of the tasks (record, assignee, title, type, deadline) and of the episodes (customer,
        strategy, control group), so that the same number of different rows does not pass."""
        env.flush_all()
        cr.execute(
            """SELECT (SELECT count(*) FROM dealer_customer_score WHERE recency_days IS NOT NULL),
                      (SELECT count(*) FROM res_partner WHERE loyalty_status IS NOT NULL),
                      (SELECT count(*) FROM dealer_loyalty_status_history
                        WHERE id > (SELECT history FROM bench_p8_marks)),
                      (SELECT count(*) FROM dealer_risk_signal),
                      (SELECT count(*) FROM res_partner WHERE risk_level IS NOT NULL),
                      (SELECT count(*) FROM res_partner WHERE retention_strategy_id IS NOT NULL),
                      (SELECT count(*) FROM dealer_campaign_enrolment
                        WHERE strategy_id IS NOT NULL AND occurrence_key >= CURRENT_DATE),
                      (SELECT count(*) FROM mail_activity WHERE id > (SELECT activity FROM bench_p8_marks)),
                      (SELECT count(*) FROM dealer_dispatch WHERE campaign_id = ANY(%s)),
                      (SELECT count(*) FROM dealer_loss_event WHERE id > (SELECT loss FROM bench_p8_marks)),
                      (SELECT left(md5(string_agg(concat_ws('|', res_model, res_id, user_id, summary, activity_type_id,
                                                            date_deadline, dealer_strategy_id),
                                                  ',' ORDER BY res_model, res_id, summary)), 8)
                         FROM mail_activity WHERE id > (SELECT activity FROM bench_p8_marks)),
                      (SELECT left(md5(string_agg(concat_ws('|', partner_id, strategy_id, company_id, control),
                                                  ',' ORDER BY strategy_id, partner_id)), 8)
                         FROM dealer_campaign_enrolment
                        WHERE strategy_id IS NOT NULL AND occurrence_key >= CURRENT_DATE)""",
            [campaign_ids],
        )
        names = (
            "scores",
            "statuses",
            "history",
            "signals",
            "risk levels",
            "in a strategy",
            "episodes",
            "tasks",
            "messages planned",
            "loss events",
            "tasks digest",
            "episodes digest",
        )
        return dict(zip(names, cr.fetchone(), strict=True))

    times = {"ours": {s: [] for s in STEPS}, "raw": {s: [] for s in STEPS}}
    totals = {"ours": [], "raw": []}
    results = {}
    for i in range(runs):
        sides = [("ours", ours_steps), ("raw", raw_steps)]
        for label, steps in sides if i % 2 == 0 else sides[::-1]:
            restore(bench, campaign_ids)
            bench.checkpoint(*TABLES)
            total = 0.0
            for name, fn in steps:
                seconds, _ = bench.timed(fn)
                times[label][name].append(seconds)
                total += seconds
            totals[label].append(total)
            results[label] = outcome()
            bench.checkpoint()
            benchlib.say(f"P8 {label} run {i + 1}: {total:.2f} s {results[label]}")
    restore(bench, campaign_ids)
    run.drop_campaigns(bench)
    strategies.write({"auto_apply": False})
    bench.checkpoint(*TABLES)
    t_ours, t_raw = statistics.median(totals["ours"]), statistics.median(totals["raw"])
    med = {label: {s: statistics.median(v) for s, v in steps.items()} for label, steps in times.items()}
    shares = "; ".join(
        f"{s} {med['ours'][s] * 1000:.0f} ms ({med['ours'][s] / t_ours * 100:.0f}%)"
        f" vs raw {med['raw'][s] * 1000:.0f} ms"
        for s in STEPS
    )
    same = results.get("ours") == results.get("raw")
    bench.add(
        "P8",
        "Nightly chain (RFM, loyalty status, churn risk, retention strategies, campaign planning, "
        "deferred work, no-shows) vs the sum of raw-SQL equivalents",
        t_ours,
        t_raw,
        "≤ 1.5×",
        t_ours / t_raw <= 1.5,
        rows=visits,
        growth_rows=visits,
        note=f"steps (ours, share of ours, raw): {shares}; written: ours {results.get('ours')}"
        + ("" if same else f", raw {results.get('raw')}")
        + f"; same counts: {'yes' if same else 'NO'}; runs ours "
        + ", ".join(f"{x:.2f}" for x in totals["ours"])
        + " s, raw "
        + ", ".join(f"{x:.2f}" for x in totals["raw"])
        + " s",
    )
    bench.rows[-1]["steps"] = med
