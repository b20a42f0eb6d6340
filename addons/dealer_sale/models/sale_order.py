from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.addons.dealer_crm.models.res_partner import IDENTITY_GROUPS
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields
from odoo.addons.dealer_crm.tools.translated import Translated
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_date

from .crm_lead import KEPT_PRINTS


class SaleOrder(models.Model):
    """A quotation of a dealership deal is its commercial offer; the confirmed order its sales contract.

    The deal's car is the order's car (``dealer_vehicle_id``) and its first line; a
    reservation's prepayment becomes Odoo's own down payment on the order; every printed
    commercial offer and contract is kept on the deal (``_dealer_document_holder``).
    """

    _inherit = "sale.order"

    # the kept copies of the sales contract of an order without a deal (see crm.lead's field)
    dealer_identity_prints = fields.Binary(
        string="Kept sales contracts", attachment=True, copy=False, readonly=True, groups=IDENTITY_GROUPS
    )
    # the kept commercial offers (prices): readable by who may see money, not the call centre
    dealer_money_prints = fields.Binary(
        string="Kept offers", attachment=True, copy=False, readonly=True, groups="dealer_crm.group_dealer_see_money"
    )
    dealer_vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Car",
        compute="_compute_dealer_vehicle_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        help="The car this order sells, from the deal; the commercial offer and the sales contract print "
        "its make, model, VIN, colour and model year.",
    )

    @api.model
    def _dealer_check_register_writer(self, records, vals_list):
        """Refuse, naming the field, a car of the register put on an order or a line (``records``) by a person
        without a dealership role: Odoo's Sales users of the company read nothing of the register, and a car
        named by its id would show its plate, and price and describe the line as superuser. The car a deal
        brings (computed) and the dealership staff's choice pass."""
        env = records.env
        if env.su or not any(
            vals.get("dealer_vehicle_id") or (not records and env.context.get("default_dealer_vehicle_id"))
            for vals in vals_list
        ):
            return
        if env.user.has_group("dealer_crm.group_dealer_user"):
            return
        for vals in vals_list:
            value = vals.get("dealer_vehicle_id") or (not records and env.context.get("default_dealer_vehicle_id"))
            if not value or (records and all(record.sudo().dealer_vehicle_id.id == value for record in records)):
                continue
            raise AccessError(
                env._(
                    "%(field)s: only the dealership's staff pick a car of the register.",
                    field=records._fields["dealer_vehicle_id"]._description_string(env),
                )
            )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        refuse_system_fields(self, vals_list, KEPT_PRINTS)
        self._dealer_check_register_writer(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        refuse_system_fields(self, [vals], KEPT_PRINTS)
        self._dealer_check_register_writer(self, [vals])
        return super().write(vals)

    @api.depends("opportunity_id")
    def _compute_dealer_vehicle_id(self):
        """The deal's car when the order is made from the deal; later changes of the deal's car do
        not rewrite existing orders."""
        for order in self:
            order.dealer_vehicle_id = order.opportunity_id.vehicle_id or order.dealer_vehicle_id

    @api.depends("dealer_vehicle_id")
    def _compute_require_signature(self):
        """The customer accepts a dealership offer by signing it online, whatever the company default."""
        res = super()._compute_require_signature()
        self.filtered("dealer_vehicle_id").require_signature = True
        return res

    @api.depends("dealer_vehicle_id")
    def _compute_require_payment(self):
        """A car is not paid online to accept its offer: the signature confirms the order, and the money
        comes as the reservation's prepayment (the down payment) and at the cashier's."""
        res = super()._compute_require_payment()
        self.filtered("dealer_vehicle_id").require_payment = False
        return res

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def _action_confirm(self):
        """A confirmed order of a deal gets the prepayment of the car's reservation as its down payment."""
        res = super()._action_confirm()
        self._dealer_create_prepayment_down_payments()
        return res

    # ------------------------------------------------------------
    # Printed documents
    # ------------------------------------------------------------

    def _dealer_is_dealership_order(self):
        """An order the dealership's documents apply to: it sells a car of the register or belongs to a deal."""
        self.ensure_one()
        return bool(self.dealer_vehicle_id or self.opportunity_id._dealer_deals())

    def _dealer_car_line(self):
        """The line that sells the order's car (empty when there is none)."""
        self.ensure_one()
        # which line sells the order's car is read as superuser (a line's car is the dealership staff's field);
        # the line itself is returned with the reader's rights
        car = self.dealer_vehicle_id
        return (
            self.sudo()
            .order_line.filtered(
                lambda line: line.dealer_vehicle_id
                and line.dealer_vehicle_id == car
                and not line.is_downpayment
                and not line.display_type
            )[:1]
            .with_env(self.env)
        )

    def _dealer_keeps_prints(self):
        """Odoo's quotation report keeps the prints of the dealership's orders only: another team's quotation
        prints as in Odoo. Decided as the application: the order's deal may be a colleague's, which the
        printing salesperson does not read."""
        return self.sudo()._dealer_is_dealership_order()

    def _dealer_document_holder(self):
        """The documents of a deal's quotation are kept on the deal, next to its other offers."""
        self.ensure_one()
        return self.opportunity_id or self

    def _dealer_check_contract_printable(self):
        """Refuse to print a sales contract that would be incomplete, naming what is missing."""
        for order in self:
            if order.state != "sale":
                raise UserError(
                    self.env._(
                        "The sales contract of %(order)s can be printed once the order is confirmed: "
                        "the customer accepts the offer first.",
                        order=order.name,
                    )
                )
            if not order.dealer_vehicle_id:
                raise UserError(
                    self.env._("The sales contract of %(order)s needs the car sold: set the Car.", order=order.name)
                )
            if not order.dealer_vehicle_id.vin:
                raise UserError(
                    self.env._(
                        "The sales contract of %(order)s needs the VIN of %(car)s.",
                        order=order.name,
                        car=order.dealer_vehicle_id.display_name,
                    )
                )
            missing = order.partner_id._dealer_sale_missing_identity()
            if missing:
                raise UserError(
                    self.env._(
                        "The sales contract of %(order)s needs the buyer's %(fields)s: "
                        "fill them in on the card of %(buyer)s.",
                        order=order.name,
                        fields=", ".join(missing),
                        buyer=order.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------
    # Reservation prepayment = down payment
    # ------------------------------------------------------------

    def _dealer_prepayment_reservations(self):
        """``{order: reservation}``: the reservation with a prepayment of each confirmed order's car and deal."""
        orders = self.filtered(lambda o: o.state == "sale" and o.opportunity_id and o.dealer_vehicle_id)
        if not orders:
            return {}
        reservations = self.env["dealer.reservation"].search(
            [
                ("lead_id", "in", orders.opportunity_id.ids),
                ("vehicle_id", "in", orders.dealer_vehicle_id.ids),
                ("state", "in", ("active", "converted")),
                ("prepayment_amount", ">", 0),
            ],
            order="id desc",
        )
        found = {}
        for order in orders:
            reservation = reservations.filtered(
                lambda r, order=order: r.lead_id == order.opportunity_id and r.vehicle_id == order.dealer_vehicle_id
            )[:1]
            if reservation:
                found[order] = reservation
        return found

    def _dealer_create_prepayment_down_payments(self):
        """Turn each reservation prepayment into the order's down payment, once, and settle it.

        Odoo's down-payment wizard makes the down-payment line and its invoice; a down payment
        already made for the reservation is never made again. The invoice is then settled as
        the reservation records it (``_dealer_settle_prepayment``).
        """
        for order, reservation in self._dealer_prepayment_reservations().items():
            if order.order_line.filtered(lambda line, r=reservation: line.dealer_reservation_id == r):
                order._dealer_settle_prepayment(reservation)
            elif order._dealer_has_journal(("sale",)):
                order._dealer_make_down_payment(reservation)
                order._dealer_settle_prepayment(reservation)
            else:
                order.message_post(
                    body=self.env._(
                        "The prepayment of reservation %(reservation)s is not a down payment of this order: "
                        "the showroom has no sales journal (Invoicing is not set up).",
                        reservation=reservation.display_name,
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    def _dealer_has_journal(self, journal_types):
        """Whether the order's company has a journal of these types (a count, whoever may read journals)."""
        self.ensure_one()
        Journal = self.env["account.journal"]
        domain = [*Journal._check_company_domain(self.company_id), ("type", "in", list(journal_types))]
        return bool(Journal.sudo().search_count(domain, limit=1))

    def _dealer_make_down_payment(self, reservation):
        self.ensure_one()
        amount = reservation.currency_id._convert(
            reservation.prepayment_amount,
            self.currency_id,
            self.company_id,
            reservation.prepayment_date or fields.Date.context_today(self),
        )
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=self.ids)
            .create(
                {"advance_payment_method": "fixed", "fixed_amount": amount, "sale_order_ids": [Command.set(self.ids)]}
            )
        )
        invoice = wizard._create_invoices(self)
        # the application says which reservation the down payment settles (a person may not: see the line's write)
        invoice.invoice_line_ids.sale_line_ids.filtered("is_downpayment").sudo().dealer_reservation_id = reservation
        return invoice

    def _dealer_settle_prepayment(self, reservation):
        """A prepayment the reservation says was received is posted and paid on its down-payment invoice.

        Only by a user who may post invoices and register payments (Odoo's Invoicing rights), in
        their own name; anybody else (a salesperson, the customer confirming online, which runs
        as the superuser) or a showroom without a bank or cash journal leaves the invoice to the
        cashier, who gets a task on the order.
        """
        self.ensure_one()
        if not reservation.prepayment_date:
            return
        invoices = self.order_line.filtered(
            lambda line: line.dealer_reservation_id == reservation
        ).invoice_lines.move_id
        invoices = invoices.filtered(lambda move: move.state != "cancel" and move.payment_state == "not_paid")
        if not invoices:
            return
        if (
            self.env.su
            or not self.env.user.has_group("account.group_account_invoice")
            or not self._dealer_has_journal(("bank", "cash"))
        ):
            # in the cashier's language and formats, not those of whoever confirmed (the customer online)
            self._dealer_schedule_role_activity(
                "cashier",
                summary=Translated.of_text(self.env, lambda env: env._("Register the reservation prepayment")),
                note=Translated.of_text(
                    self.env,
                    lambda env: Markup("<p>%s</p>")
                    % env._(
                        "The customer paid %(amount)s on %(date)s (reservation %(reservation)s): post the down "
                        "payment invoice %(invoice)s and register the payment.",
                        amount=format_amount(env, reservation.prepayment_amount, reservation.currency_id),
                        date=format_date(env, reservation.prepayment_date),
                        reservation=reservation.display_name,
                        invoice=invoices[0].display_name,
                    ),
                ),
            )
            return
        drafts = invoices.filtered(lambda move: move.state == "draft")
        drafts.action_post()
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoices.ids).create(
            {"payment_date": reservation.prepayment_date, "group_payment": False}
        )._create_payments()
