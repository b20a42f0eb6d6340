"""Comparing a token a request brings (a link's signature, a webhook's secret) with the expected one; keeping the
signatures of customers' links out of the server's access log."""

import logging
import re

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


# ------------------------------------------------------------
# The access log
# ------------------------------------------------------------

_SIGNED_PATHS = []


def hide_in_access_log(prefix):
    """Mask, in the server's access log, the path segment or query value after ``prefix`` (a regular expression
    of the request up to it, e.g. ``r"/service/status/\\d+/"``): the signature of a customer's link. Odoo logs
    every request's path and query (logger ``werkzeug``), so whoever reads the server's log, or the log shipped to
    a monitoring service, would otherwise open every link a customer opened. Each addon registers its own links."""
    pattern = re.compile(f'({prefix})[^/?#&\\s"]+')
    if pattern.pattern not in {known.pattern for known in _SIGNED_PATHS}:
        _SIGNED_PATHS.append(pattern)


def mask_signed_paths(text):
    """``text`` with the signature of every registered link replaced by ``***``."""
    for pattern in _SIGNED_PATHS:
        text = pattern.sub(r"\1***", text)
    return text


class _MaskSignedPaths(logging.Filter):
    """The request line is the first argument of the access log's record (``"GET /path HTTP/1.1" 200 -``)."""

    def filter(self, record):
        if _SIGNED_PATHS and isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            masked = mask_signed_paths(record.args[0])
            if masked != record.args[0]:
                record.args = (masked, *record.args[1:])
        return True


_access_log = logging.getLogger("werkzeug")
if not any(isinstance(existing, _MaskSignedPaths) for existing in _access_log.filters):
    _access_log.addFilter(_MaskSignedPaths())
