#!/usr/bin/env python3
"""Generate a realistic dealer group, set-based, into an Odoo database with the three addons.

    python3 bench/generate.py --db bench_db --scale 100k [--seed 42] [--loss-events N]

Scale = number of service visits; customers ≈ visits / 10, vehicles ≈ customers, visit
lines ≈ 2.3 per visit, one odometer reading per closed visit, loss events = visits unless
``--loss-events`` says otherwise.  Everything lives in its own company ("Bench dealer
group <seed>") so that a shared database is not disturbed.

Why SQL and not the ORM: a million visits through ``create()`` takes hours; one
``INSERT … SELECT generate_series`` per table takes seconds.  Values come from an md5 hash
of (seed, column, row number), so the same seed gives the same data whatever the plan.
Every column the ORM would fill is filled (audit columns, company, active, stored
computes such as visit revenue, loss category, brand, commercial partner).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

BRANDS = {
    "Lada": ["Vesta", "Granta", "Niva"],
    "Kia": ["Rio", "Sportage", "Ceed"],
    "Hyundai": ["Solaris", "Creta", "Tucson"],
    "Toyota": ["Camry", "RAV4", "Corolla"],
    "Skoda": ["Octavia", "Kodiaq", "Rapid"],
}
VISIT_KINDS = [
    "maintenance",
    "maintenance",
    "maintenance",
    "repair",
    "warranty",
    "body",
    "tyres",
    "tyres",
    "diagnostics",
    "other",
]
LOSS_KINDS = [
    "appointment_cancelled",
    "no_show",
    "order_cancelled",
    "scope_reduced",
    "quote_declined",
    "line_declined",
    "deferred_not_done",
]
FULL_LOSS_KINDS = ["appointment_cancelled", "no_show", "order_cancelled", "quote_declined", "deferred_not_done"]
HISTORY_DAYS = 3 * 365

# r(salt, n): a reproducible pseudo-random number in [0, 1) for row n.
RAND_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.bench_r(seed int, salt text, n bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ('x' || substr(md5(seed::text || ':' || salt || ':' || n::text), 1, 8))::bit(32)::bigint
          / 4294967296.0 $$
"""
AUDIT_COLS = "create_uid, write_uid, create_date, write_date"
AUDIT_VALS = "%(uid)s, %(uid)s, %(now)s, %(now)s"


def company_name(seed):
    return f"Bench dealer group {seed}"


def sizes(visits, loss_events=None):
    customers = max(visits // 10, 20)
    return {
        "visits": visits,
        "customers": customers,
        "vehicles": customers,
        "loss_events": visits if loss_events is None else loss_events,
    }


def setup_company(env, seed):
    """The few configuration records (company, makes, models, advisors) go through the ORM."""
    name = company_name(seed)
    if env["res.company"].search_count([("name", "=", name)]):
        raise SystemExit(f"{name!r} already exists in {env.cr.dbname}: use another --seed or a fresh database")
    main = env.ref("base.main_company")
    company = env["res.company"].create({"name": name, "currency_id": main.currency_id.id})
    models = env["dealer.vehicle.model"]
    for brand_name, model_names in BRANDS.items():
        brand = env["dealer.vehicle.brand"].search([("name", "=", brand_name)], limit=1)
        brand = brand or env["dealer.vehicle.brand"].create({"name": brand_name})
        for model_name in model_names:
            model = models.search([("brand_id", "=", brand.id), ("name", "=", model_name)], limit=1)
            models |= model or models.create({"brand_id": brand.id, "name": model_name})
    advisors = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Bench advisor {seed}-{i}",
                    "login": f"bench-advisor-{seed}-{i}",
                    "company_id": company.id,
                    "company_ids": [(6, 0, [company.id])],
                    "group_ids": [(4, env.ref("dealer_crm.group_service_advisor").id)],
                }
                for i in range(1, 6)
            ]
        )
    )
    env.flush_all()
    return company, models, advisors


