"""Base classes of dealer_loyalty's tests, also used by the bridge with lost sales.

All derive from dealer_crm's ``DealerCrmCase`` (Odoo's ``MailCase``, tracking off):
``DealerLoyaltyCase`` builds customers, cars and visits from plain dates for the segmentation
and loyalty status tests; ``DealerCampaignCase`` gives the campaign tests customers reachable on
every channel, their cars and templates; ``DealerCampaignHttpCase`` adds Odoo's ``SMSCase``
(the IAP gateway mock, SMS asserts) and real HTTP for the pages customers open. Telegram is not
an Odoo service: its fake answer (``FakeResponse``) stands in at the HTTP client.
"""

import contextlib
from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.addons.dealer_crm.tests.common import BUYER_IDENTITY, DealerCrmCase
from odoo.addons.sms.tests.common import SMSCase
from odoo.tests import new_test_user

CHANNELS = ("email", "sms", "telegram")


class FakeResponse:
    """What requests.post returns, as far as the Telegram client reads it."""

    def __init__(self, status, payload):
        self.status_code = status
        self._payload = payload

    def json(self):
        return self._payload


class WorkerKilled(BaseException):
    """A worker dying mid-batch (not an exception the code could catch and record)."""


class DealerLoyaltyCase(DealerCrmCase):
    """Customers, cars and closed visits built from plain dates; nothing from demo data counts."""

    TODAY = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=True))
        # RFM quantiles rank every customer of the database: take the events that existed
        # before the test (demo data, other addons) out of the population.
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE dealer_visit SET state = 'cancelled' WHERE state = 'done'")
        cls.env.cr.execute("UPDATE crm_lead SET won_status = 'pending' WHERE won_status = 'won'")
        cls.env.cr.execute("UPDATE res_partner SET loyalty_blocked = FALSE WHERE loyalty_blocked")
        cls.env.invalidate_all()
        cls.Partner = cls.env["res.partner"]

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, **vals})

    @classmethod
    def _vehicle(cls, partner, **vals):
        return cls.env["dealer.vehicle"].create({"partner_id": partner.id, "state": "customer", **vals})

    @classmethod
    def _visit(cls, vehicle, day, kind="maintenance", amount=0.0, **vals):
        lines = [Command.create({"name": "Work", "amount": amount, "status": "done"})] if amount else []
        return cls.env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "partner_id": vehicle.partner_id.id,
                "date": day,
                "kind": kind,
                "state": "done",
                "line_ids": lines,
                **vals,
            }
        )

    @classmethod
    def _purchase(cls, partner, day, amount):
        if not (partner.phone or partner.email):
            partner.email = f"customer{partner.id}@example.com"
        if not partner.dealer_id_number:
            partner.write(BUYER_IDENTITY)
        car = cls.env["dealer.vehicle"].create({"state": "stock", "model_year": day.year})
        lead = cls.env["crm.lead"].create(
            {
                "name": f"Car for {partner.name}",
                "partner_id": partner.id,
                "type": "opportunity",
                "expected_revenue": amount,
                "vehicle_id": car.id,
            }
        )
        lead.action_set_won()
        lead.date_closed = f"{day} 10:00:00"
        return lead

    def _refresh(self, today=None):
        self.env["res.partner"]._dealer_refresh_loyalty(today=today or self.TODAY)


