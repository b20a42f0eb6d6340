from lxml import etree

from odoo.addons.dealer_crm.tests.common import DealerCrmCase
from odoo.tests import new_test_user


class TestCustomerCardLoyalty(DealerCrmCase):
    def test_loyalty_status_and_churn_risk_in_the_card_block(self):
        seller = new_test_user(self.env, login="t_card_loyalty", groups="dealer_crm.group_sales_manager")
        customer = self.env["res.partner"].create({"name": "Sleeping customer", "dealer_stage": "customer"})
        customer.write({"loyalty_status": "sleeping", "risk_level": "high"})
        views = self.env["res.partner"].with_user(seller).get_views([(False, "form")])
        block = etree.fromstring(views["views"]["form"]["arch"]).xpath("//sheet/group[@name='dealer_card']")[0]
        self.assertLessEqual({"loyalty_status", "risk_level"}, {f.get("name") for f in block.iter("field")})
        values = customer.with_user(seller).read(["loyalty_status", "risk_level"])[0]
        self.assertEqual((values["loyalty_status"], values["risk_level"]), ("sleeping", "high"))
