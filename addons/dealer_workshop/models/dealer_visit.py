from odoo import fields, models

WORKSHOP_STAGES = [
    ("received", "Received"),
    ("in_work", "In work"),
    ("quality", "Quality control"),
    ("ready", "Ready"),
]


class DealerVisit(models.Model):
    """Where the car is in the workshop, and whether it will be ready when promised (owner: repair status)."""

    _inherit = "dealer.visit"

    workshop_bay_id = fields.Many2one("dealer.workshop.bay", string="Bay", index="btree_not_null", check_company=True)
    workshop_stage = fields.Selection(WORKSHOP_STAGES, string="Workshop stage", tracking=True)
    promised_at = fields.Datetime(string="Promised for", tracking=True)
    ready_at = fields.Datetime(string="Ready at", readonly=True, copy=False)
