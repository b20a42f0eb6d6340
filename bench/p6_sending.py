"""P6: sending N due e-mail reminders through Odoo's mail queue to a real SMTP server on 127.0.0.1.

Three senders of the same e-mail (subject, body with a link, the same N customers) into the same
SMTP sink (``bench/smtp_sink.py``, a separate process), interleaved, median of ``--runs``:

* **ours**: N queued ``dealer.dispatch`` rows of a running customer campaign, due now, sent by
  ``dealer.dispatch._cron_send_due()`` (stop conditions, consent and blacklist, quiet hours,
  frequency cap, rendering in the customer's language, tracked short links, open pixel,
  unsubscribe footer, the dispatch log), then Odoo's mail queue
  (``mail.mail.process_email_queue()``, run until it is empty) to the sink;
* **mass_mailing**: Odoo's own ``mailing.mailing`` on ``res.partner`` with the same subject and
  body, ``action_send_mail()`` (its composer in mass-mail mode, traces, link tracking,
  exclusion list), then the same mail queue to the same sink;
* **smtplib**: the messages the sink received from ours, sent again by a bare ``smtplib`` loop
  on one connection (the limit of the sink and the SMTP exchange on this machine).

Rates are mails per second of the whole path (from the cron's call to the last message
accepted by the sink); the sink's records are counted after each run: every side must deliver
all N messages, each recipient once.  The N recipients are customers of their own
("Bench P6 recipient …", one e-mail address each, e-mail consent given), created once per
database; each run starts from N fresh due rows (ours) or a new mailing (mass_mailing).
"""

import datetime
import smtplib
import statistics
import subprocess
import sys

import benchlib

from repo_paths import free_port, odoo_args

SINK = benchlib.BENCH / "smtp_sink.py"
PREFIX = "Bench P6 recipient "
CAMPAIGN = "Bench P6 reminders"
SUBJECT = "Time to change your tyres"
# QWeb on res.partner: both the mail.template (ours) and the mailing (Odoo) render it per customer
BODY = (
    '<div><p>Dear <t t-out="object.name"/>,</p>'
    "<p>The tyre season has started: book your tyre change today and skip the queue.</p>"
    '<p><a href="https://bench.example.com/tyres">Book your tyre change</a></p>'
    "<p>Your dealership</p></div>"
)
EMAIL_FROM = "Bench dealership <news@bench.example.com>"
EXTRA_MODULES = ["mass_mailing"]


def ensure_modules(db, odoo, pg, modules=EXTRA_MODULES):
    """Install ``modules`` into the bench database once (Odoo's ``mass_mailing``: P6's baseline)."""
    import psycopg2

    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname=db)
    try:
        with conn.cursor() as c:
            c.execute("SELECT name FROM ir_module_module WHERE name = ANY(%s) AND state = 'installed'", [modules])
            missing = sorted(set(modules) - {r[0] for r in c.fetchall()})
    finally:
        conn.close()
    if not missing:
        return
    benchlib.say(f"installing {', '.join(missing)} in {db}")
    args = [*odoo_args(odoo, pg, db), f"--http-port={free_port()}", "--stop-after-init", "-i", ",".join(missing)]
    log = benchlib.STATE / f"bench-install-p6-{db}.log"
    with log.open("w") as out:
        rc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    if rc:
        sys.exit(f"installing {missing} into {db} failed (exit {rc}): see {log}")


