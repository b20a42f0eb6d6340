from . import models, report


def _dealer_sale_post_init(env):
    """Every showroom starts with the standard sales contract clauses, in each installed language."""
    env["res.company"].search([])._dealer_sale_fill_default_clauses()
