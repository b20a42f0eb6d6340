"""Validation of integration API payloads, plain Python.

Model methods behind the endpoints read their input through these helpers; a bad value
raises :class:`ApiInputError` naming the field, which the controller turns into a
``400 invalid_input`` JSON error after rolling back everything the request wrote; an unknown
id in the path raises :class:`ApiNotFound` (``404 not_found``).
"""

import re
import sys
from datetime import date, datetime, timezone

# the years a date the API takes may have (a visit, a call, a booking, a policy's end)
MIN_YEAR, MAX_YEAR = 1950, 2100
# a whole number is stored in PostgreSQL's integer (an odometer, seconds, an id): larger is refused here
MAX_INTEGER = 2**31 - 1
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _lt(template):
    """Marks an error message for the translations of the addon whose file holds it (Odoo extracts
    ``_lt("…")`` as it does its own lazy terms): the API answers in English, a person reads
    :meth:`ApiInputError.translated`."""
    return template


class ApiInputError(ValueError):
    """Bad input: ``field`` is the payload's field name (None for the body itself).

    ``message`` is an English template filled with ``params``, which the API answers; the addon whose
    file raises it holds its translations (:meth:`translated`, for a person: an import's report).
    """

    def __init__(self, field, message, /, **params):
        text = message % params if params else message
        super().__init__(text)
        self.field = field
        self.message = text
        self._template, self._params = message, params
        self._raised_in = sys._getframe(1).f_globals.get("__name__", "")  # as Odoo finds a term's addon

    def translated(self, lang):
        """The message in ``lang`` (an installed language code), from Odoo's translations of its addon."""
        # the checks are plain Python for the API
        from odoo.tools.translate import get_translated_module, get_translation

        return get_translation(get_translated_module(self._raised_in), lang, self._template, self._params)


class ApiNotFound(Exception):
    """An unknown id in the path: answered with 404 not_found."""


