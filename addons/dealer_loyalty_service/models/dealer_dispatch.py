from odoo import models
from odoo.exceptions import UserError


class DealerDispatch(models.Model):
    _inherit = "dealer.dispatch"

    def action_dealer_book_visit(self):
        """Book the visit this reminder (or call task) asks for."""
        self.ensure_one()
        if not self.enrolment_id:
            raise UserError(self.env._("Only a message of a reminder campaign can be booked."))
        return self.enrolment_id._dealer_book_visit()
