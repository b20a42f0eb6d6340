from odoo import models


class DealerVehicle(models.Model):
    _inherit = "dealer.vehicle"

    def mail_allowed_qweb_expressions(self):
        """Placeholders anybody may put in a campaign text about a car (read as fields, never evaluated)."""
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.plate",
            "object.vin",
            "object.model_year",
            "object.brand_id.name",
            "object.model_id.name",
            "object.next_service_date",
            "object.next_service_km",
            "object.insurance_end",
            "object.warranty_end",
            "object.delivery_date",
            "object.company_id.name",
            "object.next_offer_text",
        )
