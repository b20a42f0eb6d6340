from datetime import timedelta

from odoo import fields, models
from odoo.addons.dealer_crm.models.crm_lead import SERVICE_INTEREST


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    def action_create_service_opportunity(self):
        """One service opportunity per selected vehicle, opened for the advisor to fill in."""
        leads = self.env["crm.lead"].create(
            [
                self.env["crm.lead"]._dealer_service_opportunity_vals(
                    vehicle, self.env._("Service: %(vehicle)s", vehicle=vehicle.display_name), "manual"
                )
                for vehicle in self
            ]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_service_lost_sales.crm_lead_service_action")
        if len(leads) == 1:
            action.update({"res_id": leads.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", leads.ids)]
        return action

    def _dealer_create_service_opportunity(self, days=0, summary=None):
        """One service opportunity per car, due in ``days`` days, for the owner's service advisor;
        cars that already have an open service opportunity get none (one create for all).

        :returns: the created opportunities
        """
        Lead = self.env["crm.lead"]
        busy = {
            vehicle.id
            for [vehicle] in Lead._read_group(
                [
                    ("vehicle_id", "in", self.ids),
                    ("dealer_interest", "=", SERVICE_INTEREST),
                    ("won_status", "=", "pending"),
                ],
                ["vehicle_id"],
            )
        }
        due = fields.Date.context_today(self) + timedelta(days=days or 0)
        advisors = self._dealer_role_users("service_advisor")
        vals_list = []
        for vehicle in self.search([("id", "in", self.ids), ("id", "not in", list(busy)), ("partner_id", "!=", False)]):
            vals = Lead._dealer_service_opportunity_vals(
                vehicle,
                summary or self.env._("Service: %(vehicle)s", vehicle=vehicle.display_name),
                "automation",
            )
            vals.update(date_deadline=due, user_id=advisors[vehicle.id].id if vehicle.id in advisors else False)
            vals_list.append(vals)
        return Lead.create(vals_list)
