from odoo import api, fields, models

DEFAULT_CLAUSES_TEMPLATE = "dealer_sale.sales_contract_default_clauses"


class ResCompany(models.Model):
    _inherit = "res.company"

    dealer_sale_contract_clauses = fields.Html(
        string="Sales contract clauses",
        translate=True,
        help="The terms of the showroom's sales contract (subject, payment, handover, warranty, disputes), "
        "printed between the car and the signatures, in the buyer's language.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies.filtered(lambda company: not company.dealer_sale_contract_clauses)._dealer_sale_fill_default_clauses()
        return companies

    def _dealer_sale_default_clauses(self, lang):
        """The standard clauses shipped with the addon, in ``lang`` (a template: its Russian is in ru.po)."""
        return self.env["ir.qweb"].with_context(lang=lang)._render(DEFAULT_CLAUSES_TEMPLATE, {})

    def _dealer_sale_fill_default_clauses(self, langs=None):
        """Give each showroom the standard clauses in the languages it has no wording in.

        Run at install, for a new showroom and when a language is loaded later; a language is
        only filled while the English wording is still the standard one (a showroom that wrote
        its own clauses translates them itself) and when the addon has the language's wording
        (other languages read the English one). The field is translated term by term, as
        Odoo's HTML fields are: each term of the English text gets its term in the language.

        :param langs: language codes (default: every installed language)
        """
        if not self.env.ref(DEFAULT_CLAUSES_TEMPLATE, raise_if_not_found=False):
            return  # the addon's data is being (re)loaded
        fname = "dealer_sale_contract_clauses"
        field = self._fields[fname]
        langs = set(langs or [code for code, _name in self.env["res.lang"].get_installed()]) - {"en_US"}
        standard_en = str(self._dealer_sale_default_clauses("en_US"))
        en_terms = field.get_trans_terms(standard_en)
        lang_terms = {lang: field.get_trans_terms(str(self._dealer_sale_default_clauses(lang))) for lang in langs}
        for company in self.sudo():
            stored = field._get_stored_translations(company) or {}
            if not stored.get("en_US"):
                company.with_context(lang="en_US").write({fname: standard_en})
                stored = field._get_stored_translations(company)
            if field.get_trans_terms(stored["en_US"]) != en_terms:
                continue
            translations = {
                lang: dict(zip(en_terms, terms, strict=True))
                for lang, terms in lang_terms.items()
                if lang not in stored and len(terms) == len(en_terms) and terms != en_terms
            }
            if translations:
                company.update_field_translations(fname, translations)
