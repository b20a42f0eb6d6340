"""The kept commercial offers open only for who may see money.

Before this version a printed or e-mailed quotation (the commercial offer, with its prices) was
kept on the deal (or the order) like any other file, so the call centre, who reads deals but no
money, could open it. New prints are kept behind ``dealer_money_prints``; the copies kept before
are moved behind it here.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    report = env.ref("sale.action_report_saleorder", raise_if_not_found=False)
    if not report:
        return
    cr.execute(
        SQL(
            "UPDATE ir_attachment SET res_field = 'dealer_money_prints'"
            " WHERE dealer_report_id = %s AND res_model IN ('crm.lead', 'sale.order') AND res_field IS NULL",
            report.id,
        )
    )
