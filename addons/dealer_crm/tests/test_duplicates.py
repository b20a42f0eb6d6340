from odoo.tests import Form, new_test_user

from .common import DealerCustomerCase


class TestDuplicates(DealerCustomerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ivan = cls.make_customer("Ivan Petrov", phone="+7 (916) 123-45-67", email="Ivan.Petrov@Example.com")
        cls.car = cls.make_vehicle("XW8ZZZ1ZZPG000101", partner_id=cls.ivan.id)

    def test_phone_in_another_format_matches(self):
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._dealer_find_duplicates(phone="89161234567"), self.ivan)
        self.assertEqual(Partner._dealer_find_duplicates(phone="+7 916 123 45 67"), self.ivan)
        self.assertFalse(Partner._dealer_find_duplicates(phone="89161234568"))

    def test_email_case_and_vin_match(self):
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._dealer_find_duplicates(email="  ivan.petrov@EXAMPLE.com"), self.ivan)
        self.assertEqual(Partner._dealer_find_duplicates(vin="xw8zzz1zzpg000101"), self.ivan)
        self.assertFalse(Partner._dealer_find_duplicates(email="other@example.com", vin="XW8ZZZ1ZZPG000999"))

    def test_form_warns_about_the_existing_card(self):
        form = Form(self.env["res.partner"])
        form.name = "I. Petrov"
        form.phone = "8 916 123-45-67"
        self.assertEqual(form.dealer_duplicate_ids[:], self.ivan)
        form.phone = "8 916 765-43-21"
        self.assertFalse(form.dealer_duplicate_ids[:])

    def test_merge_button_opens_odoo_merge_wizard(self):
        twin = self.make_customer("Ivan P.", phone="89161234567")
        action = twin.action_dealer_merge_duplicates()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        self.assertEqual(set(action["context"]["active_ids"]), {twin.id, self.ivan.id})

    def test_other_company_contact_is_found_without_access_error(self):
        other = self.env["res.company"].create({"name": "Second showroom", "country_id": self.env.ref("base.ru").id})
        hidden = self.make_customer("Olga", phone="+7 903 111-22-33", company_id=other.id)
        operator = new_test_user(
            self.env,
            login="t_dup_operator",
            groups="dealer_crm.group_call_center",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        Partner = self.env["res.partner"].with_user(operator)
        # The caller may not read the other showroom's contact: it is not returned but counted.
        self.assertFalse(Partner._dealer_find_duplicates(phone="89031112233"))
        self.assertEqual(Partner._dealer_find_duplicates_hidden_count(phone="89031112233"), 1)
        # A user of both showrooms gets it.
        both = new_test_user(
            self.env,
            login="t_dup_both",
            groups="dealer_crm.group_call_center",
            company_id=self.company.id,
            company_ids=[self.company.id, other.id],
        )
        found = (
            self.env["res.partner"]
            .with_user(both)
            .with_context(allowed_company_ids=[self.company.id, other.id])
            ._dealer_find_duplicates(phone="89031112233")
        )
        self.assertEqual(found, hidden)

    def test_imported_contact_gets_a_duplicate_note(self):
        other, twin = self.env["res.partner"].create(
            [
                {"name": "Unrelated", "phone": "+7 999 000 00 00"},
                {"name": "Petrov I.", "email": "IVAN.PETROV@example.com"},
            ]
        )
        self.assertIn("Possible duplicate of: Ivan Petrov", twin.message_ids[0].body)
        self.assertFalse(other.message_ids.filtered(lambda m: "Possible duplicate" in (m.body or "")))
        # no key of a request's context skips the note
        for key in ("dealer_skip_duplicate_check", "install_mode"):
            quiet = (
                self.env["res.partner"]
                .with_user(self.salesman)
                .with_context(**{key: True})
                .create({"name": "I. Petrov", "email": "ivan.petrov@example.com"})
            )
            notes = " ".join(quiet.message_ids.mapped("body"))
            self.assertRegex(notes, "Possible duplicate of: .*Ivan Petrov", key)

    def test_a_companys_contact_sharing_its_switchboard_is_no_duplicate(self):
        """A contact added under a company (or made with it by a lead's conversion) with the company's phone or
        e-mail is its person, not a duplicate of it; another card with that phone still is."""
        company = self.env["res.partner"].create(
            {"name": "Romashka LLC", "is_company": True, "phone": "+7 495 100 00 00", "email": "info@romashka.example"}
        )
        person = self.env["res.partner"].create(
            {"name": "Mary Roe", "parent_id": company.id, "phone": "+7 495 100 00 00", "email": "info@romashka.example"}
        )
        self.assertFalse(person.message_ids.filtered(lambda m: "Possible duplicate" in (m.body or "")))
        stranger = self.env["res.partner"].create({"name": "Someone else", "phone": "+7 495 100 00 00"})
        notes = " ".join(stranger.message_ids.mapped("body"))
        self.assertIn("Romashka LLC", notes)
        # the same person's own mobile twice under the company is still a duplicate
        mobile = {"parent_id": company.id, "phone": "+7 916 200 00 01"}
        first = self.env["res.partner"].create({"name": "Ivan Ivanov", **mobile})
        again = self.env["res.partner"].create({"name": "I. Ivanov", **mobile})
        self.assertIn(first.name, " ".join(again.message_ids.mapped("body")))

    def test_a_duplicate_note_names_nobody_its_readers_may_not_read(self):
        """The public booking page makes its cards as superuser: the note on a showroom's card names no
        other showroom's customer, a card of no showroom names no showroom's customer."""
        other = self.env["res.company"].create({"name": "Second showroom", "country_id": self.env.ref("base.ru").id})
        self.make_customer("Olga Smirnova", phone="+7 903 111-22-33", email="olga@example.com", company_id=other.id)
        mine = self.make_customer("Pavel Orlov", phone="+7 903 444-55-66", company_id=self.company.id)
        cards = (
            self.env["res.partner"]
            .sudo()
            .create(
                [
                    {"name": "O. Smirnova", "phone": "89031112233", "company_id": self.company.id},
                    {"name": "I. Petrov", "email": "ivan.petrov@example.com", "company_id": self.company.id},
                    {"name": "P. Orlov", "phone": "89034445566", "company_id": False},
                    {"name": "P. O.", "phone": "89034445566", "company_id": self.company.id},
                ]
            )
        )
        notes = [" ".join(card.message_ids.mapped(lambda m: str(m.body or ""))) for card in cards]
        self.assertNotIn("Olga", notes[0], "another showroom's customer")
        self.assertIn("Possible duplicate of: Ivan Petrov", notes[1], "a customer of every showroom")
        self.assertNotIn("Pavel", notes[2], "a card every showroom reads names no showroom's customer")
        self.assertIn("Possible duplicate of: %s" % mine.name, notes[3], "its own showroom's customer")

    def test_batch_lookup_finds_what_each_single_lookup_finds(self):
        """A batch of API requests looks its contacts up at once; each request gets the contact
        its own lookup would give (phone, e-mail, the VIN of a car, in the contacts' order)."""
        Partner = self.env["res.partner"]
        anna = self.make_customer("Anna Sidorova", email="anna.s@example.com")
        zoya = self.make_customer("Zoya Sidorova", phone="+7 916 555 00 01")
        keys = [
            ("89165550001", "anna.s@example.com", None),  # two contacts: the first in the contacts' order
            ("89161234567", None, None),
            (None, None, "xw8zzz1zzpg000101"),
            (None, "nobody@example.com", "XW8ZZZ1ZZPG000999"),
            ("89165550001", None, None),
        ]
        found = Partner._dealer_find_first_duplicates(keys)
        expected = [Partner._dealer_find_duplicates(phone=p, email=e, vin=v)[:1] for p, e, v in keys]
        self.assertEqual(found, expected)
        self.assertEqual(found, [anna, self.ivan, self.ivan, Partner, zoya])
