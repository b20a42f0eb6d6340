from odoo import api, fields, models

from .dealer_workshop_bay import BAY_KINDS
from .res_config_settings import workshop_param


class ProductTemplate(models.Model):
    _inherit = "product.template"

    dealer_bay_kind = fields.Selection(
        BAY_KINDS,
        string="Workshop bay",
        help="The kind of bay this operation occupies; a booking of it reserves that bay's time.",
    )
    dealer_norm_ids = fields.One2many("dealer.workshop.norm", "product_tmpl_id", string="Standard times per model")

    def _dealer_workshop_hours(self, model=None):
        """``{template id: norm-hours}`` of catalogue items for a car model.

        The model's standard time (``dealer.workshop.norm``) first, else the item's own norm-hours,
        else, for a service package, the sum of its labour lines (each by the same rule, times its
        quantity). Parts take no bay time. Two queries whatever the number of items.
        """
        packages = self.filtered(lambda t: not t.dealer_labour_hours and t.dealer_package_line_ids)
        contents = packages.dealer_package_line_ids.product_id.product_tmpl_id
        every = self | contents
        norms = {}
        if model:
            norms = {
                norm.product_tmpl_id.id: norm.hours
                for norm in self.env["dealer.workshop.norm"]
                .sudo()
                .search([("product_tmpl_id", "in", every.ids), ("model_id", "=", model.id)])
            }

        def own(template):
            return norms.get(template.id, template.dealer_labour_hours)

        result = {}
        for template in self:
            hours = own(template)
            if not hours and template in packages:
                hours = sum(
                    line.quantity * own(line.product_id.product_tmpl_id)
                    for line in template.dealer_package_line_ids
                    if line.product_id.dealer_item_kind != "part"
                )
            result[template.id] = hours or 0.0
        return result

    @api.model
    def _dealer_workshop_needs(self, templates, model=None):
        """``(bay kind, hours)`` a job of these catalogue items needs on a car of ``model``.

        The kind of the item with the most hours among those naming one (mechanical by default);
        the hours summed, at least one booking slot. The booking page asks it before a booking
        exists; ``crm.lead._dealer_workshop_needs`` for a booking.
        """
        templates = templates.product_tmpl_id if templates._name == "product.product" else templates
        per_item = templates._dealer_workshop_hours(model)
        kinds = sorted(
            (template for template in templates if template.dealer_bay_kind),
            key=lambda template: per_item[template.id],
            reverse=True,
        )
        kind = kinds[0].dealer_bay_kind if kinds else "mechanical"
        minimum = workshop_param(self.env, "slot_minutes") / 60.0
        # a package or an operation listed twice takes its time twice
        return kind, max(minimum, round(sum(per_item[template.id] for template in templates), 2))
