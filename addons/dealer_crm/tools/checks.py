"""Constraints shared by the suite's models: a refusal that names the field, in the user's language."""

from odoo.exceptions import ValidationError


def check_not_negative(records, *fnames):
    """Refuse a negative value of any of ``fnames`` (hours, norms, amounts that count time or money)."""
    for fname in fnames:
        if any((record[fname] or 0) < 0 for record in records):
            raise ValidationError(
                records.env._(
                    "%(field)s cannot be negative.", field=records._fields[fname]._description_string(records.env)
                )
            )
