"""Line discounts become Odoo's Sales setting "Discounts" again.

Before this version the dealership roles implied Odoo's discount group, so unticking Settings ›
Sales › Discounts left every dealership user with line discounts. The group is no longer implied by
the dealership roles; where they implied it, the setting itself is ticked (the employees' group
implies it, as Odoo's setting does), so the staff keep their discounts until an administrator
unticks the setting, which now holds.
"""

from odoo import SUPERUSER_ID, Command, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    discount = env.ref("sale.group_discount_per_so_line")
    dealer_user = env.ref("dealer_crm.group_dealer_user")
    if discount in dealer_user.implied_ids:
        dealer_user.write({"implied_ids": [Command.unlink(discount.id)]})
        env.ref("base.group_user")._apply_group(discount)
