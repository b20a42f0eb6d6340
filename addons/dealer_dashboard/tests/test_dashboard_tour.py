from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "dealer_slow")
class TestDealershipDashboardTour(HttpCase):
    def test_sales_head_opens_the_dashboard_in_english_and_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        dashboard = self.env.ref("dealer_dashboard.spreadsheet_dashboard_dealership")
        head = new_test_user(self.env, login="t_dash_tour_head", groups="dealer_crm.group_sales_head")
        for lang in ("en_US", "ru_RU"):
            with self.subTest(lang=lang):
                head.lang = lang
                self.start_tour(
                    f"/odoo/dashboards?dashboard_id={dashboard.id}", "dealer_dashboard_tour", login=head.login
                )
