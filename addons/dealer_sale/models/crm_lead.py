from odoo import Command, api, fields, models
from odoo.addons.dealer_crm.models.res_partner import IDENTITY_GROUPS
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields
from odoo.exceptions import UserError

# the kept copies of printed contracts and offers: added by printing only (ir.actions.report.dealer_archive),
# never replaced nor emptied by hand
KEPT_PRINTS = ("dealer_identity_prints", "dealer_money_prints")


class CrmLead(models.Model):
    """A deal's quotations start from its car, and its accepted next-best offers join its quotation."""

    _inherit = "crm.lead"

    # sale_crm's total of the deal's confirmed orders is money: not for the call centre (docs/DOMAIN.md §1),
    # still for Odoo's own salespeople (its "Orders" button), as the expected revenue
    sale_amount_total = fields.Monetary(groups="sales_team.group_sale_salesman,dealer_crm.group_dealer_see_money")
    # the kept copies of the sales contract (the buyer's passport): readable by who may read this field
    dealer_identity_prints = fields.Binary(
        string="Kept sales contracts", attachment=True, copy=False, readonly=True, groups=IDENTITY_GROUPS
    )
    # the kept commercial offers (prices): readable by who may see money, not the call centre
    dealer_money_prints = fields.Binary(
        string="Kept offers", attachment=True, copy=False, readonly=True, groups="dealer_crm.group_dealer_see_money"
    )

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, KEPT_PRINTS)
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], KEPT_PRINTS)
        return super().write(vals)

    def _prepare_opportunity_quotation_context(self):
        """sale_crm's "New Quotation": a deal's quotation starts with the deal's car as its first line."""
        context = super()._prepare_opportunity_quotation_context()
        lines = self._dealer_quotation_line_vals()
        if lines:
            context["default_order_line"] = [Command.create(vals) for vals in lines]
        return context

    def _dealer_quotation_line_vals(self):
        """The first lines of a new quotation of this deal: its car, sold at the register's price."""
        self.ensure_one()
        # the register's car and price are the dealership staff's: Odoo's Sales users start from an empty quotation
        if not self.vehicle_id or not (self.env.su or self.env.user.has_group("dealer_crm.group_dealer_user")):
            return []
        return [
            {
                "product_id": self.vehicle_id._dealer_sale_product().id,
                "dealer_vehicle_id": self.vehicle_id.id,
                "product_uom_qty": 1.0,
            }
        ]

    def _dealer_add_offer(self, offers):
        """On a sales deal, an accepted next-best offer becomes a line of the deal's draft quotation
        (a new quotation, starting with the deal's car, when there is none), with the discount of its
        promotion; an item already on the quotation is not added twice."""
        self.ensure_one()
        adding = offers.filtered(lambda offer: offer.state == "open")
        if adding and self.dealer_interest != "service":
            order = self._dealer_draft_quotation()
            present = order.order_line.product_id
            order.order_line = [
                Command.create(
                    {
                        "product_id": offer.product_id.id,
                        "discount": offer.promotion_id.discount_percent,
                        "sequence": 100 + index,
                    }
                )
                for index, offer in enumerate(adding)
                if offer.product_id not in present
            ]
        return super()._dealer_add_offer(offers)

    def _dealer_draft_quotation(self):
        """The deal's latest draft quotation, or a new one made as "New Quotation" makes it."""
        self.ensure_one()
        draft = self.order_ids.filtered(lambda order: order.state == "draft").sorted("id", reverse=True)[:1]
        if draft:
            return draft
        if not self.partner_id:
            raise UserError(self.env._("Set the customer of the deal “%(deal)s” first.", deal=self.name))
        context = self._prepare_opportunity_quotation_context()
        return self.env["sale.order"].create(
            {key.removeprefix("default_"): value for key, value in context.items() if key.startswith("default_")}
        )
