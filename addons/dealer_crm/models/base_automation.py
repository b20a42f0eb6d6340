from odoo import api, models

CACHE_KEY = "dealer_crm.automation_ids"


class BaseAutomation(models.Model):
    """Automation rules looked up once per transaction instead of once per computed field.

    Once a model has an automation rule (ours: the no-show call-back on ``crm.lead``),
    base_automation wraps every stored computed field of that model and searches the rules
    for each computation: 20–30 identical searches for one new lead, a third of the cost of
    creating it. The answer only changes when rules change, so it is kept in the cursor's
    cache (dropped at commit/rollback) and forgotten whenever a rule is created, edited or
    deleted.
    """

    _inherit = "base.automation"

    def _get_actions(self, records, triggers):
        cache = self.env.cr.cache.setdefault(CACHE_KEY, {})
        key = (records._name, tuple(sorted(triggers)))
        if key not in cache:
            cache[key] = super()._get_actions(records, triggers).ids
        automations = self.browse(cache[key])
        if "__action_done" not in self.env.context:
            automations = automations.with_context(__action_done={})
        return automations

    @api.model
    def _dealer_forget_actions(self):
        self.env.cr.cache.pop(CACHE_KEY, None)

    @api.model_create_multi
    def create(self, vals_list):
        self._dealer_forget_actions()
        return super().create(vals_list)

    def write(self, vals):
        self._dealer_forget_actions()
        return super().write(vals)

    def unlink(self):
        self._dealer_forget_actions()
        return super().unlink()
