#!/usr/bin/env python3
"""Benchmarks of the dealer suite against raw SQL (and naive ORM code) on the same data.

    python3 bench/run.py --scale 100k                 # database bench_db, created when absent
    python3 bench/run.py --scale 1m --db bench_db_1m  # one database per scale (P5 growth)
    python3 bench/run.py --smoke --db DB --scale 2k   # everything in one transaction, rolled back

Each benchmark runs the addon's code and its baseline in this one process, on the same data,
interleaved (ours, baseline, ours, …) so that caches and table bloat hit both alike; the
median of ``--runs`` runs is reported.  Results go to bench/results/results-<scale>.json and
bench/results/RESULTS.md (every scale measured so far, with the P5 growth table).
"""

import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import generate
import p4_api
import p6_sending
import p7_screens
import p8_nightly

RESULTS = benchlib.BENCH / "results"


class Bench:
    """Run context: the environment, the company of the generated data and commit/vacuum rules."""

    def __init__(self, env, company_id, opts):
        self.env = env
        self.cr = env.cr
        self.company_id = company_id
        self.opts = opts
        self.smoke = opts.smoke
        # the run's list (``main``): the rows measured so far are saved when a long run stops half-way
        self.rows = opts.rows if hasattr(opts, "rows") else []

    def checkpoint(self, *tables):
        """Full runs commit and vacuum between runs (untimed); the smoke run keeps one transaction."""
        if self.smoke:
            return
        self.cr.commit()
        if tables:
            import psycopg2

            conn = psycopg2.connect(self.cr._cnx.dsn)
            try:
                conn.autocommit = True
                with conn.cursor() as c:
                    c.execute("VACUUM ANALYZE " + ", ".join(tables))
            finally:
                conn.close()

    def visits(self):
        self.cr.execute("SELECT count(*) FROM dealer_visit")
        return self.cr.fetchone()[0]

    def timed(self, fn):
        self.env.invalidate_all()
        with benchlib.Timer() as t:
            result = fn()
        return t.seconds, result

    def add(
        self,
        key,
        name,
        ours,
        base=None,
        target=None,
        ok=None,
        rows=None,
        note="",
        unit="s",
        growth_rows=None,
        ratio=None,
    ):
        """One result row; ``ratio`` when it is not ours ÷ baseline in seconds (P4: leads/s, higher is better)."""
        row = {
            "key": key,
            "name": name,
            "ours": ours,
            "base": base,
            "target": target,
            "ok": ok,
            "rows": rows,
            "note": note,
            "unit": unit,
            "growth_rows": growth_rows or rows,
        }
        if ratio is not None:
            row["ratio"] = ratio
        elif base and ours and unit == "s":
            row["ratio"] = ours / base
        self.rows.append(row)
        benchlib.say(f"{key} {name}: {fmt_row(row)}")
        return row


def fmt_num(value, unit="s"):
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.1f} {unit}"


def fmt_row(row):
    verdict = "-" if row["ok"] is None else ("PASS" if row["ok"] else "MISS")
    ratio = f"{row['ratio']:.2f}×" if row.get("ratio") else "-"
    return (
        f"ours {fmt_num(row['ours'], row['unit'])}, baseline {fmt_num(row['base'], row['unit'])}, "
        f"ratio {ratio}, target {row['target'] or '-'}: {verdict} {row['note']}"
    )


def median_pair(bench, ours_fn, base_fn, runs, reset=None, tables=()):
    """Interleave ours/baseline ``runs`` times; returns (median ours, median base, last results)."""
    ours, base, last = [], [], {}
    for _ in range(runs):
        for label, fn, bucket in (("ours", ours_fn, ours), ("base", base_fn, base)):
            if reset:
                reset()
                bench.checkpoint(*tables)
            seconds, last[label] = bench.timed(fn)
            bucket.append(seconds)
            bench.checkpoint(*tables)
    return statistics.median(ours), statistics.median(base), last


# --------------------------------------------------------------------------
# P1 segmentation (RFM)
# --------------------------------------------------------------------------

