from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST
from odoo.addons.dealer_crm.tools.system_fields import refuse_system_fields
from odoo.fields import Domain


class CrmLead(models.Model):
    _inherit = "crm.lead"

    dealer_enrolment_id = fields.Many2one(
        "dealer.campaign.enrolment",
        string="Reminder",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The reminder this service opportunity was booked from: booked from the reminder itself, or "
        "a booking about a car whose owner got a message of the campaign within its attribution days.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the reminder a booking is credited to is found by the application (here, or by booking from the
        # reminder itself): a person naming one would credit a campaign with a visit it did not bring
        refuse_system_fields(self, vals_list, ["dealer_enrolment_id"])
        self._dealer_credit_reminders(vals_list)
        leads = super().create(vals_list)
        leads.filtered(lambda lead: lead.dealer_interest == SERVICE_INTEREST)._dealer_stop_reminders()
        return leads

    def write(self, vals):
        refuse_system_fields(self, [vals], ["dealer_enrolment_id"])
        return super().write(vals)

    def _dealer_service_form_action(self):
        """The service opportunity's form (the booking made from a reminder, opened for its details)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.crm_lead_service_action")
        action.update({"res_id": self.id, "view_mode": "form", "views": [(False, "form")]})
        return action

    @api.model
    def _dealer_service_opportunity_from_reminder(self, vehicles, campaign_name, planned_at=None, **extra):
        """A reminder campaign booked these vehicles in (the booking of an enrolment calls it).

        One opportunity per vehicle, source ``reminder``, tagged with the campaign (utm, found by its
        name or made); ``extra`` are more values of each opportunity. Returns the opportunities.
        """
        campaign = self.env["utm.campaign"].search([("name", "=", campaign_name)], limit=1) if campaign_name else None
        if campaign_name and not campaign:
            campaign = self.env["utm.campaign"].create({"name": campaign_name})
        vals_list = [
            self._dealer_service_opportunity_vals(
                vehicle,
                self.env._("%(campaign)s: %(vehicle)s", campaign=campaign_name or "", vehicle=vehicle.display_name),
                "reminder",
                planned_at=planned_at,
                campaign_id=campaign.id if campaign else False,
                **extra,
            )
            for vehicle in vehicles
        ]
        return self.create(vals_list)

    @api.model
    def _dealer_credit_reminders(self, vals_list):
        """Credit a service booking to the reminder that brought it (in place, before create).

        A service opportunity about a car (or a customer) that got a message of a reminder campaign
        within the campaign's attribution days, while still enrolled, is the campaign's: it gets the
        campaign's UTM campaign and the link to the enrolment. The last message wins, as in the
        campaign results. The source stays what the booking says (website, phone, by hand): it is the
        channel the customer used, the reminder is why. Opportunities that name a campaign already
        (booked from the reminder itself, imported campaign lists) are left as they are.
        """
        default_interest = self.env.context.get("default_dealer_interest")
        todo = [
            vals
            for vals in vals_list
            if vals.get("dealer_interest", default_interest) == SERVICE_INTEREST
            and not vals.get("dealer_enrolment_id")
            and not vals.get("campaign_id")
            and (vals.get("vehicle_id") or vals.get("partner_id"))
        ]
        if not todo:
            return
        vehicles = self.env["dealer.vehicle"].browse({vals["vehicle_id"] for vals in todo if vals.get("vehicle_id")})
        partner_ids = {vals["partner_id"] for vals in todo if vals.get("partner_id")} | set(vehicles.partner_id.ids)
        # sudo: which reminder brought a booking is bookkeeping, whoever records the booking (the website's
        # integration user, a receptionist); nothing of the messages is shown to them
        messages = (
            self.env["dealer.dispatch"]
            .sudo()
            .search(
                [
                    ("enrolment_id.state", "=", "active"),
                    ("state", "in", ("sent", "delivered")),
                    ("channel", "!=", "activity"),
                    "|",
                    ("vehicle_id", "in", vehicles.ids),
                    "&",
                    ("vehicle_id", "=", False),
                    ("partner_id", "in", list(partner_ids)),
                ],
                order="sent_at desc, id desc",
            )
        )
        today = fields.Date.context_today(self)
        messages = messages.filtered(
            lambda row: row.sent_at and row.sent_at.date() + timedelta(days=row.campaign_id.attribution_days) >= today
        )
        teams = self.env["crm.team"].browse({vals["team_id"] for vals in todo if vals.get("team_id")})
        for vals in todo:
            vehicle = vehicles.browse(vals.get("vehicle_id"))
            partner_id = vals.get("partner_id") or vehicle.partner_id.id
            # a booking of one showroom is not credited to a message another showroom sent
            company_id = (
                vals.get("company_id") or teams.browse(vals.get("team_id")).company_id.id or self.env.company.id
            )
            message = next(
                (
                    row
                    for row in messages
                    if row.company_id.id in (company_id, False)
                    and (
                        (row.vehicle_id and row.vehicle_id == vehicle)
                        or (not row.vehicle_id and row.partner_id.id == partner_id)
                    )
                ),
                None,
            )
            if message:
                vals["dealer_enrolment_id"] = message.enrolment_id.id
                vals["campaign_id"] = message.campaign_id._dealer_utm_campaign().id

    def _dealer_stop_reminders(self):
        """The campaigns' stop-on-booking rule, applied when the booking is made.

        The hourly planning applies the same rule (``dealer.campaign._apply_stop_conditions``)
        to the same leads, those whose interest is Service; applying it at once means no reminder
        leaves between the booking and the next planning run.
        """
        leads = self.filtered(lambda lead: lead.vehicle_id or lead.partner_id)
        if not leads:
            return
        domain = Domain.AND(
            [
                [("state", "=", "active")],
                [("campaign_id.stop_on_booking", "=", True)],
                [("campaign_id.state", "=", "running")],
                Domain("vehicle_id", "in", leads.vehicle_id.ids)
                | (Domain("vehicle_id", "=", False) & Domain("partner_id", "in", leads.partner_id.ids)),
            ]
        )
        # sudo: booking staff read enrolments and messages but do not edit them; stopping the reminders
        # of the car they just booked is the campaign's own rule, not their edit
        self.env["dealer.campaign.enrolment"].sudo().search(domain)._dealer_stop("booked")
