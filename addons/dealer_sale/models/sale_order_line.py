from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    dealer_vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Vehicle",
        compute="_compute_dealer_vehicle_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        help="The car this line sells (the order's car) or takes in part exchange (the deal's trade-in): "
        "its VIN, colour and model year are part of the line's description.",
    )
    dealer_reservation_id = fields.Many2one(
        "dealer.reservation",
        string="Reservation",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The car reservation whose prepayment this down payment is.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # which reservation a down payment settles is the application's to say: a line tagged by hand with the
        # order's reservation would keep the prepayment off the order, and another showroom's would show its
        # car and customer
        refuse_system_fields(self, vals_list, ("dealer_reservation_id",))
        self.env["sale.order"]._dealer_check_register_writer(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], ("dealer_reservation_id",))
        self.env["sale.order"]._dealer_check_register_writer(self, [vals])
        return super().write(vals)

    def _dealer_reads_register(self, group):
        """Whether the person behind this computation may read the register's ``group`` fields: prices and
        descriptions are computed as superuser, so the register's data goes onto a line only for a person
        who could read it themselves (or for the application's own code)."""
        user = self.env.user
        return user._is_superuser() or user.has_group(group)

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("product_id")
    def _compute_dealer_vehicle_id(self):
        """A car of the catalogue is the order's car; the trade-in credit is the deal's trade-in car."""
        trade_in = self.env.ref("dealer_sale.product_trade_in_credit", raise_if_not_found=False)
        for line in self:
            if not line.product_id:
                line.dealer_vehicle_id = line.dealer_vehicle_id
            elif trade_in and line.product_id == trade_in:
                line.dealer_vehicle_id = line.order_id.opportunity_id.trade_in_vehicle_id
            elif line.product_id.dealer_item_kind == "car":
                line.dealer_vehicle_id = line.order_id.dealer_vehicle_id
            else:
                line.dealer_vehicle_id = False

    @api.depends("dealer_vehicle_id")
    def _compute_name(self):
        """The line of a car says which car: VIN, colour and model year, in the customer's language."""
        res = super()._compute_name()
        cars = self.filtered(lambda line: line.product_id and line.dealer_vehicle_id)
        if not cars or not self._dealer_reads_register("dealer_crm.group_dealer_user"):
            return res
        for line in cars:
            line.name = "\n".join(
                filter(None, [line.name, *line.with_context(lang=line.order_id._get_lang())._dealer_vehicle_details()])
            )
        return res

    @api.depends("dealer_vehicle_id")
    def _compute_price_unit(self):
        return super()._compute_price_unit()

    def _dealer_vehicle_details(self):
        self.ensure_one()
        vehicle = self.dealer_vehicle_id
        return [
            vehicle.vin and self.env._("VIN: %(vin)s", vin=vehicle.vin),
            vehicle.color and self.env._("Colour: %(color)s", color=vehicle.color),
            vehicle.model_year and self.env._("Model year: %(year)s", year=vehicle.model_year),
        ]

    def _get_display_price(self):
        """A car is sold at the price of the register (the vehicle's price), not the catalogue's.

        Any other product keeps Odoo's price without looking at the register: a Sales user of the
        company who holds no dealership role (the car's price is one of the dealership's money
        fields) still quotes the company's other products."""
        self.ensure_one()
        vehicle = self.dealer_vehicle_id
        if (
            vehicle
            and self.product_id.dealer_item_kind == "car"
            and self._dealer_reads_register("dealer_crm.group_dealer_see_money")
            and vehicle.list_price
        ):
            order = self.order_id
            company = order.company_id or self.env.company
            return (vehicle.currency_id or company.currency_id)._convert(
                vehicle.list_price,
                self.currency_id or order.currency_id,
                company,
                fields.Date.context_today(self),
            )
        return super()._get_display_price()