RAW_RFM = """
WITH ev AS (
    SELECT partner_id, date AS day, COALESCE(revenue, 0) AS amount
      FROM dealer_visit WHERE state = 'done' AND partner_id IS NOT NULL AND date <= %(today)s
     UNION ALL
    SELECT partner_id, date_closed::date, COALESCE(expected_revenue, 0)
      FROM crm_lead WHERE won_status = 'won' AND partner_id IS NOT NULL AND date_closed::date <= %(today)s
       -- a purchase is a won dealership deal: a dealership team's, or one about a car
       AND (vehicle_id IS NOT NULL OR trade_in_vehicle_id IS NOT NULL
            OR team_id IN (SELECT id FROM crm_team WHERE dealer_is_dealership))
),
agg AS (
    SELECT partner_id, %(today)s::date - max(day) AS rec,
           count(*) FILTER (WHERE day > %(start)s) AS freq,
           COALESCE(sum(amount) FILTER (WHERE day > %(start)s), 0) AS mon
      FROM ev GROUP BY partner_id
),
sc AS (
    SELECT agg.*,
           LEAST(%(b)s, 1 + ((rank() OVER (ORDER BY rec DESC) - 1) * %(b)s) / GREATEST(n - 1, 1))::int AS r,
           LEAST(%(b)s, 1 + ((rank() OVER (ORDER BY freq) - 1) * %(b)s) / GREATEST(n - 1, 1))::int AS f,
           LEAST(%(b)s, 1 + ((rank() OVER (ORDER BY mon) - 1) * %(b)s) / GREATEST(n - 1, 1))::int AS m
      FROM (SELECT *, count(*) OVER () AS n FROM agg) agg
)
INSERT INTO dealer_customer_score AS cs
       (partner_id, r, f, m, score, recency_days, frequency, monetary, segment_id, date)
SELECT sc.partner_id, sc.r, sc.f, sc.m, sc.r::text || sc.f::text || sc.m::text, sc.rec, sc.freq, sc.mon,
       (SELECT s.id FROM dealer_segment s
         WHERE s.active AND sc.r BETWEEN s.r_min AND s.r_max AND sc.f BETWEEN s.f_min AND s.f_max
           AND sc.m BETWEEN s.m_min AND s.m_max ORDER BY s.sequence, s.id LIMIT 1),
       %(today)s
  FROM sc
    ON CONFLICT (partner_id) DO UPDATE
   SET r = excluded.r, f = excluded.f, m = excluded.m, score = excluded.score, recency_days = excluded.recency_days,
       frequency = excluded.frequency, monetary = excluded.monetary, segment_id = excluded.segment_id,
       date = excluded.date
 WHERE (cs.r, cs.f, cs.m, cs.recency_days, cs.frequency, cs.monetary)
       IS DISTINCT FROM (excluded.r, excluded.f, excluded.m, excluded.recency_days, excluded.frequency,
                         excluded.monetary)
"""


def rfm_snapshot(bench):
    bench.cr.execute(
        "SELECT md5(string_agg(concat_ws(',', partner_id, r, f, m, segment_id, recency_days,"
        " frequency, monetary), ';' ORDER BY partner_id)) FROM dealer_customer_score WHERE r IS NOT NULL"
    )
    return bench.cr.fetchone()[0]


def bench_p1(bench, today, runs):
    from odoo import fields
    from odoo.tools import SQL

    partners = bench.env["res.partner"]
    params = partners._dealer_loyalty_params()
    if params["rfm_method"] != "quantile":
        raise SystemExit("the benchmark expects the default RFM scoring (quantile)")
    start = fields.Date.subtract(today, months=params["rfm_window_months"])
    raw = SQL(RAW_RFM, today=today, start=start, b=params["rfm_bands"])

    def ours():
        partners._dealer_update_rfm(today=today)
        return bench.cr.rowcount

    def base():
        bench.env.flush_all()
        bench.cr.execute(raw)
        return bench.cr.rowcount

    def reset():
        """Forget the last recency so that every score is written again (both sides skip unchanged rows)."""
        bench.cr.execute("UPDATE dealer_customer_score SET recency_days = NULL WHERE r IS NOT NULL")

    t_ours, t_base, last = median_pair(bench, ours, base, runs, reset=reset, tables=("dealer_customer_score",))
    reset()
    ours()
    same_ours = rfm_snapshot(bench)
    reset()
    base()
    same = same_ours == rfm_snapshot(bench)
    bench.checkpoint("dealer_customer_score")
    scored = last["base"]
    bench.add(
        "P1a",
        "RFM recompute (res.partner._dealer_update_rfm) vs one raw UPDATE",
        t_ours,
        t_base,
        "≤ 1.5×",
        t_ours / t_base <= 1.5,
        rows=scored,
        growth_rows=bench.visits(),
        note=f"{scored} customers scored; same scores as the raw statement: {'yes' if same else 'NO'}",
    )
    bench.p1_same = same
    bench_p1_naive(bench, today, params, t_ours, scored)


