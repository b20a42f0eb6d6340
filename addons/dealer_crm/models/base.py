from odoo import SUPERUSER_ID, models
from odoo.exceptions import UserError

from ..tools.sql import reader_company_ids

# the lines Odoo's message shows
SHOWN_CROSSINGS = 5


class Base(models.AbstractModel):
    """Odoo's company-crossover error does not name records the user may not read.

    Odoo's ``_check_company`` reads the linked records' names as superuser for its message, so a
    link set over RPC to a record of another showroom (a bay, a lead, a customer) answered with that
    record's name: an id probed at a time, a showroom's staff learnt the names of another's records.
    The change is refused as before; when a record it links to is one the user may not read, the
    message names the field and the user's own record, not the linked one.
    """

    _inherit = "base"

    def _check_company(self, fnames=None):
        try:
            return super()._check_company(fnames)
        except UserError as error:
            # Odoo's own message is a plain UserError (an access or missing-record error is not rewritten)
            if type(error) is not UserError or self.env.uid == SUPERUSER_ID:
                raise
            crossings = self._dealer_company_crossings(fnames)
            if all(readable for _record, _fname, readable in crossings):
                raise
            lines = [self.env._("Uh-oh! You’ve got some company inconsistencies here:")]
            for record, fname, readable in crossings:
                values = {
                    "record": self._dealer_readable_name(record),
                    "field": self._fields[fname]._description_string(self.env),
                    "fname": fname,
                }
                if readable:
                    values["values"] = ", ".join(repr(self._dealer_readable_name(rec)) for rec in record[fname])
                    lines.append(
                        self.env._(
                            "- “%(record)s”: “%(field)s” (%(fname)s: %(values)s) belongs to another company.",
                            **values,
                        )
                    )
                else:
                    lines.append(
                        self.env._("- “%(record)s”: “%(field)s” (%(fname)s) belongs to another company.", **values)
                    )
            lines.append(self.env._("To avoid a mess, no company crossover is allowed!"))
            raise UserError("\n".join(lines)) from None

    def _dealer_user_env(self):
        """The current user's environment, not as superuser, in the companies they read in (``reader_company_ids``:
        those of the current selection they work in; code running as superuser may have selected others)."""
        return self.env(su=False, context={**self.env.context, "allowed_company_ids": reader_company_ids(self.env)})

    def _dealer_readable(self, records):
        """Whether the current user (not as superuser) may read every one of ``records``."""
        return records.with_env(self._dealer_user_env())._filtered_access("read") == records

    def _dealer_readable_name(self, record):
        return record.sudo().display_name if self._dealer_readable(record) else f"{record._description} #{record.id}"

    def _dealer_company_crossings(self, fnames):
        """``(record, field name, readable)`` of the first company-checked links of ``self`` to a record of
        another company, in the order Odoo's ``_check_company`` finds them; ``readable``: the current user (not
        as superuser) may read every linked record."""
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        checked = [self._fields[fname] for fname in fnames]
        checked = [field for field in checked if field.relational and field.check_company]
        # Odoo checks the regular fields of a record, then its company-dependent ones
        checked.sort(key=lambda field: bool(field.company_dependent))
        crossings = []
        for record in self.sudo():
            for field in checked:
                linked = record[field.name]
                if not linked:
                    continue
                if field.company_dependent:
                    companies = self.env.company
                elif self._name == "res.company":
                    companies = record
                elif "company_id" in self:
                    companies = record.company_id
                elif "company_ids" in self:
                    companies = record.company_ids
                else:
                    continue
                domain = linked._check_company_domain(companies)
                if domain and linked != linked.with_context(active_test=False).filtered_domain(domain):
                    crossings.append((record, field.name, self._dealer_readable(linked)))
                    if len(crossings) == SHOWN_CROSSINGS:
                        return crossings
        return crossings
