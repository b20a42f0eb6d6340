import base64
import io
import re
import zipfile

from odoo import fields, models
from odoo.addons.base_import.models.base_import import MIMETYPE_TO_READER, ImportValidationError
from odoo.addons.dealer_crm.tools.api_input import ApiInputError, _lt
from odoo.exceptions import UserError
from odoo.tools.mimetypes import guess_mimetype

COLUMNS = ["external_id", "name", "phone", "email", "vin", "plate", "source", "operation", "amount", "planned_at"]
SOURCES = ("oem", "recall", "web", "campaign")
MAX_XLSX_UNPACKED = 64 * 1024 * 1024  # an aftersales list of a few thousand rows unpacks to a few MB
# a document type declaration (where entities are declared) in any encoding's ASCII-compatible bytes
DTD = re.compile(rb"<!DOCTYPE|<!ENTITY|<\x00!\x00(?:D\x00O\x00C|E\x00N\x00T)", re.IGNORECASE)


def cell_text(cell):
    """A cell as text: ``base_import`` gives dates of spreadsheets as dates, the API reads ISO text."""
    return cell.isoformat() if hasattr(cell, "isoformat") else str(cell).strip()


class DealerServiceImport(models.TransientModel):
    """Import a list of aftersales leads (OEM, recall, web, campaigns) from CSV, xlsx, xls or ods.

    One row = one opportunity line; rows with the same ``external_id`` make one opportunity.
    Good rows are imported; bad rows are listed with their number and the field at fault.

    Why a wizard and not Odoo's *Import records* on the service opportunities: that import maps
    one row to one record of one model, all or nothing. An OEM or recall list needs more per
    row: the car found or registered by VIN or plate with the checks of the integration API
    (``crm.lead._dealer_service_lead_from_import``, the same rules as a service booking), its
    owner found or created from a normalised phone or e-mail, rows sharing an ``external_id``
    gathered as the lines of one opportunity, and a bad row reported and skipped while the
    good ones are imported. The file itself is read by ``base_import`` (CSV separator and
    encoding detection, xlsx, xls, ods); a zip-based file is checked for XML entities first.
    """

    _name = "dealer.service.import"
    _description = "Import aftersales leads"

    file = fields.Binary(required=True, help="CSV, xlsx, xls or ods with a header row: " + ", ".join(COLUMNS))
    filename = fields.Char()
    default_source = fields.Selection(
        [("oem", "Manufacturer (OEM)"), ("recall", "Recall campaign"), ("web", "Website"), ("campaign", "Campaign")],
        default="oem",
        required=True,
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    imported_count = fields.Integer(readonly=True)
    error_log = fields.Text(string="Rejected rows", readonly=True)
    lead_ids = fields.Many2many("crm.lead", string="Created opportunities", readonly=True)

    def _read_rows(self):
        """``[(row number, {column: text})]`` of the file's non-empty rows, read by ``base_import``."""
        data = base64.b64decode(self.file or b"")
        if data[:2] == b"PK":  # xlsx and ods are zip archives of XML, whatever the file is called
            self._check_xlsx(data)
        mimetype = guess_mimetype(data)
        # not a spreadsheet: the list is CSV, whatever its name says
        file_type = mimetype if mimetype in MIMETYPE_TO_READER else "text/csv"
        reader = self.env["base_import.import"].new(
            {"res_model": "crm.lead", "file": data, "file_name": self.filename or "import.csv", "file_type": file_type}
        )
        try:
            _length, table = reader._read_file({"quoting": '"', "separator": "", "encoding": ""})
        except ImportValidationError as exc:
            raise UserError(self.env._("File: %(error)s", error=exc.message)) from None
        table = [[cell_text(cell) for cell in row] for row in table]
        if not table:
            raise UserError(self.env._("File: the file is empty."))
        header = [h.lower() for h in table[0]]
        missing = {"external_id", "vin", "operation"} - set(header)
        if missing and {"plate"} - set(header):
            raise UserError(self.env._("File: missing columns %(cols)s.", cols=", ".join(sorted(missing))))
        return [(n, dict(zip(header, row, strict=False))) for n, row in enumerate(table[1:], start=2) if any(row)]

    def _check_xlsx(self, data):
        """Refuse a workbook that declares XML entities or unpacks to more than ``MAX_XLSX_UNPACKED``.

        Spreadsheet programs never write a DTD; a file with one is made to expand entities (``billion
        laughs``) or to read other files while openpyxl parses it, so it is refused before parsing.
        """
        refused = UserError(self.env._("File: this xlsx file cannot be imported safely; save it again as xlsx or CSV."))
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
                if sum(member.file_size for member in members) > MAX_XLSX_UNPACKED:
                    raise refused
                for member in members:
                    with archive.open(member) as stream:
                        tail = b""
                        while chunk := stream.read(1 << 16):
                            if DTD.search(tail + chunk):
                                raise refused
                            tail = chunk[-32:]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
            raise UserError(self.env._("File: this is not an xlsx file.")) from None

    def _row_payload(self, row):
        amount = row.get("amount") or "0"
        try:
            amount = float(amount.replace(",", "."))
        except ValueError:
            raise ApiInputError("amount", _lt("amount must be a number")) from None
        source = (row.get("source") or self.default_source).lower()
        if source not in SOURCES:
            raise ApiInputError("source", _lt("source must be one of: %(choices)s"), choices=", ".join(SOURCES))
        return {
            "external_id": row.get("external_id"),
            "name": row.get("name") or None,
            "phone": row.get("phone") or None,
            "email": row.get("email") or None,
            "vin": row.get("vin") or None,
            "plate": row.get("plate") or None,
            "planned_at": row.get("planned_at") or None,
            "operations": [{"name": row.get("operation") or None, "code": row.get("code") or None, "amount": amount}],
        }, source

    def action_import(self):
        """Each row is imported in its own savepoint: a bad row leaves nothing behind."""
        self.ensure_one()
        Lead = self.env["crm.lead"]
        errors, leads = [], Lead
        for number, row in self._read_rows():
            try:
                payload, source = self._row_payload(row)
                with self.env.cr.savepoint():
                    leads |= Lead._dealer_service_lead_from_import(payload, source)
            except ApiInputError as exc:
                errors.append(
                    self.env._(
                        "Row %(row)s: %(field)s: %(msg)s",
                        row=number,
                        field=exc.field,
                        msg=exc.translated(self.env.lang or "en_US"),
                    )
                )
            except (UserError, ValueError) as exc:
                errors.append(self.env._("Row %(row)s: %(msg)s", row=number, msg=str(exc)))
        self.write(
            {
                "state": "done",
                "imported_count": len(leads),
                "error_log": "\n".join(errors) or False,
                "lead_ids": [fields.Command.set(leads.ids)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