def naive_rfm(env, partner_ids, today, start, bands):
    """What a developer writes without thinking of scale: a search and a write per customer."""
    visits = env["dealer.visit"]
    stats = {}
    for partner in env["res.partner"].browse(partner_ids):
        done = visits.search([("partner_id", "=", partner.id), ("state", "=", "done"), ("date", "<=", today)])
        if not done:
            continue
        last = max(done.mapped("date"))
        window = done.filtered(lambda v: v.date > start)
        stats[partner.id] = ((today - last).days, len(window), sum(window.mapped("revenue")))

    def scores(values, higher_is_better):
        ordered = sorted(values, reverse=not higher_is_better)
        rank = {}
        for i, value in enumerate(ordered):
            rank.setdefault(value, i)
        n = max(len(values) - 1, 1)
        return [min(bands, 1 + (rank[v] * bands) // n) for v in values]

    ids = list(stats)
    columns = list(zip(*stats.values(), strict=True)) if stats else [[], [], []]
    r, f, m = scores(columns[0], False), scores(columns[1], True), scores(columns[2], True)
    for i, pid in enumerate(ids):
        values = {
            "r": r[i],
            "f": f[i],
            "m": m[i],
            "score": f"{r[i]}{f[i]}{m[i]}",
            "recency_days": stats[pid][0],
            "frequency": stats[pid][1],
            "monetary": stats[pid][2],
        }
        score = env["res.partner"].browse(pid).rfm_id
        if score:
            score.write(values)
        else:
            env["dealer.customer.score"].create(dict(values, partner_id=pid))
    env.flush_all()
    return len(ids)


def bench_p1_naive(bench, today, params, t_ours, scored):
    from odoo import fields

    start = fields.Date.subtract(today, months=params["rfm_window_months"])
    # the customers RFM scores (with visits; not the contacts other benchmarks add to the company, e.g.
    # P6's recipients or P4's API leads, which would make the naive loop's average cheaper)
    bench.cr.execute(
        "SELECT id FROM res_partner p WHERE company_id = %s AND active"
        " AND EXISTS (SELECT 1 FROM dealer_visit v WHERE v.partner_id = p.id) ORDER BY id LIMIT %s",
        [bench.company_id, bench.opts.naive_sample],
    )
    sample = [r[0] for r in bench.cr.fetchall()]
    times = []
    for _ in range(bench.opts.naive_runs):
        seconds, _n = bench.timed(lambda: naive_rfm(bench.env, sample, today, start, params["rfm_bands"]))
        times.append(seconds)
        bench.cr.rollback() if not bench.smoke else None
    t_naive = statistics.median(times)
    per_naive = t_naive / max(len(sample), 1)
    per_ours = t_ours / max(scored, 1)
    speedup = per_naive / per_ours if per_ours else 0
    bench.add(
        "P1b",
        "RFM per customer: addon vs naive per-record ORM loop",
        per_ours * 1e6,
        per_naive * 1e6,
        "≥ 100× faster",
        speedup >= 100,
        rows=len(sample),
        unit="µs/customer",
        note=f"{speedup:,.0f}× faster; naive loop on {len(sample)} customers, {len(times)} run(s)",
    )


# --------------------------------------------------------------------------
# P2 reminder planning
# --------------------------------------------------------------------------


BENCH_CAMPAIGN = "Bench tyre season"


def drop_campaigns(bench):
    """Remove the benchmark's campaigns, their enrolments and messages (this run's and any earlier run's).

    Left in place they would grow the enrolment and dispatch tables (and their indexes) run
    after run, and every later measurement with them.
    """
    cr = bench.cr
    Campaign = bench.env["dealer.campaign"].with_context(active_test=False)
    ids = Campaign.search([("name", "=like", f"{BENCH_CAMPAIGN} (%")]).ids
    if ids:
        cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = ANY(%s)", [ids])
        cr.execute("DELETE FROM dealer_campaign_enrolment WHERE campaign_id = ANY(%s)", [ids])
        bench.env["dealer.campaign"].browse(ids).unlink()
    bench.env["mail.template"].search([("name", "=", "Bench tyre e-mail")]).unlink()
    bench.env["sms.template"].search([("name", "=", "Bench tyre SMS")]).unlink()
    bench.env.flush_all()


def setup_campaigns(bench, today):
    """Three running tyre-season campaigns whose first step is due today for every vehicle."""
    env = bench.env
    drop_campaigns(bench)
    vehicle_model = env["ir.model"]._get_id("dealer.vehicle")
    mail_tpl = env["mail.template"].create(
        {"name": "Bench tyre e-mail", "model_id": vehicle_model, "subject": "Tyres", "body_html": "<p>Tyres</p>"}
    )
    sms_tpl = env["sms.template"].create({"name": "Bench tyre SMS", "model_id": vehicle_model, "body": "Tyres"})
    channels = [
        ("email", {"mail_template_id": mail_tpl.id}),
        ("sms", {"sms_template_id": sms_tpl.id}),
        ("telegram", {"telegram_text": "Tyres"}),
    ]
    campaigns = env["dealer.campaign"]
    for channel, content in channels:
        campaigns |= env["dealer.campaign"].create(
            {
                "name": f"{BENCH_CAMPAIGN} ({channel})",
                "company_id": bench.company_id,
                "trigger": "tyre_season",
                "season_start": today - datetime.timedelta(days=14),
                "window_days": 21,
                "audience_domain": "[]",
                "step_ids": [
                    (0, 0, {"name": f"{channel} {offset}", "offset_days": offset, "channel": channel, **content})
                    for offset in (-7, -3, -1)
                ],
            }
        )
    campaigns.write({"state": "running"})
    env.flush_all()
    return campaigns


RAW_PLAN = """
WITH enr AS (
    INSERT INTO dealer_campaign_enrolment
           (campaign_id, company_id, partner_id, vehicle_id, occurrence_date, enrolled_at, state,
            create_uid, create_date, write_uid, write_date)
    SELECT c.id, v.company_id, v.partner_id, v.id, c.window_end, %(now)s, 'active',
           %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM dealer_campaign c JOIN dealer_vehicle v ON v.company_id = c.company_id
     WHERE c.id = ANY(%(ids)s) AND v.active AND v.partner_id IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING id, campaign_id, company_id, partner_id, vehicle_id, occurrence_date
)
INSERT INTO dealer_dispatch
       (campaign_id, step_id, enrolment_id, company_id, partner_id, vehicle_id, occurrence_date, channel,
        scheduled_at, state, skip_reason, attempts, create_uid, create_date, write_uid, write_date)
SELECT e.campaign_id, s.id, e.id, e.company_id, e.partner_id, e.vehicle_id, e.occurrence_date, s.channel,
       ((e.occurrence_date + s.offset_days)::timestamp + make_interval(mins => (s.send_hour * 60)::int))
           AT TIME ZONE COALESCE(p.tz, 'UTC') AT TIME ZONE 'UTC',
       CASE WHEN ok.consent AND ok.address THEN 'queued' ELSE 'skipped' END,
       CASE WHEN NOT ok.consent THEN 'consent' WHEN NOT ok.address THEN 'no_address' END,
       0, %(uid)s, %(now)s, %(uid)s, %(now)s
  FROM enr e
  JOIN dealer_campaign_step s ON s.campaign_id = e.campaign_id
   AND e.occurrence_date + s.offset_days BETWEEN %(today)s::date - 1 AND %(today)s::date + 1
  JOIN res_partner p ON p.id = e.partner_id
 CROSS JOIN LATERAL (SELECT CASE s.channel WHEN 'email' THEN COALESCE(p.consent_email, FALSE)
                                           WHEN 'sms' THEN COALESCE(p.consent_sms, FALSE)
                                           WHEN 'telegram' THEN COALESCE(p.consent_telegram, FALSE)
                                           ELSE TRUE END AS consent,
                            CASE s.channel WHEN 'email' THEN COALESCE(p.email, '') != ''
                                           WHEN 'sms' THEN COALESCE(p.phone, '') != ''
                                           WHEN 'telegram' THEN p.telegram_chat_id IS NOT NULL
                                           ELSE TRUE END AS address) ok
ON CONFLICT DO NOTHING
"""


def planned_rows(bench, ids):
    bench.cr.execute(
        "SELECT (SELECT count(*) FROM dealer_dispatch WHERE campaign_id = ANY(%s)),"
        " (SELECT count(*) FROM dealer_campaign_enrolment WHERE campaign_id = ANY(%s))",
        [ids, ids],
    )
    return bench.cr.fetchone()


def bench_p2(bench, today, runs):
    from odoo import fields
    from odoo.tools import SQL

    campaigns = setup_campaigns(bench, today)
    ids = campaigns.ids
    bench.checkpoint()
    raw = SQL(RAW_PLAN, ids=ids, today=today, uid=bench.env.uid, now=fields.Datetime.now())

    def reset():
        bench.cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = ANY(%s)", [ids])
        bench.cr.execute("DELETE FROM dealer_campaign_enrolment WHERE campaign_id = ANY(%s)", [ids])

    def ours():
        campaigns.browse(ids)._plan(today=today)

    def base():
        bench.env.flush_all()
        bench.cr.execute(raw)

    tables = ("dealer_dispatch", "dealer_campaign_enrolment")
    t_ours, t_base, _last = median_pair(bench, ours, base, runs, reset=reset, tables=tables)
    reset()
    ours()
    dispatches, enrolments = planned_rows(bench, ids)
    bench.cr.execute("SELECT state, count(*) FROM dealer_dispatch WHERE campaign_id = ANY(%s) GROUP BY 1", [ids])
    states = dict(bench.cr.fetchall())
    with benchlib.Timer() as t:
        ours()
    rerun = [a - b for a, b in zip(planned_rows(bench, ids), (dispatches, enrolments), strict=True)]
    bench.p2_rerun_rows = sum(rerun)
    drop_campaigns(bench)
    bench.checkpoint(*tables)
    bench.cr.execute("SELECT count(*) FROM dealer_vehicle WHERE company_id = %s", [bench.company_id])
    vehicles = bench.cr.fetchone()[0]
    bench.add(
        "P2",
        f"Reminder planning (dealer.campaign._plan), {vehicles} vehicles × 3 campaigns",
        t_ours,
        t_base,
        "≤ 2×",
        t_ours / t_base <= 2,
        rows=vehicles,
        note=f"{dispatches} dispatches + {enrolments} enrolments planned ({states}); "
        f"rerun created {bench.p2_rerun_rows} rows in {t.seconds * 1000:.0f} ms",
    )
    bench.add(
        "P2r",
        "Planning rerun creates no rows",
        float(bench.p2_rerun_rows),
        0.0,
        "= 0",
        bench.p2_rerun_rows == 0,
        unit="rows",
    )


# --------------------------------------------------------------------------
# P3 lost-sales KPI grouped read
# --------------------------------------------------------------------------

RAW_LOSS = """
SELECT reason_id, date_trunc('month', date)::date, sum(amount), count(*)
  FROM dealer_loss_event WHERE company_id = %(company)s GROUP BY 1, 2
"""


def bench_p3(bench, runs):
    from odoo.tools import SQL

    events = bench.env["dealer.loss.event"]
    domain = [("company_id", "=", bench.company_id)]

    def ours():
        return events._read_group(domain, ["reason_id", "date:month"], ["amount:sum", "__count"])

    def base():
        bench.cr.execute(SQL(RAW_LOSS, company=bench.company_id))
        return bench.cr.fetchall()

    t_ours, t_base, last = median_pair(bench, ours, base, runs)
    bench.cr.execute("SELECT count(*) FROM dealer_loss_event WHERE company_id = %s", [bench.company_id])
    n = bench.cr.fetchone()[0]
    same = len(last["ours"]) == len(last["base"])
    bench.add(
        "P3",
        "Lost revenue by reason × month (dealer.loss.event._read_group)",
        t_ours,
        t_base,
        "≤ 1 s",
        t_ours <= 1.0,
        rows=n,
        note=f"{len(last['ours'])} groups (raw: {len(last['base'])}, same: {same})",
    )
    bench_p3_report(bench, runs, n)


def bench_p3_report(bench, runs, n):
    """The same KPI through the SQL report the pivot view reads (information: it unions four sources)."""
    report = bench.env["dealer.lost.revenue.report"]
    domain = [("company_id", "=", bench.company_id), ("row_type", "=", "lost")]
    times = []
    for _ in range(runs):
        seconds, groups = bench.timed(
            lambda: report.formatted_read_group(
                domain, ["reason_id", "date:month"], ["lost_amount:sum", "lost_count:sum"]
            )
        )
        times.append(seconds)
    t = statistics.median(times)
    bench.add(
        "P3b",
        "Same KPI through the report model (dealer.lost.revenue.report.formatted_read_group)",
        t,
        None,
        "≤ 1 s",
        t <= 1.0,
        rows=n,
        note=f"{len(groups)} groups",
    )


# --------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------


def bench_company(env, seed):
    company = env["res.company"].search([("name", "=", generate.company_name(seed))], limit=1)
    return company.id


def run_all(env, opts, scale):
    from odoo import fields

    today = fields.Date.context_today(env["res.partner"])
    company_id = bench_company(env, opts.seed)
    if not company_id:
        benchlib.say(f"no benchmark data in {env.cr.dbname}: generating {scale} visits")
        with benchlib.Timer() as t:
            generate.generate(env, scale, seed=opts.seed)
        company_id = bench_company(env, opts.seed)
        benchlib.say(f"generated in {t.seconds:.0f} s")
        if not opts.smoke:
            env.cr.commit()
    else:
        env.cr.execute("SELECT count(*) FROM dealer_visit WHERE company_id = %s AND external_id IS NULL", [company_id])
        found = env.cr.fetchone()[0]
        if found != scale:
            raise SystemExit(f"{env.cr.dbname} holds {found} benchmark visits, not {scale}: use another --db")
    bench = Bench(env, company_id, opts)
    if "p1" in opts.only:
        # P1-P3 take milliseconds at the small scales, where one slow run moves a median of 3: at least 5
        bench_p1(bench, today, max(opts.runs, 5))
    if "p2" in opts.only:
        bench_p2(bench, today, max(opts.runs, 5))
    if "p3" in opts.only:
        bench_p3(bench, max(opts.runs, 5))
    if "p7" in opts.only:
        p7_screens.bench_p7(bench, opts.runs)
    if "p6" in opts.only and not opts.smoke:
        p6_sending.bench_p6(bench, opts.runs)
    if "p6sms" in opts.only and not opts.smoke:
        p6_sending.bench_p6_sms(bench, opts.runs)
    if "p8" in opts.only and not opts.smoke:
        p8_nightly.bench_p8(bench, today, opts.runs)
    return bench


# every benchmark of a scale, in one command (--only all)
ALL = {"p1", "p2", "p3", "p4", "p6", "p6sms", "p7", "p8", "s1", "s2"}


def bench_scale_out(opts, odoo, pg):
    """S1 (two Odoo servers ÷ one) and S2 (reports from a streaming replica), each on a database of its
    own made for the run and dropped at the end (they start servers that run every due cron)."""
    import replica
    import scaleout

    rows = []
    if "s1" in opts.only:
        runs = scaleout.measure(odoo, pg, f"{opts.db}_s1", opts.s1_messages, max(opts.runs, 2), drop=True)
        rows += scaleout.result_rows(runs, opts.s1_messages, command=None)
    if "s2" in opts.only:
        outcome = replica.measure(odoo, pg, f"{opts.db}_s2", opts.s2_read_seconds, opts.s2_seconds, drop=True)
        rows += replica.result_rows(outcome)
    for row in rows:
        benchlib.say(f"{row['key']} {row['name']}: {fmt_row(row)}")
    return rows


def merge_results(old, new):
    """A run of a subset (--only) replaces its own rows in the scale's results and keeps the others."""
    fresh = {row["key"] for row in new["rows"]}
    rows = [row for row in old["rows"] if row["key"] not in fresh] + new["rows"]
    rows.sort(key=lambda row: row["key"])
    extra = {k: v for k, v in new.items() if k.startswith(("p1_", "p2_")) and v is not None}
    commands = [*(c for c in (old.get("commands") or [old["command"]]) if c != new["command"]), new["command"]]
    # a command whose rows were all measured again by later commands is no longer listed
    owners = {row.get("command") for row in rows}
    if None not in owners:
        commands = [c for c in commands if c in owners]
    return {
        **old,
        **extra,
        "rows": rows,
        "commands": commands,
        "command": new["command"],
        "started": new["started"],
        "machine": new["machine"],
    }


def save_partial(opts, started, rows):
    """A run stopped half-way (an error, Ctrl-C, SIGTERM) keeps what it measured in a file of its own:
    ``partial-<scale>.json``, which the results tables do not read; each row as measured (detail a benchmark
    adds to its row at its end may be missing)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"partial-{opts.scale}.json"
    record = {
        "scale": opts.scale,
        "db": opts.db,
        "started": started.isoformat(timespec="seconds"),
        "stopped": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python3 bench/run.py " + " ".join(sys.argv[1:]),
        "rows": rows,
    }
    path.write_text(json.dumps(record, indent=1))
    benchlib.say(f"stopped: the {len(rows)} rows measured so far are in {path}")


def machine_info():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    return (
        f"{os.cpu_count()} CPU ({cpu}), {mem}, {system}, Python {platform.python_version()}; "
        f"load average {load:.1f} when the run started (the machine is shared)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="100k", help="visits: 2k, 10k, 100k, 1m or a number")
    parser.add_argument("--db", default="bench_db")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3, help="runs per benchmark (the median is reported)")
    parser.add_argument("--naive-sample", type=int, default=10_000, help="customers in the naive ORM loop")
    parser.add_argument("--naive-runs", type=int, default=1)
    parser.add_argument(
        "--only",
        default="p1,p2,p3,p4",
        help="comma-separated subset of p1,p2,p3,p4,p6,p6sms,p7,p8,s1,s2, or all (every benchmark of the scale)",
    )
    parser.add_argument(
        "--p6-mails", type=int, default=20_000, help="P6: due e-mail reminders sent per side and run (issue: 20,000)"
    )
    parser.add_argument(
        "--p6-sms", type=int, default=20_000, help="P6m (--only p6sms): due SMS reminders per side and run"
    )
    parser.add_argument(
        "--s1-messages", type=int, default=5000, help="S1: e-mails of the two-server campaign per side and run"
    )
    parser.add_argument("--s2-read-seconds", type=int, default=10, help="S2: seconds of report reads alone")
    parser.add_argument("--s2-seconds", type=int, default=30, help="S2: seconds of reads beside the writes")
    parser.add_argument("--api-requests", type=int, default=2000)
    parser.add_argument("--api-seconds", type=int, default=120)
    parser.add_argument("--update", action="store_true", help="upgrade the addons of an existing database first")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one transaction rolled back at the end, no API server; prints JSON (for the test)",
    )
    opts = parser.parse_args()
    # a run stopped with SIGTERM (kill, a CI timeout) unwinds like one stopped with Ctrl-C: the SMTP sink,
    # the servers and the replica it started are stopped by their ``finally`` blocks, nothing is left running
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    opts.only = ALL if opts.only == "all" else set(opts.only.split(","))
    scale = benchlib.parse_scale(opts.scale)
    odoo, pg = benchlib.odoo_and_pg()
    if not opts.smoke:
        benchlib.ensure_db(opts.db, odoo, pg, update=opts.update)
        if "p6" in opts.only:
            p6_sending.ensure_modules(opts.db, odoo, pg)
        if "p6sms" in opts.only:
            p6_sending.ensure_modules(opts.db, odoo, pg, ["mass_mailing", "mass_mailing_sms"])
        if "p7" in opts.only:
            p6_sending.ensure_modules(opts.db, odoo, pg, ["dealer_dashboard"])  # P7f: the dashboard's data
    benchlib.setup_odoo(odoo, pg, opts.db)
    started = datetime.datetime.now(datetime.timezone.utc)
    opts.rows = rows = []
    try:
        with benchlib.odoo_env(opts.db, commit=not opts.smoke) as env:
            bench = run_all(env, opts, scale)
            if "p4" in opts.only and not opts.smoke:
                p4_api.bench_p4(bench, odoo, pg, opts)
            extra = {
                "p1_same_scores": getattr(bench, "p1_same", None),
                "p2_rerun_rows": getattr(bench, "p2_rerun_rows", None),
            }
        if not opts.smoke and opts.only & {"s1", "s2"}:
            rows += bench_scale_out(opts, odoo, pg)
    except BaseException:
        if rows and not opts.smoke:
            save_partial(opts, started, rows)
        raise
    if opts.smoke:
        print("BENCH-JSON " + json.dumps({"rows": rows, **extra}))
        return
    command = "python3 bench/run.py " + " ".join(sys.argv[1:])
    record = {
        "scale": opts.scale,
        "visits": scale,
        "db": opts.db,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine_info(),
        "command": command,
        "rows": [{**row, "command": command} for row in rows],
        **extra,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"results-{opts.scale}.json"
    if path.exists() and opts.only != ALL:
        record = merge_results(json.loads(path.read_text()), record)
    path.write_text(json.dumps(record, indent=1))
    import report

    report.write_results_md(RESULTS)
    print((RESULTS / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
