from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DealerCrmCase


def settings_arch(env):
    return etree.fromstring(env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"])


@tagged("post_install", "-at_install")
class TestDealershipSettings(DealerCrmCase):
    """Everything dealer_crm lets an administrator tune is on Settings > Dealership."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.director = new_test_user(cls.env, login="settings_director", groups="dealer_crm.group_dealer_manager")
        cls.successor = new_test_user(cls.env, login="settings_successor", groups="dealer_crm.group_dealer_manager")
        cls.branch = cls.env["res.company"].create({"name": "Settings branch"})

    def test_one_dealership_app(self):
        arch = settings_arch(self.env)
        app = arch.xpath("//app[@name='dealer_crm']")
        self.assertEqual(len(app), 1)
        self.assertEqual(app[0].get("string"), "Dealership")
        for fname in ("dealer_director_id", "dealer_reservation_hours", "dealer_personal_data_retention_days"):
            self.assertTrue(app[0].xpath(f".//field[@name='{fname}']"), fname)
        company_form = self.env["res.company"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("dealer_reservation_hours", company_form, "the showroom's values live on Settings only")

    def test_settings_page_shows_and_saves_every_value(self):
        self.company.write({"dealer_director_id": self.director.id, "dealer_reservation_hours": 36})
        self.env["ir.config_parameter"].sudo().set_param("dealer_crm.personal_data_retention_days", "45")
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.dealer_director_id, self.director)
        self.assertEqual(settings.dealer_reservation_hours, 36)
        self.assertEqual(settings.dealer_personal_data_retention_days, 45)
        settings.dealer_director_id = self.successor
        settings.dealer_reservation_hours = 12
        settings.dealer_personal_data_retention_days = 60
        settings.save().execute()
        self.assertEqual(self.company.dealer_director_id, self.successor)
        self.assertEqual(self.company.dealer_reservation_hours, 12)
        self.assertEqual(self.env["dealer.data.retention"]._retention_days(), 60)

    def test_showroom_values_are_the_current_showrooms(self):
        self.company.dealer_reservation_hours = 36
        self.director.company_ids |= self.branch  # a showroom's director works there
        settings = Form(self.env["res.config.settings"].with_company(self.branch))
        self.assertEqual(settings.dealer_reservation_hours, 48, "the branch's own value (the default)")
        settings.dealer_reservation_hours = 24
        settings.dealer_director_id = self.director
        settings.save().execute()
        self.assertEqual((self.branch.dealer_reservation_hours, self.branch.dealer_director_id), (24, self.director))
        self.assertEqual(self.company.dealer_reservation_hours, 36, "the other showroom keeps its value")

    def test_a_showrooms_director_works_there(self):
        """The director gets the showroom's last escalation tasks: not someone of another showroom."""
        settings = Form(self.env["res.config.settings"].with_company(self.branch))
        settings.dealer_director_id = self.director
        with self.assertRaises(UserError):
            settings.save().execute()

    def test_defaults_when_nothing_is_set(self):
        self.env["ir.config_parameter"].sudo().set_param("dealer_crm.personal_data_retention_days", False)
        self.assertEqual(Form(self.env["res.config.settings"]).dealer_personal_data_retention_days, 90)
        self.assertEqual(self.env["dealer.data.retention"]._retention_days(), 90)

    def test_out_of_range_names_the_field(self):
        with self.assertRaisesRegex(ValidationError, r"Keep integration logs .* must be from 1 to 3650"):
            self.env["res.config.settings"].create({"dealer_personal_data_retention_days": 4000})
