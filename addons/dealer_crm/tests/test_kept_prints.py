from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DealerCustomerCase, pdf_text

TEMPLATE = """
<t t-name="dealer_crm.test_kept_print">
    <t t-call="web.html_container">
        <t t-foreach="docs" t-as="o">
            <t t-call="web.external_layout">
                <div class="page"><h2>Checklist <span t-field="o.name" /></h2></div>
            </t>
        </t>
    </t>
</t>
"""


@tagged("post_install", "-at_install")
class TestKeptPrints(DealerCustomerCase):
    """A report that keeps every print: one version per print, on the record, noted in its history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.ui.view"].create(
            {"name": "test_kept_print", "type": "qweb", "key": "dealer_crm.test_kept_print", "arch": TEMPLATE}
        )
        cls.report = cls.env["ir.actions.report"].create(
            {
                "name": "Checklist",
                "model": "dealer.visit",
                "report_type": "qweb-pdf",
                "report_name": "dealer_crm.test_kept_print",
                "dealer_archive": True,
            }
        )
        cls.advisor = new_test_user(cls.env, login="t_kept_advisor", groups="dealer_crm.group_service_advisor")
        cls.desk = new_test_user(cls.env, login="t_kept_desk", groups="dealer_crm.group_call_center")
        partner = cls.make_customer()
        cls.visits = cls.env["dealer.visit"].create(
            [
                {"vehicle_id": cls.make_vehicle(vin, partner_id=partner.id).id, "name": name}
                for vin, name in (("XTA21099043210001", "RO/0001"), ("XTA21099043210002", "RO/0002"))
            ]
        )

    def print_pdf(self, user, visits, report=None):
        Report = self.env["ir.actions.report"].with_user(user).with_context(force_report_rendering=True)
        pdf, report_type = Report._render_qweb_pdf((report or self.report).id, visits.ids)
        self.assertEqual(report_type, "pdf")
        return pdf

    def kept(self, visit):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "dealer.visit"), ("res_id", "=", visit.id), ("dealer_report_id", "=", self.report.id)],
            order="dealer_version",
        )

    def test_every_print_is_a_new_version_in_the_history(self):
        visit = self.visits[0]
        first = self.print_pdf(self.advisor, visit)
        self.print_pdf(self.advisor, visit)
        kept = self.kept(visit)
        self.assertEqual(kept.mapped("name"), ["Checklist RO_0001 v1.pdf", "Checklist RO_0001 v2.pdf"])
        self.assertIn("Checklist RO/0001", pdf_text(kept[0].raw))
        self.assertEqual(kept[0].raw, first)
        notes = visit.message_ids.filtered(lambda m: m.attachment_ids & kept)
        self.assertEqual(len(notes), 2)
        self.assertEqual(notes.author_id, self.advisor.partner_id)
        self.assertIn("Printed Checklist, version 2.", notes[0].body)
        self.assertEqual(self.kept(self.visits[1]), self.env["ir.attachment"])

    def test_nobody_makes_a_file_a_kept_print_by_hand(self):
        """Odoo lets whoever may write a record attach files to it. A file marked as a kept print by hand (a forged
        work order) would stand as the dealer's proof of what the customer was handed, deletable by nobody, and
        push the next true print's version number: refused, on a new file and on one already attached."""
        visit = self.visits[0]
        Attachment = self.env["ir.attachment"].with_user(self.advisor)
        forged = {
            "name": "Checklist RO_0001 v7.pdf",
            "raw": b"%PDF-1.4 forged",
            "res_model": visit._name,
            "res_id": visit.id,
            "dealer_report_id": self.report.id,
            "dealer_version": 7,
        }
        for fname in ("dealer_report_id", "dealer_version"):
            vals = {key: value for key, value in forged.items() if key not in {"dealer_report_id", "dealer_version"}}
            vals[fname] = forged[fname]
            with self.subTest(fname=fname), self.assertRaises(AccessError), self.env.cr.savepoint():
                Attachment.create(vals)
        plain = Attachment.create(
            {"name": "photo.pdf", "raw": b"%PDF-1.4", "res_model": visit._name, "res_id": visit.id}
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            plain.write({"dealer_report_id": self.report.id, "dealer_version": 7})
        self.assertFalse(self.kept(visit))
        self.print_pdf(self.advisor, visit)
        self.assertEqual(self.kept(visit).mapped("name"), ["Checklist RO_0001 v1.pdf"], "the true print is version 1")

    def test_versions_count_per_record_and_holder(self):
        # (wkhtmltopdf with unpatched Qt, as Debian's, prints one record per call in tests)
        self.print_pdf(self.advisor, self.visits[0])
        self.print_pdf(self.advisor, self.visits[1])
        self.assertEqual(self.kept(self.visits[1]).mapped("name"), ["Checklist RO_0002 v1.pdf"])
        self.assertIn("RO/0002", pdf_text(self.kept(self.visits[1]).raw))
        # A model whose documents belong to another record keeps them there, numbered for that holder.
        car = self.visits[1].vehicle_id
        with patch.object(type(self.env["dealer.visit"]), "_dealer_document_holder", lambda visit: visit.vehicle_id):
            self.print_pdf(self.advisor, self.visits[1])
        on_car = self.env["ir.attachment"].search([("res_model", "=", "dealer.vehicle"), ("res_id", "=", car.id)])
        self.assertEqual(on_car.mapped("name"), ["Checklist RO_0002 v1.pdf"])
        self.assertTrue(car.message_ids.filtered(lambda m: m.attachment_ids == on_car))
        self.assertEqual(len(self.kept(self.visits[1])), 1)

    def test_preview_and_plain_reports_keep_nothing(self):
        html, report_type = (
            self.env["ir.actions.report"].with_user(self.advisor)._render_qweb_html(self.report.id, self.visits.ids)
        )
        self.assertIn(b"RO/0001", html)
        self.report.dealer_archive = False
        self.print_pdf(self.advisor, self.visits[0])
        self.assertFalse(self.kept(self.visits[0]) | self.kept(self.visits[1]))

    def test_reader_who_may_not_edit_still_leaves_a_copy(self):
        visit = self.visits[0].with_user(self.desk)
        self.assertFalse(visit.has_access("write"))
        self.print_pdf(self.desk, visit)
        kept = self.kept(visit)
        self.assertEqual(kept.name, "Checklist RO_0001 v1.pdf")
        self.assertEqual(visit.message_ids.filtered(lambda m: m.attachment_ids == kept).author_id, self.desk.partner_id)
        # Nothing else of the visit opens to them: the copy is the one the server rendered.
        self.assertFalse(visit.has_access("write"))

    def test_no_print_of_a_document_kept_where_the_user_may_not_read(self):
        hidden = self.env.ref("dealer_crm.ir_cron_purge_personal_data")
        with (
            patch.object(type(self.env["dealer.visit"]), "_dealer_document_holder", lambda visit: hidden),
            self.assertRaises(AccessError),
        ):
            self.print_pdf(self.desk, self.visits[0])
        self.assertFalse(self.env["ir.attachment"].search([("dealer_report_id", "=", self.report.id)]))
