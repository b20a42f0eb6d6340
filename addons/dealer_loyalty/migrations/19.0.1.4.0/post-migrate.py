"""Campaign activity steps name a dealership role instead of a security group.

A step's task went to the first user of a group (``activity_group_id``); it now goes to the
person of a role of dealer_crm's ``DEALER_ROLES`` (``activity_role``), resolved like every other
task of the suite. Each step is given the role whose group it pointed at (``ROLE_GROUPS``); a
step pointing at another group keeps its fixed responsible user, if any, and is reported. Odoo
drops the old column at the end of the upgrade.
"""

import logging

from odoo.addons.dealer_crm.tools.roles import ROLE_GROUPS
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'dealer_campaign_step' "
            "AND column_name = 'activity_group_id'"
        )
    )
    if not cr.fetchone():
        return
    for role, xmlid in ROLE_GROUPS.items():
        module, name = xmlid.split(".")
        cr.execute(
            SQL(
                """
                UPDATE dealer_campaign_step s
                   SET activity_role = %(role)s
                  FROM ir_model_data d
                 WHERE d.model = 'res.groups' AND d.module = %(module)s AND d.name = %(name)s
                   AND s.activity_group_id = d.res_id AND s.activity_role IS NULL
                """,
                role=role,
                module=module,
                name=name,
            )
        )
    cr.execute(SQL("SELECT id FROM dealer_campaign_step WHERE activity_group_id IS NOT NULL AND activity_role IS NULL"))
    unmapped = [row[0] for row in cr.fetchall()]
    if unmapped:
        _logger.info("Campaign steps %s pointed at a group that is no dealership role: set their Role", unmapped)
