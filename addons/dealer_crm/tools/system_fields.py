"""Fields the application writes (a response clock, a proof of consent, a kept document): no person
writes them, whatever the path.

Odoo checks ``readonly`` only in its forms; JSON-RPC, imports and server actions write any stored
field the user may write. A model lists such fields and calls :func:`refuse_system_fields` from its
``create`` and ``write``; the application writes them as superuser or in SQL.
"""

from odoo.exceptions import AccessError

from .marks import marked


def may_write_system_fields(env):
    """Odoo's superuser (the application's own code), the settings administrators (an import from another
    system, a correction), and Odoo's merge of contacts carrying a merged card's values to the kept one."""
    return env.su or bool(marked(env, "dealer_partner_merge")) or env.user.has_group("base.group_system")


def refuse_system_fields(records, vals_list, fnames):
    """Refuse, naming the field, a person's ``create`` or ``write`` that sets one of ``fnames``.

    ``records`` is the recordset written (the empty model on create). On a write, a value equal to
    the current one passes (a client sending back what it read); so does an empty value on create,
    where a ``default_<field>`` key of the request's context counts as a value (Odoo applies it after
    ``create`` is called). A file field (a kept document) is refused whatever the value: emptying it
    deletes the files. Called before anything is written.
    """
    if not records:
        defaults = {
            fname: records.env.context[f"default_{fname}"]
            for fname in fnames
            if f"default_{fname}" in records.env.context
        }
        if defaults:
            vals_list = [{**defaults, **vals} for vals in vals_list]
    touched = [fname for fname in fnames if any(fname in vals for vals in vals_list)]
    if not touched or may_write_system_fields(records.env):
        return
    for fname in touched:
        field = records._fields[fname]
        for vals in vals_list:
            if fname not in vals:
                continue
            if field.type != "binary":
                if not records and not vals[fname]:
                    continue
                if records:
                    value = field.convert_to_record(field.convert_to_cache(vals[fname], records), records)
                    if all((record[fname] or False) == (value or False) for record in records):
                        continue
            raise AccessError(
                records.env._(
                    "%(field)s is kept by the application and cannot be changed by hand.",
                    field=field._description_string(records.env),
                )
            )


def _record_id(value):
    """The id a many2one value of ``create`` or ``write`` names, else 0: a number, or digits sent as text
    (PostgreSQL stores '42' as 42 on create)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def check_linked_records(records, vals_list, fnames, operation="read"):
    """Refuse a person's ``create`` or ``write`` that links, through one of the many2one ``fnames``, a record
    they may not ``operation`` (read, write).

    Odoo shows a linked record's name to whoever reads the link, whatever their rights: another showroom's
    visit or deal, its id written on a record of one's own, would be read through it (and acted upon by what
    follows the link). Constraints run as superuser, so the check is made here, before anything is written.
    """
    env = records.env
    if env.su:
        return
    if not records:
        # Odoo applies a ``default_<field>`` key of the request's context after ``create`` is called
        defaults = {fname: env.context[f"default_{fname}"] for fname in fnames if f"default_{fname}" in env.context}
        vals_list = [{**defaults, **vals} for vals in vals_list]
    for fname in fnames:
        ids = {record_id for vals in vals_list if (record_id := _record_id(vals.get(fname)))}
        if ids:
            env[records._fields[fname].comodel_name].browse(ids).check_access(operation)


def check_access_after_move(records, vals, fnames):
    """After a person's ``write`` of ``fnames`` (the fields the model's record rules read: its showroom, the record
    it belongs to), refuse it unless they may still write every record where it now is.

    Odoo checks record rules before a write, not after: without this a person of one showroom could move their
    record into another (a traffic count into its funnel, a bay into its workshop, a checklist line into another
    review) and change that showroom's figures. Call after ``super().write``: the whole write is then undone.
    """
    if not records.env.su and any(fname in vals for fname in fnames):
        records.check_access("write")