class DealerCampaignCase(DealerCrmCase):
    """Fixtures of the campaign tests: customers with every channel, their cars, templates, a bot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "dealer_telegram_bot_token": "123:TEST",
                "dealer_telegram_bot_username": "dealer_test_bot",
                "dealer_msg_cap_count": 10,
                "dealer_msg_cap_days": 7,
            }
        )
        cls.company.partner_id.tz = "UTC"
        cls.fi_user = new_test_user(cls.env, login="campaign_fi", groups="dealer_crm.group_fi_manager")
        cls.marketer = new_test_user(cls.env, login="campaign_marketer", groups="dealer_crm.group_marketer")
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"Customer {i}",
                    "email": f"customer{i}@example.com",
                    "phone": f"+7916123450{i}",
                    "telegram_chat_id": f"90000{i}",
                    "tz": "UTC",
                    "company_id": cls.company.id,
                }
                for i in range(5)
            ]
        )
        for channel in CHANNELS:
            cls._set_consent(cls.partners, channel, True)
        cls.vehicles = cls.env["dealer.vehicle"].create(
            [
                {"partner_id": partner.id, "plate": f"A{i}00AA77", "company_id": cls.company.id}
                for i, partner in enumerate(cls.partners)
            ]
        )
        vehicle_model = cls.env["ir.model"]._get_id("dealer.vehicle")
        cls.mail_template = cls.env["mail.template"].create(
            {
                "name": "Test reminder",
                "model_id": vehicle_model,
                "subject": "Reminder for {{ object.plate }}",
                "body_html": "<p>Your car <t t-out='object.plate'/> needs you.</p>",
                "auto_delete": False,
            }
        )
        cls.sms_template = cls.env["sms.template"].create(
            {
                "name": "Test SMS",
                "model_id": vehicle_model,
                "body": "Car {{ object.plate }}: book now",
            }
        )

    @classmethod
    def _set_consent(cls, partners, channel, value):
        """Give or withdraw consent: dealer_crm's consent_* fields, else the fallback the dispatch honours."""
        fname = f"consent_{channel}"
        if fname in partners._fields:
            partners.write({fname: value})
        elif channel == "email":
            for partner in partners:
                (cls.env["mail.blacklist"]._remove if value else cls.env["mail.blacklist"]._add)(partner.email)
        elif channel == "sms":
            for partner in partners:
                blacklist = cls.env["phone.blacklist"]
                (blacklist._remove if value else blacklist._add)(partner.phone_sanitized or partner.phone)
        elif not value:
            partners.write({"telegram_chat_id": False})

    def _campaign(self, trigger="insurance", steps=(("email", -30),), **vals):
        step_vals = []
        for channel, offset in steps:
            values = {"name": f"{channel} {offset}", "channel": channel, "offset_days": offset}
            values.update(
                {
                    "email": {"mail_template_id": self.mail_template.id},
                    "sms": {"sms_template_id": self.sms_template.id},
                    "telegram": {"telegram_text": "Hello {{ object.plate }}"},
                    "activity": {
                        "activity_role": "fi_manager",
                        "activity_user_id": self.fi_user.id,
                    },
                }[channel]
            )
            step_vals.append((0, 0, values))
        return self.env["dealer.campaign"].create(
            {
                "name": f"Test {trigger}",
                "trigger": trigger,
                "company_id": self.company.id,
                "audience_domain": f"[('id', 'in', {self.vehicles.ids})]",
                "step_ids": step_vals,
                **vals,
            }
        )

    def _dispatches(self, campaign):
        return self.env["dealer.dispatch"].search([("campaign_id", "=", campaign.id)], order="id")

    @staticmethod
    def _step_text(text):
        """The step's own text in a message that left: addons may add paragraphs after it (a booking link)."""
        return text.split("\n\n")[0]

    @contextlib.contextmanager
    def _fake_commits(self):
        """Simulate the cron's commits with savepoints so a 'crash' can roll back to the last one."""
        cr = self.env.cr

        def commit_progress(model, processed=0, *, remaining=None, deactivate=False):
            model.env.flush_all()
            cr.execute("SAVEPOINT dealer_fake_commit")
            return 3600.0

        cr.execute("SAVEPOINT dealer_fake_commit")
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress):
            yield

    def _run_cron_until_crash(self):
        """Run the send cron, expect it to die, and lose what a real crash loses: all since the last commit.

        (Odoo's assertRaises would roll back the simulated commits too, hence the plain try.)
        """
        crashed = False
        with self._fake_commits():
            try:
                self.env["dealer.dispatch"]._cron_send_due()
            except WorkerKilled:
                crashed = True
        self.assertTrue(crashed, "the simulated crash happened")
        self.env.cr.execute("ROLLBACK TO SAVEPOINT dealer_fake_commit")
        self.env.transaction.clear()

    def _run_cron(self):
        with self._fake_commits():
            self.env["dealer.dispatch"]._cron_send_due()

    def _set_create_date(self, record, when):
        """Postgres stamps create_date with the real clock, which freeze_time does not move."""
        record.flush_recordset()
        self.env.cr.execute(f"UPDATE {record._table} SET create_date = %s WHERE id = %s", (when, record.id))
        record.invalidate_recordset()

    @staticmethod
    def _d(value):
        return date.fromisoformat(value)


class DealerCampaignHttpCase(DealerCampaignCase, SMSCase):
    """The campaign fixtures over real HTTP (tracking pixels, unsubscribe pages, webhooks) and SMS."""
