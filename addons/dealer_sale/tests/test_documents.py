from datetime import date

from odoo import Command
from odoo.addons.dealer_crm.tests.common import load_migration, user_of
from odoo.addons.mail.tools.discuss import Store
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DealerSaleCase

OFFER = "sale.action_report_saleorder"
CONTRACT = "dealer_sale.action_report_sales_contract"
PASSPORT = {
    "dealer_id_number": "4510 123456",
    "dealer_id_issued_by": "ОВД Тверского района г. Москвы",
    "dealer_id_issue_date": date(2015, 6, 1),
    "dealer_birthdate": date(1985, 3, 14),
}


@tagged("post_install", "-at_install")
class TestDealDocuments(DealerSaleCase):
    """The commercial offer and the sales contract: real PDFs, in the customer's language, kept on the deal."""

    def test_offer_is_a_russian_commercial_offer_with_the_car(self):
        order = self.quotation(self.mats, self.towbar, self.to1)
        text = self.pdf(OFFER, order)
        self.assertIn("Коммерческое предложение", text)
        self.assertNotIn("Quotation #", text, "the commercial offer, not Odoo's quotation title")
        self.assertIn(self.CAR_VIN, text)
        self.assertIn("2500000", self.digits(text), "the car's price")
        self.assertIn("Roadster", text)
        self.assertIn("GT", text, "the trim of the catalogue car")
        self.assertIn("White", text)

    def test_english_customer_gets_an_english_offer(self):
        self.customer.lang = "en_US"
        text = self.pdf(OFFER, self.quotation())
        self.assertIn("Commercial offer", text)
        self.assertIn(self.CAR_VIN, text)

    def test_every_print_is_kept_on_the_deal_as_a_new_version(self):
        order = self.quotation(self.mats)
        self.pdf(OFFER, order)
        self.pdf(OFFER, order)
        prints = self.kept_prints()
        self.assertEqual(len(prints), 2, "both prints are kept on the deal")
        self.assertTrue(prints[0].name.endswith("v1.pdf"), prints[0].name)
        self.assertTrue(prints[1].name.endswith("v2.pdf"), prints[1].name)
        self.assertFalse(self.kept_prints(order), "nothing is kept on the quotation itself")

    def test_odoos_own_quotations_print_as_in_odoo(self):
        """A salesperson of Odoo's Sales with no dealership role prints a quotation of another team: the PDF
        comes, nothing is kept. A Sales administrator without the dealership's money rights prints an offer
        of a dealership deal: it prints and its copy is kept on the deal, behind the money field."""
        odoo_seller = new_test_user(self.env, login="t_odoo_seller", groups="sales_team.group_sale_salesman")
        other = self.env["res.partner"].create({"name": "Office buyer"})
        quotation = (
            self.env["sale.order"]
            .with_user(odoo_seller)
            .create({"partner_id": other.id, "order_line": [Command.create({"product_id": self.mats.id})]})
        )
        self.assertIn(quotation.name, self.pdf(OFFER, quotation, user=odoo_seller))
        self.assertFalse(self.kept_prints(quotation))
        admin = new_test_user(self.env, login="t_sales_admin", groups="sales_team.group_sale_manager")
        accessories = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "opportunity_id": self.deal.id,
                "order_line": [Command.create({"product_id": self.mats.id})],
            }
        )
        self.assertIn(accessories.name, self.pdf(OFFER, accessories, user=admin))
        kept = self.kept_prints()
        self.assertEqual(len(kept), 1)
        with self.assertRaises(AccessError):
            kept.with_user(admin).read(["raw"])

    def test_the_salesperson_cannot_erase_or_replace_the_kept_offers(self):
        """What the customer was offered stays on the deal: emptying the kept offers (which deletes every
        version), replacing them, or deleting a kept file is refused to the salesperson who printed them."""
        order = self.quotation()
        self.pdf(OFFER, order)
        kept = self.kept_prints()
        self.assertEqual(len(kept), 1)
        for record, fname in ((self.deal, "dealer_money_prints"), (order, "dealer_money_prints")):
            with self.assertRaises(AccessError):
                record.with_user(self.salesman).write({fname: False})
        with self.assertRaises(AccessError):
            kept.with_user(self.salesman).unlink()
        self.assertEqual(self.kept_prints(), kept)

    def test_contract_refuses_a_quotation(self):
        self.customer.write(PASSPORT)
        order = self.quotation()
        with self.assertRaisesRegex(UserError, "confirmed"):
            self.pdf(CONTRACT, order)
        self.assertFalse(self.kept_prints(), "a refused contract leaves nothing on the deal")

    def test_contract_refuses_a_buyer_without_passport_data(self):
        self.customer.write(
            {
                "dealer_id_number": "4510 123456",
                "dealer_birthdate": date(1985, 3, 14),
                "dealer_id_issued_by": False,
                "dealer_id_issue_date": False,
            }
        )
        order = self.quotation()
        order.action_confirm()
        with self.assertRaises(UserError) as refusal:
            self.pdf(CONTRACT, order)
        message = str(refusal.exception)
        self.assertIn("Passport issued by", message)
        self.assertIn("Passport issue date", message)
        self.assertNotIn("Date of birth", message, "only what is missing is named")
        self.assertFalse(self.kept_prints())

    def test_contract_refuses_a_car_without_vin(self):
        self.customer.write(PASSPORT)
        order = self.quotation()
        order.action_confirm()
        self.car.vin = False
        with self.assertRaisesRegex(UserError, "VIN"):
            self.pdf(CONTRACT, order)

    def test_contract_of_a_confirmed_order_in_russian(self):
        self.customer.write(PASSPORT)
        order = self.quotation(self.mats)
        order.action_confirm()
        text = self.pdf(CONTRACT, order)
        self.assertIn("Договор купли-продажи", text)
        self.assertIn(self.CAR_VIN, text)
        self.assertIn("2515000", self.digits(text), "the price of the order")
        self.assertIn("4510 123456", text, "the buyer's passport")
        self.assertIn("Предмет договора", text, "the showroom's clauses in Russian")
        self.assertIn(self.company.name, text, "the seller")
        self.pdf(CONTRACT, order)
        prints = self.kept_prints()
        self.assertEqual(len(prints), 2)
        self.assertTrue(prints[1].name.endswith("v2.pdf"), prints[1].name)

    def test_a_kept_contract_opens_only_for_who_may_read_passports(self):
        """The contract prints the buyer's passport: its kept copy is on the deal, which the call centre,
        the reception and the marketers read too, but only the roles that read identity documents may
        open it; the others still read the deal and its history (the note names the print)."""
        self.customer.write(PASSPORT)
        order = self.quotation()
        order.action_confirm()
        self.pdf(OFFER, order)
        self.pdf(CONTRACT, order)
        offer, contract = self.kept_prints()
        self.assertEqual((offer.res_field, contract.res_field), ("dealer_money_prints", "dealer_identity_prints"))
        contract.with_user(self.salesman).check_access("read")
        for role in ("call_center", "receptionist", "marketer"):
            reader = new_test_user(self.env, login=f"t_doc_{role}", groups=f"dealer_crm.group_{role}")
            deal = self.deal.with_user(reader)
            deal.check_access("read")
            with self.assertRaises(AccessError, msg=role):
                contract.with_user(reader).check_access("read")
            with self.assertRaises(AccessError, msg=role):
                contract.with_user(reader).read(["datas"])
            if role == "call_center":  # the commercial offer's prices: for who sees money
                with self.assertRaises(AccessError, msg=role):
                    offer.with_user(reader).read(["datas"])
            else:
                offer.with_user(reader).check_access("read")
            # the deal's history still opens, with the note of the print
            notes = deal.message_ids.filtered(lambda message, kept=contract | offer: kept & message.attachment_ids)
            self.assertTrue(notes, role)
            store = Store().add(notes).get_result()
            self.assertTrue(store["mail.message"], role)
            # the note names the file, but gives no token that would open it past the field's groups
            tokens = {a["id"]: a.get("raw_access_token") for a in store["ir.attachment"]}
            self.assertIn(contract.id, tokens, role)
            self.assertFalse(tokens[contract.id], role)
            self.assertEqual(bool(tokens.get(offer.id)), role != "call_center", role)
        # who may read passports gets the token with the note
        notes = self.deal.with_user(self.salesman).message_ids.filtered(
            lambda message: contract in message.attachment_ids
        )
        tokens = {a["id"]: a.get("raw_access_token") for a in Store().add(notes).get_result()["ir.attachment"]}
        self.assertTrue(tokens[contract.id])
        # a second print is version 2, whatever the first was kept behind
        self.pdf(CONTRACT, order)
        self.assertTrue(self.kept_prints()[-1].name.endswith("v2.pdf"), self.kept_prints()[-1].name)

    def test_merging_deals_keeps_their_contracts(self):
        self.customer.write(PASSPORT)
        order = self.quotation()
        order.action_confirm()
        self.pdf(CONTRACT, order)
        contract = self.kept_prints()
        # the twin is the surer deal: crm keeps it and deletes the deal that holds the contract
        twin = self.deal.copy({"name": "Same customer, same car"})
        twin.write({"stage_id": self.deal.stage_id.id, "probability": 99})
        self.deal.probability = 1
        kept = (self.deal | twin).with_user(self.salesman)._merge_opportunity()
        self.assertEqual(kept, twin)
        self.assertFalse(self.deal.exists())
        self.assertTrue(contract.exists(), "the kept contract survives the merge")
        self.assertEqual((contract.res_id, contract.res_field), (kept.id, "dealer_identity_prints"))

    def test_the_upgrade_puts_the_contracts_kept_before_behind_the_field(self):
        self.customer.write(PASSPORT)
        order = self.quotation()
        order.action_confirm()
        self.pdf(CONTRACT, order)
        contract = self.kept_prints()
        contract.sudo().write({"res_field": False})  # as the previous version kept it
        self.env.flush_all()
        migration = load_migration("dealer_sale", "19.0.1.2.0")
        migration.migrate(self.env.cr, "19.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(contract.res_field, "dealer_identity_prints")

    def test_the_upgrade_puts_the_offers_kept_before_behind_the_money_field(self):
        self.pdf(OFFER, self.quotation())
        offer = self.kept_prints()
        offer.sudo().write({"res_field": False})  # as the previous version kept it
        self.env.flush_all()
        migration = load_migration("dealer_sale", "19.0.1.3.0")
        migration.migrate(self.env.cr, "19.0.1.2.0")
        self.env.invalidate_all()
        self.assertEqual(offer.res_field, "dealer_money_prints")

    def test_contract_prints_the_showroom_own_clauses(self):
        self.customer.write(PASSPORT)
        self.customer.lang = "en_US"
        self.company.dealer_sale_contract_clauses = "<p>Delivery within 3 days in Tver.</p>"
        order = self.quotation()
        order.action_confirm()
        text = self.pdf(CONTRACT, order)
        self.assertIn("Sales contract", text)
        self.assertIn("Delivery within 3 days in Tver.", text)

    def test_showroom_starts_with_the_standard_clauses_in_both_languages(self):
        company = self.env["res.company"].create({"name": "Avtodom Test"})
        self.assertIn("Subject", company.with_context(lang="en_US").dealer_sale_contract_clauses)
        self.assertIn("Предмет договора", company.with_context(lang="ru_RU").dealer_sale_contract_clauses)

    def test_salesperson_of_another_showroom_cannot_print_the_order(self):
        order = self.quotation()
        order.action_confirm()
        south = self.env["res.company"].create({"name": "Avtodom South"})
        stranger = user_of(self.env, south, "t_south_sales", "dealer_crm.group_sales_manager")
        for report in (OFFER, CONTRACT):
            with self.assertRaises(AccessError):
                self.pdf(report, order, user=stranger)
        self.assertFalse(self.kept_prints())

    def test_clauses_are_edited_in_dealership_settings(self):
        settings = self.env["res.config.settings"].create(
            {"dealer_sale_contract_clauses": "<p>Handover at the Tver showroom only.</p>"}
        )
        settings.execute()
        self.assertIn("Tver showroom", self.company.dealer_sale_contract_clauses)
