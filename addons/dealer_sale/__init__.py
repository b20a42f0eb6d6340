from . import models, report


def _dealer_sale_post_init(env):
    """Every showroom starts with the standard sales contract clauses, in each installed language,
    and with Odoo's Sales setting "Discounts" ticked (discounts on quotation lines are part of every
    car sale); the administrator can untick it in the settings like any other."""
    env["res.company"].search([])._dealer_sale_fill_default_clauses()
    env.ref("base.group_user")._apply_group(env.ref("sale.group_discount_per_so_line"))
