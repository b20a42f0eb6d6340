from odoo import models


class DealerCampaign(models.Model):
    """Capacity-aware pacing of a campaign's messages (owner: reminders and pacing)."""

    _inherit = "dealer.campaign"
