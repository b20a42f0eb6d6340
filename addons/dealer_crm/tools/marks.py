"""Context values only the application's own code can set.

A request's context (a JSON-RPC call, an action's or a filter's context) is the client's: a key that
skips a check, or names a fact, must not be honoured from there. The application passes
``Mark(value)`` instead, a Python object that no JSON request can carry, and reads it with
:func:`marked`.
"""

from dataclasses import dataclass

from odoo.tools.misc import clean_context


@dataclass(frozen=True)
class Mark:
    """A context value put by the application (see the module's docstring)."""

    value: object = True


def marked(env, key, default=None):
    """The value the application put under ``key`` of ``env``'s context (a :class:`Mark`), else ``default``:
    a plain value, sent by a request, is ignored."""
    mark = env.context.get(key)
    return mark.value if isinstance(mark, Mark) else default


def as_application(records):
    """``records`` as superuser, without the request's ``default_*`` keys: the application creates what a
    person may not, with the values it chose, not with defaults slipped into the person's context."""
    return records.sudo().with_context(clean_context(records.env.context))
