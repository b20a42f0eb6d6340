from odoo import models

from ..tools.marks import Mark


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        """Odoo's merge writes the merged cards' values on the kept card as the person merging (the Contacts
        creation group may merge up to three cards). What the application keeps on a card (consent's
        source, a linked Telegram chat, the loyalty controls: ``refuse_system_fields``) comes from a merged
        card, not from a person: the write is marked as the merge's (``dealer_partner_merge``)."""
        return super()._update_values(src_partners, dst_partner.with_context(dealer_partner_merge=Mark()))
