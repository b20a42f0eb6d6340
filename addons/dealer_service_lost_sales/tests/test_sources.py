import base64
import io
import zipfile
from datetime import date, datetime

import openpyxl

from odoo import Command
from odoo.addons.dealer_crm.tools.api_input import ApiInputError, ApiNotFound
from odoo.exceptions import UserError
from odoo.tests import Form

from .common import ServiceLostSalesCase


def booking(**over):
    body = {
        "external_id": "BK-1",
        "name": "Maria Booking",
        "phone": "+7 916 555-44-33",
        "vin": "XW8ZZZ61ZHG000123",
        "mileage_km": 30500,
        "planned_at": "2026-06-01T10:00:00+03:00",
        "source": "web",
        "operations": [
            {"code": "TO2", "name": "Maintenance TO-2", "amount": 15000},
            {"name": "Brake fluid", "amount": 2500},
        ],
        "comment": "Rattle at the front",
    }
    body.update(over)
    return body


class TestBookingMethod(ServiceLostSalesCase):
    def test_booking_creates_scheduled_opportunity(self):
        result = self.Lead._dealer_service_booking_from_api(booking())
        lead = self.Lead.browse(result["opportunity_id"])
        self.assertEqual(result["stage"], "scheduled")
        self.assertFalse(result["replayed"])
        self.assertEqual(result["expected_revenue"], 17500)
        self.assertEqual(lead.stage_id, self.stage["scheduling"])
        self.assertEqual(lead.service_planned_at, datetime(2026, 6, 1, 7, 0))
        self.assertEqual(lead.vehicle_id.vin, "XW8ZZZ61ZHG000123")
        self.assertEqual(lead.partner_id.id, result["partner_id"])
        self.assertEqual(lead.vehicle_id.partner_id, lead.partner_id)
        self.assertEqual(lead.vehicle_id.last_odometer_km, 30500)
        self.assertEqual(len(lead.service_line_ids), 2)

    def test_replay_returns_the_same_opportunity(self):
        first = self.Lead._dealer_service_booking_from_api(booking())
        again = self.Lead._dealer_service_booking_from_api(booking())
        self.assertTrue(again["replayed"])
        self.assertEqual(again["opportunity_id"], first["opportunity_id"])
        self.assertEqual(self.Lead.search_count([("service_external_id", "=", "BK-1")]), 1)

    def test_bad_input_names_the_field_and_writes_nothing(self):
        counts = {m: self.env[m].search_count([]) for m in ("crm.lead", "res.partner", "dealer.vehicle")}
        cases = [
            (booking(planned_at=None), "planned_at"),
            (booking(planned_at="2026-06-01 10:00"), "planned_at"),
            (booking(phone=None), "phone"),
            (booking(vin=None), "vin"),
            (booking(source="fax"), "source"),
            (booking(operations=[{"name": "Oil", "amount": -1}]), "amount"),
            (booking(vin="XW8ZZZ61ZHG00012"), "vin"),
        ]
        for body, field in cases:
            with self.subTest(field=field), self.assertRaises(ApiInputError) as ctx, self.env.cr.savepoint():
                self.Lead._dealer_service_booking_from_api(body)
            self.assertEqual(ctx.exception.field, field)
        self.assertEqual(counts, {m: self.env[m].search_count([]) for m in counts})

    def test_cancel_records_a_loss_at_the_current_stage(self):
        result = self.Lead._dealer_service_booking_from_api(booking())
        lead = self.Lead.browse(result["opportunity_id"])
        lead.stage_id = self.stage["reception"]
        answer = self.Lead._dealer_service_booking_cancel_from_api("BK-1", {"reason": "customer_cancelled"})
        event = self.Event.browse(answer["loss_event_id"])
        self.assertEqual(answer["lost_amount"], 17500)
        self.assertEqual(event.stage_id, self.stage["reception"])
        self.assertEqual(event.reason_id, self.reason["customer_cancelled"])
        self.assertEqual(lead.won_status, "lost")
        again = self.Lead._dealer_service_booking_cancel_from_api("BK-1", {"reason": "customer_cancelled"})
        self.assertEqual(again["loss_event_id"], event.id)
        self.assertEqual(len(lead.loss_event_ids), 1)

    def test_cancel_unknown_booking_or_reason(self):
        with self.assertRaises(ApiNotFound):
            self.Lead._dealer_service_booking_cancel_from_api("NOPE", {"reason": "price"})
        self.Lead._dealer_service_booking_from_api(booking())
        with self.assertRaises(ApiInputError) as ctx:
            self.Lead._dealer_service_booking_cancel_from_api("BK-1", {"reason": "bored"})
        self.assertEqual(ctx.exception.field, "reason")


