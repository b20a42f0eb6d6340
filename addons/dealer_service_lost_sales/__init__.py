from . import controllers, models, report, wizards


def uninstall_hook(env):
    """The lost-revenue ledger's triggers sit on other addons' tables: they leave with this addon."""
    env["dealer.lost.revenue.report"]._dealer_months_drop()
