from odoo import fields, models


class IrAttachment(models.Model):
    """A kept print (see ``ir.actions.report.dealer_archive``): which report it is and its version number."""

    _inherit = "ir.attachment"

    dealer_report_id = fields.Many2one(
        "ir.actions.report", string="Printed report", index="btree_not_null", ondelete="set null", readonly=True
    )
    dealer_version = fields.Integer(string="Print version", readonly=True)
