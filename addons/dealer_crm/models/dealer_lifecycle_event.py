from odoo import fields, models

from .res_partner import LIFECYCLE_STAGES

LIFECYCLE_TRIGGERS = [
    ("lead", "Sales lead created"),
    ("negotiation", "Test drive / offer"),
    ("won", "Car delivered"),
    ("maintenance", "Maintenance visit done"),
    ("trade_in", "Trade-in / next car request"),
    ("manual", "Set by hand"),
]


class DealerLifecycleEvent(models.Model):
    """One move of a customer along the dealer's life-cycle chain; written only by the system."""

    _name = "dealer.lifecycle.event"
    _description = "Customer life-cycle move"
    _order = "date desc, id desc"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    from_stage = fields.Selection(LIFECYCLE_STAGES, string="From")
    to_stage = fields.Selection(LIFECYCLE_STAGES, string="To", required=True, index=True)
    trigger = fields.Selection(LIFECYCLE_TRIGGERS, required=True)
    res_reference = fields.Reference(
        [("crm.lead", "Sales lead"), ("dealer.visit", "Service visit"), ("dealer.vehicle", "Vehicle")],
        string="Caused by",
        help="The lead or visit that moved the customer.",
    )