def generate(env, visits, seed=42, loss_events=None, log=benchlib.say):
    """Fill the company's data; returns a dict with the company id and the row counts."""
    from odoo import fields
    from odoo.tools import SQL

    size = sizes(visits, loss_events)
    company, models, advisors = setup_company(env, seed)
    cr = env.cr
    today = fields.Date.context_today(env["res.partner"])
    base = {"seed": seed, "company": company.id, "uid": env.uid, "now": fields.Datetime.now(), "today": today, **size}

    def run(label, query, **extra):
        with benchlib.Timer() as t:
            cr.execute(SQL(query, **base, **extra))
        log(f"  {label}: {cr.rowcount} rows in {t.seconds:.1f} s")

    cr.execute(RAND_FUNCTION)
    temp_tables = (
        "bench_visit_src",
        "bench_line_src",
        "bench_model",
        "bench_partner",
        "bench_vehicle",
        "bench_reason",
        "bench_stage",
        "bench_advisor",
    )
    for table in temp_tables:
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
    cr.execute(
        SQL(
            "CREATE TEMP TABLE bench_model AS SELECT row_number() OVER (ORDER BY m.id) AS n, m.id, m.brand_id,"
            " b.name || ' ' || m.name AS label"
            " FROM dealer_vehicle_model m JOIN dealer_vehicle_brand b ON b.id = m.brand_id"
            " WHERE m.id = ANY(%s)",
            models.ids,
        )
    )
    cr.execute(
        SQL(
            "CREATE TEMP TABLE bench_advisor AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM res_users"
            " WHERE id = ANY(%s)",
            advisors.ids,
        )
    )
    cr.execute(
        SQL(
            "CREATE TEMP TABLE bench_reason AS SELECT row_number() OVER (ORDER BY id) AS n, id, dealer_category"
            " FROM crm_lost_reason WHERE dealer_category IS NOT NULL"
        )
    )
    cr.execute(
        SQL(
            "CREATE TEMP TABLE bench_stage AS SELECT row_number() OVER (ORDER BY s.sequence, s.id) AS n, s.id"
            " FROM crm_stage s WHERE NOT s.is_won AND s.dealer_service_step IS NOT NULL"
        )
    )
    cr.execute(
        "SELECT (SELECT count(*) FROM bench_model), (SELECT count(*) FROM bench_reason),"
        " (SELECT count(*) FROM bench_stage), (SELECT count(*) FROM bench_advisor)"
    )
    n_models, n_reasons, n_stages, n_advisors = cr.fetchone()
    if not n_reasons:
        raise SystemExit("no crm.lost.reason with a dealer category: is dealer_service_lost_sales installed?")
    base.update(n_models=n_models, n_reasons=n_reasons, n_stages=n_stages, n_advisors=n_advisors)

    log(f"generating {size} into company {company.id} ({company.name}) with seed {seed}")
    _insert_partners(run, *_other_addons_defaults(env, "res.partner", PARTNER_COLS, base))
    _insert_vehicles(run)
    _insert_visits(run)
    _insert_losses(run, env)
    cr.execute(
        "ANALYZE res_partner, dealer_vehicle, dealer_visit, dealer_visit_line, dealer_vehicle_odometer,"
        " dealer_loss_event"
    )
    env.invalidate_all()
    return {"company_id": company.id, **size}


PARTNER_COLS = (
    "id, commercial_partner_id, name, complete_name, company_id, type, active, is_company, partner_share, lang, tz,"
    " email, email_normalized, phone, phone_sanitized, dealer_stage, consent_email, consent_sms, consent_telegram"
)


def _other_addons_defaults(env, model, listed, params):
    """The NOT NULL columns of ``model`` that the raw insert does not list, with their ORM defaults.

    Other installed addons add required columns to the tables the generator fills (e.g. Invoicing's
    ``res_partner.autopost_bills``, brought by the sale bridge); they get the value the ORM would give.
    Returns ``(", col_a, col_b", ", %(default_col_a)s, …")`` and puts the values into ``params``.
    """
    listed = {col.strip() for col in listed.split(",")} | {col.strip() for col in AUDIT_COLS.split(",")}
    records = env[model]
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [records._table],
    )
    missing = [col for (col,) in env.cr.fetchall() if col not in listed and col in records._fields]
    defaults = records.default_get(missing)
    cols = [col for col in missing if defaults.get(col) is not None]
    for col in cols:
        params[f"default_{col}"] = defaults[col]
    return "".join(f", {col}" for col in cols), "".join(f", %(default_{col})s" for col in cols)


