from odoo.tests import HttpCase, new_test_user, tagged

SCREENS = [
    ("dealer_crm.dealer_walkin_action", "", ".o_list_view"),
    ("dealer_crm.dealer_walkin_action", "/new", ".o_form_view"),
    ("dealer_crm.dealer_reservation_action", "/new", ".o_form_view"),
    ("dealer_crm.dealer_traffic_action", "", ".o_list_view"),
    ("dealer_crm.dealer_funnel_target_action", "", ".o_list_view"),
    ("dealer_crm.dealer_funnel_report_action", "", ".o_pivot_view"),
    ("dealer_crm.dealer_lead_response_report_action", "", ".o_list_view"),
    ("dealer_crm.dealer_sla_policy_action", "", ".o_list_view"),
    ("dealer_crm.dealer_sla_escalation_action", "", ".o_list_view"),
]


@tagged("post_install", "-at_install", "dealer_slow")
class TestDealerSalesScreens(HttpCase):
    """The screens of walk-ins, reservations, traffic, plans and reports open in the web client
    without a client error, for the director and — the walk-in form — for the receptionist."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.director = new_test_user(cls.env, login="screens_director", groups="dealer_crm.group_dealer_manager")
        cls.receptionist = new_test_user(cls.env, login="screens_reception", groups="dealer_crm.group_receptionist")

    def _open(self, xmlid, suffix, selector, login):
        action = self.env.ref(xmlid)
        self.browser_js(
            f"/odoo/action-{action.id}{suffix}",
            "console.log('test successful')",
            ready=f"!!document.querySelector('{selector}')",
            login=login,
        )

    def test_director_opens_every_screen(self):
        for xmlid, suffix, selector in SCREENS:
            with self.subTest(screen=xmlid + suffix):
                self._open(xmlid, suffix, selector, self.director.login)

    def test_receptionist_opens_the_walkin_form(self):
        self._open("dealer_crm.dealer_walkin_action", "/new", ".o_form_view", self.receptionist.login)
