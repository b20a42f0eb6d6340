"""Every link of the suite's tables to rows that Odoo or the suite delete in the course of the day is indexed.

When a row is deleted, PostgreSQL looks up the rows whose foreign keys name it (to empty or delete them): without an
index on the linking column, that is a scan of the whole linking table for every deleted row. Odoo deletes an SMS
once sent and a task once done; a booking's line is deleted when it is taken off. Found by the 1M-visit benchmark:
deleting 14,000 done tasks took minutes, one scan of the 300,000-row message log each.
Runs under pytest-odoo (``./suite test``).
"""

from odoo_env import pg_cursor, require_test_db

DB = require_test_db()

# targets whose rows are not deleted in the course of the day (configuration, reference data, people): a link to
# them needs no index for deletions
RARELY_DELETED = {
    "res_company",
    "res_users",
    "res_country",
    "res_country_state",
    "res_currency",
    "res_lang",
    "res_partner_industry",
    "res_partner_title",
    "crm_lost_reason",
    "crm_stage",
    "crm_team",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "mail_template",
    "mail_activity_type",
    "sms_template",
    "ir_model",
    "ir_model_fields",
    "ir_actions_report",
    "ir_ui_view",
    "resource_calendar",
    "product_product",
    "product_template",
    "uom_uom",
    "dealer_vehicle_brand",
    "dealer_vehicle_model",
    "dealer_segment",
    "dealer_call_criterion",
    "dealer_sla_policy",
    "dealer_sla_escalation",
    "dealer_promotion",
    "dealer_retention_strategy",
    "dealer_campaign",
    "dealer_campaign_step",
    "dealer_workshop_bay",
    "dealer_risk_rule",
    "survey_survey",
    "base_automation",
    "ir_act_server",
}


def test_links_to_rows_deleted_during_the_day_are_indexed():
    with pg_cursor(DB) as cr:
        cr.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
              FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
               AND c.conrelid::regclass::text LIKE 'dealer\\_%%'
               AND a.attname NOT IN ('create_uid', 'write_uid')
               AND c.confrelid::regclass::text <> ALL(%s)
               AND NOT EXISTS (
                   SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = a.attnum)
               AND (SELECT relkind FROM pg_class WHERE oid = c.conrelid) = 'r'
            """,
            [sorted(RARELY_DELETED)],
        )
        missing = sorted(f"{table}.{column} -> {target}" for table, column, target in cr.fetchall())
    # the transient models' tables (wizards) are emptied by Odoo's vacuum and stay small
    missing = [link for link in missing if "_wizard" not in link.split(".")[0]]
    assert not missing, "links without an index (a deletion scans the whole table):\n" + "\n".join(missing)