def _insert_partners(run, extra_cols="", extra_vals=""):
    run(
        "customers",
        f"""
        CREATE TEMP TABLE bench_partner AS
        WITH ins AS (
            INSERT INTO res_partner ({PARTNER_COLS}, {AUDIT_COLS}{extra_cols})
            SELECT id, id, nm, nm, %(company)s, 'contact', TRUE, FALSE, TRUE, 'en_US', 'Europe/Moscow',
                   CASE WHEN pg_temp.bench_r(%(seed)s, 'email', n) < 0.8
                        THEN 'customer' || n || '.' || %(seed)s || '@bench.example.com' END,
                   CASE WHEN pg_temp.bench_r(%(seed)s, 'email', n) < 0.8
                        THEN 'customer' || n || '.' || %(seed)s || '@bench.example.com' END,
                   CASE WHEN pg_temp.bench_r(%(seed)s, 'phone', n) < 0.95 THEN '+7 9' || lpad(n::text, 9, '0') END,
                   CASE WHEN pg_temp.bench_r(%(seed)s, 'phone', n) < 0.95 THEN '+79' || lpad(n::text, 9, '0') END,
                   'regular_service',
                   pg_temp.bench_r(%(seed)s, 'c_email', n) < 0.7, pg_temp.bench_r(%(seed)s, 'c_sms', n) < 0.6,
                   FALSE, {AUDIT_VALS}{extra_vals}
              FROM (SELECT n, nextval('res_partner_id_seq')::int AS id,
                           'Bench customer ' || %(seed)s || '-' || lpad(n::text, 7, '0') AS nm
                      FROM generate_series(1, %(customers)s) n) g
         RETURNING id)
        SELECT row_number() OVER (ORDER BY id) AS n, id FROM ins
    """,
    )
    run("index", "CREATE UNIQUE INDEX ON bench_partner (n)")


def _insert_vehicles(run):
    run(
        "vehicles",
        f"""
        CREATE TEMP TABLE bench_vehicle AS
        WITH src AS (
            SELECT g.n, m.id AS model_id, m.brand_id, m.label,
                   2012 + floor(pg_temp.bench_r(%(seed)s, 'year', g.n) * 13)::int AS year,
                   CASE WHEN pg_temp.bench_r(%(seed)s, 'owner', g.n) < 0.85 THEN g.n
                        ELSE 1 + floor(pg_temp.bench_r(%(seed)s, 'owner2', g.n) * %(customers)s)::int END AS owner_n,
                   %(today)s::date - 200 - floor(pg_temp.bench_r(%(seed)s, 'delivery', g.n) * 3000)::int AS delivery,
                   15 + floor(pg_temp.bench_r(%(seed)s, 'kpd', g.n) * 70)::int AS km_per_day
              FROM generate_series(1, %(vehicles)s) g(n)
              JOIN bench_model m ON m.n = 1 + floor(pg_temp.bench_r(%(seed)s, 'model', g.n) * %(n_models)s)::int
        ),
        ins AS (
            INSERT INTO dealer_vehicle (company_id, brand_id, model_id, model_year, partner_id, name, vin, plate,
                                        state, active, purchase_date, delivery_date, warranty_end, insurance_end,
                                        km_per_day, {AUDIT_COLS})
            SELECT %(company)s, s.brand_id, s.model_id, s.year, p.id, s.label || ' ' || s.year,
                   upper(substr(md5('vin:' || %(seed)s || ':' || s.n), 1, 17)),
                   'B' || lpad(s.n::text, 7, '0') || 'RU', 'customer', TRUE, s.delivery - 5, s.delivery,
                   s.delivery + 3 * 365,
                   %(today)s::date - 30 + floor(pg_temp.bench_r(%(seed)s, 'insurance', s.n) * 365)::int,
                   s.km_per_day, {AUDIT_VALS}
              FROM src s JOIN bench_partner p ON p.n = s.owner_n
         RETURNING id, partner_id, brand_id, delivery_date, km_per_day, name)
        SELECT row_number() OVER (ORDER BY id) AS n, * FROM ins
    """,
    )
    run("index", "CREATE UNIQUE INDEX ON bench_vehicle (n)")


