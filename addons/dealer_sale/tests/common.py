"""Base class of the sale bridge's tests: a showroom deal about a car of the register, its catalogue."""

import re

from odoo import Command
from odoo.addons.dealer_crm.tests.common import DealerCustomerCase, pdf_text
from odoo.tests import Form, new_test_user


class DealerSaleCase(DealerCustomerCase):
    """A Russian-speaking customer's deal about a white 2025 Roadster in stock, priced 2,500,000.

    The catalogue has the Roadster (trim GT), an accessory and a maintenance package, all
    without taxes so that the totals are the prices; Russian is loaded for the documents.
    """

    CAR_VIN = "XW8ZZZ1ZZSA500001"
    CAR_PRICE = 2_500_000.0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf must not fetch the layout's styles from this server: a request that builds
        # an asset bundle would wait for the test's transaction, which waits for wkhtmltopdf
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(["dealer_sale"], ["ru_RU"], overwrite=True)
        cls.currency = cls.company.currency_id
        Product = cls.env["product.product"]
        cls.car_product = Product.create(
            {
                "name": "Testmake Roadster GT",
                "dealer_item_kind": "car",
                "dealer_model_ids": [Command.set(cls.car_model.ids)],
                "dealer_trim": "GT",
                "dealer_model_year": 2025,
                "list_price": 2_000_000,
                "taxes_id": [Command.clear()],
            }
        )
        cls.mats = Product.create(
            {"name": "Floor mats", "dealer_item_kind": "accessory", "list_price": 15_000, "taxes_id": [Command.clear()]}
        )
        cls.towbar = Product.create(
            {"name": "Towbar", "dealer_item_kind": "accessory", "list_price": 40_000, "taxes_id": [Command.clear()]}
        )
        cls.to1 = Product.create(
            {
                "name": "TO-1 Roadster",
                "type": "service",
                "dealer_item_kind": "maintenance",
                "dealer_maintenance_number": 1,
                "list_price": 12_000,
                "taxes_id": [Command.clear()],
            }
        )
        cls.trade_in_product = cls.env.ref("dealer_sale.product_trade_in_credit")
        cls.car = cls.make_vehicle(cls.CAR_VIN, state="stock", color="White", model_year=2025, list_price=cls.CAR_PRICE)
        cls.customer = cls.make_customer("Ольга Смирнова", lang="ru_RU", email="olga@example.com")
        cls.deal = cls.make_deal(cls.customer, vehicle_id=cls.car.id, stage_id=cls.stage["offer"].id)
        cls.cashier = new_test_user(cls.env, login="t_cashier", groups="dealer_crm.group_cashier", name="Cora Cash")

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def new_quotation(self, user=None, deal=None):
        """The deal's "New Quotation" of sale_crm, saved as the user (the salesperson by default)."""
        deal = (deal or self.deal).with_user(user or self.salesman)
        action = deal.action_sale_quotations_new()
        return Form(self.env["sale.order"].with_user(user or self.salesman).with_context(action["context"]))

    def quotation(self, *products, user=None):
        """A saved quotation of the deal: its car line, then one line per product."""
        form = self.new_quotation(user=user)
        for product in products:
            with form.order_line.new() as line:
                line.product_id = product
        return form.save()

    def pdf(self, report_xmlid, order, user=None):
        """The text of the PDF of the report ``report_xmlid`` for ``order``, printed as ``user``."""
        reports = self.env["ir.actions.report"].with_user(user or self.salesman)
        content, report_type = reports.with_context(force_report_rendering=True)._render_qweb_pdf(
            report_xmlid, order.ids
        )
        self.assertEqual(report_type, "pdf")
        return pdf_text(content)

    def kept_prints(self, record=None):
        record = record or self.deal
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("mimetype", "=", "application/pdf"),
                # the copies kept behind a field too (the sales contract)
                "|",
                ("res_field", "=", False),
                ("res_field", "!=", False),
            ],
            order="id",
        )

    @staticmethod
    def digits(text):
        """The text without any kind of space, so that amounts read the same in every language's format."""
        return re.sub(r"\s", "", text)
