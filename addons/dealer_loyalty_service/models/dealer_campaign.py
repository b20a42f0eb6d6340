from odoo import fields, models


class DealerCampaign(models.Model):
    _inherit = "dealer.campaign"

    utm_campaign_id = fields.Many2one(
        "utm.campaign",
        string="UTM campaign",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Tags the service opportunities this campaign's reminders brought; made at the first booking.",
    )

    def _dealer_utm_campaign(self):
        """The campaign's UTM campaign, made at its first booking with the campaign's name in every language."""
        self.ensure_one()
        if not self.utm_campaign_id:
            # sudo: booking staff only read campaigns; the link is bookkeeping of the booking they make
            campaign = self.sudo()
            utm = self.env["utm.campaign"].sudo().create({"title": campaign.name})
            langs = [code for code, _name in self.env["res.lang"].get_installed()]
            utm.update_field_translations("title", {lang: campaign.with_context(lang=lang).name for lang in langs})
            campaign.utm_campaign_id = utm
        return self.utm_campaign_id
