"""The customer card as a role sees it: one "Deals" button, the Dealership block in the main area."""

from datetime import date

from lxml import etree

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealerCustomerCase, DealerTourCase

DEAL_BUTTONS = ("action_view_opportunity", "action_dealer_view_leads")
CARD_BLOCK_FIELDS = {
    "dealer_stage",
    "vehicle_ids",
    "dealer_next_service_date",
    "dealer_last_visit_date",
    "consent_email",
    "consent_sms",
    "consent_telegram",
}


def form_arch(env):
    return etree.fromstring(env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"])


def visible_deal_buttons(arch):
    buttons = arch.xpath("//div[@name='button_box']/button")
    return [b.get("name") for b in buttons if b.get("name") in DEAL_BUTTONS and b.get("invisible") not in ("1", "True")]


def block_hidden(arch, partner):
    """Evaluate the block's ``invisible`` expression on the partner, as the web client does."""
    expr = arch.xpath("//group[@name='dealer_card']")[0].get("invisible")
    names = ("dealer_stage", "dealer_vehicle_count", "dealer_visit_count", "dealer_lead_count")
    return bool(safe_eval(expr, {name: partner[name] for name in names}))


@tagged("post_install", "-at_install")
class TestCustomerCard(DealerCustomerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(cls.env, login="t_card_call", groups="dealer_crm.group_call_center")
        cls.customer = cls.make_customer(is_company=True, name="Fleet LLC")
        cls.driver = cls.make_customer(name="Driver of Fleet LLC", parent_id=cls.customer.id, phone="+7 916 000-00-02")
        cls.car = cls.make_vehicle("XW8ZZZ1ZZPG000901", partner_id=cls.customer.id, state="customer")
        cls.car.write({"next_service_date": date(2030, 5, 1)})
        cls.own_deal = cls.make_deal(cls.customer)
        cls.driver_deal = cls.make_deal(cls.driver, name="Second car")
        cls.supplier = cls.env["res.partner"].create({"name": "Tyre wholesaler", "is_company": True})

    def test_one_deals_button_for_every_deal_role(self):
        for user in (self.salesman, self.operator):
            with self.subTest(user=user.login):
                self.assertEqual(visible_deal_buttons(form_arch(self.env(user=user))), ["action_dealer_view_leads"])

    def test_staff_with_sales_rights_but_no_deal_role_keep_crms_button(self):
        """A service advisor given Odoo's Sales rights reads deals: they keep crm's button (ours is for
        the deal roles); an advisor without them reads no deals and sees neither."""
        groups = "dealer_crm.group_service_advisor,sales_team.group_sale_salesman"
        selling = new_test_user(self.env, login="t_card_advisor_sales", groups=groups)
        self.assertEqual(visible_deal_buttons(form_arch(self.env(user=selling))), ["action_view_opportunity"])
        advisor = new_test_user(self.env, login="t_card_advisor", groups="dealer_crm.group_service_advisor")
        self.assertEqual(visible_deal_buttons(form_arch(self.env(user=advisor))), [])

    def test_deals_button_counts_and_opens_the_contacts_deals_too(self):
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.dealer_lead_count, 2, "own deal and the deal of the company's contact")
        action = customer.action_dealer_view_leads()
        self.assertEqual(action["views"][0][1], "list")
        shown = self.env["crm.lead"].with_user(self.salesman).search(action["domain"])
        self.assertEqual(shown, self.own_deal | self.driver_deal)

    def test_dealership_block_in_main_area_for_sales_manager(self):
        arch = form_arch(self.env(user=self.salesman))
        blocks = arch.xpath("//sheet/group[@name='dealer_card']")
        self.assertEqual(len(blocks), 1, "the Dealership block sits in the sheet, outside the notebook")
        self.assertEqual(blocks[0].get("string"), "Dealership")
        self.assertLessEqual(CARD_BLOCK_FIELDS, {f.get("name") for f in blocks[0].iter("field")})
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.dealer_next_service_date, date(2030, 5, 1))
        self.assertFalse(block_hidden(arch, customer))

    def test_counters_and_duplicates_read_together(self):
        """The card's counters and duplicate warning as the form reads them, all at once: every active
        car counted, the next service of the customer's own cars (not of a reserved one), crm's counter
        equal to "Deals", and the other owners of each of its VINs (in another showroom)."""
        showroom = self.env["res.company"].create({"name": "Second showroom"})
        reserved = self.make_vehicle("XW8ZZZ1ZZPG000904", partner_id=self.customer.id, state="reserved")
        reserved.write({"next_service_date": date(2029, 1, 1)})
        sold = self.make_vehicle("XW8ZZZ1ZZPG000906", partner_id=self.customer.id, state="sold")
        sold.write({"next_service_date": date(2030, 2, 1)})
        self.make_vehicle("XW8ZZZ1ZZPG000907", partner_id=self.customer.id).action_archive()
        owners = self.env["res.partner"].create([{"name": "Earlier owner A"}, {"name": "Earlier owner B"}])
        for owner, vin in zip(owners, ("XW8ZZZ1ZZPG000901", "XW8ZZZ1ZZPG000906"), strict=True):
            self.make_vehicle(vin, partner_id=owner.id, company_id=showroom.id)
        customer = self.customer.with_user(self.salesman)
        [card] = customer.read(
            [
                "dealer_vehicle_count",
                "dealer_next_service_date",
                "dealer_lead_count",
                "opportunity_count",
                "dealer_duplicate_ids",
            ]
        )
        self.assertEqual(card["dealer_vehicle_count"], 3)
        self.assertEqual(card["dealer_next_service_date"], date(2030, 2, 1))
        self.assertEqual((card["dealer_lead_count"], card["opportunity_count"]), (2, 2))
        # the same contacts as one lookup per VIN
        Partner = self.env["res.partner"].with_user(self.salesman)
        expected = Partner.browse()
        for vin in ("XW8ZZZ1ZZPG000901", "XW8ZZZ1ZZPG000904", "XW8ZZZ1ZZPG000906"):
            expected |= Partner._dealer_find_duplicates(phone=self.customer.phone, email=self.customer.email, vin=vin)
        self.assertEqual(set(card["dealer_duplicate_ids"]), set((expected - self.customer).ids))
        self.assertLessEqual(set(owners.ids), set(card["dealer_duplicate_ids"]))

    def test_supplier_gets_no_dealership_block(self):
        arch = form_arch(self.env(user=self.salesman))
        self.assertTrue(block_hidden(arch, self.supplier.with_user(self.salesman)))


