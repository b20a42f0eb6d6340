from odoo import api, models
from odoo.exceptions import AccessError


class DealerSharedSettingMixin(models.AbstractModel):
    """A setting a showroom may have its own of (response times, the escalation chain, the call checklist,
    promotions): a row without a showroom applies to every showroom. A setting of a model without
    showrooms (RFM segments, churn-risk rules) is the group's in every row.

    Reading it is open to all showrooms (their record rules say ``company_id in company_ids + [False]``),
    but creating, changing or deleting it changes every showroom's work: only someone who works in all
    of them (in a database of one showroom: its director, its marketer …) or a settings administrator may.
    A director of one showroom makes rows of their showroom instead; a copy of a shared row becomes one.
    """

    _name = "dealer.shared.setting.mixin"
    _description = "Setting shared by the showrooms"

    @api.model
    def _dealer_may_change_shared(self):
        env = self.env
        if env.su or env.user._is_system():
            return True
        return not (env["res.company"].sudo().search([]) - env.user.sudo().company_ids)

    def _dealer_check_shared(self):
        has_showroom = "company_id" in self._fields
        shared = self.filtered(lambda row: not row.company_id) if has_showroom else self
        if not shared or self._dealer_may_change_shared():
            return
        if not has_showroom:
            self._dealer_refuse_shared(shared[0].display_name)
        raise AccessError(
            self.env._(
                "%(model)s “%(name)s” applies to every showroom: only someone who works in all showrooms "
                "changes it. Set %(field)s to make one for your showroom instead.",
                model=self.env["ir.model"]._get(self._name).with_context(lang=self.env.lang).name,
                name=shared[0].display_name,
                field=self._fields["company_id"]._description_string(self.env),
            )
        )

    def _dealer_refuse_shared(self, name):
        raise AccessError(
            self.env._(
                "%(model)s “%(name)s” applies to every showroom: only someone who works in all showrooms changes it.",
                model=self.env["ir.model"]._get(self._name).with_context(lang=self.env.lang).name,
                name=name,
            )
        )

    @api.model
    def default_get(self, fields):
        """A new row of someone who may not change the group's rows is their showroom's own; the others'
        (in a database of one showroom, its director) stay the group's unless they choose a showroom."""
        values = super().default_get(fields)
        if "company_id" in fields and not values.get("company_id") and not self._dealer_may_change_shared():
            values["company_id"] = self.env.company.id
        return values

    @api.model_create_multi
    def create(self, vals_list):
        if "company_id" not in self._fields and vals_list and not self._dealer_may_change_shared():
            # a row of a model without showrooms is the group's: refused before anything is written
            self.browse()._dealer_refuse_shared(vals_list[0].get("name") or "")
        records = super().create(vals_list)
        records._dealer_check_shared()
        return records

    def write(self, vals):
        self._dealer_check_shared()
        result = super().write(vals)
        if "company_id" in vals and not self.env.su:
            self._dealer_check_shared()
            self.check_access("write")  # moved to a showroom the user does not work in: refused
        return result

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=""):
        """Odoo's translation dialog writes a name in each language past ``write``: the same rule."""
        self._dealer_check_shared()
        return super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)

    def unlink(self):
        self._dealer_check_shared()
        return super().unlink()

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if (
            "company_id" in self._fields
            and "company_id" not in (default or {})
            and not self._dealer_may_change_shared()
        ):
            for vals in vals_list:
                vals["company_id"] = vals.get("company_id") or self.env.company.id
        return vals_list
