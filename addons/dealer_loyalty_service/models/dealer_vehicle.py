from odoo import fields, models
from odoo.exceptions import UserError


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    dealer_reminder_enrolment_id = fields.Many2one(
        "dealer.campaign.enrolment",
        string="Active reminder",
        compute="_compute_dealer_reminder_enrolment_id",
        help="The latest reminder campaign the car (or its owner) is enrolled in and that still runs.",
    )

    def _compute_dealer_reminder_enrolment_id(self):
        enrolments = self.env["dealer.campaign.enrolment"].search(
            [
                ("state", "=", "active"),
                ("control", "=", False),  # the control group was sent nothing: no reminder to book from
                ("campaign_id.state", "=", "running"),
                "|",
                ("vehicle_id", "in", self.ids),
                "&",
                ("vehicle_id", "=", False),
                ("partner_id", "in", self.partner_id.ids),
            ],
            order="enrolled_at desc, id desc",
        )
        for vehicle in self:
            vehicle.dealer_reminder_enrolment_id = next(
                (
                    enrolment
                    for enrolment in enrolments
                    if enrolment.vehicle_id == vehicle
                    or (not enrolment.vehicle_id and enrolment.partner_id == vehicle.partner_id)
                ),
                False,
            )

    def action_dealer_book_reminder_visit(self):
        """From the car the call task opens: book the visit its reminder asks for."""
        self.ensure_one()
        if not self.dealer_reminder_enrolment_id:
            raise UserError(self.env._("%(vehicle)s is in no running reminder.", vehicle=self.display_name))
        return self.dealer_reminder_enrolment_id._dealer_book_visit(self)
