from odoo import api, models

from .dealer_dispatch import SEND_MEMO


class LinkTracker(models.Model):
    _inherit = "link.tracker"

    @api.model
    def search_or_create(self, vals_list):
        """While a batch of campaign messages is sent (``dealer.dispatch._send_memo``), each link's short link is
        looked up once for the batch instead of once per message: the messages of a step carry the same links.

        A message that fails is rolled back to its savepoint, which may take back a short link created for
        it; Odoo then empties the cursor's cache, the batch's memo with it (``Transaction.clear``), so the
        next messages look their links up again.
        """
        if (
            not self.env.context.get(SEND_MEMO)
            or not isinstance(vals_list, list)
            # values the context completes (``default_*``) are not in the key
            or any(key.startswith("default_") for key in self.env.context)
        ):
            return super().search_or_create(vals_list)
        try:
            keys = [tuple(sorted(vals.items())) for vals in vals_list]
            hash(tuple(keys))
        except TypeError:  # a value that cannot be a key (a list of commands): as Odoo does
            return super().search_or_create(vals_list)
        memo = self.env["dealer.dispatch"]._send_memo().setdefault("links", {})
        missing = [(key, vals) for key, vals in zip(keys, vals_list, strict=True) if key not in memo]
        if missing:
            found = super().search_or_create([vals for _key, vals in missing])
            for (key, _vals), tracker in zip(missing, found, strict=True):
                memo[key] = tracker.id
        return self.browse([memo[key] for key in keys])
