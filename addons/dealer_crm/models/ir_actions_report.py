import logging

from markupsafe import Markup

from odoo import fields, models

_logger = logging.getLogger(__name__)


class IrActionsReport(models.Model):
    """ "Keep every print": each PDF of such a report is stored, version-numbered, on the document's holder.

    A dealership must be able to show which work order, contract or offer it handed to a
    customer, and which of several printed versions. Odoo's own "Save as Attachment" keeps one
    file per name (a cache: reprinting returns it); this keeps every print as a new version
    ("Work Order RO0001 v1.pdf", "… v2.pdf") on the record that holds the documents
    (``_dealer_document_holder``: the record itself, the deal for a quotation …) and notes the
    print in its chatter. Previews (HTML) keep nothing.
    """

    _inherit = "ir.actions.report"

    dealer_archive = fields.Boolean(
        string="Keep every print",
        help="Every PDF printed from this report is kept as a new version (v1, v2 …) in the attachments "
        "of the document's record, with a note in its history.",
    )
    dealer_archive_field = fields.Char(
        string="Kept prints readable through",
        help="A field of the record that keeps the prints: only who may read that field may open the kept "
        "copies (a document with personal data). Empty: whoever reads the record.",
    )

    def _pre_render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Keep each record's PDF when the report keeps every print.

        The one place that has the PDF of each printed record separately (Odoo's own
        attachments are made from the same streams in ``_render_qweb_pdf``); e-mailed
        documents go through it too, so a sent offer is kept as well.
        """
        streams, report_type = super()._pre_render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        if report_type == "pdf" and res_ids:
            report = self._get_report(report_ref)
            if report.dealer_archive:
                self._dealer_archive_prints(report, streams)
        return streams, report_type

    def _dealer_archive_prints(self, report, streams):
        """Store one attachment per printed record on its holder and note the print in the holder's chatter.

        The copy is added by the application (what makes a file a kept print is its own: nobody marks a file
        by hand), for who may edit the holder and for who may only read it (the service desk reads visits, the
        advisor edits them): the server adds the PDF it has just rendered with that user's rights, on a record
        they may read, with the note in their name; they choose neither the content nor the record, and change
        nothing already there. A document handed to a customer without a copy kept is what
        "Keep every print" exists to prevent; refusing the print would stop the service desk.
        Who may not even read the holder gets an access error and no PDF.

        :param report: the report (``_get_report``: with sudo)
        :param dict streams: ``{res_id: {"stream": BytesIO, …}}`` as ``_render_qweb_pdf_prepare_streams``
        :returns: the created ``ir.attachment`` records
        """
        records = self.env[report.model].browse(
            [res_id for res_id, data in streams.items() if res_id and data["stream"]]
        )
        if hasattr(records, "_dealer_keeps_prints"):
            records = records.filtered(lambda record: record._dealer_keeps_prints())
        if not records:
            return self.env["ir.attachment"]
        holders = {record.id: self._dealer_holder(record) for record in records}
        writable = self._dealer_writable_holders(holders.values(), report)
        versions = self._dealer_kept_versions(report, holders.values())
        report_name = report.with_context(lang=self.env.lang).name
        vals_by_access = {True: [], False: []}
        for record in records:
            holder = holders[record.id]
            key = (holder._name, holder.id)
            versions[key] += 1
            vals_by_access[key in writable].append(
                {
                    "name": f"{report_name} {record.display_name} v{versions[key]}.pdf".replace("/", "_"),
                    "raw": streams[record.id]["stream"].getvalue(),
                    "res_model": holder._name,
                    "res_id": holder.id,
                    # Odoo lets read a field's attachment only who may read the field (its groups)
                    "res_field": self._dealer_archive_field(report, holder),
                    "type": "binary",
                    "mimetype": "application/pdf",
                    "dealer_report_id": report.id,
                    "dealer_version": versions[key],
                }
            )
        # as the application (a kept print's marker is its own, see ir.attachment): the holders the user may write
        # were checked above, the others are the documents' holders the print is kept on for them
        Attachment = self.env["ir.attachment"].sudo()
        attachments = Attachment.create(vals_by_access[True] + vals_by_access[False]).sudo(False)
        for attachment in attachments:
            holder = self.env[attachment.res_model].browse(attachment.res_id)
            if "message_ids" not in holder._fields:
                continue
            if (holder._name, holder.id) not in writable:
                holder = holder.sudo()
            holder.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Printed %(report)s, version %(version)s.", report=report_name, version=attachment.dealer_version
                ),
                attachment_ids=attachment.ids,
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
                message_type="comment",
            )
        _logger.info("Kept %s printed %s document(s): %s", len(attachments), report.report_name, attachments.ids)
        return attachments

    def _dealer_writable_holders(self, holders, report):
        """``{(model, id)}`` of the holders the user may add the copy to themselves: they may edit the holder
        and read the field the copies are kept behind (who may not, a Sales administrator without the
        dealership's money rights, still leaves the copy, which they cannot open). Raises AccessError on
        a holder they may not read."""
        writable = set()
        by_model = {}
        for holder in holders:
            by_model.setdefault(holder._name, set()).add(holder.id)
        for model, ids in by_model.items():
            holders = self.env[model].browse(ids)
            holders.check_access("read")
            fname = self._dealer_archive_field(report, holders)
            if fname and not holders._has_field_access(holders._fields[fname], "read"):
                continue
            writable.update((model, holder_id) for holder_id in holders._filtered_access("write").ids)
        return writable

    def _dealer_archive_field(self, report, holder):
        """The field of ``holder`` whose readers may open the kept copies of ``report`` (False: its readers)."""
        name = report.dealer_archive_field
        return name if name and name in holder._fields else False

    def _dealer_holder(self, record):
        """The record a print of ``record`` is kept on: its ``_dealer_document_holder``, else itself."""
        holder = record._dealer_document_holder() if hasattr(record, "_dealer_document_holder") else None
        return holder or record

    def _dealer_kept_versions(self, report, holders):
        """``{(model, id): highest version kept}`` of ``report`` for these holders: one query for all of them.

        Counted over every kept version, whoever may read it, so that numbers never repeat.
        """
        versions = {}
        by_model = {}
        for holder in holders:
            versions[(holder._name, holder.id)] = 0
            by_model.setdefault(holder._name, set()).add(holder.id)
        for model, ids in by_model.items():
            groups = (
                self.env["ir.attachment"]
                .sudo()
                ._read_group(
                    [
                        ("res_model", "=", model),
                        ("res_id", "in", list(ids)),
                        ("dealer_report_id", "=", report.id),
                        # the copies kept behind a field too (Odoo leaves them out unless asked)
                        "|",
                        ("res_field", "=", False),
                        ("res_field", "!=", False),
                    ],
                    ["res_id"],
                    ["dealer_version:max"],
                )
            )
            for res_id, version in groups:
                versions[(model, res_id)] = version or 0
        return versions
