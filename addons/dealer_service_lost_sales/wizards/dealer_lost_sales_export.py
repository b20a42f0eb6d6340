import base64
import io

import xlsxwriter

from odoo import api, fields, models

GROUPINGS = [
    ("reason_id", "Reason"),
    ("category", "Category"),
    ("stage_id", "Stage"),
    ("advisor_id", "Advisor"),
    ("brand_id", "Vehicle make"),
    ("date:month", "Month"),
    ("month", "Month of year (seasonality)"),
]


class DealerLostSalesExport(models.TransientModel):
    """xlsx of the lost-revenue ledger, grouped like the pivot: same ``_read_group``, same numbers."""

    _name = "dealer.lost.sales.export"
    _description = "Lost sales xlsx export"

    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self).replace(month=1, day=1))
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    business = fields.Selection(
        [("service", "Service"), ("sales", "Sales"), ("all", "Service and sales")], default="service", required=True
    )
    groupby = fields.Selection(GROUPINGS, string="Group by", default="reason_id", required=True)
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    kpi_lost = fields.Monetary(string="Lost revenue", compute="_compute_kpis")
    kpi_potential = fields.Monetary(string="Potential revenue", compute="_compute_kpis")
    kpi_lost_pct = fields.Float(
        string="% of potential lost",
        compute="_compute_kpis",
        digits=(16, 2),
        help="Lost revenue divided by the potential revenue (won plus lost) of the period.",
    )
    kpi_recovered = fields.Monetary(string="Recovered revenue", compute="_compute_kpis")
    kpi_recovery_rate = fields.Float(
        string="Recovery rate (%)",
        compute="_compute_kpis",
        digits=(16, 2),
        help="Share of lost service opportunities that were later won back.",
    )
    file = fields.Binary(readonly=True, attachment=False)
    filename = fields.Char(readonly=True)

    @api.depends("date_from", "date_to", "business")
    def _compute_kpis(self):
        Report = self.env["dealer.lost.revenue.report"]
        for wizard in self:
            kpis = Report._dealer_kpis(wizard._domain()) if wizard.date_from and wizard.date_to else {}
            wizard.kpi_lost = kpis.get("lost", 0.0)
            wizard.kpi_potential = kpis.get("potential", 0.0)
            wizard.kpi_lost_pct = kpis.get("lost_pct", 0.0)
            wizard.kpi_recovered = kpis.get("recovered", 0.0)
            wizard.kpi_recovery_rate = kpis.get("recovery_rate", 0.0)

    def _domain(self):
        domain = [
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
            ("company_id", "in", self.env.companies.ids),
        ]
        if self.business != "all":
            domain.append(("business", "=", self.business))
        return domain

    def _rows(self):
        """[(label, lost, potential, % lost)] per group, then the total."""
        Report = self.env["dealer.lost.revenue.report"]
        field = Report._fields[self.groupby.split(":")[0]]
        rows = []
        for group, lost, potential in Report._read_group(
            self._domain(), [self.groupby], ["lost_amount:sum", "potential_amount:sum"], order=self.groupby
        ):
            if isinstance(group, models.BaseModel):
                label = group.display_name or self.env._("None")
            elif field.type == "selection":
                label = dict(field._description_selection(self.env)).get(group) or self.env._("None")
            elif hasattr(group, "strftime"):
                label = group.strftime("%Y-%m")
            else:
                label = str(group or self.env._("None"))
            rows.append((label, lost or 0.0, potential or 0.0, (lost or 0.0) / potential if potential else 0.0))
        kpis = Report._dealer_kpis(self._domain())
        rows.append((self.env._("Total"), kpis["lost"], kpis["potential"], kpis["lost_pct"] / 100.0))
        return rows

    def action_export(self):
        self.ensure_one()
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet(self.env._("Lost sales"))
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        pct = book.add_format({"num_format": "0.00%"})
        label = dict(GROUPINGS)[self.groupby]
        headers = [label, self.env._("Lost revenue"), self.env._("Potential revenue"), self.env._("% lost")]
        sheet.write_row(0, 0, headers, bold)
        for r, (name, lost, potential, ratio) in enumerate(self._rows(), start=1):
            sheet.write(r, 0, name)
            sheet.write_number(r, 1, lost, money)
            sheet.write_number(r, 2, potential, money)
            sheet.write_number(r, 3, ratio, pct)
        sheet.set_column(0, 0, 32)
        sheet.set_column(1, 3, 18)
        book.close()
        self.write(
            {
                "file": base64.b64encode(buffer.getvalue()),
                "filename": f"lost_sales_{self.date_from}_{self.date_to}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
