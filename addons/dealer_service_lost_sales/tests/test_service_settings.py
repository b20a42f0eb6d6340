import re

from lxml import etree

from odoo.addons.dealer_service_lost_sales.models.res_config_settings import (
    PREFIX,
    SERVICE_PARAMS,
    service_param,
)
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ServiceLostSalesCase


@tagged("post_install", "-at_install")
class TestServiceSettings(ServiceLostSalesCase):
    """The aftersales rules are a block of Settings > Dealership, saved as system parameters."""

    def test_block_of_the_dealership_app(self):
        arch = etree.fromstring(self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertFalse(arch.xpath("//app[@name='dealer_service_lost_sales']"), "no settings app of its own")
        for key in SERVICE_PARAMS:
            self.assertTrue(arch.xpath(f"//app[@name='dealer_crm']//field[@name='dealer_{key}']"), key)
        menu = self.env.ref("dealer_service_lost_sales.menu_config_service_settings")
        self.assertEqual(menu.action, self.env.ref("dealer_crm.res_config_settings_action"))

    def test_settings_page_shows_and_saves_every_value(self):
        icp = self.env["ir.config_parameter"].sudo()
        shown = {key: minimum + 1 for key, (_default, minimum, _maximum) in SERVICE_PARAMS.items()}
        for key, value in shown.items():
            icp.set_param(PREFIX + key, str(value))
        settings = Form(self.env["res.config.settings"])
        for key, value in shown.items():
            self.assertEqual(settings[f"dealer_{key}"], value, key)
            settings[f"dealer_{key}"] = value + 1
        settings.save().execute()
        for key, value in shown.items():
            self.assertEqual(service_param(self.env, key), value + 1, key)

    def test_zero_is_kept(self):
        """No grace at all is a setting of its own, not a return to the default."""
        settings = Form(self.env["res.config.settings"])
        settings.dealer_no_show_grace_minutes = 0
        settings.dealer_deferred_grace_days = 0
        settings.save().execute()
        self.assertEqual(service_param(self.env, "no_show_grace_minutes"), 0)
        self.assertEqual(service_param(self.env, "deferred_grace_days"), 0)
        self.assertEqual(Form(self.env["res.config.settings"]).dealer_no_show_grace_minutes, 0)

    def test_defaults_when_nothing_is_set(self):
        self.env["ir.config_parameter"].sudo().search([("key", "=like", PREFIX + "%")]).unlink()
        settings = Form(self.env["res.config.settings"])
        for key, (default, _minimum, _maximum) in SERVICE_PARAMS.items():
            self.assertEqual(settings[f"dealer_{key}"], default, key)
            self.assertEqual(service_param(self.env, key), default, key)

    def test_out_of_range_names_the_field(self):
        Settings = self.env["res.config.settings"]
        for key, (_default, minimum, maximum) in SERVICE_PARAMS.items():
            label = Settings._fields[f"dealer_{key}"].string
            with self.assertRaisesRegex(ValidationError, f"{re.escape(label)} must be from {minimum} to {maximum}"):
                Settings.create({f"dealer_{key}": maximum + 1})
        self.env["ir.config_parameter"].sudo().set_param(PREFIX + "repeat_repair_days", "0")
        with self.assertRaisesRegex(UserError, PREFIX + "repeat_repair_days"):
            service_param(self.env, "repeat_repair_days")
