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

    def test_bad_thresholds_name_the_field(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, "Frequency thresholds"):
            Settings.create({"dealer_rfm_f_thresholds": "5,2"})
        with self.assertRaisesRegex(ValidationError, "same, non-zero count"):
            Settings.create({"dealer_rfm_m_thresholds": "1000,5000"})

    def test_broken_parameter_is_reported(self):
        self.env["ir.config_parameter"].sudo().set_param("dealer_loyalty.sleeping_days", "a year")
        with self.assertRaisesRegex(UserError, "sleeping_days"):
            self.env["res.partner"]._dealer_loyalty_params()

    def test_customer_form_shows_loyalty(self):
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        for fname in ("segment_id", "rfm_score", "loyalty_status", "risk_score", "risk_signal_ids"):
            self.assertIn(f'name="{fname}"', arch)
