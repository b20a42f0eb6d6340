"""Licence plates, plain Python: one key however a plate is typed.

Russian plates use only the twelve Cyrillic letters that look like Latin ones (А В Е К М Н О Р С Т
У Х), and people type them either way, in any case, with spaces or dashes: ``А 123 ВС-77`` and
``a123bc77`` are the same car. The key maps those letters to Latin, drops spaces, dots and
dashes and upper-cases the rest; ``plate_key_sql`` computes the same key in PostgreSQL (the
Cyrillic letters are mapped before upper-casing, so the database's locale does not matter).
"""

import re

from odoo.tools import SQL

CYRILLIC = "АВЕКМНОРСТУХавекмнорстух"
LATIN = "ABEKMHOPCTYXABEKMHOPCTYX"
_TO_LATIN = str.maketrans(CYRILLIC, LATIN)
_SEPARATORS = r"[\s.-]+"


def normalize_plate(plate):
    """The plate's key: Cyrillic look-alikes in Latin, no spaces, dots or dashes, upper case."""
    return re.sub(_SEPARATORS, "", (plate or "").translate(_TO_LATIN)).upper()


def plate_key_sql(column):
    """``normalize_plate`` of an SQL expression (``column``: an ``SQL`` object)."""
    return SQL(
        "upper(regexp_replace(translate(%s, %s, %s), %s, '', 'g'))",
        column,
        CYRILLIC,
        LATIN,
        _SEPARATORS,
    )
