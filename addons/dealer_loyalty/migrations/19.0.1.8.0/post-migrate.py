"""The shipped campaign texts print the car's dates in the customer's format.

They printed the date fields themselves (``{{ object.warranty_end }}``: 2026-12-31 in every language);
they now print the text fields made for messages (``warranty_end_text``: 31.12.2026 for a Russian
customer). The templates are not updated by module updates (noupdate): their placeholders are
renamed here, in every language, the rest of their text (as a marketer may have changed it) kept.
"""

from odoo.tools import SQL

TEMPLATES = {
    "mail.template": ("body_html", ("insurance", "maintenance", "warranty")),
    "sms.template": ("body", ("insurance", "maintenance", "warranty")),
}
PREFIX = {"mail.template": "mail_template_campaign_", "sms.template": "sms_template_campaign_"}


def migrate(cr, version):
    for model, (column, names) in TEMPLATES.items():
        cr.execute(
            SQL(
                "SELECT res_id FROM ir_model_data WHERE module = 'dealer_loyalty' AND model = %s AND name = ANY(%s)",
                model,
                [PREFIX[model] + name for name in names],
            )
        )
        ids = [row[0] for row in cr.fetchall()]
        if not ids:
            continue
        # every translation of the text: the date placeholders become their text fields (a word boundary
        # after the name: a placeholder already renamed is left alone)
        cr.execute(
            SQL(
                """
                UPDATE %(table)s
                   SET %(column)s = (
                       SELECT jsonb_object_agg(
                                  key,
                                  regexp_replace(
                                      value, 'object\\.(insurance_end|warranty_end|next_service_date)\\M',
                                      'object.\\1_text', 'g'
                                  )
                              )
                         FROM jsonb_each_text(%(column)s)
                   )
                 WHERE id = ANY(%(ids)s) AND %(column)s IS NOT NULL
                """,
                table=SQL.identifier(model.replace(".", "_")),
                column=SQL.identifier(column),
                ids=ids,
            )
        )
