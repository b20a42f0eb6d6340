from odoo import models


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    def _dealer_sale_product(self):
        """The catalogue item a quotation sells this car as.

        The car's own catalogue item (model and trim) first; else the catalogue car of its model,
        of its model year when there is one; else the generic "Car" item, so that every car of
        the register can be offered.
        """
        self.ensure_one()
        if self.product_id:
            return self.product_id
        if self.model_id:
            cars = self.env["product.product"].search(
                [
                    ("dealer_item_kind", "=", "car"),
                    ("sale_ok", "=", True),
                    ("dealer_model_ids", "in", self.model_id.ids),
                    ("company_id", "in", [False, (self.company_id or self.env.company).id]),
                ],
                order="dealer_model_year desc, id",
            )
            same_year = cars.filtered(lambda car: car.dealer_model_year == self.model_year)
            if same_year or cars:
                return (same_year or cars)[0]
        return self.env.ref("dealer_sale.product_car")