@tagged("post_install", "-at_install", "dealer_slow")
class TestCustomerCardTour(DealerTourCase):
    """The block as the browser renders it for a sales manager, in English and Russian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = cls._tour_user("t_card_tour_sales", "dealer_crm.group_sales_manager")
        cls.customer = cls.env["res.partner"].create({"name": "Card Tour Customer", "dealer_stage": "customer"})
        brand = cls.env["dealer.vehicle.brand"].create({"name": "Cardmake"})
        car = cls.env["dealer.vehicle"].create(
            {"vin": "XW8ZZZ1ZZPG000902", "brand_id": brand.id, "partner_id": cls.customer.id, "state": "customer"}
        )
        car.write({"next_service_date": date(2030, 5, 1)})
        cls.supplier = cls.env["res.partner"].create({"name": "Card Tour Supplier", "is_company": True})

    def test_customer_and_supplier_cards(self):
        for lang in ("en_US", "ru_RU"):
            with self.subTest(lang=lang):
                url = f"/odoo/action-dealer_crm.res_partner_action_dealer_customers/{self.customer.id}"
                self.run_tour(url, "dealer_customer_card_tour", self.seller, lang)
                url = f"/odoo/action-dealer_crm.res_partner_action_dealer_customers/{self.supplier.id}"
                self.run_tour(url, "dealer_supplier_card_tour", self.seller, lang)
