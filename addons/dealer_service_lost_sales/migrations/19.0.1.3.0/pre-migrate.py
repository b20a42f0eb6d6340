"""A service lead is dealer_crm's: a lead whose Interest is Service (``crm.lead.dealer_interest``).

This version drops lost sales' own line of business, ``crm.lead.dealer_kind`` (sales/service).
Before Odoo drops its column: the service opportunities get the interest Service (nearly all had
it already), and the stored domains and contexts that name the old field (the service team's
assignment domain, automation rules, window actions, saved filters) name the interest instead.
A lead whose interest was Service while its line of business was sales keeps its team and stage:
only leads created from now on are routed by the interest.
"""

import re

from odoo.tools import SQL
from odoo.tools.sql import column_exists

# the stored domains and contexts that may name a field of crm.lead: (table, column)
REFERENCES = [
    ("crm_team", "assignment_domain"),
    ("base_automation", "filter_domain"),
    ("base_automation", "filter_pre_domain"),
    ("ir_act_window", "domain"),
    ("ir_act_window", "context"),
    ("ir_filters", "domain"),
    ("ir_filters", "context"),
]
# there is no interest called "sales": a leaf on that value becomes "interest (not) Service",
# a default of it is dropped (a new lead is a sales lead unless its interest is Service)
SALES_LEAF = re.compile(r"""\(\s*(['"])dealer_kind\1\s*,\s*(['"])(=|!=)\2\s*,\s*(['"])sales\4\s*\)""")
SALES_DEFAULT = re.compile(r"""(['"])default_dealer_kind\1\s*:\s*(['"])sales\2\s*,?\s*""")


def rewrite(text):
    """``text`` (a domain or a context) naming the interest where it named the line of business."""

    def sales_leaf(match):
        quote, operator = match.group(1), "!=" if match.group(3) == "=" else "="
        return f"({quote}dealer_interest{quote}, {quote}{operator}{quote}, {quote}service{quote})"

    text = SALES_DEFAULT.sub("", SALES_LEAF.sub(sales_leaf, text))
    for old, new in (
        ("default_dealer_kind", "default_dealer_interest"),
        ("'dealer_kind'", "'dealer_interest'"),
        ('"dealer_kind"', '"dealer_interest"'),
    ):
        text = text.replace(old, new)
    return text


def migrate(cr, version):
    if not version or not column_exists(cr, "crm_lead", "dealer_kind"):
        return
    cr.execute(
        """
        UPDATE crm_lead SET dealer_interest = 'service'
         WHERE dealer_kind = 'service' AND dealer_interest IS DISTINCT FROM 'service'
        """
    )
    for table, column in REFERENCES:
        if not column_exists(cr, table, column):
            continue
        cr.execute(
            SQL(
                "SELECT id, %(column)s FROM %(table)s WHERE %(column)s LIKE %(pattern)s",
                column=SQL.identifier(column),
                table=SQL.identifier(table),
                pattern="%dealer_kind%",
            )
        )
        for row_id, text in cr.fetchall():
            cr.execute(
                SQL(
                    "UPDATE %(table)s SET %(column)s = %(text)s WHERE id = %(id)s",
                    table=SQL.identifier(table),
                    column=SQL.identifier(column),
                    text=rewrite(text),
                    id=row_id,
                )
            )
