import re
from collections import Counter
from contextlib import closing
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.addons.dealer_crm.tests.common import load_migration, user_of
from odoo.addons.dealer_loyalty.models.mail_mail import QUEUE_LOCK
from odoo.exceptions import UserError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import DealerCampaignCase, FakeResponse, WorkerKilled


@tagged("post_install", "-at_install")
class TestCampaignSending(DealerCampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vehicles.write({"warranty_end": datetime(2026, 12, 31).date()})

    def _started(self, steps, day="2026-12-01"):
        campaign = self._campaign("warranty", steps)
        with freeze_time(f"{day} 06:00:00"):
            campaign.action_start()
        return campaign

    def _mails_to(self, partner):
        return self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)])

    def test_email_sms_activity_are_handed_over(self):
        campaign = self._started([("email", -30), ("sms", -30), ("activity", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(set(rows.mapped("state")), {"sent", "delivered"})
        for partner in self.partners:
            self.assertEqual(len(self._mails_to(partner)), 1, "one e-mail per customer")
            sms = self.env["sms.sms"].search([("partner_id", "=", partner.id)])
            self.assertEqual(len(sms), 1)
            self.assertEqual(sms.state, "outgoing", "queued in Odoo's SMS outbox")
        activities = rows.filtered(lambda r: r.channel == "activity").activity_id
        self.assertEqual(len(activities), 5)
        self.assertEqual(activities.user_id, self.fi_user)

    def test_the_sender_of_the_template_cannot_read_the_customers_copies(self):
        """A Marketer's template sends from the Marketer's address: the e-mail still leaves from it, but its
        message is the showroom's, not the Marketer's (Odoo lets the author read a message, and the customer's
        copy carries their personal links)."""
        self.marketer.partner_id.email = "marketer@dealer.example.com"
        self.mail_template.email_from = "marketer@dealer.example.com"
        campaign = self._started([("email", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        messages = self._dispatches(campaign).mail_message_id
        self.assertEqual(len(messages), 5)
        self.assertEqual(messages.author_id, self.company.partner_id)
        self.assertEqual(set(messages.mapped("email_from")), {"marketer@dealer.example.com"}, "the sender stays")
        as_marketer = self.env["mail.message"].with_user(self.marketer)
        self.assertFalse(as_marketer.search([("id", "in", messages.ids)]), "the marketer reads none of them")

    def test_a_batch_looks_up_once_what_its_rows_share(self):
        """The cron's batches of five customers' e-mails and SMS: the customers' reply-to addresses come
        from one call of Odoo's batch look-up, the phone blacklist is read once for all of them — and
        a customer whose number is on it gets no SMS, the others theirs."""
        self.env["phone.blacklist"]._add([self.partners[3].phone_sanitized])
        campaign = self._started([("email", -30), ("sms", -30)])
        Thread, Partner = type(self.env["mail.thread"]), type(self.env["res.partner"])
        reply_to, blacklist = Thread._notify_get_reply_to_batch, Partner._dealer_phone_blocked_ids
        calls = {"reply_to": [], "blacklist": []}

        def spy_reply_to(records, *args, **kwargs):
            calls["reply_to"].append(records._name)
            return reply_to(records, *args, **kwargs)

        def spy_blacklist(partners):
            calls["blacklist"].append(len(partners))
            return blacklist(partners)

        with (
            patch.object(Thread, "_notify_get_reply_to_batch", spy_reply_to),
            patch.object(Partner, "_dealer_phone_blocked_ids", spy_blacklist),
            freeze_time("2026-12-01 10:05:00"),
        ):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(len(rows.filtered(lambda r: r.channel == "email" and r.state in ("sent", "delivered"))), 5)
        texted = rows.filtered(lambda r: r.channel == "sms" and r.state in ("sent", "delivered")).partner_id
        self.assertEqual(texted, self.partners - self.partners[3])
        record_model = rows[:1]._record()._name
        self.assertEqual(calls["reply_to"].count(record_model), 1, "the batch's reply-tos in one look-up")
        # each customer's e-mail goes in the first batch, their SMS in the next (a customer has one message a
        # batch): the blacklist is read once for that batch's four customers (planning gave the fifth no SMS)
        self.assertEqual(calls["blacklist"], [4], "the blacklist read once for the batch's customers")

    def test_a_steps_responsible_of_another_showroom_never_gets_this_showrooms_tasks(self):
        """A campaign of every showroom (no company) naming a Responsible who works elsewhere: the cars of
        this showroom go to the role's person here; a campaign of this showroom cannot name them at all."""
        south = self.env["res.company"].create({"name": "South showroom"})
        stranger = user_of(self.env, south, "south_fi", "dealer_crm.group_fi_manager")
        with self.assertRaises(UserError):
            self._campaign("warranty", [("activity", -30)]).step_ids.activity_user_id = stranger
        campaign = self._campaign("warranty", [("activity", -30)], company_id=False)
        campaign.step_ids.activity_user_id = stranger
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        tasks = self._dispatches(campaign).activity_id
        self.assertEqual(len(tasks), 5)
        self.assertNotIn(stranger, tasks.user_id)
        for user in tasks.user_id:
            self.assertIn(self.company, user.company_ids, "an F&I manager of the cars' showroom")
            self.assertTrue(user.has_group("dealer_crm.group_fi_manager"))

    def test_a_task_still_open_is_not_given_twice(self):
        """Two steps giving the same task to the same car: the second row points at the open task."""
        campaign = self._started([("activity", -30), ("activity", -30)])
        campaign.step_ids.write({"activity_summary": "Call about the warranty"})
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        self.assertEqual(set(rows.mapped("state")), {"delivered"})
        self.assertEqual(len(rows), 10)
        self.assertEqual(len(rows.activity_id), 5, "one open task per car")
        for vehicle in self.vehicles:
            self.assertEqual(len(rows.filtered(lambda r, v=vehicle: r.vehicle_id == v).activity_id), 1)

    def _queue_jobs(self):
        return [self.env.ref(f"dealer_loyalty.ir_cron_dealer_email_queue_{part}") for part in range(1, 5)]

    def _campaign_emails_waiting(self):
        """The e-mails of a campaign's five customers handed to Odoo's outbox, nothing else waiting there."""
        self.env["mail.mail"].search([("state", "=", "outgoing")]).write({"state": "cancel"})
        self._started([("email", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        return self._mails_to(self.partners)

    def test_mail_queue_starts_with_the_batch(self):
        """A reminder handed to Odoo's outbox does not wait for the mail queue's hourly run: the jobs of the
        campaign e-mail queue that send the batch's e-mails are due at once (Odoo's queue for a part whose job
        is switched off)."""
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        jobs = self._queue_jobs()
        Trigger = self.env["ir.cron.trigger"].sudo()

        def started():
            return {cron: Trigger.search([("cron_id", "=", cron.id)], order="id desc") for cron in [queue, *jobs]}

        before = started()
        self._started([("activity", -30), ("sms", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(started(), before, "no e-mail: no queue started")
        campaign = self._started([("email", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        mails = self.env["mail.mail"].search([("dealer_dispatch_id", "in", rows.ids)])
        self.assertEqual(len(mails), 5)
        parts = {mail.dealer_dispatch_id.id % 4 + 1 for mail in mails}
        self.assertEqual(sorted(mails.mapped("dealer_queue_part")), sorted(row.id % 4 + 1 for row in rows))
        after = started()
        self.assertEqual(after[queue], before[queue], "Odoo's queue leaves them to the campaign queue's jobs")
        for part, job in enumerate(jobs, 1):
            new = after[job] - before[job]
            if part in parts:
                self.assertEqual(len(new), 1, f"part {part}: one start per batch")
                self.assertEqual(new.call_at, datetime(2026, 12, 1, 10, 5), "due at once")
            else:
                self.assertFalse(new, f"part {part} has no e-mail of the batch")
        # a part whose job an administrator switched off is Odoo's queue's again
        jobs[min(parts) - 1].active = False
        before = started()
        rows._start_outbox_queues()
        after = started()
        self.assertEqual(len(after[queue] - before[queue]), 1, "Odoo's queue started for the part switched off")

    def test_mail_queue_goes_on_until_the_campaign_is_out(self):
        """Each job of the campaign e-mail queue sends the e-mails of its part; from the cron it says what
        still waits, so it is run again. Odoo's own queue job leaves the parts that have a job."""
        mails = self._campaign_emails_waiting()
        self.assertEqual(mails.mapped("state"), ["outgoing"] * 5)
        reported = []

        def commit_progress(model, processed=0, *, remaining=None, deactivate=False):
            reported.append((processed, remaining))
            return 3600.0

        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        jobs = self._queue_jobs()

        def in_cron(job):
            # the context the cron runner gives the job (ir.cron._run_job)
            return self.env["mail.mail"].with_context(cron_id=job.id, ir_cron_progress_id=1)

        other = self.env["mail.mail"].create(
            {"email_to": "supplier@example.com", "subject": "Parts order", "body_html": "<p>Order</p>"}
        )
        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress),
            self.mock_mail_gateway(),
        ):
            in_cron(queue).process_email_queue(batch_size=2)
            self.assertEqual(other.state, "sent", "Odoo's queue job sends every other e-mail")
            self.assertEqual(set(mails.mapped("state")), {"outgoing"}, "and leaves the campaign's to their parts")
            self.assertEqual(reported, [(1, 0)])
            reported.clear()
            self.env["ir.config_parameter"].sudo().set_param("mail.mail.queue.batch.size", 1)
            for part, job in enumerate(jobs, 1):
                own = mails.filtered(lambda mail, part=part: mail.dealer_queue_part == part)
                for _call in range(5):
                    in_cron(job)._dealer_send_queue_part(part)
                    if reported and not reported[-1][1]:
                        break
                expected = [(1, len(own) - sent) for sent in range(1, len(own) + 1)] or [(0, 0)]
                self.assertEqual(reported, expected, f"part {part}: sent, still waiting, until 0")
                self.assertEqual(set(own.mapped("state")), {"sent"} if own else set())
                reported.clear()
        self.assertEqual(set(mails.mapped("state")), {"sent"})

    def test_a_part_switched_off_is_sent_by_odoos_queue(self):
        """An administrator who switches a job of the campaign e-mail queue off does not stop its e-mails:
        Odoo's queue sends them, and only them of the campaign's."""
        mails = self._campaign_emails_waiting()
        part = mails[0].dealer_queue_part
        self.env.ref(f"dealer_loyalty.ir_cron_dealer_email_queue_{part}").active = False
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kwargs: 3600.0),
            self.mock_mail_gateway(),
        ):
            self.env["mail.mail"].with_context(cron_id=queue.id, ir_cron_progress_id=1).process_email_queue()
        for mail in mails:
            expected = "sent" if mail.dealer_queue_part == part else "outgoing"
            self.assertEqual(mail.state, expected, f"part {mail.dealer_queue_part}")

    def test_a_part_another_transaction_sends_is_left_to_it(self):
        """Whoever sends a part's e-mails holds its lock: another transaction (a job switched on or run by hand
        while Odoo's queue sends the part) leaves them, and sends none that was sent meanwhile."""
        mails = self._campaign_emails_waiting()
        part = Counter(mails.mapped("dealer_queue_part")).most_common(1)[0][0]  # a part of two or more
        own = mails.filtered(lambda mail: mail.dealer_queue_part == part)
        self.assertGreaterEqual(len(own), 2)
        others = mails - own
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as elsewhere:
            elsewhere.execute("SELECT pg_try_advisory_lock(%s, %s)", [QUEUE_LOCK, part])
            self.assertTrue(elsewhere.fetchone()[0])
            try:
                with self.mock_mail_gateway():
                    mails._send()
            finally:
                elsewhere.execute("SELECT pg_advisory_unlock(%s, %s)", [QUEUE_LOCK, part])
        self.assertEqual(set(own.mapped("state")), {"outgoing"}, "left to the transaction that holds the part")
        self.assertEqual(set(others.mapped("state")), {"sent"})
        job = self.env.ref(f"dealer_loyalty.ir_cron_dealer_email_queue_{part}")
        retry = self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", job.id)], order="call_at desc", limit=1)
        self.assertGreater(retry.call_at, fields.Datetime.now(), "the part's job looks again shortly, not in an hour")
        self.assertLess(retry.call_at, fields.Datetime.now() + timedelta(minutes=5))
        # an e-mail of the part sent by another transaction after this one read it is not sent again
        gone, waiting = own[:1], own[1:]
        self.assertEqual(gone.state, "outgoing")  # read while it waited
        self.env.cr.execute("UPDATE mail_mail SET state = 'sent' WHERE id = %s", [gone.id])
        with self.mock_mail_gateway():
            own._send()
            sent_to = [email["email_to"] for email in self._mails]
        self.assertEqual(len(sent_to), len(waiting), "only the e-mails still waiting leave")
        self.assertEqual(set(waiting.mapped("state")), {"sent"})
        self.assertNotIn(gone.recipient_ids.email, str(sent_to))

    def test_the_queue_reads_campaign_rows_only_for_campaign_emails(self):
        """A campaign e-mail names its row (tracking and unsubscribe link when it leaves); the queue reads
        the rows of a batch at once, and sending any other e-mail reads nothing of the campaigns."""
        self.env["mail.mail"].search([("state", "=", "outgoing")]).write({"state": "cancel"})
        campaign = self._started([("email", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        mails = self._mails_to(self.partners)
        self.assertEqual(len(mails), 5)
        for mail in mails:
            self.assertEqual(
                mail.dealer_dispatch_id, rows.filtered(lambda r, m=mail: r.mail_message_id == m.mail_message_id)
            )
        # a user cannot make their own e-mail carry a customer's row (its tracking and unsubscribe link)
        # through the context of a request
        forged = self.env["res.partner"].with_context(dealer_dispatch_mail=rows[0].id)
        message = forged.browse(self.partners[0].id).message_post(body="Your car is ready", message_type="comment")
        other = forged.env["mail.mail"].create({"mail_message_id": message.id, "email_to": "someone@example.com"})
        self.assertFalse(other.dealer_dispatch_id)

        def reads_of_campaign_rows(emails):
            seen = []
            execute = type(self.env.cr).execute

            def spy(cr, query, params=None, log_exceptions=True):
                seen.append(str(getattr(query, "code", query)))
                return execute(cr, query, params, log_exceptions)

            self.env.invalidate_all()
            with patch.object(type(self.env.cr), "execute", spy), self.mock_mail_gateway():
                emails.send()
            return [q for q in seen if 'FROM "dealer_dispatch"' in q], list(self._mails)

        reads, sent = reads_of_campaign_rows(other)
        self.assertEqual(reads, [], "another e-mail leaves without a look at the campaigns")
        self.assertNotIn("List-Unsubscribe", sent[0].get("headers") or {})
        reads, sent = reads_of_campaign_rows(mails)
        self.assertEqual(len(reads), 1, "the five rows are read together")
        self.assertEqual(len(sent), 5)
        self.assertTrue(all("List-Unsubscribe" in (email.get("headers") or {}) for email in sent))

    def test_upgrade_names_the_rows_of_the_emails_waiting_in_the_queue(self):
        self._started([("email", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        mails = self._mails_to(self.partners)
        rows = mails.dealer_dispatch_id
        self.assertEqual(len(rows), 5)
        # e-mails queued by the previous version: no row named; one of them already sent
        mails.write({"dealer_dispatch_id": False})
        mails[0].state = "sent"
        self.env.flush_all()
        migration = load_migration("dealer_loyalty", "19.0.1.6.0")
        migration.migrate(self.env.cr, "19.0.1.5.0")
        mails.invalidate_recordset(["dealer_dispatch_id"])
        self.assertFalse(mails[0].dealer_dispatch_id, "a sent e-mail is left as it is")
        for mail in mails[1:]:
            self.assertEqual(mail.dealer_dispatch_id.mail_message_id, mail.mail_message_id)
        self.assertEqual(len(mails[1:].dealer_dispatch_id), 4)

    def test_nothing_before_scheduled_time(self):
        campaign = self._started([("email", -30)])
        with freeze_time("2026-12-01 09:55:00"):
            self._run_cron()
        self.assertEqual(set(self._dispatches(campaign).mapped("state")), {"queued"})
        self.assertFalse(self._mails_to(self.partners))

    def test_quiet_hours_defer_not_drop(self):
        """21:00-09:00 Moscow time nothing leaves; the message waits for 09:00."""
        self.partners[0].tz = "Europe/Moscow"
        campaign = self._started([("email", -30)])
        row = self._dispatches(campaign).filtered(lambda r: r.partner_id == self.partners[0])
        self.assertEqual(row.scheduled_at, datetime(2026, 12, 1, 7, 0), "10:00 in Moscow is 07:00 UTC")
        with freeze_time("2026-12-01 19:30:00"):  # 22:30 in Moscow, others at 19:30 UTC
            row.scheduled_at = datetime(2026, 12, 1, 19, 0)
            self._run_cron()
        self.assertFalse(self._mails_to(self.partners[0]), "no message in quiet hours")
        self.assertEqual(row.state, "queued")
        self.assertEqual(row.scheduled_at, datetime(2026, 12, 2, 6, 0), "deferred to 09:00 Moscow")
        self.assertEqual(len(self._mails_to(self.partners[1])), 1, "a customer outside quiet hours got it")
        with freeze_time("2026-12-02 06:01:00"):
            self._run_cron()
        self.assertEqual(row.state, "sent")
        self.assertEqual(len(self._mails_to(self.partners[0])), 1)

    def test_a_message_for_its_day_is_not_sent_once_the_day_is_over(self):
        """ "Your warranty ends today", held by the night's quiet hours into the next day, does not leave then
        (the customer's day: Moscow); a message meant for after its date still goes."""
        self.partners[0].tz = "Europe/Moscow"
        campaign = self._started([("email", 0), ("email", 1)], day="2026-12-31")
        rows = self._dispatches(campaign).filtered(lambda r: r.partner_id == self.partners[0])
        on_the_day = rows.filtered(lambda r: r.step_id.offset_days == 0)
        with freeze_time("2026-12-31 19:30:00"):  # 22:30 in Moscow: quiet until 09:00 on 1 January
            on_the_day.scheduled_at = datetime(2026, 12, 31, 19, 0)
            self._run_cron()
        self.assertEqual((on_the_day.state, on_the_day.scheduled_at), ("queued", datetime(2027, 1, 1, 6, 0)))
        with freeze_time("2027-01-01 07:05:00"):
            self._run_cron()
        self.assertEqual((on_the_day.state, on_the_day.skip_reason), ("skipped", "passed"))
        after = rows.filtered(lambda r: r.step_id.offset_days == 1)
        self.assertEqual(after.state, "sent", "the message for the day after goes on that day")
        self.assertEqual(len(self._mails_to(self.partners[0])), 1)

    def test_a_customer_without_a_time_zone_gets_the_showrooms_local_time(self):
        """A card without a time zone (an import, the API) is written to at 10:00 and kept quiet at night in its
        showroom's local time: the time zone of its working calendar, else of its address (as for bookings)."""
        self.company.partner_id.tz = False
        self.company.resource_calendar_id.tz = "Asia/Vladivostok"  # UTC+10
        self.partners[0].tz = False
        campaign = self._started([("email", -30)])
        row = self._dispatches(campaign).filtered(lambda r: r.partner_id == self.partners[0])
        self.assertEqual(row.scheduled_at, datetime(2026, 12, 1, 0, 0), "10:00 in Vladivostok is 00:00 UTC")
        # 22:30 in Vladivostok: quiet until 09:00 there
        self.assertEqual(row._quiet_until(datetime(2026, 12, 1, 12, 30)), datetime(2026, 12, 1, 23, 0))
        self.assertIsNone(row._quiet_until(datetime(2026, 12, 1, 3, 0)), "13:00 in Vladivostok")
        # the working calendar is where an admin sets the showroom's time zone: it wins over the time zone its
        # contact was created with (a company's contact has no time zone on its form)
        self.company.partner_id.tz = "Asia/Vladivostok"
        self.company.resource_calendar_id.tz = "Europe/Moscow"
        self.assertEqual(row._quiet_until(datetime(2026, 12, 1, 18, 30)), datetime(2026, 12, 2, 6, 0), "21:30 Moscow")
        self.assertIsNone(row._quiet_until(datetime(2026, 12, 1, 12, 0)), "15:00 in Moscow (22:00 in Vladivostok)")

    def test_a_campaign_of_every_showroom_writes_at_each_showrooms_local_time(self):
        """A campaign of no showroom plans each car's message at 10:00 in the local time of the car's showroom."""
        east = self.env["res.company"].create({"name": "East showroom"})
        east.resource_calendar_id.tz = "Asia/Vladivostok"  # UTC+10
        self.company.resource_calendar_id.tz = "Europe/Moscow"  # UTC+3
        self.vehicles[:2].partner_id.write({"tz": False})
        self.vehicles[1].partner_id.sudo().company_id = False  # a customer of every showroom
        self.vehicles[1].sudo().company_id = east
        campaign = self._campaign("warranty", [("email", -30)], company_id=False)
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        rows = self._dispatches(campaign)
        by_car = {row.vehicle_id: row for row in rows}
        self.assertEqual(by_car[self.vehicles[0]].scheduled_at, datetime(2026, 12, 1, 7, 0), "10:00 in Moscow")
        self.assertEqual(by_car[self.vehicles[1]].scheduled_at, datetime(2026, 12, 1, 0, 0), "10:00 in Vladivostok")

    def test_a_stopped_campaign_does_not_send_a_message_queued_again(self):
        """Stopping cancels the queued messages; a failed one that the delivery sync queues again afterwards
        (an SMTP error) does not go out either."""
        campaign = self._started([("email", -30)])
        rows = self._dispatches(campaign)
        campaign.action_stop()
        self.assertEqual(set(rows.mapped("state")), {"cancelled"})
        rows[0].write({"state": "queued", "skip_reason": False})  # as _cron_sync_delivery retries a failed row
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual((rows[0].state, rows[0].skip_reason), ("skipped", "stopped"))
        self.assertFalse(self._mails_to(self.partners))

    def test_a_car_sold_since_planning_is_not_written_about_to_its_former_owner(self):
        """A reminder about a car goes to its owner: a car sold to another customer (or archived) since its
        message was planned is not written about to the former owner, who would read the new owner's dates."""
        campaign = self._started([("email", -30), ("sms", -30)])
        sold, archived = self.vehicles[0], self.vehicles[1]
        former, other = sold.partner_id, archived.partner_id
        sold.partner_id = self.partners[4]
        archived.active = False
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        for car, owner in ((sold, former), (archived, other)):
            about = rows.filtered(lambda r, car=car: r.vehicle_id == car)
            self.assertEqual(set(about.mapped("skip_reason")), {"not_owner"}, car.display_name)
            mails = self._mails_to(owner).filtered(lambda m, car=car: (m.model, m.res_id) == (car._name, car.id))
            self.assertFalse(mails, owner.name)
            self.assertEqual(
                about.enrolment_id.mapped("stop_reason"), ["not_owner"], "its later steps are not for them"
            )
        self.assertEqual(
            set((rows - rows.filtered(lambda r: r.vehicle_id in sold | archived)).mapped("state")), {"sent"}
        )

    def test_consent_withdrawn_after_planning(self):
        campaign = self._started([("email", -30), ("sms", -30)])
        self._set_consent(self.partners[0], "email", False)
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign).filtered(lambda r: r.partner_id == self.partners[0])
        email = rows.filtered(lambda r: r.channel == "email")
        self.assertEqual((email.state, email.skip_reason), ("cancelled", "opt_out"))
        self.assertFalse(self._mails_to(self.partners[0]))
        self.assertEqual(rows.filtered(lambda r: r.channel == "sms").state, "sent", "SMS consent still holds")

    def test_frequency_cap_across_campaigns(self):
        self.company.dealer_msg_cap_count = 1
        first = self._started([("email", -30)])
        second = self._started([("sms", -30)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(set(self._dispatches(first).mapped("state")), {"sent"})
        rows = self._dispatches(second)
        self.assertEqual(set(rows.mapped("state")), {"skipped"})
        self.assertEqual(set(rows.mapped("skip_reason")), {"cap"})
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "in", self.partners.ids)]))

    def test_a_message_that_could_not_be_written_does_not_use_up_the_cap(self):
        """A cap of one message: the customer's e-mail due in this run cannot be written (its template fails) and
        fails for good; their SMS due in the same run is their one message, and goes out."""
        self.company.dealer_msg_cap_count = 1
        first = self._started([("email", -30)])
        second = self._started([("sms", -30)])
        Dispatch = type(self.env["dealer.dispatch"])

        failure = "The template cannot be rendered."

        def broken_template(row):
            raise UserError(failure)

        with freeze_time("2026-12-01 10:05:00"), patch.object(Dispatch, "_email_entry", broken_template):
            self._run_cron()
        emails = self._dispatches(first)
        self.assertEqual(set(emails.mapped("state")), {"failed"})
        self.assertEqual(set(emails.mapped("failure_type")), {"prepare"})
        self.assertEqual(set(self._dispatches(second).mapped("state")), {"sent"})
        for partner in self.partners:
            self.assertEqual(self.env["sms.sms"].search_count([("partner_id", "=", partner.id)]), 1, partner.name)

    def test_stop_on_booking(self):
        campaign = self._started([("email", -30), ("sms", -3)])
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        visit = self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicles[0].id,
                "partner_id": self.partners[0].id,
                "date": datetime(2026, 12, 10).date(),
            }
        )
        self._set_create_date(visit, datetime(2026, 12, 10, 12, 0))
        with freeze_time("2026-12-28 06:00:00"):
            campaign._plan()
        with freeze_time("2026-12-28 10:05:00"):
            self._run_cron()
        sms_rows = self._dispatches(campaign).filtered(lambda r: r.channel == "sms")
        booked = sms_rows.filtered(lambda r: r.vehicle_id == self.vehicles[0])
        self.assertEqual((booked.state, booked.skip_reason), ("cancelled", "booked"))
        self.assertEqual(set((sms_rows - booked).mapped("state")), {"sent"})
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", self.partners[0].id)]))

    def test_stop_on_renewal(self):
        self.vehicles.write({"insurance_end": datetime(2026, 12, 31).date()})
        campaign = self._campaign("insurance", [("email", -30), ("email", -7)])
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        self.vehicles[1].insurance_end = datetime(2027, 12, 31).date()
        with freeze_time("2026-12-24 06:00:00"):
            campaign._plan()
        with freeze_time("2026-12-24 10:05:00"):
            self._run_cron()
        rows = self._dispatches(campaign)
        renewed = rows.filtered(lambda r: r.vehicle_id == self.vehicles[1])
        self.assertEqual(set(renewed.mapped("state")), {"cancelled"})
        self.assertEqual(set(renewed.mapped("skip_reason")), {"renewed"})
        self.assertFalse(self._mails_to(self.partners[1]))
        self.assertEqual(len(self._mails_to(self.partners[2])), 2)

    def test_crash_between_batches_sends_each_once(self):
        self.env["ir.config_parameter"].sudo().set_param("dealer_loyalty.dispatch_batch_size", "2")
        campaign = self._started([("sms", -30)])
        origin = type(self.env["dealer.dispatch"])._sms_entry
        calls = []

        def crashing(row):
            calls.append(row.id)
            if len(calls) == 3:
                raise WorkerKilled("worker killed")
            return origin(row)

        with freeze_time("2026-12-01 10:05:00"):
            with patch.object(type(self.env["dealer.dispatch"]), "_sms_entry", crashing):
                self._run_cron_until_crash()
            rows = self._dispatches(campaign)
            self.assertEqual(rows.mapped("state").count("sent"), 2, "the first batch was committed")
            self._run_cron()
        self.assertEqual(set(rows.mapped("state")), {"sent"})
        for partner in self.partners:
            self.assertEqual(self.env["sms.sms"].search_count([("partner_id", "=", partner.id)]), 1, partner.name)
        self.assertEqual(set(rows.mapped("attempts")), {1})

    def test_one_bad_sms_of_a_batch_does_not_hold_back_the_others(self):
        """The batch's SMS go to Odoo's queue together; when that fails, each goes alone: a customer whose
        SMS cannot be queued waits for a retry, the others are texted once."""
        campaign = self._started([("sms", -30)])
        rows = self._dispatches(campaign)
        bad = rows[2]
        Dispatch = type(self.env["dealer.dispatch"])
        origin = Dispatch._hand_over_sms_batch
        handed = []

        def hand_over(model, entries):
            handed.append(len(entries))
            if bad in [row for row, *_rest in entries]:
                raise ValueError("number rejected")
            return origin(model, entries)

        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(Dispatch, "_hand_over_sms_batch", hand_over),
            self.assertLogs("odoo.addons.dealer_loyalty.models.dealer_dispatch", level="WARNING"),
        ):
            self._run_cron()
        self.assertEqual(handed, [5, 1, 1, 1, 1, 1], "together first, then one by one")
        self.assertEqual(bad.state, "queued", "retried later with back-off")
        self.assertIn("number rejected", bad.last_error)
        self.assertEqual(bad.attempts, 1)
        self.assertEqual(set((rows - bad).mapped("state")), {"sent"})
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", bad.partner_id.id)]))
        for row in rows - bad:
            self.assertEqual(self.env["sms.sms"].search_count([("partner_id", "=", row.partner_id.id)]), 1)
            self.assertEqual(row.sms_id.partner_id, row.partner_id)

    def test_a_batch_of_emails_is_what_odoo_makes_one_by_one(self):
        """The cron hands a batch of campaign e-mails to Odoo's outbox together: each customer's message,
        e-mail and notification are those Odoo's ``message_notify`` makes for one customer (same body and
        layout, subject, sender, reply-to, headers, recipients, showroom), the e-mail names its row. A
        customer with a portal account is notified through ``message_notify`` itself."""
        portal = self.partners[4]
        new_test_user(self.env, login="campaign_portal", groups="base.group_portal", partner_id=portal.id)
        self.partners[0].lang = False
        campaign = self._started([("email", -30)])
        rows = self._dispatches(campaign)
        Vehicle = type(self.env["dealer.vehicle"])
        notify, notified = Vehicle.message_notify, []

        def spy(record, **kwargs):
            notified.append(kwargs["partner_ids"])
            return notify(record, **kwargs)

        def outcome():
            self.env.flush_all()
            seen = {}
            for row in rows:
                message = row.mail_message_id
                mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
                notification = self.env["mail.notification"].search([("mail_message_id", "=", message.id)])
                values = {
                    "row": (row.state, row.lang, row.email_to, row.attempts),
                    "message": message.read(
                        ["subject", "body", "author_id", "email_from", "reply_to", "message_type", "subtype_id"]
                        + ["partner_ids", "record_company_id", "model", "res_id", "is_internal"]
                    ),
                    "mail": mail.read(["subject", "body_html", "email_from", "reply_to", "headers", "recipient_ids"])
                    + [mail.dealer_dispatch_id == row, mail.auto_delete, mail.state],
                    "notification": notification.read(
                        ["res_partner_id", "notification_type", "notification_status", "is_read", "author_id"]
                    )
                    + [notification.mail_mail_id == mail],
                }
                text = repr(values)
                # the message-ids Odoo draws for each message, and the row's short link code
                text = re.sub(r"<[^<>@\s]+@[^<>\s]+>", "<message-id>", text)
                seen[row] = re.sub(r"'id': \d+", "'id': _", re.sub(r"/r/\w+", "/r/code", text))
            return seen

        with self.env.cr.savepoint() as together:
            with freeze_time("2026-12-01 10:05:00"), patch.object(Vehicle, "message_notify", spy):
                self._run_cron()
            batch = outcome()
            self.assertEqual(notified, [portal.ids], "only the portal customer went through message_notify")
            together.rollback()
        self.env.invalidate_all()
        self.assertEqual(set(rows.mapped("state")), {"queued"})
        Dispatch = type(self.env["dealer.dispatch"])
        with freeze_time("2026-12-01 10:05:00"), patch.object(Dispatch, "_hand_over_email_batch", lambda *a: {}):
            self._run_cron()
        alone = outcome()
        self.assertEqual(set(rows.mapped("state")), {"sent"})
        for row in rows:
            with self.subTest(customer=row.partner_id.name):
                self.assertEqual(batch[row], alone[row])
                self.assertIn(row.partner_id.name, batch[row])

    def test_telegram_retry_then_success_then_permanent_failure(self):
        campaign = self._started([("telegram", -30)])
        rows = self._dispatches(campaign)
        telegram = type(self.env["dealer.telegram"])
        too_many = FakeResponse(429, {"ok": False, "description": "Too Many Requests: retry after 5"})
        with (
            freeze_time("2026-12-01 10:05:00"),
            patch.object(telegram, "_telegram_post", return_value=too_many) as post,
        ):
            self._run_cron()
        self.assertEqual(post.call_count, 5)
        self.assertEqual(set(rows.mapped("state")), {"queued"}, "429: Telegram did not take the message")
        self.assertEqual(rows[0].next_retry_at, datetime(2026, 12, 1, 10, 7), "retry at now + 2^1 minutes")
        self.assertEqual(rows[0].last_error, "Too Many Requests: retry after 5")
        replies = [FakeResponse(200, {"ok": True, "result": {"message_id": 70 + i}}) for i in range(4)]
        replies.append(FakeResponse(403, {"ok": False, "description": "Forbidden: bot was blocked by the user"}))
        with (
            freeze_time("2026-12-01 10:08:00"),
            patch.object(telegram, "_telegram_post", side_effect=replies) as post,
        ):
            self._run_cron()
        self.assertEqual(post.call_count, 5)
        self.assertEqual(rows.mapped("state"), ["delivered"] * 4 + ["failed"])
        self.assertEqual(rows[0].provider_message_id, "70")
        self.assertIn("blocked", rows[4].last_error)
        payload = post.call_args_list[0].args[2]
        self.assertEqual(
            {**payload, "text": self._step_text(payload["text"])},
            {"chat_id": rows[0].partner_id.telegram_chat_id, "text": f"Hello {rows[0].vehicle_id.plate}"},
        )

    def test_telegram_crash_never_sends_twice(self):
        campaign = self._started([("telegram", -30)])
        rows = self._dispatches(campaign)
        sent_to, crashes = [], []

        def post(model, token, method, payload):
            if len(sent_to) == 2 and not crashes:
                crashes.append(payload["chat_id"])
                raise WorkerKilled("worker killed during the HTTP call")
            sent_to.append(payload["chat_id"])
            return FakeResponse(200, {"ok": True, "result": {"message_id": len(sent_to)}})

        telegram = type(self.env["dealer.telegram"])
        with freeze_time("2026-12-01 10:05:00"), patch.object(telegram, "_telegram_post", post):
            self._run_cron_until_crash()
            self.assertEqual(rows.mapped("state"), ["delivered", "delivered", "sending", "queued", "queued"])
            self._run_cron()
        self.assertEqual(rows.mapped("state"), ["delivered", "delivered", "sending", "delivered", "delivered"])
        self.assertEqual(len(sent_to), len(set(sent_to)), "no chat got a message twice")
        with freeze_time("2026-12-01 10:30:00"), patch.object(telegram, "_telegram_post", post):
            self._run_cron()
        self.assertEqual(rows[2].state, "failed", "an interrupted send is reported, not retried")
        self.assertEqual(len(sent_to), 4)

    def test_one_broken_row_does_not_block_the_queue(self):
        """The batch's e-mails go to the outbox together; a row whose e-mail cannot be written fails the batch,
        whose rows then go one by one: that row waits for a retry, the others go out."""
        campaign = self._started([("email", -30)])
        rows = self._dispatches(campaign)
        origin = type(self.env["dealer.dispatch"])._email_entry

        def broken_first(row):
            if row == rows[0]:
                raise ValueError("template crashed")
            return origin(row)

        with freeze_time("2026-12-01 10:05:00"):
            with (
                patch.object(type(self.env["dealer.dispatch"]), "_email_entry", broken_first),
                self.assertLogs("odoo.addons.dealer_loyalty.models.dealer_dispatch", level="ERROR"),
            ):
                self._run_cron()
        self.assertEqual(rows[0].state, "queued", "retried later with back-off")
        self.assertIn("template crashed", rows[0].last_error)
        self.assertEqual(rows[0].scheduled_at, datetime(2026, 12, 1, 10, 7))
        self.assertEqual(set(rows[1:].mapped("state")), {"sent"})

    def test_quiet_hours_edges(self):
        """Early morning waits for the same day's end; a window ending at midnight resumes at 00:00."""
        campaign = self._started([("email", -30)])
        row = self._dispatches(campaign)[0]
        self.assertEqual(row._quiet_until(datetime(2026, 12, 1, 2, 0)), datetime(2026, 12, 1, 9, 0))
        self.assertIsNone(row._quiet_until(datetime(2026, 12, 1, 9, 0)))
        self.assertEqual(row._quiet_until(datetime(2026, 12, 1, 21, 0)), datetime(2026, 12, 2, 9, 0))
        row.step_id.write({"quiet_start": 22.0, "quiet_end": 24.0})
        self.assertEqual(row._quiet_until(datetime(2026, 12, 1, 23, 0)), datetime(2026, 12, 2, 0, 0))
        self.assertIsNone(row._quiet_until(datetime(2026, 12, 1, 21, 59)))

    def test_customer_enrolment_in_vehicle_campaign_fails_clearly(self):
        """An enrolment without a vehicle (e.g. from a retention strategy) cannot use a vehicle template."""
        campaign = self._campaign("warranty", [("email", -30)])
        campaign.state = "running"
        self.env["dealer.campaign.enrolment"].create(
            {
                "campaign_id": campaign.id,
                "partner_id": self.partners[0].id,
                "occurrence_date": datetime(2026, 12, 31).date(),
                "enrolled_at": datetime(2026, 11, 30),
            }
        )
        with freeze_time("2026-12-01 06:00:00"):
            campaign.step_ids._plan_dispatch_sql()
        row = self._dispatches(campaign)
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        self.assertEqual(row.state, "failed")
        self.assertIn("made for dealer.vehicle", row.last_error)
        self.assertFalse(self._mails_to(self.partners[0]))
