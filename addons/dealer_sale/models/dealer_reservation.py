from odoo import models


class DealerReservation(models.Model):
    _inherit = "dealer.reservation"

    def write(self, vals):
        """A prepayment recorded after the order was confirmed becomes its down payment then."""
        res = super().write(vals)
        if {"prepayment_amount", "prepayment_date"} & set(vals):
            self._dealer_sync_down_payments()
        return res

    def _dealer_sync_down_payments(self):
        orders = self.env["sale.order"].search(
            [
                ("opportunity_id", "in", self.lead_id.ids),
                ("dealer_vehicle_id", "in", self.vehicle_id.ids),
                ("state", "=", "sale"),
            ]
        )
        orders._dealer_create_prepayment_down_payments()
