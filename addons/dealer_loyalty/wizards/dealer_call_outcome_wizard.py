from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.dealer_crm.models.crm_lead import MAX_DURATION_SECONDS
from odoo.addons.dealer_crm.models.dealer_call import CALL_OUTCOMES
from odoo.addons.dealer_crm.tools.marks import Mark
from odoo.addons.dealer_crm.tools.system_fields import check_linked_records
from odoo.exceptions import UserError

# Roles of a retention strategy whose calls are the service line's; the other strategies call for sales.
SERVICE_ROLES = ("service_client_manager", "service_advisor")


class DealerCallOutcomeWizard(models.TransientModel):
    """Close a reminder call task (a campaign step's or a retention strategy's) with the call's outcome.

    It writes the call in the journal (``dealer.call``: outbound, logged by hand, the operator, the
    customer, the reminder it answers), shows the outcome on the campaign's dispatch row and closes
    the task with the outcome as its feedback; "call later" moves the task to the date given instead.
    Everything is checked before anything is written.
    """

    _name = "dealer.call.outcome.wizard"
    _description = "Reminder call outcome"

    activity_id = fields.Many2one("mail.activity", string="Call task", required=True, ondelete="cascade")
    dispatch_id = fields.Many2one("dealer.dispatch", string="Reminder", compute="_compute_origin")
    campaign_id = fields.Many2one("dealer.campaign", string="Campaign", compute="_compute_origin")
    strategy_id = fields.Many2one("dealer.retention.strategy", string="Retention strategy", compute="_compute_origin")
    partner_id = fields.Many2one("res.partner", string="Customer", compute="_compute_origin")
    vehicle_id = fields.Many2one("dealer.vehicle", string="Vehicle", compute="_compute_origin")
    phone = fields.Char(related="partner_id.phone", string="Phone")
    outcome = fields.Selection(CALL_OUTCOMES)
    next_call_date = fields.Date(
        string="Call again on", help="Call later (or no answer): the task moves to this day instead of closing."
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Reason of refusal")
    booking_id = fields.Many2one(
        "crm.lead",
        string="Booking",
        domain="[('partner_id', '=', partner_id)]",
        help="The service booking (or deal) the call made.",
    )
    duration_minutes = fields.Integer(string="Duration (min)")
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        # only a booking the caller may read: another showroom's would show its name in the dialog
        check_linked_records(self, vals_list, ["booking_id"])
        wizards = super().create(vals_list)
        if not self.env.su and wizards.activity_id._dealer_foreign_reminders():
            # nor another showroom's task (the dialog shows its campaign and its reminder)
            raise UserError(self.env._("This call task is not a reminder call of your showrooms."))
        return wizards

    def write(self, vals):
        check_linked_records(self, [vals], ["booking_id"])
        return super().write(vals)

    @api.depends("activity_id")
    def _compute_origin(self):
        for wizard in self:
            activity = wizard.activity_id
            record = self.env[activity.res_model].browse(activity.res_id) if activity.res_model else None
            dispatch = activity.dealer_dispatch_ids.sorted("id")[-1:]
            vehicle = dispatch.vehicle_id or (record if activity.res_model == "dealer.vehicle" else False)
            partner = dispatch.partner_id or (record if activity.res_model == "res.partner" else False)
            wizard.dispatch_id = dispatch
            wizard.campaign_id = dispatch.campaign_id
            wizard.strategy_id = activity.dealer_strategy_id
            wizard.vehicle_id = vehicle
            wizard.partner_id = partner or (vehicle.partner_id if vehicle else False)

    # ------------------------------------------------------------
    # Opening
    # ------------------------------------------------------------

    @api.model
    def _action_open(self, activity, title=None):
        """The wizard on ``activity``, a reminder call task (a clear error when there is none)."""
        if not activity:
            raise UserError(self.env._("No reminder call task is open here."))
        return {
            "type": "ir.actions.act_window",
            "name": title or self.env._("Call outcome"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_activity_id": activity.id},
        }

    # ------------------------------------------------------------
    # Closing the task
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        self._check_input()
        booking = self._dealer_booking() if self.outcome == "booked" else self.env["crm.lead"]
        # the call names the task it closes (its reminder or strategy): only this wizard says so
        call = self.env["dealer.call"].with_context(dealer_call_outcome=Mark()).create(self._prepare_call_vals(booking))
        call = call.with_env(self.env)
        # sudo: operators read the dispatch log; the outcome on the row is the log's bookkeeping of their call
        self.dispatch_id.sudo().write({"call_id": call.id, "call_outcome": call.outcome})
        if self.outcome == "wrong_number":
            self._note_wrong_number()
        self._update_task(call)
        return self._done_action(call)

    def _check_input(self):
        """Every missing value is named before anything is written."""
        activity = self.activity_id
        if not activity.exists() or not activity.active:
            raise UserError(self.env._("This call task is already closed."))
        if activity._dealer_foreign_reminders():
            # another showroom's task on a shared car or customer: its campaign counts the outcome
            raise UserError(self.env._("This call task is not a reminder call of your showrooms."))
        if not self.partner_id:
            raise UserError(self.env._("Customer: the call task is on no customer."))
        if not self.outcome:
            raise UserError(self.env._("Outcome: say how the call ended."))
        if self.outcome == "refused" and not self.lost_reason_id:
            raise UserError(self.env._("Reason of refusal: a refused call needs the customer's reason."))
        if (
            self.outcome == "booked"
            and self.booking_id
            and self.booking_id.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id
        ):
            # the form offers only the customer's bookings; another customer's would credit their visit to the call
            raise UserError(
                self.env._("Booking: pick a booking of %(customer)s.", customer=self.partner_id.display_name)
            )
        if self.outcome == "call_later" and not self.next_call_date:
            raise UserError(self.env._("Call again on: give the day the customer asked to be called."))
        if self.next_call_date and self.next_call_date < fields.Date.context_today(self):
            raise UserError(self.env._("Call again on: the day is in the past."))
        if self.next_call_date and self.next_call_date > fields.Date.add(fields.Date.context_today(self), years=1):
            raise UserError(self.env._("Call again on: at most a year from today."))
        if self.duration_minutes < 0:
            raise UserError(self.env._("Duration (min): cannot be negative."))
        if self.duration_minutes * 60 > MAX_DURATION_SECONDS:
            raise UserError(
                self.env._("Duration (min): at most %(minutes)s minutes.", minutes=MAX_DURATION_SECONDS // 60)
            )

    def _dealer_booking(self):
        """The booking a "booked" call made: the one picked. The service bridge books a visit itself."""
        if not self.booking_id:
            raise UserError(self.env._("Booking: pick the booking the call made."))
        return self.booking_id

    def _call_line(self):
        """Reminder campaigns remind of the car's service; a strategy calls for sales unless a service role calls."""
        if self.strategy_id and self.strategy_id.role not in SERVICE_ROLES:
            return "sales"
        return "service"

    def _prepare_call_vals(self, booking):
        duration = self.duration_minutes * 60
        company = self.dispatch_id.company_id or self.partner_id.company_id or self.env.company
        return {
            "source": "manual",
            "direction": "outbound",
            "status": "missed" if self.outcome == "no_answer" else "answered",
            "line": self._call_line(),
            "phone": self.partner_id.phone,
            "partner_id": self.partner_id.id,
            "user_id": self.env.uid,
            "company_id": company.id,
            "started_at": fields.Datetime.now() - timedelta(seconds=duration),
            "duration_seconds": duration,
            "outcome": self.outcome,
            "lost_reason_id": self.lost_reason_id.id if self.outcome == "refused" else False,
            "booking_id": booking.id,
            "lead_id": booking.id,
            "note": self.note,
            "dispatch_id": self.dispatch_id.id,
            "strategy_id": self.strategy_id.id,
        }

    def _feedback(self, call, private=True):
        """What the task says when closed or moved: the outcome, and its booking, reason and note unless the
        task's record is also read by other showrooms (a shared customer or car): those stay on the call."""
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        parts = [self.env._("Call outcome: %(outcome)s", outcome=outcomes[call.outcome])]
        if not private:
            parts.append(
                self.env._("The details are on the call in %(company)s's call journal.", company=call.company_id.name)
            )
            return "\n".join(parts)
        if call.booking_id:
            parts.append(self.env._("Booking: %(booking)s", booking=call.booking_id.display_name))
        if call.lost_reason_id:
            parts.append(self.env._("Reason: %(reason)s", reason=call.lost_reason_id.display_name))
        if call.note:
            parts.append(call.note)
        return "\n".join(parts)

    def _update_task(self, call):
        """Call later (or no answer with a day to call again): the task moves; otherwise it is done."""
        activity = self.activity_id
        record = self.env[activity.res_model].browse(activity.res_id)
        private = not hasattr(record, "_dealer_private_to") or record._dealer_private_to(call.company_id)
        feedback = self._feedback(call, private=private)
        if self.next_call_date and self.outcome in ("call_later", "no_answer"):
            note = Markup("%s<p>%s</p>") % (activity.note or "", feedback)
            activity.write({"date_deadline": self.next_call_date, "note": note})
        else:
            activity.action_feedback(feedback=feedback)

    def _note_wrong_number(self):
        """The customer's card says the number reached somebody else, for whoever calls next."""
        partner = self.partner_id
        body = self.env._(
            "Wrong number: %(phone)s did not reach the customer (reminder call by %(user)s).",
            phone=partner.phone or "",
            user=self.env.user.name,
        )
        partner._message_log(body=body)

    def _done_action(self, call):
        return {"type": "ir.actions.act_window_close"}
