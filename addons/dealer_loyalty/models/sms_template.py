from odoo import models


class SmsTemplate(models.Model):
    """An SMS template a campaign sends is the campaign's text (``dealer.campaign.step``)."""

    _inherit = "sms.template"

    def write(self, vals):
        self.env["dealer.campaign.step"]._dealer_check_template_change("sms_template_id", self)
        return super().write(vals)

    def unlink(self):
        self.env["dealer.campaign.step"]._dealer_check_template_change("sms_template_id", self)
        return super().unlink()

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=""):
        self.env["dealer.campaign.step"]._dealer_check_template_change("sms_template_id", self)
        return super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)
