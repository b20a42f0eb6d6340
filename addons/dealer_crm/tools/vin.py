"""Vehicle identification numbers (ISO 3779), plain Python.

A VIN has 17 characters from the ISO 3779 alphabet: digits and Latin capitals without
I, O and Q.  The ninth character is a check digit that North American manufacturers
(world manufacturer identifiers starting with 1-5) and Chinese ones (L) must use; other
manufacturers may put anything allowed there, so the digit is only checked for those.
"""

import re

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
CHECK_DIGIT_REGIONS = tuple("12345L")


def normalize_vin(vin):
    """Upper-case and strip spaces and dashes that people type into VINs."""
    return re.sub(r"[\s-]+", "", vin or "").upper()


def check_digit(vin):
    total = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def vin_problem(vin):
    """Return None for a valid (normalised) VIN, else ``(code, details)``.

    Codes: ``length`` (details: the length), ``ioq`` (the letters found), ``alphabet``,
    ``check_digit`` (details: ``(found, expected)``).
    """
    if len(vin) != 17:
        return "length", len(vin)
    bad = sorted({c for c in vin if c in "IOQ"})
    if bad:
        return "ioq", ", ".join(bad)
    if not VIN_RE.match(vin):
        return "alphabet", None
    expected = check_digit(vin) if vin[0] in CHECK_DIGIT_REGIONS else vin[8]
    if vin[8] != expected:
        return "check_digit", (vin[8], expected)
    return None
