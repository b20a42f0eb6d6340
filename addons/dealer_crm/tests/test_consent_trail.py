from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestConsentTrail(TransactionCase):
    """A dealer can prove consent: who changed it, when, and through which channel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(cls.env, login="consent_seller", groups="dealer_crm.group_sales_manager")
        cls.api_user = new_test_user(cls.env, login="consent_api", groups="dealer_crm.group_integration")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Consent customer", "email": "consent@example.com", "consent_email": True}
        )
        # end of the creating transaction: what follows are changes of an existing card
        cls.env.flush_all()
        cls.env.cr.flush()

    def _trail(self, partner, fname):
        """(author, old value, new value) of each tracked change of ``fname``, oldest first."""
        self.env.flush_all()
        self.env.cr.flush()
        values = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", "res.partner"),
                    ("mail_message_id.res_id", "=", partner.id),
                    ("field_id.name", "=", fname),
                ],
                order="id",
            )
        )
        return [
            (value.mail_message_id.author_id, value.old_value_integer, value.new_value_integer)
            if value.field_id.ttype == "boolean"
            else (value.mail_message_id.author_id, value.old_value_char, value.new_value_char)
            for value in values
        ]

    def test_staff_change_is_tracked_with_author_and_source(self):
        self.assertEqual(self.customer.consent_source, "user", "created with consent by staff")
        self.customer.with_user(self.seller).write({"consent_email": False, "consent_sms": True})
        self.assertEqual(self._trail(self.customer, "consent_email"), [(self.seller.partner_id, 1, 0)])
        self.assertEqual(self._trail(self.customer, "consent_sms"), [(self.seller.partner_id, 0, 1)])
        self.assertEqual(self.customer.consent_source, "user")
        self.assertTrue(self.customer.consent_email_date)

    def test_a_request_cannot_switch_the_trail_off(self):
        """An import without history or an RPC call with ``tracking_disable``/``mail_notrack``: a consent change
        of staff is in the chatter all the same (the other fields follow the request)."""
        as_seller = self.customer.with_user(self.seller)
        as_seller.with_context(tracking_disable=True).write({"consent_sms": True, "function": "Driver"})
        as_seller.with_context(mail_notrack=True).write({"consent_email": False})
        self.assertEqual(self._trail(self.customer, "consent_sms"), [(self.seller.partner_id, 0, 1)])
        self.assertEqual(self._trail(self.customer, "consent_email"), [(self.seller.partner_id, 1, 0)])
        self.assertEqual(self.customer.function, "Driver")

    def test_source_of_other_channels(self):
        """The integration user's change is the API's; the application names the channel a change came
        through in the context (the addons add their channels: the unsubscribe link, the Telegram bot)."""
        # the integration user (its rights aside: sudo keeps the user)
        self.customer.with_user(self.api_user).sudo().write({"consent_telegram": True})
        self.assertEqual(self.customer.consent_source, "api")
        self.customer.write({"consent_sms": True})
        self.assertEqual(self.customer.consent_source, "user", "the application's own change, named by nobody")
        self.customer.with_context(dealer_consent_source="api").write({"consent_email": False})
        self.assertEqual(self.customer.consent_source, "api")
        # the chatter keeps one line per transaction: where the consent stands at its end
        self.assertEqual(
            [new for _author, _old, new in self._trail(self.customer, "consent_source")], ["Integration API"]
        )

    def test_unchanged_consent_keeps_its_source(self):
        self.customer.with_context(dealer_consent_source="api").write({"consent_telegram": True})
        (self.customer | self.env["res.partner"].create({"name": "Other"})).write({"consent_telegram": True})
        self.assertEqual(self.customer.consent_source, "api", "writing the same value changes nothing")

    def test_who_may_be_called(self):
        """A call or SMS needs a number, the SMS/calls consent and the number off Odoo's phone
        blacklist, however the number was typed (the blacklist holds it in international form)."""
        Partner = self.env["res.partner"]
        values = {"consent_sms": True, "country_id": self.env.ref("base.ru").id}
        reachable = Partner.create({**values, "name": "Reachable", "phone": "+7 900 555-01-01"})
        listed = Partner.create({**values, "name": "Listed", "phone": "8 (900) 555-01-02"})
        no_consent = Partner.create({**values, "name": "No consent", "phone": "+79005550103", "consent_sms": False})
        no_phone = Partner.create({**values, "name": "No phone"})
        self.env["phone.blacklist"].sudo().add("+79005550102")
        customers = reachable | listed | no_consent | no_phone
        self.assertEqual(customers._dealer_may_call(), reachable)
        self.assertEqual(customers.with_user(self.seller)._dealer_may_call(), reachable)
        self.assertFalse(listed._dealer_may_call())
        self.env["phone.blacklist"].sudo().remove("+79005550102")  # archived, not yet written
        # Odoo's phone_blacklisted stays in the cache of the transaction (it depends on the number only)
        customers.invalidate_recordset(["phone_blacklisted", "phone_sanitized_blacklisted"])
        self.assertEqual(customers._dealer_may_call(), reachable | listed, "taken off the list: may be called")
        self.env["phone.blacklist"].sudo().add("+79005550102")  # put back on: unarchived, not yet written
        customers.invalidate_recordset(["phone_blacklisted", "phone_sanitized_blacklisted"])
        self.assertEqual(customers._dealer_may_call(), reachable, "put back on the list in the same transaction")
