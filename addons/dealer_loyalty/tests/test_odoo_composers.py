"""Odoo's own "Send email" and "Send SMS" to customers keep to their consent, as the reminders do."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import DealerCampaignCase


@tagged("post_install", "-at_install")
class TestOdooComposersKeepConsent(DealerCampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreed, cls.declined, cls.blacklisted = cls.partners[0], cls.partners[1], cls.partners[2]
        cls._set_consent(cls.declined, "email", False)
        cls._set_consent(cls.declined, "sms", False)
        cls.env["mail.blacklist"]._add(cls.blacklisted.email)
        cls.env["phone.blacklist"]._add([cls.blacklisted.phone_sanitized])
        cls.customers = cls.agreed | cls.declined | cls.blacklisted

    def _mass_email(self, records):
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.marketer)
            .with_context(
                default_composition_mode="mass_mail",
                default_model=records._name,
                active_model=records._name,
                active_ids=records.ids,
            )
            .create({"subject": "Winter tyres", "body": "<p>Winter tyres fitted for free this week.</p>"})
        )
        composer.action_send_mail()
        return self.env["mail.mail"].sudo().search([("subject", "=", "Winter tyres"), ("model", "=", records._name)])

    def _mass_sms(self, records):
        composer = (
            self.env["sms.composer"]
            .with_user(self.marketer)
            .with_context(active_model=records._name, active_ids=records.ids)
            .create({"composition_mode": "mass", "body": "Winter tyres fitted for free this week."})
        )
        composer.action_send_sms()
        return self.env["sms.sms"].sudo().search([("body", "=", "Winter tyres fitted for free this week.")])

    def test_mass_email_to_customers_reaches_only_those_who_agreed(self):
        mails = self._mass_email(self.customers)
        outgoing = mails.filtered(lambda m: m.state == "outgoing")
        self.assertEqual(outgoing.recipient_ids, self.agreed)
        declined = mails.filtered(lambda m: self.declined in m.recipient_ids)
        self.assertEqual((declined.state, declined.failure_type), ("cancel", "mail_optout"))

    def test_the_sender_is_told_once_whom_the_email_missed(self):
        """Sent in batches (one customer per batch here), the warning comes once and names whom it missed."""
        also_declined = self.partners[3]
        self._set_consent(also_declined, "email", False)
        self.env["ir.config_parameter"].sudo().set_param("mail.batch_size", "1")
        self._mass_email(self.customers | also_declined)
        self.env.cr.precommit.run()  # what the commit of the sender's request does
        warnings = self.env["bus.bus"].sudo().search([("message", "ilike", "get no e-mail")])
        self.assertEqual(len(warnings), 1)
        self.assertIn(self.declined.name, warnings.message)
        self.assertIn(also_declined.name, warnings.message)

    def test_mass_email_to_leads_needs_the_consent_of_their_customer(self):
        leads = self.env["crm.lead"].create(
            [
                {"name": "Agreed", "partner_id": self.agreed.id},
                {"name": "Declined", "partner_id": self.declined.id},
                # a lead without a contact: its address is nobody's who agreed
                {"name": "Stranger", "email_from": "stranger@example.com"},
            ]
        )
        mails = self._mass_email(leads)
        sent = mails.filtered(lambda m: m.state == "outgoing")
        self.assertEqual(sent.mapped("res_id"), leads[0].ids)
        self.assertEqual(len(mails.filtered(lambda m: m.failure_type == "mail_optout")), 2)

    def test_mass_sms_reaches_only_those_who_agreed(self):
        texts = self._mass_sms(self.customers)
        self.assertEqual(texts.filtered(lambda s: s.state == "outgoing").partner_id, self.agreed)
        declined = texts.filtered(lambda s: s.partner_id == self.declined)
        self.assertEqual((declined.state, declined.failure_type), ("canceled", "sms_optout"))
        blocked = texts.filtered(lambda s: s.partner_id == self.blacklisted)
        self.assertNotEqual(blocked.state, "outgoing")

    def test_an_sms_from_the_card_of_a_customer_who_declined_is_refused(self):
        def text(partner):
            return (
                self.env["sms.composer"]
                .with_user(self.marketer)
                .with_context(active_model="res.partner", active_id=partner.id)
                .create({"body": "Your car is ready.", "composition_mode": "comment"})
            )

        for partner in (self.declined, self.blacklisted):
            with self.assertRaisesRegex(UserError, partner.name):
                text(partner).action_send_sms()
        text(self.agreed).action_send_sms()
        texts = self.env["sms.sms"].sudo().search([("body", "=", "Your car is ready.")])
        self.assertEqual(texts.partner_id, self.agreed)

    def test_an_sms_to_the_number_of_a_call_keeps_to_the_consent_too(self):
        """A call has no chatter: Odoo's SMS to its number (the phone field's button) texts the number at once.
        It reaches only a customer who agreed (and whose number is not blacklisted), as from the card."""
        operator = new_test_user(self.env, login="composer_call_op", groups="dealer_crm.group_call_center")

        def text(partner):
            call = self.env["dealer.call"].create(
                {"partner_id": partner.id, "phone": partner.phone, "user_id": operator.id}
            )
            composer = (
                self.env["sms.composer"]
                .with_user(operator)
                .with_context(
                    default_res_model="dealer.call",
                    default_res_id=call.id,
                    default_number_field_name="phone",
                    default_composition_mode="comment",
                )
                .create({"body": "Call us back about your car."})
            )
            return composer.action_send_sms()

        for partner in (self.declined, self.blacklisted):
            with self.assertRaisesRegex(UserError, "did not agree"):
                text(partner)
        text(self.agreed)
        texts = self.env["sms.sms"].sudo().search([("body", "=", "Call us back about your car.")])
        self.assertEqual(texts.mapped("number"), [self.agreed.phone_sanitized])

    def test_an_automated_sms_texts_those_who_agreed_and_undoes_nothing(self):
        """Odoo's "Send SMS" action of an automation rule: the customer without consent is left out, the
        others are texted, and nothing is refused (the write that triggered the rule stands)."""
        template = self.env["sms.template"].create(
            {"name": "Ready", "model_id": self.env["ir.model"]._get_id("res.partner"), "body": "Ready for pickup."}
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Car ready SMS",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "sms",
                "sms_template_id": template.id,
                "sms_method": "comment",
            }
        )
        for partners in (self.agreed | self.declined, self.declined):
            action.with_context(active_model="res.partner", active_ids=partners.ids, __action_done={}).run()
        texts = self.env["sms.sms"].sudo().search([("body", "=", "Ready for pickup.")])
        self.assertEqual(texts.partner_id, self.agreed)

    def _showroom_team(self):
        return self.env["crm.team"].create({"name": "Showroom sales", "dealer_is_dealership": True})

    def test_odoos_send_email_action_elsewhere_in_odoo_emails_as_in_odoo(self):
        """A contact the dealership never served (no showroom, car, visit or deal) and a lead of another team
        are e-mailed by the action as Odoo does, consent or not."""
        supplier = self.env["res.partner"].create({"name": "Office supplier", "email": "office@example.com"})
        self.assertFalse(supplier.consent_email)
        mails = self._send_email_action(supplier, "email", partner_to="{{ object.id }}")
        self.assertEqual(mails.filtered(lambda m: m.state == "outgoing").recipient_ids, supplier)
        other_team = self.env["crm.team"].create({"name": "Fleet sales"})
        lead = self.env["crm.lead"].create({"name": "Fleet", "partner_id": supplier.id, "team_id": other_team.id})
        self._send_email_action(lead, "comment", partner_to="{{ object.partner_id.id }}")
        notified = self.env["mail.notification"].search(
            [("mail_message_id.model", "=", "crm.lead"), ("mail_message_id.res_id", "=", lead.id)]
        )
        self.assertEqual(notified.res_partner_id, supplier)
        # once the dealership serves them (a deal of a showroom team), their consent counts
        self.env["crm.lead"].create({"name": "Car", "partner_id": supplier.id, "team_id": self._showroom_team().id})
        self.env["mail.mail"].sudo().search([("subject", "=", "Your car is ready")]).unlink()
        mails = self._send_email_action(supplier, "email", partner_to="{{ object.id }}")
        self.assertFalse(mails.filtered(lambda m: m.state == "outgoing" and m.res_id == supplier.id))

    def _send_email_action(self, records, method, **template_values):
        template = self.env["mail.template"].create(
            {
                "name": "Car ready",
                "model_id": self.env["ir.model"]._get_id(records._name),
                "subject": "Your car is ready",
                "body_html": "<p>Your car is ready for pickup.</p>",
                "use_default_to": False,
                **template_values,
            }
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Car ready e-mail",
                "model_id": template.model_id.id,
                "state": "mail_post",
                "template_id": template.id,
                "mail_post_method": method,
            }
        )
        # as an automation rule runs it, in the name of the salesperson whose change triggered it
        action.with_user(self.marketer).with_context(
            active_model=records._name, active_ids=records.ids, __action_done={}
        ).sudo().run()
        self.env.flush_all()
        return self.env["mail.mail"].sudo().search([("subject", "=", "Your car is ready")])

    def test_odoos_send_email_action_emails_only_customers_who_agreed(self):
        """Odoo's "Send email" action of an automation rule, whichever way it sends: the customers without
        e-mail consent or blacklisted are left out, the colleague named in the template gets every
        e-mail, and nothing is refused."""
        staff = self.fi_user.partner_id
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Service for {partner.name}", "partner_id": partner.id, "team_id": self._showroom_team().id}
                for partner in self.customers
            ]
        )
        for method in ("email", "comment"):
            with self.subTest(method=method):
                self.env["mail.mail"].sudo().search([("subject", "=", "Your car is ready")]).unlink()
                mails = self._send_email_action(leads, method, partner_to=f"{{{{ object.partner_id.id }}}},{staff.id}")
                emailed = mails.filtered(lambda m: m.state != "cancel").recipient_ids
                self.assertEqual(emailed, self.agreed | staff)
                notified = self.env["mail.notification"].search(
                    [("mail_message_id.subject", "=", "Your car is ready"), ("notification_type", "=", "email")]
                )
                if method == "comment":
                    self.assertEqual(notified.res_partner_id, self.agreed | staff)

    def test_odoos_send_email_action_skips_a_follower_or_an_address_without_consent(self):
        """A customer following the deal gets no message of the action without e-mail consent, and an
        address typed in the template (a lead without a contact) needs a customer who agreed: the
        e-mail to nobody else is kept cancelled as opted out."""
        team = self._showroom_team()
        lead = self.env["crm.lead"].create(
            {"name": "Declined follows", "partner_id": self.declined.id, "team_id": team.id}
        )
        lead.message_subscribe(partner_ids=(self.declined | self.agreed).ids)
        self._send_email_action(lead, "comment")
        notified = self.env["mail.notification"].search([("mail_message_id.subject", "=", "Your car is ready")])
        self.assertEqual(notified.res_partner_id, self.agreed)
        strangers = self.env["crm.lead"].create(
            [
                {"name": "Stranger", "email_from": "stranger@example.com", "team_id": team.id},
                {"name": "Agreed by address", "email_from": self.agreed.email, "team_id": team.id},
            ]
        )
        mails = self._send_email_action(strangers, "email", email_to="{{ object.email_from }}").filtered(
            lambda m: m.res_id in strangers.ids
        )
        self.assertEqual(
            {(m.res_id, m.state, m.failure_type or False) for m in mails},
            {(strangers[0].id, "cancel", "mail_optout"), (strangers[1].id, "outgoing", False)},
        )

    def test_staff_are_emailed_without_customer_consent(self):
        """Consent concerns customers: a mass e-mail to employees' contacts reaches them."""
        staff = self.fi_user.partner_id
        self.assertFalse(staff.consent_email)
        mails = self._mass_email(staff | self.declined)
        self.assertEqual(mails.filtered(lambda m: m.state == "outgoing").recipient_ids, staff)

    def test_a_vendor_is_texted_from_their_card_without_customer_consent(self):
        """Consent concerns customers: the dealership texts a supplier (a contact it buys from, with
        Odoo's invoicing) as Odoo does; a supplier who also bought from it is a customer."""
        if "supplier_rank" not in self.env["res.partner"]._fields:
            self.skipTest("Odoo's invoicing (account) is not installed: there are no vendors")
        vendor, both = self.env["res.partner"].create(
            [
                {"name": "Tyre Wholesale", "phone": "+79005550301", "supplier_rank": 1},
                {
                    "name": "Parts Supplier Buying A Car",
                    "phone": "+79005550302",
                    "supplier_rank": 1,
                    "customer_rank": 1,
                },
            ]
        )
        self.assertFalse(vendor.consent_sms or both.consent_sms)

        def text(partner):
            return (
                self.env["sms.composer"]
                .with_user(self.marketer)
                .with_context(active_model="res.partner", active_id=partner.id)
                .create({"body": "Please deliver on Monday.", "composition_mode": "comment"})
                .action_send_sms()
            )

        text(vendor)
        self.assertEqual(
            self.env["sms.sms"].sudo().search([("body", "=", "Please deliver on Monday.")]).partner_id, vendor
        )
        with self.assertRaisesRegex(UserError, both.name):
            text(both)
        seller = self.env["res.partner"].create(
            {"name": "Sold Us His Car", "phone": "+79005550303", "supplier_rank": 1}
        )
        self.env["dealer.vehicle"].create({"partner_id": seller.id, "plate": "C303CC77"})
        with self.assertRaisesRegex(UserError, seller.name):
            text(seller)  # a vendor bill for his old car, and his new car serviced here: a customer
        self.env["phone.blacklist"]._add([vendor.phone_sanitized])
        with self.assertRaisesRegex(UserError, vendor.name):
            text(vendor)

    def test_consent_on_another_showrooms_card_does_not_cover_a_number_or_address(self):
        """A showroom's SMS or e-mail to a number or address without a card of its own (a lead with no
        contact) is not covered by the consent a customer gave another showroom: South's card says
        yes to South's messages only. A card of no showroom (shared) covers every showroom."""
        from odoo.addons.dealer_crm.tests.common import user_of

        south = self.env["res.company"].create({"name": "Showroom South"})
        south_customer = self.env["res.partner"].create(
            {"name": "South customer", "phone": "+79169998877", "email": "south@example.com", "company_id": south.id}
        )
        self._set_consent(south_customer, "sms", True)
        self._set_consent(south_customer, "email", True)
        north_marketer = user_of(self.env, self.company, "north_marketer", "dealer_crm.group_marketer")
        self.marketer = north_marketer  # the composers above send as self.marketer
        lead = self.env["crm.lead"].create(
            {
                "name": "Walk-in",
                "phone": "+79169998877",
                "email_from": "south@example.com",
                "company_id": self.company.id,
            }
        )
        mails = self._mass_email(lead)
        self.assertEqual((mails.state, mails.failure_type), ("cancel", "mail_optout"))

        def text():
            return (
                self.env["sms.composer"]
                .with_user(north_marketer)
                .with_context(active_model="crm.lead", active_id=lead.id)
                .create({"body": "Your car is ready.", "composition_mode": "comment"})
            )

        with self.assertRaisesRegex(UserError, "did not agree"):
            text().action_send_sms()
        # the same for a marketer of both showrooms: the lead is North's, the consent South's
        north_marketer.company_ids = [Command.link(south.id)]
        with self.assertRaisesRegex(UserError, "did not agree"):
            text().action_send_sms()
        south_customer.company_id = False  # the group's shared card: its consent is every showroom's
        text().action_send_sms()
        texts = self.env["sms.sms"].sudo().search([("body", "=", "Your car is ready.")])
        self.assertEqual(texts.number, "+79169998877")
