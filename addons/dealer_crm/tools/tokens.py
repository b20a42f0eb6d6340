"""Comparing a token a request brings (a link's signature, a webhook's secret) with the expected one."""

from odoo.tools import consteq


def same_token(given, expected):
    """True when ``given`` is ``expected``, compared in constant time.

    Anything a request can bring is only unequal: not a string, empty, or text with non-ASCII
    characters (which Python's constant-time comparison of strings refuses with an error).
    """
    if not isinstance(given, str) or not isinstance(expected, str) or not expected:
        return False
    return consteq(given.encode(), expected.encode())


def private_page(response):
    """A page opened by a signed link (its token is in the URL): not kept by caches, and the URL not sent on as
    the Referer to whatever the page links to or loads."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
