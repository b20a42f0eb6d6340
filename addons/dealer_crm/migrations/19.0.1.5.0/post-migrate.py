"""The kept work orders and acceptance acts open only for who may see money.

Before this version a printed work order or acceptance act (with the visit's amounts) was kept on
the visit like any other file, so the call centre, who reads visits but no money, could open it.
New prints are kept behind the visit's ``dealer_money_prints`` field; the copies kept before are
moved behind it here.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    reports = [
        env.ref(xmlid, raise_if_not_found=False)
        for xmlid in ("dealer_crm.dealer_visit_report_work_order", "dealer_crm.dealer_visit_report_acceptance")
    ]
    ids = [report.id for report in reports if report]
    if ids:
        cr.execute(
            SQL(
                "UPDATE ir_attachment SET res_field = 'dealer_money_prints'"
                " WHERE dealer_report_id = ANY(%s) AND res_model = 'dealer.visit' AND res_field IS NULL",
                ids,
            )
        )
