from odoo import fields, models


class CrmLead(models.Model):
    """A service booking reserves bay time: bay, hours, end, promised time, the reminder it came from."""

    _inherit = "crm.lead"

    service_source = fields.Selection(selection_add=[("portal", "Customer booking page")])
    workshop_bay_id = fields.Many2one(
        "dealer.workshop.bay", string="Bay", index="btree_not_null", check_company=True, tracking=True
    )
    workshop_hours = fields.Float(
        string="Bay hours",
        digits=(6, 2),
        help="Bay time the booking reserves: the norm-hours of its operations for the car's model.",
    )
    workshop_end_at = fields.Datetime(string="Reserved until", help="End of the bay time the booking reserves.")
    workshop_override = fields.Boolean(
        string="Over-booking allowed",
        copy=False,
        help="Set by a manager: this booking may go beyond the bay's free time.",
    )
    service_promised_at = fields.Datetime(string="Promised for", help="When the car was promised to be ready.")
    dealer_dispatch_id = fields.Many2one(
        "dealer.dispatch",
        string="Booked from message",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The reminder whose personal booking link the customer used: the booking is that campaign's exactly.",
    )
