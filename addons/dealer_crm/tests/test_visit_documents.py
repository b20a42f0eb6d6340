from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DealerCustomerCase, load_migration, pdf_text


@tagged("post_install", "-at_install")
class TestVisitDocuments(DealerCustomerCase):
    """The work order and the acceptance act of a visit, as real PDFs read back as text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(["dealer_crm"], ["ru_RU"], overwrite=True)
        cls.advisor = new_test_user(
            cls.env, login="t_doc_advisor", groups="dealer_crm.group_service_advisor", name="Olga Advisor"
        )
        cls.call_center = new_test_user(cls.env, login="t_doc_call", groups="dealer_crm.group_call_center")
        cls.customer = cls.make_customer("Пётр Сидоров", lang="ru_RU")
        car = cls.make_vehicle("XTA21099043219876", partner_id=cls.customer.id, plate="А123ВС77")
        package = cls.env["product.product"].create(
            {"name": "TO-1 Roadster", "default_code": "TO1-RDST", "dealer_item_kind": "maintenance"}
        )
        cls.visit = cls.env["dealer.visit"].create(
            {
                "vehicle_id": car.id,
                "date": date(2026, 11, 20),
                "odometer_km": 15230,
                "advisor_id": cls.advisor.id,
                "line_ids": [
                    (0, 0, {"name": "Oil and filter change", "product_id": package.id, "amount": 350}),
                    (0, 0, {"name": "Cabin filter", "code": "CF-22", "amount": 150}),
                    (0, 0, {"name": "Brake pads replacement", "status": "declined", "amount": 800}),
                    (
                        0,
                        0,
                        {
                            "name": "Wheel alignment",
                            "status": "deferred",
                            "amount": 240,
                            "deferred_until": date(2027, 3, 15),
                        },
                    ),
                ],
            }
        )

    def print_pdf(self, report_xmlid, user, visit=None):
        Report = self.env["ir.actions.report"].with_user(user).with_context(force_report_rendering=True)
        pdf, report_type = Report._render_qweb_pdf(report_xmlid, (visit or self.visit).ids)
        self.assertEqual(report_type, "pdf")
        return pdf_text(pdf)

    def assertInOrder(self, text, *parts):
        positions = [text.find(part) for part in parts]
        self.assertNotIn(-1, positions, f"{parts} not all in {text}")
        self.assertEqual(positions, sorted(positions), f"{parts} not in this order in {text}")

    def test_work_order_in_russian_lists_declined_work_apart(self):
        text = self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        for expected in ("Заказ-наряд", self.visit.name, "XTA21099043219876", "А123ВС77", "Testmake", "Roadster"):
            self.assertIn(expected, text)
        self.assertIn("Olga Advisor", text)
        self.assertIn("20.11.2026", text)
        self.assertIn("TO1-RDST", text)
        self.assertIn("CF-22", text)
        self.assertInOrder(
            text,
            "Выполненные работы",
            "Oil and filter change",
            "Cabin filter",
            "500,00",
            "Работы, от которых клиент отказался",
            "Brake pads replacement",
            "800,00",
            "Клиент отказался от выполнения перечисленных выше работ",
            "Подпись клиента",
            "Отложенные работы",
            "Wheel alignment",
            "15.03.2027",
        )
        self.assertNotIn("Work order", text)

    def test_english_customer_gets_english_and_the_act_after_closing(self):
        self.customer.lang = "en_US"
        self.visit.action_done()
        text = self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        self.assertIn("Work order", text)
        self.assertIn("The customer declined the work listed above", text)
        act = self.print_pdf("dealer_crm.dealer_visit_report_acceptance", self.advisor)
        self.assertIn("Acceptance act", act)
        self.assertIn("has been done in full", act)
        self.assertInOrder(act, "Cabin filter", "Declined work", "Brake pads replacement")

    def test_every_print_is_kept_on_the_visit(self):
        self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        kept = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "dealer.visit"),
                ("res_id", "=", self.visit.id),
                ("res_field", "=", "dealer_money_prints"),
            ],
            order="dealer_version",
        )
        name = self.visit.name.replace("/", "_")
        self.assertEqual(kept.mapped("name"), [f"Work order {name} v1.pdf", f"Work order {name} v2.pdf"])
        self.assertIn("XTA21099043219876", pdf_text(kept[1].raw))
        # its amounts: the kept copy opens for who sees money, not for the call centre (who reads the visit)
        kept[1].with_user(self.advisor).check_access("read")
        self.visit.with_user(self.call_center).check_access("read")
        with self.assertRaises(AccessError):
            kept[1].with_user(self.call_center).read(["datas"])

    def test_nobody_erases_or_replaces_a_kept_print_by_hand(self):
        """The kept work order proves what the customer was handed: the advisor, who may write the visit,
        can neither empty its kept documents (which deletes every version), replace them, nor delete or
        overwrite a kept file; printing again adds a version."""
        self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        kept = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "dealer.visit"),
                ("res_id", "=", self.visit.id),
                ("res_field", "=", "dealer_money_prints"),
            ]
        )
        self.assertEqual(len(kept), 1)
        visit = self.visit.with_user(self.advisor)
        for value in (False, b"JVBERi0xLjQK"):
            with self.assertRaisesRegex(AccessError, "Kept service documents"):
                visit.write({"dealer_money_prints": value})
        as_advisor = kept.with_user(self.advisor)
        with self.assertRaises(AccessError):
            as_advisor.unlink()
        with self.assertRaises(AccessError):
            as_advisor.write({"raw": b"forged"})
        self.assertTrue(kept.exists())
        self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        self.assertEqual(
            len(
                kept.search(
                    [
                        ("res_model", "=", "dealer.visit"),
                        ("res_id", "=", self.visit.id),
                        ("res_field", "=", "dealer_money_prints"),
                    ]
                )
            ),
            2,
        )

    def test_the_upgrade_puts_the_documents_kept_before_behind_the_money_field(self):
        self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        kept = self.env["ir.attachment"].search(
            [("res_model", "=", "dealer.visit"), ("res_id", "=", self.visit.id), ("res_field", "!=", False)]
        )
        kept.sudo().write({"res_field": False})  # as the previous version kept it
        self.env.flush_all()
        migration = load_migration("dealer_crm", "19.0.1.5.0")
        migration.migrate(self.env.cr, "19.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(kept.res_field, "dealer_money_prints")

    def test_who_may_not_see_money_prints_without_amounts(self):
        text = self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.call_center)
        self.assertIn("Brake pads replacement", text)
        self.assertIn("Суммы не показаны.", text)
        # not the amounts; the order's own number (RO/2026/00350 …) may contain the same digits
        text_without_number = text.replace(self.visit.name, "")
        for amount in ("350", "500", "800", "240"):
            self.assertNotIn(amount, text_without_number)
        with_money = self.print_pdf("dealer_crm.dealer_visit_report_work_order", self.advisor)
        self.assertNotIn("Суммы не показаны.", with_money)