def _unstorable(value, name=False):
    """Why PostgreSQL cannot take the string ``value`` (its text holds no NUL and only valid UTF-8), else None:
    the message's template for ``field`` (the value, or with ``name`` a field name in it)."""
    if "\x00" in value:
        if name:
            return _lt("a field name in %(field)s must not contain NUL characters")
        return _lt("%(field)s must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. "\\ud800" in the JSON
        if name:
            return _lt("a field name in %(field)s must be valid Unicode text")
        return _lt("%(field)s must be valid Unicode text")
    return None


def unstorable_param(items):
    """The name of the first ``(name, value)`` pair of a web form or query whose name or value the database
    cannot take (see ``_unstorable``), else None."""
    for name, value in items:
        if isinstance(name, str) and _unstorable(name):
            return repr(name)
        if isinstance(value, str) and _unstorable(value):
            return name
    return None


def check_storable(value, field=None):
    """Refuse a request whose strings the database cannot take, naming the first such field.

    ``value`` is a parsed JSON body (or the request's path and query parameters); every string in it,
    at any depth, names included, is checked before any of it reaches a query: an idempotency key,
    an external id, a catalogue code and a free text alike. The field is named by its path in the
    body (``lines[0].code``, ``utm.source``); a bad name is reported on the object that holds it.
    """
    stack = [(field, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = _unstorable(value)
            if problem:
                raise ApiInputError(path, problem, field=path or "the body")
        elif isinstance(value, dict):
            children = []
            for name, child in value.items():
                problem = _unstorable(name, name=True) if isinstance(name, str) else None
                if problem:
                    raise ApiInputError(path, problem, field=path or "the body")
                children.append((f"{path}.{name}" if path else name, child))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path or ''}[{index}]", child) for index, child in enumerate(value)]))


def text(payload, field, required=False, max_len=None):
    value = payload.get(field)
    if value is None or value == "":
        if required:
            raise ApiInputError(field, _lt("%(field)s is required"), field=field)
        return None
    if not isinstance(value, str):
        raise ApiInputError(field, _lt("%(field)s must be a string"), field=field)
    value = value.strip()
    if required and not value:
        raise ApiInputError(field, _lt("%(field)s is required"), field=field)
    if max_len and len(value) > max_len:
        raise ApiInputError(
            field, _lt("%(field)s must have at most %(max_len)s characters"), field=field, max_len=max_len
        )
    if "\x00" in value:
        raise ApiInputError(field, _lt("%(field)s must not contain NUL characters"), field=field)
    return value or None


def number(payload, field, required=False, minimum=None, integer=False):
    value = payload.get(field)
    if value is None:
        if required:
            raise ApiInputError(field, _lt("%(field)s is required"), field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiInputError(field, _lt("%(field)s must be a number"), field=field)
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        raise ApiInputError(field, _lt("%(field)s must be a finite number"), field=field)
    if integer and value != int(value):
        raise ApiInputError(field, _lt("%(field)s must be a whole number"), field=field)
    if minimum is not None and value < minimum:
        raise ApiInputError(field, _lt("%(field)s must be at least %(minimum)s"), field=field, minimum=minimum)
    if abs(value) > (MAX_INTEGER if integer else 1e12):
        raise ApiInputError(field, _lt("%(field)s is too large"), field=field)
    return int(value) if integer else float(value)


def choice(payload, field, choices, default=None):
    value = payload.get(field, default)
    if value is None:
        return default
    if value not in choices:
        raise ApiInputError(
            field, _lt("%(field)s must be one of: %(choices)s"), field=field, choices=", ".join(choices)
        )
    return value


def email(payload, field="email"):
    value = text(payload, field, max_len=254)
    if value is None:
        return None
    value = value.lower()
    if not EMAIL_RE.match(value):
        raise ApiInputError(field, _lt("%(field)s is not a valid e-mail address"), field=field)
    return value


def boolean(payload, field):
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ApiInputError(field, _lt("%(field)s must be true or false"), field=field)
    return value


def obj(payload, field):
    value = payload.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiInputError(field, _lt("%(field)s must be an object"), field=field)
    return value


def items(payload, field, required=False):
    value = payload.get(field)
    if value is None:
        if required:
            raise ApiInputError(field, _lt("%(field)s is required"), field=field)
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ApiInputError(field, _lt("%(field)s must be a list of objects"), field=field)
    if len(value) > 500:
        raise ApiInputError(field, _lt("%(field)s has more than 500 items"), field=field)
    return value


def _check_year(field, year):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApiInputError(
            field,
            _lt("%(field)s must be between the years %(first)s and %(last)s"),
            field=field,
            first=MIN_YEAR,
            last=MAX_YEAR,
        )


def day(payload, field, required=False):
    """An ISO 8601 date (``2026-05-01``); a timestamp is accepted and its date taken."""
    value = text(payload, field, required=required, max_len=40)
    if value is None:
        return None
    try:
        result = date.fromisoformat(value[:10]) if len(value) > 10 else date.fromisoformat(value)
    except ValueError:
        raise ApiInputError(field, _lt("%(field)s must be an ISO 8601 date (YYYY-MM-DD)"), field=field) from None
    _check_year(field, result.year)
    return result


def timestamp(payload, field, required=False):
    """An ISO 8601 timestamp with an offset, returned as a naive UTC datetime (Odoo's storage)."""
    value = text(payload, field, required=required, max_len=40)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiInputError(field, _lt("%(field)s must be an ISO 8601 timestamp with an offset"), field=field) from None
    if moment.tzinfo is None:
        raise ApiInputError(field, _lt("%(field)s must have a UTC offset, e.g. 2026-05-01T10:00:00+03:00"), field=field)
    # years a dealership's data can have; beyond them a date is a typo, and Python's dates overflow
    # (0001-01-01T00:00:00+03:00 has no UTC time, 9999-12-31 no day after it)
    _check_year(field, moment.year)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
