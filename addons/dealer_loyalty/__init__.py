from . import controllers, models, report, wizards


def post_init_hook(env):
    """Per-row secrets for the rows that existed before install (a column default is computed once for them)."""
    env["res.partner"]._dealer_telegram_reissue_shared_tokens()
    env["res.company"]._dealer_telegram_rotate_shared_secrets()
