from odoo.addons.dealer_loyalty.models.res_config_settings import LOYALTY_DEFAULTS, THRESHOLD_KEYS
from odoo.addons.dealer_loyalty.tools.rfm import parse_thresholds
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from .common import DealerLoyaltyCase


class TestLoyaltySettings(DealerLoyaltyCase):
    def test_settings_are_saved_as_parameters(self):
        settings = Form(self.env["res.config.settings"])
        settings.dealer_rfm_window_months = 12
        settings.dealer_sleeping_days = 200
        settings.save().execute()
        params = self.env["res.partner"]._dealer_loyalty_params()
        self.assertEqual((params["rfm_window_months"], params["sleeping_days"]), (12, 200))

    def test_settings_page_shows_every_value(self):
        """Every loyalty and reminder setting is on the settings page, showing the value in force."""
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("dealer_loyalty.rfm_f_thresholds", "1,2,3,4")
        icp.set_param("dealer_loyalty.new_days", "90")
        icp.set_param("dealer_loyalty.dispatch_batch_size", "50")
        company_values = {
            "dealer_msg_cap_count": 2,
            "dealer_msg_cap_days": 10,
            "dealer_telegram_bot_username": "showroom_bot",
            "dealer_telegram_link_days": 14,
        }
        self.env.company.write(company_values)
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        settings = Form(self.env["res.config.settings"])
        params = self.env["res.partner"]._dealer_loyalty_params()
        for key in LOYALTY_DEFAULTS:
            fname = f"dealer_{key}"
            self.assertIn(f'name="{fname}"', arch)
            shown = parse_thresholds(settings[fname]) if key in THRESHOLD_KEYS else settings[fname]
            self.assertEqual(shown, params[key], fname)
        self.assertEqual(
            (params["rfm_frequency_thresholds"], params["new_days"], params["dispatch_batch_size"]),
            ([1, 2, 3, 4], 90, 50),
        )
        for fname, value in company_values.items():
            self.assertIn(f'name="{fname}"', arch)
            self.assertEqual(settings[fname], value, fname)
        self.assertIn('name="dealer_telegram_bot_token"', arch)
        settings.dealer_msg_cap_days = 21
        settings.save().execute()
        self.assertEqual(self.env.company.dealer_msg_cap_days, 21, "the showroom's own value is saved on it")

    def test_bad_thresholds_name_the_field(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, "Frequency thresholds"):
            Settings.create({"dealer_rfm_frequency_thresholds": "5,2"})
        with self.assertRaisesRegex(ValidationError, "same, non-zero count"):
            Settings.create({"dealer_rfm_monetary_thresholds": "1000,5000"})

    def test_a_cap_that_cannot_be_is_refused(self):
        """A cap of -1 would skip every campaign message as over it, a period of 0 days would count none."""
        company = self.env.company
        for fname, value in (("dealer_msg_cap_count", -1), ("dealer_msg_cap_days", 0), ("dealer_msg_cap_days", -7)):
            with (
                self.subTest(field=fname, value=value),
                self.assertRaisesRegex(ValidationError, "must be from"),
                self.env.cr.savepoint(),
            ):
                company.write({fname: value})
        company.write({"dealer_msg_cap_count": 0, "dealer_msg_cap_days": 30})  # 0: no cap
        self.assertEqual((company.dealer_msg_cap_count, company.dealer_msg_cap_days), (0, 30))

    def test_broken_parameter_is_reported(self):
        self.env["ir.config_parameter"].sudo().set_param("dealer_loyalty.sleeping_days", "a year")
        with self.assertRaisesRegex(UserError, "sleeping_days"):
            self.env["res.partner"]._dealer_loyalty_params()

    def test_customer_form_shows_loyalty(self):
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        for fname in ("segment_id", "rfm_score", "loyalty_status", "risk_score", "risk_signal_ids"):
            self.assertIn(f'name="{fname}"', arch)
