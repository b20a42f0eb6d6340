from odoo import models


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
