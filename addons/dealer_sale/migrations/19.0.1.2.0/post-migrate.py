"""The kept copies of sales contracts open only for who may read identity documents.

Before this version a printed contract (with the buyer's passport) was kept on the deal like any
other document, so whoever read the deal could open it: the call centre, the reception, the
marketers. New prints are kept behind the deal's (or the order's) ``dealer_identity_prints``
field; the copies kept before are moved behind it here.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    report = env.ref("dealer_sale.action_report_sales_contract", raise_if_not_found=False)
    if not report:
        return
    cr.execute(
        SQL(
            "UPDATE ir_attachment SET res_field = %s"
            " WHERE dealer_report_id = %s AND res_model IN ('crm.lead', 'sale.order') AND res_field IS NULL",
            "dealer_identity_prints",
            report.id,
        )
    )