def _insert_visits(run):
    """Visits and lines are planned in temporary tables first, so that the stored totals of a visit
    (revenue, declined, deferred) are written by its INSERT: updating a million visits afterwards
    rewrites every index entry and costs more than the inserts themselves."""
    kinds = "ARRAY[%s]" % ", ".join(f"'{k}'" for k in VISIT_KINDS)  # constants of this file, not input
    run(
        "visit plan",
        f"""
        CREATE TEMP TABLE bench_visit_src AS
        SELECT g.n, nextval('dealer_visit_id_seq')::int AS id, g.day, v.id AS vehicle_id, v.partner_id,
               GREATEST(0, (g.day - v.delivery_date) * v.km_per_day)::int AS km, a.id AS advisor_id,
               ({kinds})[1 + floor(pg_temp.bench_r(%(seed)s, 'kind', g.n) * {len(VISIT_KINDS)})::int] AS kind,
               CASE WHEN g.st < 0.92 THEN 'done' WHEN g.st < 0.95 THEN 'cancelled' ELSE 'open' END AS state
          FROM (SELECT n, %(today)s::date - floor(pg_temp.bench_r(%(seed)s, 'day', n) * {HISTORY_DAYS})::int AS day,
                       1 + floor(pg_temp.bench_r(%(seed)s, 'vehicle', n) * %(vehicles)s)::int AS vn,
                       1 + floor(pg_temp.bench_r(%(seed)s, 'advisor', n) * %(n_advisors)s)::int AS an,
                       pg_temp.bench_r(%(seed)s, 'state', n) AS st
                  FROM generate_series(1, %(visits)s) n) g
          JOIN bench_vehicle v ON v.n = g.vn
          JOIN bench_advisor a ON a.n = g.an
    """,
    )
    run(
        "line plan",
        """
        CREATE TEMP TABLE bench_line_src AS
        SELECT s.id AS visit_id, s.day, k,
               CASE WHEN pg_temp.bench_r(%(seed)s, 'lstatus', s.n * 4 + k) < 0.8 THEN 'done'
                    WHEN pg_temp.bench_r(%(seed)s, 'lstatus', s.n * 4 + k) < 0.92 THEN 'declined'
                    ELSE 'deferred' END AS status,
               round((300 + pg_temp.bench_r(%(seed)s, 'amount', s.n * 4 + k) ^ 2 * 40000)::numeric, 2) AS amount
          FROM bench_visit_src s
         CROSS JOIN LATERAL generate_series(1, 2 + (pg_temp.bench_r(%(seed)s, 'nlines', s.n) < 0.3)::int) k
    """,
    )
    run(
        "visits",
        f"""
        INSERT INTO dealer_visit (id, company_id, vehicle_id, partner_id, odometer_km, advisor_id, name, kind,
                                  state, date, revenue, declined_amount, deferred_amount, {AUDIT_COLS})
        SELECT s.id, %(company)s, s.vehicle_id, s.partner_id, s.km, s.advisor_id,
               'RO-B' || %(seed)s || '-' || lpad(s.n::text, 8, '0'), s.kind, s.state, s.day,
               COALESCE(t.done, 0), COALESCE(t.declined, 0), COALESCE(t.deferred, 0), {AUDIT_VALS}
          FROM bench_visit_src s
     LEFT JOIN (SELECT visit_id, sum(amount) FILTER (WHERE status = 'done') AS done,
                       sum(amount) FILTER (WHERE status = 'declined') AS declined,
                       sum(amount) FILTER (WHERE status = 'deferred') AS deferred
                  FROM bench_line_src GROUP BY visit_id) t ON t.visit_id = s.id
      ORDER BY s.id
    """,
    )
    run(
        "visit lines",
        f"""
        INSERT INTO dealer_visit_line (visit_id, sequence, company_id, code, name, status, deferred_until, amount,
                                       {AUDIT_COLS})
        SELECT visit_id, 10 * k, %(company)s, 'OP' || (100 + k), 'Operation ' || k, status,
               CASE WHEN status = 'deferred' THEN day + 60 END, amount, {AUDIT_VALS}
          FROM bench_line_src ORDER BY visit_id, k
    """,
    )
    run(
        "odometer readings",
        f"""
        INSERT INTO dealer_vehicle_odometer (vehicle_id, company_id, value_km, visit_id, source, date, {AUDIT_COLS})
        SELECT vehicle_id, %(company)s, km, id, 'visit', day, {AUDIT_VALS}
          FROM bench_visit_src WHERE state = 'done' ORDER BY id
    """,
    )
    # statistics of the rows this transaction wrote, for the joins below (the hours this update once took at 1M
    # visits were the lost-revenue trigger's, fixed in dealer_service_lost_sales)
    run("statistics of the cars and the plan", "ANALYZE dealer_vehicle, bench_visit_src")
    run(
        "vehicle mileage",
        """
        UPDATE dealer_vehicle v SET last_odometer_km = o.km, last_odometer_date = o.day
          FROM (SELECT DISTINCT ON (vehicle_id) vehicle_id, km, day FROM bench_visit_src
                 WHERE state = 'done' ORDER BY vehicle_id, day DESC, id DESC) o
         WHERE o.vehicle_id = v.id
    """,
    )
    run("cleanup", "DROP TABLE bench_line_src")


