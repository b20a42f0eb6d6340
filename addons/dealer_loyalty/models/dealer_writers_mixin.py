from odoo import api, fields, models


class DealerWritersMixin(models.AbstractModel):
    """A campaign or retention strategy whose filter runs with the rights of the people who wrote it.

    Its writers are its author (``create_uid``) and the last person who edited it (``dealer_editor_id``).
    Odoo's ``write_uid`` is not that person: it is whoever wrote the record last, including the system's
    own bookkeeping — a booking credited to the campaign (under ``sudo`` as the customer or the call
    centre), a nightly run (as OdooBot). Only a person's own edit (no ``sudo``, not the superuser) makes
    them its editor.
    """

    _name = "dealer.writers.mixin"
    _description = "Filter run with its writers' rights"

    dealer_editor_id = fields.Many2one(
        "res.users",
        string="Last edited by",
        readonly=True,
        copy=False,
        help="The last person who edited it: its audience is read with their rights and their author's.",
    )

    def _dealer_editor_vals(self):
        if self.env.su or self.env.user._is_superuser():
            return {}
        return {"dealer_editor_id": self.env.uid}

    @api.model_create_multi
    def create(self, vals_list):
        editor = self._dealer_editor_vals()
        return super().create([{**vals, **editor} for vals in vals_list])

    def write(self, vals):
        return super().write({**vals, **self._dealer_editor_vals()})

    def _dealer_writers(self):
        """The people whose rights the filter runs with (sudo records; none for shipped data kept by the
        system). Rows from before the editor was recorded fall back on ``write_uid`` when a staff member
        wrote last (a customer or the superuser never edits a campaign)."""
        self.ensure_one()
        editor = self.dealer_editor_id or self.write_uid
        return (self.create_uid | editor).sudo().filtered(lambda user: not user._is_superuser() and not user.share)

    def _dealer_writers_companies(self):
        """The showrooms a filter of no showroom reaches: those all its writers work in (shipped data: its
        author's, OdooBot, who works in every showroom)."""
        writers = self._dealer_writers()
        if not writers:
            return (self.create_uid or self.env.user).sudo().company_ids
        companies = writers[0].company_ids
        for writer in writers[1:]:
            companies &= writer.company_ids
        return companies