class TestVisitSources(ServiceLostSalesCase):
    def make_visit(self, state="done"):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": self.vehicle.id,
                "advisor_id": self.advisor.id,
                "date": date(2026, 3, 2),
                "state": state,
                "line_ids": [
                    Command.create({"name": "TO-1", "amount": 12000, "status": "done"}),
                    Command.create({"name": "Brake pads", "amount": 8000, "status": "declined"}),
                    Command.create(
                        {"name": "Wipers", "amount": 1500, "status": "deferred", "deferred_until": date(2026, 5, 1)}
                    ),
                    Command.create(
                        {"name": "Tyres", "amount": 20000, "status": "deferred", "deferred_until": date(2026, 10, 1)}
                    ),
                ],
            }
        )

    def test_closing_a_visit_records_declined_and_opens_deferred(self):
        visit = self.make_visit(state="open")
        self.assertFalse(self.Event.search([("visit_id", "=", visit.id)]))
        visit.action_done()
        event = self.Event.search([("visit_id", "=", visit.id)])
        self.assertEqual(event.kind, "line_declined")
        self.assertEqual(event.amount, 8000)
        self.assertEqual(event.advisor_id, self.advisor)
        self.assertEqual(event.brand_id, self.brand)
        self.assertEqual(event.date, date(2026, 3, 2))
        lead = self.Lead.search([("service_visit_id", "=", visit.id)])
        self.assertEqual(lead.dealer_interest, "service")
        self.assertEqual(lead.service_source, "visit")
        self.assertEqual(lead.date_deadline, date(2026, 5, 1))
        self.assertEqual(lead.expected_revenue, 21500)
        self.assertEqual(sorted(lead.service_line_ids.mapped("name")), ["Tyres", "Wipers"])
        # closing again (reopen + close, or a DMS replay) changes nothing
        visit.action_reopen()
        visit.action_done()
        self.assertEqual(self.Event.search_count([("visit_id", "=", visit.id)]), 1)
        self.assertEqual(self.Lead.search_count([("service_visit_id", "=", visit.id)]), 1)

    def test_the_ledger_follows_the_lines_of_a_closed_visit(self):
        """The customer changes their mind after the visit was closed: brake pads done after all are not lost
        (nor lost and realised at once), a declined job made cheaper is lost at its new amount, a job declined
        afterwards is lost, a deleted line is not; reopening forgets the losses until the visit is closed again."""
        visit = self.make_visit()
        brakes = visit.line_ids.filtered(lambda line: line.name == "Brake pads")
        wipers = visit.line_ids.filtered(lambda line: line.name == "Wipers")

        def lost():
            return sorted(self.Event.search([("visit_id", "=", visit.id)]).mapped("amount"))

        self.assertEqual(lost(), [8000])
        brakes.status = "done"
        self.assertEqual(lost(), [])
        brakes.write({"status": "declined", "amount": 6000})
        self.assertEqual(lost(), [6000])
        brakes.amount = 5000
        self.assertEqual(lost(), [5000])
        wipers.status = "declined"
        self.assertEqual(lost(), [1500, 5000])
        wipers.unlink()
        self.assertEqual(lost(), [5000])
        visit.action_reopen()
        self.assertEqual(lost(), [])
        brakes.status = "done"
        visit.action_done()
        self.assertEqual(lost(), [])

    def test_visit_created_closed_is_followed_up(self):
        visit = self.make_visit(state="done")
        self.assertEqual(self.Event.search_count([("visit_id", "=", visit.id)]), 1)
        self.assertEqual(self.Lead.search_count([("service_visit_id", "=", visit.id)]), 1)

    def test_declined_line_reason_from_the_dms_and_by_hand(self):
        def payload(ref, **line):
            return {
                "external_id": ref,
                "plate": self.vehicle.plate,
                "date": "2026-03-02",
                "lines": [{"name": "Brake pads", "amount": 8000, "status": "declined", **line}],
            }

        Visit = self.env["dealer.visit"]
        _response, visit = Visit._create_from_api(payload("RO-1", reason="competitor"))
        event = self.Event.search([("visit_id", "=", visit.id)])
        self.assertEqual(event.reason_id, self.reason["competitor"])
        self.assertEqual(event.category, self.reason["competitor"].dealer_category)
        for bad, message in (
            ({"reason": "bored"}, "not a known loss reason"),
            ({"reason": "price", "status": "done"}, "declined lines only"),
        ):
            with self.assertRaisesRegex(ApiInputError, message) as ctx:
                Visit._create_from_api(payload("RO-2", **bad))
            self.assertEqual(ctx.exception.field, "reason")
        # the advisor enters the reason after the visit was closed: the ledger follows
        _response, later = Visit._create_from_api(payload("RO-3"))
        event = self.Event.search([("visit_id", "=", later.id)])
        self.assertFalse(event.reason_id)
        with Form(later.with_user(self.advisor)) as form, form.line_ids.edit(0) as line:
            line.loss_reason_id = self.reason["price"]
        self.assertEqual(event.reason_id, self.reason["price"])