def _insert_losses(run, env):
    kinds = "ARRAY[%s]" % ", ".join(f"'{k}'" for k in LOSS_KINDS)
    full = "ARRAY[%s]" % ", ".join(f"'{k}'" for k in FULL_LOSS_KINDS)
    labels = dict(env["dealer.loss.event"]._fields["kind"].selection)
    label_case = " ".join(f"WHEN '{k}' THEN '{labels[k]}'" for k in LOSS_KINDS)
    run(
        "loss events",
        f"""
        INSERT INTO dealer_loss_event (company_id, date, kind, is_partial, stage_id, reason_id, category, amount,
                                       advisor_id, partner_id, vehicle_id, brand_id, name, recovered, {AUDIT_COLS})
        SELECT %(company)s, g.day, g.kind, NOT (g.kind = ANY({full})), st.id, r.id, r.dealer_category,
               round((500 + pg_temp.bench_r(%(seed)s, 'lamount', g.n) ^ 2 * 60000)::numeric, 2), a.id,
               v.partner_id, v.id, v.brand_id,
               (CASE g.kind {label_case} END) || ' - ' || v.name,
               pg_temp.bench_r(%(seed)s, 'recovered', g.n) < 0.1, {AUDIT_VALS}
          FROM (SELECT n, %(today)s::date - floor(pg_temp.bench_r(%(seed)s, 'lday', n) * {HISTORY_DAYS})::int AS day,
                       ({kinds})[1 + floor(pg_temp.bench_r(%(seed)s, 'lkind', n) * {len(LOSS_KINDS)})::int] AS kind,
                       1 + floor(pg_temp.bench_r(%(seed)s, 'lveh', n) * %(vehicles)s)::int AS vn,
                       1 + floor(pg_temp.bench_r(%(seed)s, 'lreason', n) * %(n_reasons)s)::int AS rn,
                       1 + floor(pg_temp.bench_r(%(seed)s, 'lstage', n) * GREATEST(%(n_stages)s, 1))::int AS sn,
                       1 + floor(pg_temp.bench_r(%(seed)s, 'ladvisor', n) * %(n_advisors)s)::int AS an
                  FROM generate_series(1, %(loss_events)s) n) g
          JOIN bench_vehicle v ON v.n = g.vn
          JOIN bench_reason r ON r.n = g.rn
          JOIN bench_advisor a ON a.n = g.an
     LEFT JOIN bench_stage st ON st.n = g.sn
    """,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="bench_db")
    parser.add_argument("--scale", default="10k", help="visits: 2k, 10k, 100k, 1m or a number")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--loss-events", type=int, help="loss events (default: as many as visits)")
    opts = parser.parse_args()
    odoo, pg = benchlib.odoo_and_pg()
    benchlib.ensure_db(opts.db, odoo, pg)
    benchlib.setup_odoo(odoo, pg, opts.db)
    with benchlib.Timer() as t, benchlib.odoo_env(opts.db) as env:
        result = generate(env, benchlib.parse_scale(opts.scale), seed=opts.seed, loss_events=opts.loss_events)
    benchlib.say(f"done in {t.seconds:.0f} s: {result}")


if __name__ == "__main__":
    main()
