"""The call journal: a lead's number of calls is a stored column.

Created here with 0 for every existing lead (no call was journalled before this version), so the
upgrade does not recompute it lead by lead over the whole pipeline.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS dealer_call_count integer DEFAULT 0")
    cr.execute("ALTER TABLE crm_lead ALTER COLUMN dealer_call_count DROP DEFAULT")
