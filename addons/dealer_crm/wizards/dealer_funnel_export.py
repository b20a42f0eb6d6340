import base64
from io import BytesIO

import xlsxwriter

from odoo import fields, models
from odoo.exceptions import UserError

from ..report.dealer_funnel_report import KPIS


class DealerFunnelExport(models.TransientModel):
    """Export the plan-fact funnel to an xlsx file with the numbers of the report."""

    _name = "dealer.funnel.export"
    _description = "Export the sales funnel plan-fact"

    date_from = fields.Date(
        string="From month", required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(string="To month", required=True, default=fields.Date.context_today)
    team_ids = fields.Many2many("crm.team", string="Sales teams", help="Leave empty for every team.")
    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    def _rows(self):
        if self.date_from > self.date_to:
            raise UserError(self.env._("From month must not be after To month."))
        domain = [("month", ">=", self.date_from.replace(day=1)), ("month", "<=", self.date_to)]
        if self.team_ids:
            domain.append(("team_id", "in", self.team_ids.ids))
        return self.env["dealer.funnel.report"].search(domain, order="month, team_id")

    def _xlsx_content(self, rows):
        """Month, team, then plan / fact / % for each KPI — the same numbers as the report."""
        output = BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Funnel"))
        bold = workbook.add_format({"bold": True})
        header = [self.env._("Month"), self.env._("Sales team")]
        for kpi in KPIS:
            header += [f"{kpi.upper()} plan", f"{kpi.upper()} fact", f"{kpi.upper()} %"]
        sheet.write_row(0, 0, header, bold)
        for line, row in enumerate(rows, start=1):
            values = [row.month.strftime("%Y-%m"), row.team_id.name]
            for kpi in KPIS:
                values += [row[f"plan_{kpi}"], row[f"fact_{kpi}"], row[f"pct_{kpi}"] if row[f"plan_{kpi}"] else ""]
            sheet.write_row(line, 0, values)
        sheet.set_column(0, 1, 18)
        workbook.close()
        return output.getvalue()

    def action_export(self):
        self.ensure_one()
        content = self._xlsx_content(self._rows())
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": f"funnel_{self.date_from:%Y%m}_{self.date_to:%Y%m}.xlsx",
                "datas": base64.b64encode(content),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
