from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import BUYER_IDENTITY, DealerCrmCase, DealerCustomerCase


@tagged("post_install", "-at_install")
class TestPersonalDataRetention(DealerCrmCase):
    """Old integration requests (names, phones, e-mails in their answers) are forgotten every night."""

    def setUp(self):
        super().setUp()
        cron_class = type(self.env["ir.cron"])
        self.startPatcher(patch.object(cron_class, "_commit_progress", lambda *args, **kwargs: float("inf")))

    def request(self, key, age_days):
        Requests = self.env["dealer.api.request"]
        Requests._claim("leads", key, "hash")
        Requests._store_result("leads", key, 201, {"phone": "+79035550000"})
        row = Requests.search([("key", "=", key)])
        created = fields.Datetime.now() - timedelta(days=age_days)
        self.env.cr.execute("UPDATE dealer_api_request SET create_date = %s WHERE id = %s", (created, row.id))
        row.invalidate_recordset()
        return row

    def purge(self):
        cron = self.env.ref("dealer_crm.ir_cron_purge_personal_data")
        self.assertTrue(cron.active)
        cron.ir_actions_server_id.run()

    def test_requests_older_than_the_setting_are_deleted(self):
        old, recent = self.request("OLD-1", 91), self.request("NEW-1", 89)
        self.purge()
        self.assertFalse(old.exists(), "a request of 91 days ago is kept with the default of 90 days")
        self.assertTrue(recent.exists())
        settings = self.env["res.config.settings"].create({"dealer_personal_data_retention_days": 30})
        settings.execute()
        self.purge()
        self.assertFalse(recent.exists(), "the setting is obeyed")

    def test_the_purge_deletes_in_batches(self):
        rows = self.request("OLD-A", 100) | self.request("OLD-B", 100) | self.request("OLD-C", 100)
        self.env["dealer.api.request"].sudo()._purge_before(fields.Datetime.now(), batch=2)
        self.assertFalse(rows.exists())

    def test_a_bad_setting_is_named(self):
        with self.assertRaisesRegex(ValidationError, "Keep integration logs"):
            self.env["res.config.settings"].create({"dealer_personal_data_retention_days": 0})
        self.env["ir.config_parameter"].sudo().set_param("dealer_crm.personal_data_retention_days", "forever")
        with self.assertRaisesRegex(UserError, "dealer_crm.personal_data_retention_days"):
            self.env["dealer.data.retention"]._cron_purge_personal_data()


@tagged("post_install", "-at_install")
class TestIdentityRetention(DealerCustomerCase):
    """A customer's passport and birth date are forgotten once no deal has needed them for the retention period."""

    def setUp(self):
        super().setUp()
        cron_class = type(self.env["ir.cron"])
        self.startPatcher(patch.object(cron_class, "_commit_progress", lambda *args, **kwargs: float("inf")))

    def backdate(self, deal, days):
        when = fields.Datetime.now() - timedelta(days=days)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s, date_closed = CASE WHEN date_closed IS NULL THEN NULL ELSE %s END"
            " WHERE id = %s",
            (when, when, deal.id),
        )
        deal.invalidate_recordset()

    def test_identity_is_forgotten_after_the_last_deal(self):
        identity = {**BUYER_IDENTITY, "dealer_birthdate": "1985-04-12"}
        old_buyer, recent_buyer, negotiating, lost_long_ago, never = (
            self.make_customer(name, **identity)
            for name in ("Old buyer", "Recent buyer", "Negotiating", "Lost long ago", "Never a deal")
        )
        for buyer, days in ((old_buyer, 200), (recent_buyer, 30)):
            deal = self.make_deal(buyer, vehicle_id=self.make_vehicle(f"XW8ZZZ1ZZPG0{days:05d}", state="stock").id)
            deal.action_set_won()
            self.backdate(deal, days)
        self.backdate(self.make_deal(negotiating), 200)  # still open
        lost = self.make_deal(lost_long_ago)
        lost.action_set_lost()
        self.backdate(lost, 100)

        self.env.ref("dealer_crm.ir_cron_purge_personal_data").ir_actions_server_id.run()

        for forgotten in (old_buyer, lost_long_ago, never):
            self.assertEqual(
                forgotten.read(["dealer_id_number", "dealer_id_issued_by", "dealer_id_issue_date", "dealer_birthdate"])[
                    0
                ],
                {
                    "id": forgotten.id,
                    "dealer_id_number": False,
                    "dealer_id_issued_by": False,
                    "dealer_id_issue_date": False,
                    "dealer_birthdate": False,
                },
                forgotten.name,
            )
            self.assertEqual(forgotten.phone, "+7 916 000-00-01", "only the identity document is forgotten")
        for kept in (recent_buyer, negotiating):
            self.assertEqual(kept.dealer_id_number, BUYER_IDENTITY["dealer_id_number"], kept.name)
            self.assertEqual(str(kept.dealer_birthdate), "1985-04-12", kept.name)
