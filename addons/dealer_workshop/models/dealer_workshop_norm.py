from odoo import api, fields, models
from odoo.addons.dealer_crm.tools.checks import check_not_negative
from odoo.addons.dealer_crm.tools.system_fields import check_access_after_move


class DealerWorkshopNorm(models.Model):
    """Standard time of a catalogue operation for one car model (norm-hours).

    Without a row for the model, the item's own norm-hours (``product.template.dealer_labour_hours``) apply.
    """

    _name = "dealer.workshop.norm"
    _description = "Standard time per model"
    _order = "product_tmpl_id, model_id"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Operation", required=True, ondelete="cascade", index=True
    )
    model_id = fields.Many2one("dealer.vehicle.model", string="Car model", required=True, ondelete="cascade")
    hours = fields.Float(string="Norm-hours", required=True, digits=(6, 2))

    _model_once = models.UniqueIndex("(product_tmpl_id, model_id)", "An operation has one standard time per model.")

    def write(self, vals):
        result = super().write(vals)
        check_access_after_move(self, vals, ["product_tmpl_id"])
        return result

    @api.constrains("hours")
    def _check_hours(self):
        check_not_negative(self, "hours")
