"""Automation steps of this addon (the "Dealership step" server actions, see dealer_crm)."""

from odoo import api, fields, models


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    dealer_step = fields.Selection(
        selection_add=[
            ("service_opportunity", "Vehicles, visits, visit lines: create a service opportunity"),
            ("record_lost", "Leads: mark lost with a reason (lost event for service)"),
        ],
        ondelete={"service_opportunity": "set null", "record_lost": "set null"},
    )
    dealer_reason_id = fields.Many2one("crm.lost.reason", string="Lost reason")

    @api.model
    def _dealer_step_specs(self):
        return {
            **super()._dealer_step_specs(),
            "service_opportunity": ("_dealer_create_service_opportunity", ("days", "summary")),
            "record_lost": ("_dealer_record_lost", ("reason",)),
        }

    @api.model
    def _dealer_step_required_fields(self):
        return {**super()._dealer_step_required_fields(), "reason": "dealer_reason_id"}

    @api.constrains("dealer_reason_id")
    def _check_dealer_step_reason(self):
        self._check_dealer_step()
