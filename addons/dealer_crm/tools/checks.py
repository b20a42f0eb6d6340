"""Constraints shared by the suite's models: a refusal that names the field, in the user's language."""

from odoo.exceptions import ValidationError

from .api_input import MAX_YEAR, MIN_YEAR


def check_not_negative(records, *fnames):
    """Refuse a negative value of any of ``fnames`` (hours, norms, amounts that count time or money)."""
    for fname in fnames:
        if any((record[fname] or 0) < 0 for record in records):
            raise ValidationError(
                records.env._(
                    "%(field)s cannot be negative.", field=records._fields[fname]._description_string(records.env)
                )
            )


def check_date_years(records, *fnames):
    """Refuse a date (or datetime) of any of ``fnames`` outside the years a dealership's data can be in (the API's):
    beyond them a date is a typo, and the date arithmetic of the reports overflows (9999-12-31 has no next day)."""
    for fname in fnames:
        for record in records:
            value = record[fname]
            if value and not MIN_YEAR <= value.year <= MAX_YEAR:
                raise ValidationError(
                    records.env._(
                        "%(field)s must be between the years %(first)s and %(last)s.",
                        field=records._fields[fname]._description_string(records.env),
                        first=MIN_YEAR,
                        last=MAX_YEAR,
                    )
                )