class TestOtherSources(ServiceLostSalesCase):
    def test_vehicle_action_creates_an_opportunity(self):
        action = self.vehicle.action_create_service_opportunity()
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(lead.vehicle_id, self.vehicle)
        self.assertEqual(lead.partner_id, self.customer)
        self.assertEqual(lead.dealer_interest, "service")

    def run_import(self, data, filename):
        wizard = self.env["dealer.service.import"].create(
            {"file": base64.b64encode(data), "filename": filename, "default_source": "oem"}
        )
        wizard.action_import()
        return wizard

    def test_csv_import_with_a_bad_row(self):
        csv_text = (
            "external_id,name,phone,vin,plate,source,operation,amount,planned_at\n"
            "OEM-1,Ivan,+79160000001,,A111AA77,recall,Airbag recall,0,2026-07-01\n"
            "OEM-1,Ivan,+79160000001,,A111AA77,recall,Cabin filter,1800,2026-07-01\n"
            "OEM-2,Petr,+79160000002,,,oem,Software update,500,\n"
            "OEM-3,Olga,+79160000003,,B222BB77,oem,Brake discs,abc,\n"
            "OEM-4,Nina,+79160000004,,C333CC77,web,Service TO-1,9000,\n"
        )
        wizard = self.run_import(csv_text.encode(), "oem.csv")
        self.assertEqual(wizard.imported_count, 2)
        self.assertIn("Row 4: vin", wizard.error_log)
        self.assertIn("Row 5: amount", wizard.error_log)
        recall = self.Lead.search([("service_external_id", "=", "OEM-1")])
        self.assertEqual(recall.service_source, "recall")
        self.assertEqual(len(recall.service_line_ids), 2)
        self.assertEqual(recall.expected_revenue, 1800)
        self.assertEqual(recall.date_deadline, date(2026, 7, 1))
        self.assertFalse(self.Lead.search([("service_external_id", "in", ["OEM-2", "OEM-3"])]))
        self.assertFalse(self.env["dealer.vehicle"].search([("plate", "=", "B222BB77")]))

    def test_the_rejected_rows_are_explained_in_the_reader_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(
            ["dealer_crm", "dealer_service_lost_sales"], ["ru_RU"], overwrite=True
        )
        csv_text = (
            "external_id,name,phone,vin,plate,source,operation,amount,planned_at\n"
            "OEM-2,Petr,+79160000002,,,oem,Software update,500,\n"
            "OEM-3,Olga,+79160000003,,B222BB77,oem,Brake discs,abc,\n"
            "OEM-4,Nina,+79160000004,,C333CC77,oem,Service TO-1,9000,2026-13-45\n"
            "OEM-5,Inna,+79160000005,,D444DD77,fax,Service TO-1,9000,\n"
        )
        wizard = (
            self.env["dealer.service.import"]
            .with_context(lang="ru_RU")
            .create({"file": base64.b64encode(csv_text.encode()), "filename": "oem.csv", "default_source": "oem"})
        )
        wizard.action_import()
        self.assertEqual(wizard.imported_count, 0)
        log = wizard.error_log
        self.assertIn("нужен VIN или госномер", log)
        self.assertIn("сумма должна быть числом", log)
        self.assertIn("planned_at должно быть датой ISO 8601", log)
        self.assertIn("источник: допустимые значения — oem, recall, web, campaign", log)
        self.assertNotIn(" is required", log)
        self.assertNotIn(" must be", log)

    def test_xlsx_import(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["external_id", "name", "phone", "plate", "operation", "amount"])
        sheet.append(["X-1", "Ivan", "+79160000009", "X999XX77", "Timing belt", 25000])
        buffer = io.BytesIO()
        book.save(buffer)
        wizard = self.run_import(buffer.getvalue(), "list.xlsx")
        self.assertEqual(wizard.imported_count, 1, wizard.error_log)
        lead = wizard.lead_ids
        self.assertEqual(lead.service_source, "oem")
        self.assertEqual(lead.expected_revenue, 25000)
        self.assertEqual(lead.vehicle_id.partner_id.name, "Ivan")

    def test_xlsx_with_xml_entities_is_refused(self):
        """A workbook that declares entities (here 10 000-fold expansion in one cell) is refused before
        parsing, with the reason, and imports nothing."""
        book = openpyxl.Workbook()
        book.active.append(["external_id", "name", "phone", "plate", "operation", "amount"])
        book.active.append(["X-2", "ENTITY", "+79160000010", "X998XX77", "Timing belt", 25000])
        buffer = io.BytesIO()
        book.save(buffer)
        entities = ['<!ENTITY e0 "ha">'] + [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 5)]
        source, forged = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
        with zipfile.ZipFile(forged, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                if name == "xl/worksheets/sheet1.xml":
                    data = f"<!DOCTYPE worksheet [{''.join(entities)}]>".encode() + data.replace(b"ENTITY", b"&e4;")
                target.writestr(name, data)
        leads_before = self.Lead.search_count([])
        for filename in ("forged.xlsx", "forged.csv"):  # the content decides, not the name
            with self.subTest(filename=filename), self.assertRaisesRegex(UserError, "cannot be imported safely"):
                self.run_import(forged.getvalue(), filename)
        self.assertEqual(self.Lead.search_count([]), leads_before)
        self.assertFalse(self.env["res.partner"].search([("name", "like", "hahaha")]))

    def test_spreadsheet_export_of_a_russian_excel(self):
        """Semicolons and Windows-1251, as Excel saves CSV in Russian; a date cell in an xlsx."""
        csv_text = (
            "external_id;name;phone;plate;operation;amount;planned_at\n"
            "R-1;Иван;+79160000011;R111RR77;Замена масла;3500;2026-08-01\n"
        )
        wizard = self.run_import(csv_text.encode("cp1251"), "список.csv")
        self.assertEqual(wizard.imported_count, 1, wizard.error_log)
        self.assertEqual(wizard.lead_ids.service_line_ids.name, "Замена масла")
        self.assertEqual(wizard.lead_ids.date_deadline, date(2026, 8, 1))
        book = openpyxl.Workbook()
        book.active.append(["external_id", "name", "phone", "plate", "operation", "amount", "planned_at"])
        book.active.append(["R-2", "Petr", "+79160000012", "R222RR77", "Brake pads", 7000, date(2026, 9, 15)])
        buffer = io.BytesIO()
        book.save(buffer)
        wizard = self.run_import(buffer.getvalue(), "list.xlsx")
        self.assertEqual(wizard.imported_count, 1, wizard.error_log)
        self.assertEqual(wizard.lead_ids.date_deadline, date(2026, 9, 15))
