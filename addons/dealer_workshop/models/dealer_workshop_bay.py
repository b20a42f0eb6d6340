from odoo import api, fields, models

BAY_KINDS = [
    ("mechanical", "Mechanical"),
    ("body", "Body and paint"),
    ("tyres", "Tyre fitting"),
    ("washing", "Washing"),
    ("diagnostics", "Diagnostics"),
]


class DealerWorkshopBay(models.Model):
    """A workshop post (lift, body booth, tyre machine, wash): its kind, showroom and working hours.

    Working hours and holidays are the bay's ``resource.calendar`` (Odoo's working times and its
    global time off); a booking (a service opportunity) reserves bay time, a visit occupies it.
    """

    _name = "dealer.workshop.bay"
    _description = "Workshop bay"
    _order = "company_id, kind, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="Showroom", required=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(BAY_KINDS, required=True, default="mechanical", index=True)
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working hours",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="When the bay works; the calendar's time off (holidays) closes it.",
    )
    note = fields.Text()

    @api.model
    def _free_hours(self, date_from, date_to, kinds=None, companies=None):
        """``{bay id: free hours}`` of the active bays between two datetimes (UTC, naive).

        Free = working hours of the bay's calendar (holidays excluded) minus the hours reserved by
        active bookings and occupied by open visits; never below 0. Set-based (one query for the
        reservations). The contract shared by the planner, the booking page and campaign pacing.
        """
        raise NotImplementedError  # owner: workshop capacity

    @api.model
    def _free_slots(self, kind, hours, date_from, date_to, company=None, exclude_lead=None):
        """Start times (UTC naive datetimes, sorted) at which a job of ``hours`` fits a bay of ``kind``.

        Returns a list of ``(start, bay)``; a slot is free on a bay when the whole job fits its
        working hours that day without overlapping a booking or a visit. ``exclude_lead`` is the
        booking being rescheduled (its own time is free for it).
        """
        raise NotImplementedError  # owner: workshop capacity
