from odoo import models

CONTACT_ACTIVITY_TYPES = ("mail.mail_activity_data_call", "mail.mail_activity_data_meeting")


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A call or meeting with the customer marked done is the first contact of a lead."""
        types = self.env["mail.activity.type"]
        for xmlid in CONTACT_ACTIVITY_TYPES:
            types |= self.env.ref(xmlid, raise_if_not_found=False) or types
        lead_ids = self.filtered(lambda a: a.res_model == "crm.lead" and a.activity_type_id in types).mapped("res_id")
        res = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if lead_ids:
            self.env["crm.lead"].sudo().browse(lead_ids).exists()._dealer_register_contact()
        return res
