from odoo import api, fields, models
from odoo.addons.mail.tools.discuss import Store
from odoo.exceptions import AccessError

from ..tools.system_fields import may_write_system_fields, refuse_system_fields

# the tokens Odoo's chatter gives with each attachment of a message, which open the file without any other check
ACCESS_TOKEN_ATTRS = ("raw_access_token", "thumbnail_access_token")
# what makes a file a kept print: set by the application only (``ir.actions.report._dealer_archive_prints``)
KEPT_PRINT_FIELDS = ("dealer_report_id", "dealer_version")


class IrAttachment(models.Model):
    """A kept print (see ``ir.actions.report.dealer_archive``): which report it is and its version number."""

    _inherit = "ir.attachment"

    dealer_report_id = fields.Many2one(
        "ir.actions.report", string="Printed report", index="btree_not_null", ondelete="set null", readonly=True
    )
    dealer_version = fields.Integer(string="Print version", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # a file made a kept print by hand (any file attached to a record its author may write) would stand as the
        # dealer's proof, deletable by nobody, and push the next true print's version number
        refuse_system_fields(self, vals_list, KEPT_PRINT_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        self._dealer_check_kept_prints()
        refuse_system_fields(self, [vals], KEPT_PRINT_FIELDS)
        return super().write(vals)

    def unlink(self):
        self._dealer_check_kept_prints()
        return super().unlink()

    def _dealer_check_kept_prints(self):
        """A kept print is the dealer's proof of what the customer was handed: nobody replaces, moves or
        deletes it by hand (the application does, as superuser: a merge of deals, the data retention,
        the deletion of its deal). Odoo lets whoever may write the record change its files."""
        if may_write_system_fields(self.env) or not self:
            return
        # sudo: the marker only, usually already read with the attachment (no query)
        if self.sudo().filtered("dealer_report_id"):
            raise AccessError(
                self.env._("A kept copy of a printed document cannot be changed or deleted: print a new version.")
            )

    def _to_store_defaults(self, target):
        """A file kept behind a field (a sales contract behind the identity group, an offer or a work order
        behind the money group) comes with the chatter note of its print; Odoo reads a message's
        attachments as superuser and hands every reader of the note a token that opens the file past
        the field's groups. Only who may read that field gets the tokens: the others see the file's
        name in the note, and opening it is refused."""
        specs = super()._to_store_defaults(target)
        return [
            Store.Attr(spec.field_name, self._dealer_guarded(spec), predicate=spec.predicate, sudo=spec.sudo)
            if isinstance(spec, Store.Attr) and spec.field_name in ACCESS_TOKEN_ATTRS
            else spec
            for spec in specs
        ]

    @staticmethod
    def _dealer_guarded(spec):
        return lambda attachment: spec._get_value(attachment) if attachment._dealer_may_open() else False

    def _dealer_may_open(self):
        """Whether the user (not the superuser the chatter reads with) may read this file: Odoo's own check
        of an attachment, which for a file kept behind a field asks for that field's groups."""
        self.ensure_one()
        return not self.res_field or self.sudo(False).has_access("read")
