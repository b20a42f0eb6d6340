"""The one reader of the suite's database-wide settings (Settings → Dealership).

Each addon declares its whole-number settings once, as ``{system parameter: (default, minimum,
maximum)}``, shows them on ``res.config.settings`` with ``config_parameter=`` and reads them
with :func:`int_param`; :func:`check_int_settings` is the constraint of the Settings page. A
parameter edited by hand (Settings → Technical → System Parameters) into something else than a
whole number in range is reported by name instead of breaking the caller (a cron, a request of
the DMS) with a bare error.
"""

from odoo.exceptions import UserError, ValidationError


def int_param(env, param, spec):
    """The value of the system parameter ``param``, ``spec = (default, minimum, maximum)``; the default when unset."""
    default, minimum, maximum = spec
    raw = env["ir.config_parameter"].sudo().get_param(param)
    if raw in (None, False, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise UserError(
            env._(
                "System parameter %(param)s must be a whole number from %(min)s to %(max)s, not %(value)r.",
                param=param,
                min=minimum,
                max=maximum,
                value=raw,
            )
        )
    return value


def check_int_settings(settings, specs):
    """Constraint of a Settings page: each field of ``specs`` (``{field name: (default, min, max)}``) in range."""
    for record in settings:
        for fname, (_default, minimum, maximum) in specs.items():
            if not minimum <= record[fname] <= maximum:
                raise ValidationError(
                    settings.env._(
                        "%(field)s must be from %(min)s to %(max)s.",
                        field=settings._fields[fname]._description_string(settings.env),
                        min=minimum,
                        max=maximum,
                    )
                )
