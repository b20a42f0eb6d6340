"""The issue's "done when" in a real browser: a deal's offer sent, accepted and signed online, its
contract printed in Russian with the car's VIN and price, and the deal won."""

import re
from unittest.mock import patch

from odoo import Command
from odoo.addons.dealer_crm.tests.common import BUYER_IDENTITY, DealerTourCase, pdf_text
from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import tagged

VIN = "XW8ZZZ1ZZSA500777"  # also in the tour (static/tests/tours/dealer_sale_tours.js)
CAR_PRICE = 2_450_000


@tagged("post_install", "-at_install", "dealer_slow")
class TestSaleTour(DealerTourCase, MockEmail):
    """A sales manager sells a car with two accessories and a service package to a Russian customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        env["ir.module.module"]._load_module_terms(["dealer_crm", "dealer_sale"], ["ru_RU"], overwrite=True)
        env.company.write(
            {
                "country_id": env.ref("base.ru").id,
                # the document layout is chosen: sending an offer goes straight to the e-mail
                "external_report_layout_id": env.ref("web.external_layout_standard").id,
            }
        )
        cls.manager = cls._tour_user("tour_sale_manager", "dealer_crm.group_sales_manager")
        brand = env["dealer.vehicle.brand"].create({"name": "Tourmake"})
        model = env["dealer.vehicle.model"].create({"name": "Tourster", "brand_id": brand.id})

        def item(name, kind, price, **vals):
            return env["product.product"].create(
                {"name": name, "dealer_item_kind": kind, "list_price": price, "taxes_id": [Command.clear()], **vals}
            )

        item("Tourmake Tourster GT", "car", 2_000_000, dealer_model_ids=[Command.set(model.ids)], dealer_trim="GT")
        item("Tour floor mats", "accessory", 15_000, dealer_model_ids=[Command.set(model.ids)])
        item("Tour towbar", "accessory", 40_000, dealer_model_ids=[Command.set(model.ids)])
        item("Tour TO-1 service package", "maintenance", 12_000, type="service", dealer_maintenance_number=1)
        cls.car = env["dealer.vehicle"].create(
            {
                "vin": VIN,
                "brand_id": brand.id,
                "model_id": model.id,
                "state": "stock",
                "color": "White",
                "model_year": 2025,
                "list_price": CAR_PRICE,
            }
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Ольга Смирнова",
                "lang": "ru_RU",
                "email": "olga.smirnova@example.com",
                "phone": "+7 916 000-77-77",
                **BUYER_IDENTITY,
                "dealer_birthdate": "1985-03-14",
            }
        )
        cls.deal = env["crm.lead"].create(
            {
                "name": "Tour car offer",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "vehicle_id": cls.car.id,
                "team_id": env.ref("dealer_crm.crm_team_dealer_showroom").id,
                "stage_id": env.ref("dealer_crm.crm_stage_dealer_offer").id,
                "user_id": cls.manager.id,
            }
        )

    def printing_pdfs(self):
        """Odoo renders reports as HTML in tests; the contract must be a real PDF here (wkhtmltopdf).

        wkhtmltopdf fetches the layout's styles from ``report.url`` (else the server). Debian's
        wkhtmltopdf draws the layout's web font (Lato) as outlines, so that the Latin letters and
        digits (VIN, price) of a styled PDF are not text pdftotext can read; the styles are left
        out here, as in the other tests of the documents, which render without a server.
        """
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        report_class = type(self.env["ir.actions.report"])
        render = report_class._pre_render_qweb_pdf

        def render_pdf(reports, report_ref, res_ids=None, data=None):
            return render(reports.with_context(force_report_rendering=True), report_ref, res_ids=res_ids, data=data)

        return patch.object(report_class, "_pre_render_qweb_pdf", render_pdf)

    def test_offer_sent_signed_online_contract_printed_deal_won(self):
        deal_url = f"/odoo/action-dealer_crm.crm_lead_action_dealer_sales/{self.deal.id}"
        with self.mock_mail_gateway():
            self.start_tour(deal_url, "dealer_sale_offer_tour", login=self.manager.login)
        order = self.deal.order_ids
        self.assertEqual(len(order), 1, "one quotation, made from the deal")
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.dealer_vehicle_id, self.car)
        kinds = order.order_line.product_id.mapped("dealer_item_kind")
        self.assertEqual(sorted(kinds), ["accessory", "accessory", "car", "maintenance"])
        self.assertIn(VIN, order.order_line.filtered(lambda line: line.dealer_vehicle_id).name)
        to_customer = [mail for mail in self._mails if self.customer.email in str(mail["email_to"])]
        self.assertEqual(len(to_customer), 1, "the offer is e-mailed to the customer (through the faked gateway)")
        self.assertTrue(to_customer[0]["attachments"], "with the commercial offer attached")

        self.start_tour(order.get_portal_url(), "dealer_sale_accept_tour", login=None)
        self.assertEqual(order.state, "sale", "the signature confirms the order")
        self.assertEqual(order.signed_by, "Ольга Смирнова")
        self.assertTrue(order.signature)

        with self.printing_pdfs():
            self.start_tour(deal_url, "dealer_sale_contract_tour", login=self.manager.login)
        contract = self.env.ref("dealer_sale.action_report_sales_contract")
        contracts = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", self.deal.id),
                ("dealer_report_id", "=", contract.id),
                ("res_field", "=", "dealer_identity_prints"),  # for who may read the buyer's passport
            ]
        )
        self.assertEqual(len(contracts), 1, "the printed contract is kept on the deal")
        text = pdf_text(contracts.raw)
        self.assertIn(VIN, text)
        self.assertIn(str(round(order.amount_total)), re.sub(r"\s", "", text), "the price of the order")
        self.assertEqual(round(order.amount_total), CAR_PRICE + 15_000 + 40_000 + 12_000)
        self.assertIn("Договор купли-продажи", text, "in the customer's language")
        self.assertEqual(self.deal.won_status, "won")
        self.assertEqual(self.car.state, "sold")