class SmtpSink:
    """The sink as a child process; ``take()`` returns what it received since the last call."""

    def __init__(self, folder):
        self.port = free_port()
        self.path = folder / "p6-sink.bin"
        self.path.write_bytes(b"")
        self.offset = 0
        self.proc = subprocess.Popen(
            [sys.executable, str(SINK), "--port", str(self.port), "--out", str(self.path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.proc.stdout.readline()  # "listening on …"

    def take(self):
        sys.path.insert(0, str(benchlib.BENCH))
        import smtp_sink

        records, self.offset = smtp_sink.read_records(self.path, self.offset)
        return records

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.path.unlink(missing_ok=True)


def _check(records, n):
    rcpts = [to for _sender, tos, _data in records for to in tos]
    distinct = len(set(rcpts))
    return {"received": len(records), "distinct": distinct, "ok": len(records) == n and distinct == n}


def ensure_recipients(env, company_id, n):
    """N customers with their own e-mail address and consent (SQL: the same rows for every run)."""
    import generate

    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE %s", [PREFIX + "%"])
    have = cr.fetchone()[0]
    if have < n:
        params = {"company": company_id, "uid": env.uid, "now": datetime.datetime.now(), "start": have, "n": n}
        cols = (
            "id, commercial_partner_id, name, complete_name, company_id, type, active, is_company,"
            " partner_share, lang, tz, email, email_normalized, dealer_stage, consent_email"
        )
        extra_cols, extra_vals = generate._other_addons_defaults(env, "res.partner", cols, params)
        cr.execute(
            f"""
            INSERT INTO res_partner ({cols}, {generate.AUDIT_COLS}{extra_cols})
            SELECT id, id, nm, nm, %(company)s, 'contact', TRUE, FALSE, TRUE, 'en_US', 'UTC', em, em,
                   'regular_service', TRUE, {generate.AUDIT_VALS}{extra_vals}
              FROM (SELECT nextval('res_partner_id_seq')::int AS id,
                           '{PREFIX}' || lpad(i::text, 6, '0') AS nm,
                           'p6-recipient-' || i || '@bench.example.com' AS em
                      FROM generate_series(%(start)s + 1, %(n)s) i) g
            """,
            params,
        )
        cr.execute("ANALYZE res_partner")
    cr.execute("SELECT id FROM res_partner WHERE name LIKE %s ORDER BY name LIMIT %s", [PREFIX + "%", n])
    return [r[0] for r in cr.fetchall()]


def recipients_domain(env, partner_ids):
    """The mailing's domain for exactly these recipients: their names run from the first to the last
    (zero-padded numbers), so the domain stays short whatever N (mass_mailing's parser refuses a
    list of 20,000 ids and then selects nobody)."""
    env.cr.execute("SELECT min(name), max(name) FROM res_partner WHERE id = ANY(%s)", [partner_ids])
    first, last = env.cr.fetchone()
    return repr([("name", "=like", PREFIX + "%"), ("name", ">=", first), ("name", "<=", last)])


def setup(env, company_id, partner_ids, port):
    """The campaign (one e-mail step on customers), its enrolments, the mail server and the mailing's model."""
    cr = env.cr
    server = env["ir.mail_server"].search([("name", "=", "Bench P6 sink")])
    server.unlink()
    env["ir.mail_server"].create(
        {
            "name": "Bench P6 sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_encryption": "none",
            "sequence": 1,
        }
    )
    Campaign = env["dealer.campaign"].with_context(active_test=False)
    campaign = Campaign.search([("name", "=", CAMPAIGN)], limit=1)
    if not campaign:
        template = env["mail.template"].create(
            {
                "name": "Bench P6 e-mail",
                "model_id": env["ir.model"]._get_id("res.partner"),
                "subject": SUBJECT,
                "body_html": BODY,
                "email_from": EMAIL_FROM,
                "lang": "{{ object.lang }}",
            }
        )
        date_field = env["ir.model.fields"]._get("res.partner", "create_date")
        campaign = Campaign.create(
            {
                "name": CAMPAIGN,
                "company_id": company_id,
                "trigger": "custom",
                "date_field_id": date_field.id,
                "audience_domain": "[]",
                "step_ids": [(0, 0, {"name": "e-mail", "channel": "email", "mail_template_id": template.id})],
            }
        )
    # quiet hours of the step that do not hold the run back, whatever the hour (the check still runs)
    hour = datetime.datetime.now(datetime.timezone.utc).hour
    campaign.step_ids.write({"quiet_start": (hour + 12) % 24, "quiet_end": (hour + 13) % 24})
    campaign.write({"state": "running", "company_id": company_id})
    step = campaign.step_ids[:1]
    cr.execute(
        """
        INSERT INTO dealer_campaign_enrolment (campaign_id, company_id, partner_id, occurrence_date, enrolled_at,
                                               state, create_uid, create_date, write_uid, write_date)
        SELECT %(c)s, %(company)s, p, current_date, now() AT TIME ZONE 'UTC', 'active', %(uid)s,
               now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM unnest(%(ids)s) p
         WHERE NOT EXISTS (SELECT 1 FROM dealer_campaign_enrolment e WHERE e.campaign_id = %(c)s AND e.partner_id = p)
        """,
        {"c": campaign.id, "company": company_id, "ids": partner_ids, "uid": env.uid},
    )
    env.flush_all()
    return campaign, step


def _requeue(env, campaign, step, partner_ids, channel, subject, outbox):
    """Forget every earlier run's messages to the recipients (``outbox``: the statement and parameters
    emptying the channel's queue; mass mailings named ``subject``; our rows); queue N fresh due rows
    of ``channel`` (ours)."""
    cr = env.cr
    env.flush_all()
    cr.execute(*outbox)
    cr.execute("DELETE FROM mail_message WHERE model = 'res.partner' AND res_id = ANY(%s)", [partner_ids])
    cr.execute(
        "DELETE FROM mailing_trace WHERE mass_mailing_id IN (SELECT id FROM mailing_mailing WHERE subject = %s)",
        [subject],
    )
    cr.execute("DELETE FROM mailing_mailing WHERE subject = %s", [subject])
    cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = %s", [campaign.id])
    cr.execute(
        """
        INSERT INTO dealer_dispatch (campaign_id, step_id, enrolment_id, company_id, partner_id, occurrence_date,
                                     channel, scheduled_at, state, attempts, conversation, transactional,
                                     create_uid, create_date, write_uid, write_date)
        SELECT e.campaign_id, %(step)s, e.id, e.company_id, e.partner_id, e.occurrence_date, %(channel)s,
               now() AT TIME ZONE 'UTC' - interval '1 minute', 'queued', 0, FALSE, FALSE,
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM dealer_campaign_enrolment e
         WHERE e.campaign_id = %(c)s AND e.partner_id = ANY(%(ids)s)
        """,
        {"c": campaign.id, "step": step.id, "ids": partner_ids, "uid": env.uid, "channel": channel},
    )
    env.invalidate_all()


def reset(env, campaign, step, partner_ids):
    """Forget every earlier run's e-mails to the recipients; queue N fresh due e-mail rows (ours)."""
    outbox = ("DELETE FROM mail_mail WHERE state IN ('outgoing', 'exception')", [])
    _requeue(env, campaign, step, partner_ids, "email", SUBJECT, outbox)


def drain_queue(env):
    """Odoo's mail queue, as its cron runs it (batches of 1,000, committed), until nothing is outgoing."""
    Mail = env["mail.mail"].sudo()
    while True:
        Mail.process_email_queue()
        env.invalidate_all()
        if not Mail.search_count([("state", "=", "outgoing")]):
            return


def bench_p6(bench, runs):
    env = bench.env(context={})  # what a cron gets: no tracking_disable
    n = bench.opts.p6_mails
    partner_ids = ensure_recipients(env, bench.company_id, n)
    sink = SmtpSink(benchlib.STATE)
    try:
        campaign, step = setup(env, bench.company_id, partner_ids, sink.port)
        bench.checkpoint()
        dispatch = env["dealer.dispatch"]
        model_id = env["ir.model"]._get_id("res.partner")
        mailing = {}

        def prepare_base():
            reset(env, campaign, step, partner_ids)
            mailing["rec"] = env["mailing.mailing"].create(
                {
                    "subject": SUBJECT,
                    "body_arch": BODY,
                    "body_html": BODY,
                    "email_from": EMAIL_FROM,
                    "mailing_model_id": model_id,
                    "mailing_domain": recipients_domain(env, partner_ids),
                    "reply_to_mode": "update",
                }
            )

        phases = {"ours": [], "base": []}

        def ours():
            with benchlib.Timer() as t:
                dispatch._cron_send_due()
            drain_queue(env)
            phases["ours"].append(t.seconds)

        def base():
            with benchlib.Timer() as t:
                mailing["rec"].action_send_mail()
            drain_queue(env)
            phases["base"].append(t.seconds)

        t_ours, t_base, checks = [], [], {"ours": [], "base": []}
        captured, states = [], {}
        for i in range(runs):
            order = (("ours", ours, t_ours), ("base", base, t_base))
            for label, fn, bucket in order if i % 2 == 0 else order[::-1]:
                if label == "ours":
                    reset(env, campaign, step, partner_ids)
                else:
                    prepare_base()
                bench.checkpoint(
                    "dealer_dispatch", "mail_mail", "mail_message", "mail_notification", "mailing_trace", "res_partner"
                )
                seconds, _ = bench.timed(fn)
                bucket.append(seconds)
                records = sink.take()
                checks[label].append(_check(records, n))
                if label == "ours":
                    captured = records
                    env.cr.execute(
                        "SELECT state, count(*) FROM dealer_dispatch WHERE campaign_id = %s GROUP BY 1", [campaign.id]
                    )
                    states = dict(env.cr.fetchall())
                benchlib.say(f"P6 {label} run {i + 1}: {seconds:.1f} s, {checks[label][-1]}")
        t_smtp = []
        for _ in range(runs):
            with benchlib.Timer() as t:
                with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
                    for sender, tos, data in captured:
                        smtp.sendmail(sender, tos, data)
            t_smtp.append(t.seconds)
            checks.setdefault("smtplib", []).append(_check(sink.take(), n))
        reset(env, campaign, step, partner_ids)
        env.cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = %s", [campaign.id])
        env["ir.mail_server"].search([("name", "=", "Bench P6 sink")]).unlink()
        campaign.write({"state": "done"})  # stopped: the hourly planning (and P8's) must not plan it
        bench.checkpoint("dealer_dispatch", "mail_mail", "mail_message", "mail_notification", "mailing_trace")
    finally:
        sink.stop()
    m_ours, m_base, m_smtp = (statistics.median(x) for x in (t_ours, t_base, t_smtp))
    r_ours, r_base, r_smtp = n / m_ours, n / m_base, n / m_smtp
    all_ok = {label: all(c["ok"] for c in cs) for label, cs in checks.items()}
    delivered = "; ".join(
        f"{label}: {c[-1]['received']} received, {c[-1]['distinct']} recipients"
        + ("" if all_ok[label] else " (NOT all N once in every run)")
        for label, c in checks.items()
    )
    cron = statistics.median(phases["ours"])
    composer = statistics.median(phases["base"])
    bench.add(
        "P6",
        f"Campaign e-mail sending, {n:,} due reminders: dispatch cron + Odoo's mail queue → SMTP sink, "
        "vs Odoo's mass_mailing (same e-mail, same customers, same sink)",
        r_ours,
        r_base,
        "≥ 1.0×",
        r_ours / r_base >= 1.0 and all_ok["ours"] and all_ok["base"],
        rows=n,
        unit="mails/s",
        ratio=r_ours / r_base,
        growth_rows=n,
        note=f"ours {m_ours:.1f} s (dispatch cron {cron:.1f} s + mail queue {m_ours - cron:.1f} s), "
        f"mass_mailing {m_base:.1f} s (composer {composer:.1f} s + queue {m_base - composer:.1f} s); "
        f"runs ours {', '.join(f'{x:.1f}' for x in t_ours)} s, mass_mailing {', '.join(f'{x:.1f}' for x in t_base)} s; "
        f"dispatch log {states}; {delivered}",
    )
    bench.rows[-1]["seconds"] = {"ours": m_ours, "base": m_base, "smtplib": m_smtp, "cron": cron}
    bench.add(
        "P6t",
        f"The same {n:,} e-mails in seconds (ours ÷ mass_mailing; P5 growth reads this row)",
        m_ours,
        m_base,
        "-",
        None,
        rows=n,
        growth_rows=n,
        note=f"dispatch cron {cron:.2f} s, mail queue {m_ours - cron:.2f} s",
    )
    bench.add(
        "P6s",
        f"Same {n:,} rendered messages by a bare smtplib loop on one connection (the limit): ours ÷ smtplib",
        r_ours,
        r_smtp,
        "-",
        None,
        rows=n,
        unit="mails/s",
        ratio=r_ours / r_smtp,
        note=f"smtplib {m_smtp:.2f} s; mass_mailing ÷ smtplib {r_base / r_smtp:.2f}×",
    )


# --------------------------------------------------------------------------
# P6m: the same for SMS (Odoo's sms queue, its IAP provider faked at the HTTP call)
# --------------------------------------------------------------------------

SMS_CAMPAIGN = "Bench P6 SMS reminders"
SMS_BODY = "Dear {{ object.name }}, the tyre season has started: book your tyre change https://bench.example.com/tyres"
SMS_MAILING_BODY = (
    "Dear {{ object.name }}, the tyre season has started: book your tyre change https://bench.example.com/tyres"
)


class FakeIap:
    """Odoo's SMS provider (IAP) answered at its HTTP call: every number accepted, every number counted."""

    def __init__(self):
        self.numbers = []

    def __enter__(self):
        from odoo.addons.sms.tools import sms_api

        self.cls, self.orig = sms_api.SmsApi, sms_api.SmsApi._contact_iap
        sink = self.numbers

        def _contact_iap(api, local_endpoint, params, timeout=15):
            results = []
            for message in params.get("messages", []):
                for number in message["numbers"]:
                    sink.append(number["number"])
                    results.append({"uuid": number["uuid"], "state": "success", "credit": 1})
            return results

        self.cls._contact_iap = _contact_iap
        return self

    def __exit__(self, *exc):
        self.cls._contact_iap = self.orig

    def take(self):
        numbers, self.numbers[:] = list(self.numbers), []
        return numbers


def setup_sms(env, company_id, partner_ids):
    """Mobile numbers and SMS consent for the recipients, an SMS campaign of one step, enrolments."""
    cr = env.cr
    cr.execute(
        """UPDATE res_partner SET phone = '+7 95' || lpad(substring(name from '[0-9]+$'), 8, '0'),
                  phone_sanitized = '+795' || lpad(substring(name from '[0-9]+$'), 8, '0'), consent_sms = TRUE
            WHERE id = ANY(%s) AND phone IS NULL""",
        [partner_ids],
    )
    env.invalidate_all()
    Campaign = env["dealer.campaign"].with_context(active_test=False)
    campaign = Campaign.search([("name", "=", SMS_CAMPAIGN)], limit=1)
    if not campaign:
        template = env["sms.template"].create(
            {"name": "Bench P6 SMS", "model_id": env["ir.model"]._get_id("res.partner"), "body": SMS_BODY}
        )
        campaign = Campaign.create(
            {
                "name": SMS_CAMPAIGN,
                "company_id": company_id,
                "trigger": "custom",
                "date_field_id": env["ir.model.fields"]._get("res.partner", "create_date").id,
                "audience_domain": "[]",
                "step_ids": [(0, 0, {"name": "SMS", "channel": "sms", "sms_template_id": template.id})],
            }
        )
    hour = datetime.datetime.now(datetime.timezone.utc).hour
    campaign.step_ids.write({"quiet_start": (hour + 12) % 24, "quiet_end": (hour + 13) % 24})
    campaign.write({"state": "running"})
    cr.execute(
        """
        INSERT INTO dealer_campaign_enrolment (campaign_id, company_id, partner_id, occurrence_date, enrolled_at,
                                               state, create_uid, create_date, write_uid, write_date)
        SELECT %(c)s, %(company)s, p, current_date, now() AT TIME ZONE 'UTC', 'active', %(uid)s,
               now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM unnest(%(ids)s) p
         WHERE NOT EXISTS (SELECT 1 FROM dealer_campaign_enrolment e WHERE e.campaign_id = %(c)s AND e.partner_id = p)
        """,
        {"c": campaign.id, "company": company_id, "ids": partner_ids, "uid": env.uid},
    )
    env.flush_all()
    return campaign, campaign.step_ids[:1]


def reset_sms(env, campaign, step, partner_ids):
    """Forget every earlier run's SMS to the recipients; queue N fresh due SMS rows (ours)."""
    outbox = ("DELETE FROM sms_sms WHERE partner_id = ANY(%s)", [partner_ids])
    _requeue(env, campaign, step, partner_ids, "sms", SMS_CAMPAIGN, outbox)


def drain_sms(env):
    """Odoo's SMS queue, as its cron runs it, until nothing is outgoing."""
    Sms = env["sms.sms"].sudo()
    while True:
        Sms._process_queue()
        env.cr.commit()
        env.invalidate_all()
        if not Sms.search_count([("state", "=", "outgoing"), ("to_delete", "!=", True)]):
            return


def bench_p6_sms(bench, runs):
    env = bench.env(context={})
    n = bench.opts.p6_sms
    partner_ids = ensure_recipients(env, bench.company_id, n)
    campaign, step = setup_sms(env, bench.company_id, partner_ids)
    bench.checkpoint()
    dispatch = env["dealer.dispatch"]
    model_id = env["ir.model"]._get_id("res.partner")
    mailing = {}
    phases = {"ours": [], "base": []}

    def prepare_base():
        reset_sms(env, campaign, step, partner_ids)
        mailing["rec"] = env["mailing.mailing"].create(
            {
                "mailing_type": "sms",
                "sms_subject": SMS_CAMPAIGN,
                "body_plaintext": SMS_MAILING_BODY,
                "mailing_model_id": model_id,
                "mailing_domain": recipients_domain(env, partner_ids),
            }
        )

    def ours():
        with benchlib.Timer() as t:
            dispatch._cron_send_due()
        drain_sms(env)
        phases["ours"].append(t.seconds)

    def base():
        with benchlib.Timer() as t:
            mailing["rec"].action_send_sms()
            env.cr.commit()
        drain_sms(env)
        phases["base"].append(t.seconds)

    times = {"ours": [], "base": []}
    checks = {"ours": [], "base": []}
    states = {}
    with FakeIap() as iap:
        for i in range(runs):
            order = (("ours", ours), ("base", base))
            for label, fn in order if i % 2 == 0 else order[::-1]:
                if label == "ours":
                    reset_sms(env, campaign, step, partner_ids)
                else:
                    prepare_base()
                bench.checkpoint("dealer_dispatch", "sms_sms", "mail_message", "mail_notification", "mailing_trace")
                seconds, _ = bench.timed(fn)
                times[label].append(seconds)
                numbers = iap.take()
                checks[label].append(
                    {
                        "received": len(numbers),
                        "distinct": len(set(numbers)),
                        "ok": len(set(numbers)) == len(numbers) == n,
                    }
                )
                if label == "ours":
                    env.cr.execute(
                        "SELECT state, count(*) FROM dealer_dispatch WHERE campaign_id = %s GROUP BY 1", [campaign.id]
                    )
                    states = dict(env.cr.fetchall())
                benchlib.say(f"P6m {label} run {i + 1}: {seconds:.1f} s, {checks[label][-1]}")
    reset_sms(env, campaign, step, partner_ids)
    env.cr.execute("DELETE FROM dealer_dispatch WHERE campaign_id = %s", [campaign.id])
    campaign.write({"state": "done"})
    bench.checkpoint("dealer_dispatch", "sms_sms", "mail_message", "mail_notification", "mailing_trace")
    m_ours, m_base = statistics.median(times["ours"]), statistics.median(times["base"])
    r_ours, r_base = n / m_ours, n / m_base
    ok = all(c["ok"] for cs in checks.values() for c in cs)
    cron, composer = statistics.median(phases["ours"]), statistics.median(phases["base"])
    bench.add(
        "P6m",
        f"Campaign SMS sending, {n:,} due reminders: dispatch cron + Odoo's SMS queue (IAP faked at its HTTP "
        "call), vs Odoo's mass_mailing_sms (same text, same customers)",
        r_ours,
        r_base,
        "≥ 1.0×",
        r_ours / r_base >= 1.0 and ok,
        rows=n,
        unit="SMS/s",
        ratio=r_ours / r_base,
        note=f"ours {m_ours:.1f} s (dispatch cron {cron:.1f} s + SMS queue {m_ours - cron:.1f} s), "
        f"mass_mailing_sms {m_base:.1f} s (composer {composer:.1f} s + queue {m_base - composer:.1f} s); "
        f"runs ours {', '.join(f'{x:.1f}' for x in times['ours'])} s, "
        f"mass_mailing_sms {', '.join(f'{x:.1f}' for x in times['base'])} s; dispatch log {states}; "
        f"numbers at the provider: ours {checks['ours'][-1]['received']} ({checks['ours'][-1]['distinct']} distinct), "
        f"mass_mailing_sms {checks['base'][-1]['received']} ({checks['base'][-1]['distinct']} distinct)"
        + ("" if ok else " (NOT all N once in every run)"),
    )
