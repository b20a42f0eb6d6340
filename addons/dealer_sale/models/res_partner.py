from odoo import models

# The buyer's identity a sales contract prints (res.partner fields of dealer_crm).
CONTRACT_IDENTITY_FIELDS = ("dealer_id_number", "dealer_id_issued_by", "dealer_id_issue_date", "dealer_birthdate")


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _dealer_sale_missing_identity(self):
        """The labels of the identity fields a sales contract needs that this buyer lacks."""
        self.ensure_one()
        return [
            self._fields[fname]._description_string(self.env)
            for fname in CONTRACT_IDENTITY_FIELDS
            if fname in self._fields and not self[fname]
        ]
