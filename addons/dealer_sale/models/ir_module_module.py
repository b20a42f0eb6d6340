from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        """A language loaded after the install gives the showrooms the standard sales contract
        clauses in that language too (their wording is data, not a term of a view)."""
        res = super()._load_module_terms(modules, langs, overwrite=overwrite)
        if "dealer_sale" in modules and "res.company" in self.env and self.env.registry.ready:
            self.env["res.company"].search([])._dealer_sale_fill_default_clauses(langs)
        return res
