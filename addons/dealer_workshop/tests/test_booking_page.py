"""The customer's booking page over real HTTP: reminder links, phone codes, bad input, reschedule, cancel."""

import json
import re
from datetime import date, datetime
from unittest.mock import patch

from odoo import Command
from odoo.addons.dealer_crm.tests.common import server_access_log
from odoo.addons.dealer_loyalty.tests.common import DealerCampaignHttpCase
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import format_datetime

from ..controllers.portal_booking import MAX_ONLINE_BOOKINGS_PER_DAY, MAX_ONLINE_MOVES, booking_token
from ..models import dealer_workshop_otp as otp_module
from ..models.dealer_workshop_car_lookup import network

NOW = "2026-12-02 07:00:00"  # a Wednesday; the bay works 08:00-12:00 and 13:00-17:00 UTC


@tagged("post_install", "-at_install")
class BookingPageCase(DealerCampaignHttpCase):
    """One mechanical bay of the test's company, a TO-2 package of two hours, a reminder sent to customer 0."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.env["dealer.workshop.bay"].search([]).action_archive()
        calendar = cls.env["resource.calendar"].create(
            {"name": "Workshop hours (test)", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.bay = cls.env["dealer.workshop.bay"].create(
            {"name": "Lift 1", "kind": "mechanical", "company_id": cls.company.id, "calendar_id": calendar.id}
        )
        cls.to2 = cls.env["product.product"].create(
            {
                "name": "Maintenance TO-2",
                "type": "service",
                "sale_ok": True,
                "list_price": 18000,
                "dealer_item_kind": "maintenance",
                "dealer_bay_kind": "mechanical",
                "dealer_labour_hours": 2.0,
            }
        )
        cls.wash = cls.env["product.product"].create(
            {"name": "Not online", "type": "service", "list_price": 500, "dealer_item_kind": "repair"}
        )
        cls.car, cls.customer = cls.vehicles[0], cls.partners[0]
        cls.other_car = cls.vehicles[1]
        cls.customer.write({"lang": "en_US", "dealer_preferred_channel": "sms"})
        cls.vehicles.write({"warranty_end": date(2026, 12, 31)})
        cls.env["dealer.next.offer"].create(
            {
                "partner_id": cls.customer.id,
                "vehicle_id": cls.car.id,
                "product_id": cls.to2.id,
                "source": "maintenance",
                "occurrence": "30000",
                "company_id": cls.company.id,
            }
        )

    def _reminder(self):
        campaign = self._campaign("warranty", [("sms", -30)], audience_domain=f"[('id', '=', {self.car.id})]")
        with freeze_time("2026-12-01 06:00:00"):
            campaign.action_start()
        with freeze_time("2026-12-01 10:05:00"):
            self._run_cron()
        dispatch = self._dispatches(campaign)
        self.assertEqual(dispatch.state, "sent")
        return campaign, dispatch

    # helpers -----------------------------------------------------------------

    def _get(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.text

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def _link_fields(self, html):
        """The reminder link's hidden fields of the page's form (as a browser submits them)."""
        return dict(re.findall(r'<input type="hidden" name="([dt])" value="([^"]+)"', html))

    def _post(self, url, html, data):
        data = {"csrf_token": self._csrf(html), **self._link_fields(html), **data}
        return self.url_open(url, data=data, allow_redirects=True)

    def _slots(self, html):
        return re.findall(r'data-slot="([^"]+)"', html)

    def _counts(self):
        Lead = self.env["crm.lead"].with_context(active_test=False)
        return (
            Lead.search_count([("dealer_interest", "=", "service")]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            self.env["dealer.vehicle"].with_context(active_test=False).search_count([]),
        )

    def _book_from_reminder(self, slot="2026-12-02 08:00:00"):
        """The customer books the car's due work at ``slot`` from a reminder's personal link (at NOW):
        ``(the reminder's row, the booking, the page answered)``."""
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            page = self._post(
                "/service/book/confirm", html, {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": slot}
            ).text
        return dispatch, self._bookings(self.car), page

    def _second_bay(self):
        """Another bay and another advisor's reception free at the same times: a second booking of the
        same time would not be refused for lack of room."""
        new_test_user(
            self.env,
            login="second_reception",
            groups="dealer_crm.group_service_advisor",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        return self.bay.copy({"name": "Lift 2"})

    def _bookings(self, vehicle):
        return self.env["crm.lead"].search([("vehicle_id", "=", vehicle.id), ("dealer_interest", "=", "service")])

    def _free(self, start):
        starts = [
            slot
            for slot, _bay in self.env["dealer.workshop.bay"]._free_slots(
                "mechanical", 2.0, datetime(2026, 12, 2), datetime(2026, 12, 10), company=self.company
            )
        ]
        return start in starts


class TestBookingPage(BookingPageCase):
    def test_the_reminder_links_signature_stays_out_of_the_servers_access_log(self):
        """The reminder's full link signs in its query (``?d=…&t=…``), and the page's form carries both on to
        the free times: whoever reads the server's log would book as the customer for 90 days. The log keeps
        the page and its other values, not the signature."""
        _campaign, dispatch = self._reminder()
        url = dispatch._dealer_booking_url()
        path = url[url.index("/service/book") :]
        token = dispatch._dealer_booking_token(dispatch.id)
        self.assertIn(token, path)
        form = f"/service/book?step=slots&lang=ru_RU&d={dispatch.id}&t={token}&vehicle_id={self.car.id}"
        for requested in (path, form):
            logged = server_access_log(requested)
            self.assertNotIn(token, logged)
            self.assertIn(requested.replace(token, "***"), logged)

    def test_reminder_link_books_with_exact_attribution(self):
        campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            self.assertIn(self.car.display_name, html)
            self.assertRegex(html, rf'value="{self.to2.id}"[^>]*checked', "the due TO-2 is preselected")
            slots = self._slots(html)
            self.assertEqual(slots[0], "2026-12-02 08:00:00", "free times are shown at once")
            response = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": slots[0], "comment": "Noise"},
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn("Your visit is booked", response.text)
            lead = self._bookings(self.car)
            self.assertEqual(len(lead), 1)
            self.assertEqual(
                (lead.partner_id, lead.service_source, lead.service_planned_at, lead.workshop_bay_id),
                (self.customer, "portal", datetime(2026, 12, 2, 8), self.bay),
            )
            self.assertEqual(lead.dealer_dispatch_id, dispatch)
            self.assertEqual(lead.dealer_enrolment_id, dispatch.enrolment_id)
            self.assertEqual(lead.campaign_id, campaign.utm_campaign_id)
            self.assertEqual(lead.service_line_ids.product_id, self.to2)
            self.assertIn(f"/service/booking/{lead.id}/", response.url)
            self.assertFalse(self._free(datetime(2026, 12, 2, 8)), "the slot is taken from the planner")
            confirmation = self.env["dealer.dispatch"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]
            )
            self.assertEqual(confirmation.channel, "sms")
            # the log keeps the mark of the manage link, the link itself is put in the message that leaves
            self.assertIn("[booking link]", confirmation.body)
            self.assertNotIn(booking_token(lead), confirmation.body)

    def test_a_booking_from_a_reminder_leaves_its_campaign_running(self):
        """Crediting the campaign with a booking is bookkeeping, not an edit: the customer booking from the
        link does not become the campaign's editor, whose rights its audience is read with (the public user
        may read no car: the next planning run used to stop the campaign)."""
        marketer = new_test_user(
            self.env,
            login="booking_marketer",
            groups="dealer_crm.group_marketer",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        campaign, dispatch = self._reminder()
        campaign.with_user(marketer).write({"name": "Warranty reminder (edited)"})
        self.assertEqual(campaign.dealer_editor_id, marketer)
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": self._slots(html)[0]},
            )
        self.assertEqual(self._bookings(self.car).campaign_id, campaign.utm_campaign_id, "the booking is credited")
        self.assertEqual(campaign.dealer_editor_id, marketer)
        with freeze_time(NOW):
            campaign.sudo()._plan()  # as the hourly planning runs it
        self.assertEqual(campaign.state, "running")

    def test_the_form_sent_twice_books_once(self):
        """A double click, or the browser sending the form again: the second confirmation shows the
        booking just made — not a second booking in the other free bay, nor a second message."""
        self._second_bay()
        dispatch, lead, _page = self._book_from_reminder()
        self.assertEqual(len(lead), 1)
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            again = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
            )
        self.assertIn("Your visit is booked", again.text)
        self.assertIn(f"/service/booking/{lead.id}/", again.url)
        self.assertEqual(self._bookings(self.car), lead, "one booking")
        messages = self.env["dealer.dispatch"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertEqual(len(messages), 1, "one confirmation")
        with freeze_time(NOW):
            other = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 13:00:00"},
            )
        self.assertIn("Your visit is booked", other.text)
        self.assertEqual(len(self._bookings(self.car)), 2, "another time is another visit")

    def test_a_new_customer_sending_the_form_twice_books_once(self):
        self._second_bay()
        before = self._counts()
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book?lang=en_US")
            response = self._post("/service/book/code", html, {"phone": "+7 916 555 77 21"})
            code = re.search(r"(\d{6}) is your code", self._sms[-1]["body"]).group(1)
            self._post("/service/book/verify", response.text, {"phone": "+79165557721", "code": code})
            html = self._get("/service/book?step=slots&plate=C777CC77&product_ids=%s" % self.to2.id)
            form = {"plate": "C777CC77", "product_ids": self.to2.id, "slot": self._slots(html)[0], "name": "Twice"}
            first = self._post("/service/book/confirm", html, form)
            second = self._post("/service/book/confirm", html, form)
        self.assertIn("Your visit is booked", second.text)
        self.assertEqual(first.url, second.url)
        self.assertEqual(
            self._counts(), (before[0] + 1, before[1] + 1, before[2] + 1), "one booking, one customer, one car"
        )

    def test_due_package_from_the_mileage(self):
        """Without a next-best offer, the car's projected mileage names the due package (TO-2 at 30 000 km)."""
        self.env["dealer.next.offer"].search([("vehicle_id", "=", self.car.id)]).unlink()
        brand = self.env["dealer.vehicle.brand"].create({"name": "Bookmake"})
        model = self.env["dealer.vehicle.model"].create(
            {"name": "Booker", "brand_id": brand.id, "maintenance_interval_km": 15000}
        )
        to1 = self.env["product.product"].create(
            {
                "name": "Maintenance TO-1",
                "type": "service",
                "list_price": 12000,
                "dealer_item_kind": "maintenance",
                "dealer_bay_kind": "mechanical",
                "dealer_maintenance_number": 1,
            }
        )
        self.to2.dealer_maintenance_number = 2
        self.car.write({"model_id": model.id, "last_odometer_km": 27000, "last_odometer_date": date(2026, 12, 1)})
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
        self.assertRegex(html, rf'value="{self.to2.id}"[^>]*checked')
        self.assertNotRegex(html, rf'value="{to1.id}"[^>]*checked')

    def test_forged_link_writes_nothing(self):
        _campaign, dispatch = self._reminder()
        before = self._counts()
        with freeze_time(NOW):
            html = self._get(f"/service/book?d={dispatch.id}&t=forged")
        self.assertIn("This link is not valid", html)
        self.assertNotIn(self.car.display_name, html)
        self.assertEqual(self._counts(), before)

    def test_a_link_opened_behind_the_visitors_back_does_not_book_as_its_customer(self):
        """A page that makes a visitor's browser open a customer's reminder link (an image, a frame)
        does not make the visitor's own booking page book as that customer: the link is carried by
        the page's forms, not kept in the visitor's session."""
        _campaign, dispatch = self._reminder()
        before = self._counts()
        with freeze_time(NOW):
            self.assertIn(self.car.display_name, self._get(dispatch._dealer_booking_url()))
            page = self._get("/service/book")
            self.assertNotIn(self.car.display_name, page)
            self.assertNotIn(self.customer.name, page)
            self.assertIn('name="phone"', page)  # asked to prove a phone, as any stranger
            form = self._get(f"/service/book?step=slots&vehicle_id={self.car.id}&product_ids={self.to2.id}")
            self.assertNotIn(self.customer.name, form)
            slot = "2026-12-02 08:00:00"
            data = {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": slot, "name": "Stranger"}
            refused = self._post("/service/book/confirm", page, data).text
            self.assertIn("Confirm your phone number first", refused)
        self.assertEqual(self._counts(), before)
        self.assertFalse(self._bookings(self.car))

    def test_bad_input_is_refused_and_nothing_is_written(self):
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            good = {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"}
            cases = [
                ({"slot": "2026-12-01 09:00:00"}, "already passed"),
                ({"slot": "2026-12-05 03:00:00"}, "no longer free"),
                ({"vehicle_id": self.other_car.id}, "not one of yours"),
                ({"vehicle_id": "", "plate": self.other_car.plate}, "registered to another customer"),
                ({"product_ids": self.wash.id}, "cannot be booked online"),
                ({"vehicle_id": "", "vin": "XW8ZZZ1ZZPG00097"}, "17 characters"),
            ]
            for change, message in cases:
                with self.subTest(change=change):
                    before = self._counts()
                    response = self._post("/service/book/confirm", html, {**good, **change})
                    self.assertEqual(response.status_code, 200)
                    self.assertIn(message, response.text)
                    self.assertEqual(self._counts(), before)

    def test_time_taken_meanwhile(self):
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            slot = self._slots(html)[0]
            # another customer takes the same time while this one is choosing
            self.env["crm.lead"]._dealer_book_service(
                {
                    "partner": self.partners[2],
                    "vehicle": self.vehicles[2],
                    "planned_at": datetime.fromisoformat(slot),
                    "lines": [{"product_id": self.to2.id, "name": "TO-2", "amount": 18000, "state": "proposed"}],
                    "source": "phone",
                }
            )
            before = self._counts()
            response = self._post(
                "/service/book/confirm", html, {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": slot}
            )
            self.assertIn("This time is no longer free", response.text)
            self.assertNotIn(f'data-slot="{slot}"', response.text, "the page offers the times still free")
            self.assertEqual(self._counts(), before)

    def test_phone_code_then_new_customer_and_car(self):
        before = self._counts()
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book?lang=en_US")
            response = self._post("/service/book/code", html, {"phone": ""})
            self.assertIn("Enter your mobile phone number", response.text)
            response = self._post("/service/book/code", html, {"phone": "+7 916 555 77 11"})
            self.assertIn("Code from the SMS", response.text)
            code = re.search(r"(\d{6}) is your code", self._sms[-1]["body"]).group(1)
            self.assertEqual(self._sms[-1]["number"], "+79165557711")
            otp = self.env["dealer.workshop.otp"].search([("phone", "=", "+79165557711")])
            self.assertNotIn(code, otp.code_hash)
            kept = self.env["sms.sms"].with_context(active_test=False).search([("number", "=", "+79165557711")])
            self.assertFalse(kept.filtered(lambda sms: code in (sms.body or "")), "the code's SMS is not kept")
            wrong = "000000" if code != "000000" else "111111"
            response = self._post("/service/book/verify", response.text, {"phone": "+79165557711", "code": wrong})
            self.assertIn("The code is wrong", response.text)
            self.assertEqual(otp.attempts, 1)
            self.assertEqual(self._counts(), before, "a wrong code writes nothing but the try")
            response = self._post("/service/book/verify", response.text, {"phone": "+79165557711", "code": code})
            self.assertTrue(otp.used)
            self.assertIn("Show free times", response.text)
            html = self._get("/service/book?step=slots&plate=C555CC77&product_ids=%s" % self.to2.id)
            slot = self._slots(html)[0]
            response = self._post(
                "/service/book/confirm", html, {"plate": "C555CC77", "product_ids": self.to2.id, "slot": slot}
            )
            self.assertIn("Enter your name", response.text)
            self.assertEqual(self._counts(), before)
            response = self._post(
                "/service/book/confirm",
                html,
                {"plate": "C555CC77", "product_ids": self.to2.id, "slot": slot, "name": "New Customer"},
            )
            self.assertIn("Your visit is booked", response.text)
        car = self.env["dealer.vehicle"].search([("plate", "=", "C555CC77")])
        self.assertEqual(car.partner_id.phone_sanitized, "+79165557711")
        self.assertEqual(car.partner_id.name, "New Customer")
        self.assertEqual(self._bookings(car).service_source, "portal")

    def test_code_limits(self):
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book")
            for _i in range(3):
                response = self._post("/service/book/code", html, {"phone": "+79165557712"})
                self.assertIn("Code from the SMS", response.text)
            response = self._post("/service/book/code", html, {"phone": "+79165557712"})
            self.assertIn("Too many codes", response.text)
            self.assertEqual(len(self._sms), 3)
            for _i in range(5):
                self._post("/service/book/verify", html, {"phone": "+79165557712", "code": "abc"})
            code = re.search(r"(\d{6}) is your code", self._sms[-1]["body"]).group(1)
            response = self._post("/service/book/verify", html, {"phone": "+79165557712", "code": code})
            self.assertIn("Too many wrong codes", response.text)
        with freeze_time("2026-12-02 07:30:00"):
            response = self._post("/service/book/verify", html, {"phone": "+79165557712", "code": code})
            self.assertIn("expired", response.text)

    def test_a_number_gets_a_few_codes_a_day_and_no_more_after_many_wrong_ones(self):
        """Three codes an hour, hour after hour, would let someone who knows a customer's number guess all day
        (and text them all day): a day's codes and wrong tries are capped too."""
        phone = "+79165557713"
        Otp = self.env["dealer.workshop.otp"]
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book")
            for i in range(otp_module.MAX_CODES_PER_DAY):
                if i and i % otp_module.MAX_CODES_PER_HOUR == 0:  # an hour later
                    self.env.cr.execute(
                        "UPDATE dealer_workshop_otp SET create_date = create_date - interval '61 minutes'"
                    )
                response = self._post("/service/book/code", html, {"phone": phone})
                self.assertIn("Code from the SMS", response.text, i)
            self.env.cr.execute("UPDATE dealer_workshop_otp SET create_date = create_date - interval '61 minutes'")
            response = self._post("/service/book/code", html, {"phone": phone})
            self.assertIn("Too many codes were sent to this number in the last 24 hours", response.text)
            self.assertEqual(len(self._sms), otp_module.MAX_CODES_PER_DAY)

            other = "+79165557714"
            response = self._post("/service/book/code", html, {"phone": other})
            self.assertIn("Code from the SMS", response.text)
            codes = Otp.search([("phone", "=", other)])
            codes.write({"attempts": otp_module.MAX_WRONG_CODES})
            codes.flush_recordset()
            self.env.cr.execute("UPDATE dealer_workshop_otp SET create_date = create_date - interval '61 minutes'")
            response = self._post("/service/book/code", html, {"phone": other})
            self.assertIn("Too many wrong codes were typed for this number", response.text)
            self.env.cr.execute(
                "UPDATE dealer_workshop_otp SET create_date = create_date - make_interval(hours => %s)",
                (otp_module.WRONG_CODES_HOURS,),
            )
            response = self._post("/service/book/code", html, {"phone": other})
            self.assertIn("Code from the SMS", response.text, "a stranger's guesses lock the number out for hours")

    def test_codes_per_connection_are_limited(self):
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book")
            for i in range(10):
                response = self._post("/service/book/code", html, {"phone": f"+7916555780{i}"})
                self.assertIn("Code from the SMS", response.text)
            response = self._post("/service/book/code", html, {"phone": "+79165557811"})
            self.assertIn("Too many codes were asked from this connection", response.text)
            self.assertEqual(len(self._sms), 10)

    def test_code_sms_logged_for_a_known_customer(self):
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book")
            self._post("/service/book/code", html, {"phone": self.customer.phone})
        row = self.env["dealer.dispatch"].search(
            [("partner_id", "=", self.customer.id), ("res_model", "=", "dealer.workshop.otp")]
        )
        self.assertEqual((row.channel, row.state), ("sms", "sent"))
        self.assertNotRegex(row.body, r"\d{6}", "the code is not kept in the log")

    def test_a_code_the_provider_refused_is_not_announced_as_sent(self):
        """Out of SMS credit: the page says the code could not be sent (not "we sent a code"), the log says failed,
        and the attempt does not count against the number's three codes an hour."""
        with freeze_time(NOW), self.mockSMSGateway(sim_error="credit"):
            html = self._get("/service/book?lang=en_US")
            response = self._post("/service/book/code", html, {"phone": self.customer.phone})
        self.assertIn("could not be sent", response.text)
        self.assertNotIn("Code from the SMS", response.text)
        row = self.env["dealer.dispatch"].search(
            [("partner_id", "=", self.customer.id), ("res_model", "=", "dealer.workshop.otp")]
        )
        self.assertEqual((row.state, row.failure_type), ("failed", "sms_credit"), "the provider's reason is named")
        self.assertFalse(self.env["dealer.workshop.otp"].search([("phone", "=", self.customer.phone_sanitized)]))
        with freeze_time(NOW), self.mockSMSGateway():
            for _i in range(3):
                response = self._post("/service/book/code", html, {"phone": self.customer.phone})
                self.assertIn("Code from the SMS", response.text)

    def test_reschedule_then_cancel_with_reason(self):
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            response = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
            )
            lead = self._bookings(self.car)
            page = response.text
            later = next(slot for slot in self._slots(page) if slot.startswith("2026-12-03"))
            moved = datetime.fromisoformat(later)
            manage = f"/service/booking/{lead.id}/{booking_token(lead)}"
            response = self._post(manage + "/reschedule", page, {"slot": later})
            self.assertIn("Your visit is moved", response.text)
            self.assertEqual(lead.service_planned_at, moved)
            self.assertTrue(self._free(datetime(2026, 12, 2, 8)), "the old time is free again")
            self.assertFalse(self._free(moved))
            before = self._counts()
            response = self._post(manage + "/reschedule", page, {"slot": "2026-12-01 08:00:00"})
            self.assertIn("already passed", response.text)
            self.assertEqual(lead.service_planned_at, moved)
            self.assertEqual(self._counts(), before)
            reason = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
            url = f"/service/booking/{lead.id}/{booking_token(lead)}/cancel"
            response = self._post(url, page, {"reason_id": "", "comment": "x"})
            self.assertIn("Choose why you cancel", response.text)
            self.assertTrue(lead.active)
            response = self._post(url, page, {"reason_id": reason.id, "comment": "Cheaper next door"})
            self.assertIn("Your visit is cancelled", response.text)
        self.assertFalse(lead.active)
        event = lead.loss_event_ids
        self.assertEqual((event.kind, event.reason_id), ("appointment_cancelled", reason))
        self.assertIn("Cheaper next door", event.note)
        with freeze_time(NOW):
            self.assertTrue(self._free(moved), "a cancelled booking frees its time")

    def test_a_booking_moved_back_and_forth_is_confirmed_each_time(self):
        """Booked at A, moved to B, back to A, to B again on one day: four confirmations, the last one
        naming the time that holds (the second "moved to B" is not taken for a repeat of the first); those
        still waiting to go are replaced by the later one."""
        _campaign, dispatch = self._reminder()
        first = "2026-12-02 08:00:00"
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            response = self._post(
                "/service/book/confirm", html, {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": first}
            )
            lead = self._bookings(self.car)
            page = response.text
            later = next(slot for slot in self._slots(page) if slot.startswith("2026-12-03"))
            manage = f"/service/booking/{lead.id}/{booking_token(lead)}/reschedule"
            for slot in (later, first, later):
                page = self._post(manage, page, {"slot": slot}).text
                self.assertIn("Your visit is moved", page)
        self.assertEqual(lead.service_planned_at, datetime.fromisoformat(later))
        rows = self.env["dealer.dispatch"].search(
            [("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)], order="id"
        )
        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[3].body, rows[1].body, "the last confirmation names B")
        # none went yet: only the last one will, the others would name times that no longer hold
        self.assertEqual(rows[:3].mapped("state"), ["cancelled"] * 3)
        self.assertEqual(set(rows[:3].mapped("skip_reason")), {"superseded"})
        self.assertEqual(rows[3].state, "queued")

    def test_booking_and_cancelling_in_a_loop_stops_at_a_days_bookings(self):
        """Book, cancel, book again…: a cancelled booking frees its time but still counts for the day, so a
        reminder's link cannot fill the lost-sales ledger with made-up cancellations."""
        _campaign, dispatch = self._reminder()
        reason = self.env.ref("dealer_service_lost_sales.lost_reason_customer_cancelled")
        slot = {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"}
        with freeze_time(NOW):
            for _i in range(MAX_ONLINE_BOOKINGS_PER_DAY):
                html = self._get(dispatch._dealer_booking_url())
                page = self._post("/service/book/confirm", html, slot).text
                self.assertIn("Your visit is booked", page)
                lead = self._bookings(self.car)
                manage = f"/service/booking/{lead.id}/{booking_token(lead)}"
                page = self._post(manage + "/cancel", page, {"reason_id": reason.id}).text
                self.assertIn("Your visit is cancelled", page)
            html = self._get(dispatch._dealer_booking_url())
            before = self._counts()
            page = self._post("/service/book/confirm", html, slot).text
        self.assertIn(f"You have booked {MAX_ONLINE_BOOKINGS_PER_DAY} visits online in the last 24 hours", page)
        self.assertEqual(self._counts(), before, "nothing written")
        cancelled = self.env["dealer.loss.event"].search(
            [("reason_id", "=", reason.id), ("vehicle_id", "=", self.car.id)]
        )
        self.assertEqual(len(cancelled), MAX_ONLINE_BOOKINGS_PER_DAY)

    def test_a_booking_is_moved_online_a_few_times_then_by_the_service_desk(self):
        """Moving a booking back and forth sends a confirmation each time: past a few moves the page asks the
        customer to call (the customer's phone is not texted all day long)."""
        dispatch, lead, page = self._book_from_reminder()
        later = next(slot for slot in self._slots(page) if slot.startswith("2026-12-03"))
        first = "2026-12-02 08:00:00"
        manage = f"/service/booking/{lead.id}/{booking_token(lead)}/reschedule"
        with freeze_time(NOW):
            for i in range(MAX_ONLINE_MOVES):
                page = self._post(manage, page, {"slot": later if i % 2 == 0 else first}).text
                self.assertIn("Your visit is moved", page)
            where = lead.service_planned_at
            page = self._post(manage, page, {"slot": first if where == datetime.fromisoformat(later) else later}).text
        self.assertIn(f"This booking was moved online {MAX_ONLINE_MOVES} times", page)
        self.assertEqual(lead.service_planned_at, where, "not moved")
        rows = self.env["dealer.dispatch"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertEqual(len(rows), 1 + MAX_ONLINE_MOVES, "the booking's and each move's confirmation, no more")

    def test_characters_the_database_cannot_keep_are_refused_not_a_server_error(self):
        dispatch, lead, page = self._book_from_reminder()
        with freeze_time(NOW):
            self.assertEqual(self.url_open("/service/book?step=slots&plate=A%00").status_code, 400)
            html = self._get(dispatch._dealer_booking_url())
            before = self._counts()
            answer = self._post(
                "/service/book/confirm",
                html,
                {
                    "vehicle_id": self.car.id,
                    "product_ids": self.to2.id,
                    "slot": "2026-12-03 08:00:00",
                    "comment": "a\x00b",
                },
            )
            self.assertEqual(answer.status_code, 400)
            self.assertEqual(self._counts(), before)
            reason = self.env.ref("dealer_service_lost_sales.lost_reason_customer_cancelled")
            manage = f"/service/booking/{lead.id}/{booking_token(lead)}"
            answer = self._post(manage + "/cancel", page, {"reason_id": reason.id, "comment": "\x00"})
            self.assertEqual(answer.status_code, 400)
        self.assertTrue(lead.active, "not cancelled")

    def test_what_the_page_writes_for_the_staff_is_in_the_showroom_language(self):
        """A Russian-speaking customer books, moves and cancels in an English-speaking showroom: the page
        and their messages are Russian, the booking's name and notes English, times in local time."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_service_lost_sales", "dealer_workshop"], ["ru_RU"])
        self.customer.lang = "ru_RU"
        self.company.partner_id.lang = "en_US"
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            page = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
            ).text
            lead = self._bookings(self.car)
            manage = f"/service/booking/{lead.id}/{booking_token(lead)}"
            later = next(slot for slot in self._slots(page) if slot.startswith("2026-12-03"))
            page = self._post(manage + "/reschedule", page, {"slot": later}).text
            reason = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
            self._post(manage + "/cancel", page, {"reason_id": reason.id, "comment": "Дорого"})
        self.assertTrue(lead.name.startswith("Service booking: "), lead.name)
        bodies = " ".join(lead.message_ids.mapped("body"))
        self.assertIn("Booking moved from", bodies)
        self.assertIn("Cancelled by the customer on the booking page.", bodies)
        self.assertNotIn("(UTC)", bodies)

    def test_a_customer_without_a_language_is_answered_in_the_one_they_booked_in(self):
        """A customer whose card has no language books on the page shown in Russian, in an English showroom:
        the card keeps Russian, and the confirmation is in Russian, its time written the Russian way."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["dealer_workshop"], ["ru_RU"])
        self.customer.lang = False
        self.company.partner_id.lang = "en_US"
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url() + "&lang=ru_RU")
            self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00", "lang": "ru_RU"},
            )
        lead = self._bookings(self.car)
        self.assertEqual(self.customer.lang, "ru_RU")
        row = self.env["dealer.dispatch"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        english = format_datetime(self.env(context={"lang": "en_US"}), datetime(2026, 12, 2, 8), dt_format="short")
        russian = format_datetime(self.env(context={"lang": "ru_RU"}), datetime(2026, 12, 2, 8), dt_format="short")
        self.assertNotEqual(english, russian)
        self.assertIn(russian, row.body)
        self.assertNotIn("is booked for", row.body, "the confirmation's words are Russian too")

    def test_a_manage_link_stops_some_weeks_after_the_visit(self):
        """An old confirmation found or forwarded shows neither the car nor the work, and moves or
        cancels nothing; the customer's portal lists the booking without the dead link."""
        _dispatch, lead, page = self._book_from_reminder()
        manage = f"/service/booking/{lead.id}/{booking_token(lead)}"
        with freeze_time("2026-12-30 08:00:00"):
            self.assertIn(self.car.display_name, self._get(manage), "four weeks after the visit: still working")
        reason = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
        with freeze_time("2027-01-03 09:00:00"):
            expired = self._get(manage)
            self.assertIn("This link has expired", expired)
            self.assertNotIn(self.car.display_name, expired)
            page = self._get("/service/book")  # a page of today (the old one's session has ended)
            answer = self._post(manage + "/cancel", page, {"reason_id": reason.id, "comment": "old link"})
            self.assertIn("This link has expired", answer.text)
            answer = self._post(manage + "/reschedule", page, {"slot": "2027-01-05 08:00:00"})
            self.assertIn("This link has expired", answer.text)
        self.assertTrue(lead.active, "nothing cancelled")
        self.assertEqual(lead.service_planned_at, datetime(2026, 12, 2, 8))
        new_test_user(self.env, login="old_link_portal", groups="base.group_portal", partner_id=self.customer.id)
        self.authenticate("old_link_portal", "old_link_portal")
        for when, listed in (("2026-12-30 08:00:00", True), ("2027-01-03 09:00:00", False)):
            with freeze_time(when):
                self.assertEqual(manage in self._get("/my/service-bookings"), listed, when)

    def test_forged_manage_link_is_not_found(self):
        dispatch, lead, _page = self._book_from_reminder()
        with freeze_time(NOW):
            self.assertEqual(self.url_open(f"/service/booking/{lead.id}/forged").status_code, 404)
            other = booking_token(self.env["crm.lead"].search([("id", "!=", lead.id)], limit=1))
            self.assertEqual(self.url_open(f"/service/booking/{lead.id}/{other}").status_code, 404)
            # the booking moved to the right customer's card: the link sent to the first one stops working
            manage = f"/service/booking/{lead.id}/{booking_token(lead)}"
            self.assertEqual(self.url_open(manage).status_code, 200)
            lead.partner_id = self.env["res.partner"].create({"name": "The right customer"})
            self.assertEqual(self.url_open(manage).status_code, 404)
            self.assertEqual(self.url_open(f"/service/booking/{lead.id}/{booking_token(lead)}").status_code, 200)
            # a token with letters beyond ASCII is just as forged (not a server error)
            for url in (
                f"/service/booking/{lead.id}/%C3%A9",
                f"/service/status/{lead.id}/%C3%A9",
                f"/service/b/{dispatch.id}/" + "%C3%A9" * 16,
                f"/dealer/loyalty/unsubscribe/{dispatch.id}/%C3%A9",
            ):
                with self.subTest(url=url):
                    self.assertLess(self.url_open(url).status_code, 500)
            pixel = self.url_open(f"/dealer/loyalty/open/{dispatch.id}/%C3%A9/blank.gif")
            self.assertEqual(pixel.status_code, 200, "the pixel answers whatever the token")
            self.assertFalse(dispatch.opened_at)
            self.assertEqual(self.url_open(f"/service/book?d={dispatch.id}&t=%C3%A9").status_code, 200)

    def test_portal_customer_books_and_finds_the_booking_on_their_home(self):
        user = self.env["res.users"].create(
            {
                "login": "booking_portal_customer",
                "password": "booking_portal_customer",
                "partner_id": self.customer.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate(user.login, user.login)
        with freeze_time(NOW):
            html = self._get("/service/book")
            self.assertNotIn("dealer_booking_phone", html, "a logged-in customer needs no code")
            html = self._get(f"/service/book?step=slots&vehicle_id={self.car.id}&product_ids={self.to2.id}")
            self.assertNotIn(self.other_car.plate, html, "only their own cars")
            self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": self._slots(html)[0]},
            )
            lead = self._bookings(self.car)
            self.assertEqual((lead.partner_id, lead.dealer_dispatch_id.id), (self.customer, False))
            self.assertIn("/my/service-bookings", self._get("/my"))
            listing = self._get("/my/service-bookings")
        self.assertIn(f"/service/booking/{lead.id}/{booking_token(lead)}", listing)

    def test_a_logged_in_customer_gets_the_workshop_time_whatever_their_own_time_zone(self):
        user = self.env["res.users"].create(
            {
                "login": "booking_far_customer",
                "password": "booking_far_customer",
                "partner_id": self.customer.id,
                "tz": "Asia/Vladivostok",
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate(user.login, user.login)
        with freeze_time(NOW):
            html = self._get(f"/service/book?step=slots&vehicle_id={self.car.id}&product_ids={self.to2.id}")
            self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
            )
        lead = self._bookings(self.car)
        row = self.env["dealer.dispatch"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        company_tz = self.company.resource_calendar_id.tz or self.company.partner_id.tz or "UTC"
        self.assertNotEqual(company_tz, "Asia/Vladivostok")
        workshop = format_datetime(
            self.env(context={"lang": "en_US"}), datetime(2026, 12, 2, 8), tz=company_tz, dt_format="short"
        )
        self.assertIn(f"is booked for {workshop} (", row.body)
        with freeze_time(NOW):
            listing = self._get("/my/service-bookings")
        self.assertIn(f">{workshop}</a>", listing, "their list of bookings tells the same time as the confirmation")

    def test_staff_who_attach_their_card_to_a_customer_see_none_of_its_bookings_nor_cars(self):
        """A staff member may edit their own contact card: linking it to a customer's company card does not
        make that company's bookings and cars theirs on the customer's pages (neither listed with their
        manage links, nor bookable on the booking page)."""
        fleet = self.env["res.partner"].create({"name": "Fleet LLC", "is_company": True})
        self.customer.parent_id = fleet
        _dispatch, lead, _page = self._book_from_reminder()
        staff = new_test_user(self.env, login="booking_staff", groups="dealer_crm.group_call_center")
        staff.partner_id.with_user(staff).write({"parent_id": fleet.id})
        self.authenticate("booking_staff", "booking_staff")
        with freeze_time(NOW):
            listing = self._get("/my/service-bookings")
            self.assertNotIn(f"/service/booking/{lead.id}/", listing)
            self.assertNotIn(self.car.display_name, listing)
            self.assertNotIn(self.car.display_name, self._get("/service/book"), "the customer's car is not offered")
            page = self._get(f"/service/book?step=slots&vehicle_id={self.car.id}&product_ids={self.to2.id}")
            typed = self._get(f"/service/book?step=slots&plate={self.car.plate}&product_ids={self.to2.id}")
        self.assertIn("This car is not one of yours", page)
        self.assertNotIn("data-slot=", page, "no time offered for it")
        self.assertIn("registered to another customer", typed, "nor when its plate is typed in")
        self.assertNotIn("data-slot=", typed)
        self.assertEqual(self._bookings(self.car), lead, "nothing else booked for the customer's car")

    def test_russian_page_from_the_customer_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.customer.lang = "ru_RU"
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
        self.assertIn("ср 2 дек.", html, "the days are written in Russian")


@tagged("post_install", "-at_install")
class TestBookingApiCapacity(BookingPageCase):
    """The DMS API and the page share one booking path: a taken time is a 409 naming planned_at."""

    def setUp(self):
        super().setUp()
        site = new_test_user(self.env, login="booking_api_site", groups="dealer_crm.group_integration")
        self.key = self.env["res.users.apikeys"].with_user(site).sudo()._generate("dealer_api", "site", None)
        self.to2.default_code = "TO2-TEST"

    def _book_over_api(self, external_id, phone, plate):
        body = {
            "external_id": external_id,
            "phone": phone,
            "plate": plate,
            "planned_at": "2026-12-02T08:00:00Z",
            "operations": [{"code": "TO2-TEST", "name": "Maintenance TO-2", "amount": 18000}],
        }
        return self.url_open(
            "/dealer/api/v1/service-bookings",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"},
        )

    def test_api_booking_at_a_taken_time_is_a_conflict(self):
        with freeze_time(NOW):
            first = self._book_over_api("SITE-1", "+79165550001", "K111KK77")
            self.assertEqual(first.status_code, 201, first.text)
            before = self._counts()
            second = self._book_over_api("SITE-2", "+79165550002", "K222KK77")
            self.assertEqual(second.status_code, 409, second.text)
            error = second.json()["error"]
            self.assertEqual(error["field"], "planned_at")
            self.assertIn("Lift 1", error["message"])
            self.assertEqual(self._counts(), before)

    def test_a_refusal_other_than_a_taken_time_is_not_told_as_one(self):
        """Another check refusing the booking (an addon's or a rule's, its text meant for the staff) is bad input
        to the API (400, no field), and "could not be booked" on the page, not "this time is no longer free"."""
        staff_text = "Customer 42 of Lift 1 holds a debt"
        refuse = patch.object(
            type(self.env["crm.lead"]), "_workshop_reserve", side_effect=ValidationError(staff_text), autospec=True
        )
        with freeze_time(NOW), refuse:
            before = self._counts()
            response = self._book_over_api("SITE-9", "+79165550009", "K999KK77")
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["error"]["code"], "invalid_input")
            self.assertIsNone(response.json()["error"]["field"], "not a conflict of planned_at")
            _campaign, dispatch = self._reminder()
            html = self._get(dispatch._dealer_booking_url())
            page = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
            ).text
            self.assertIn("could not be booked online", page)
            self.assertNotIn("no longer free", page)
            self.assertNotIn(staff_text, page, "the staff's text is not shown to the public")
            self.assertEqual(self._counts(), before)


@tagged("post_install", "-at_install")
class TestBookingPageSafety(BookingPageCase):
    """What the page must refuse: late cancels, someone else's contact or car, costly SMS."""

    def _book_from_reminder(self):
        _campaign, dispatch = self._reminder()
        html = self._get(dispatch._dealer_booking_url())
        response = self._post(
            "/service/book/confirm",
            html,
            {"vehicle_id": self.car.id, "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
        )
        lead = self._bookings(self.car)
        self.assertEqual(len(lead), 1)
        return lead, response.text

    def _cancel_refused(self, lead, page):
        reason = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
        url = f"/service/booking/{lead.id}/{booking_token(lead)}/cancel"
        Dispatch = self.env["dealer.dispatch"]
        told = Dispatch.search_count([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        response = self._post(url, page, {"reason_id": reason.id, "comment": "Changed my mind"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("can no longer be cancelled online", response.text)
        self.assertTrue(lead.active)
        self.assertFalse(lead.loss_event_ids, "no revenue moves to the loss ledger")
        self.assertEqual(
            Dispatch.search_count([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]),
            told,
            "no 'cancelled' message is queued",
        )
        self.assertNotIn('name="reason_id"', self._get(url.removesuffix("/cancel")), "no cancel form is shown")

    def test_cancel_refused_once_the_car_is_in_the_workshop(self):
        with freeze_time(NOW):
            lead, page = self._book_from_reminder()
            lead.stage_id = lead._dealer_service_stage("reception")
            self._cancel_refused(lead, page)
            self.assertEqual(lead.stage_id.dealer_service_step, "reception")

    def test_cancel_refused_once_the_visit_is_won(self):
        with freeze_time(NOW):
            lead, page = self._book_from_reminder()
            lead.action_set_won()
            self.assertEqual(lead.won_status, "won")
            self._cancel_refused(lead, page)
            self.assertEqual(lead.won_status, "won", "the won revenue stays won")

    def test_cancel_method_guards_the_customer_path_and_keeps_the_api_behaviour(self):
        """The page's method refuses late cancels; the DMS API records a loss at the current stage (API.md)."""
        reason = self.env.ref("dealer_service_lost_sales.lost_reason_competitor")
        with freeze_time(NOW):
            lead, _page = self._book_from_reminder()
            lead.stage_id = lead._dealer_service_stage("reception")
            with self.assertRaisesRegex(UserError, "can no longer be cancelled online"):
                lead._dealer_cancel_service(reason, "late")
            self.assertTrue(lead.active)
            self.assertFalse(lead.loss_event_ids)
            event = lead._dealer_cancel_service(reason, "the DMS cancels", any_stage=True)
            self.assertFalse(lead.active)
            self.assertTrue(event)

    def _confirm_phone(self, phone):
        html = self._get("/service/book?lang=en_US")
        response = self._post("/service/book/code", html, {"phone": phone})
        self.assertIn("Code from the SMS", response.text)
        code = re.search(r"(\d{6}) is your code", self._sms[-1]["body"]).group(1)
        response = self._post("/service/book/verify", response.text, {"phone": phone, "code": code})
        self.assertIn("Show free times", response.text)
        return response.text

    def test_shared_phone_never_shows_another_contacts_cars(self):
        """Two contacts share a number: the code proves the number, not which of them books."""
        spouse = self.env["res.partner"].create({"name": "Aaron Spouse", "phone": self.customer.phone})
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._confirm_phone(self.customer.phone)
            self.assertNotIn(self.car.display_name, html, "neither contact's cars are shown")
            self.assertNotIn(spouse.name, html)
            self.assertNotIn(self.customer.name, html)
            html = self._get("/service/book?step=slots&plate=C556CC77&product_ids=%s" % self.to2.id)
            response = self._post(
                "/service/book/confirm",
                html,
                {"plate": "C556CC77", "product_ids": self.to2.id, "slot": self._slots(html)[0], "name": "Anna"},
            )
            self.assertIn("Your visit is booked", response.text)
        lead = self._bookings(self.env["dealer.vehicle"].search([("plate", "=", "C556CC77")]))
        self.assertNotIn(lead.partner_id, spouse | self.customer, "booked as their own new contact")
        self.assertEqual(
            (lead.partner_id.name, lead.partner_id.phone_sanitized), ("Anna", self.customer.phone_sanitized)
        )
        self.assertFalse(
            self.env["dealer.dispatch"].search(
                [("partner_id", "in", (spouse | self.customer).ids), ("res_model", "=", "dealer.workshop.otp")]
            ),
            "the code is logged on no one's card",
        )

    def test_phone_of_another_showrooms_customer_is_not_used(self):
        other = self.env["res.company"].create({"name": "Showroom B", "country_id": self.env.ref("base.ru").id})
        self.customer.company_id = other
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._confirm_phone(self.customer.phone)
        self.assertNotIn(self.car.display_name, html)
        self.assertNotIn(self.customer.name, html)

    def test_single_matching_contact_is_recognised(self):
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._confirm_phone(self.customer.phone)
        self.assertIn(self.car.display_name, html, "the one customer with this number sees their car")

    def test_codes_only_to_mobile_numbers_of_the_country(self):
        with freeze_time(NOW), self.mockSMSGateway():
            html = self._get("/service/book?lang=en_US")
            for number in ("+44 7911 123456", "+882 1234 5678", "+7 495 123 45 67", "+7 809 123 45 67"):
                with self.subTest(number=number):
                    response = self._post("/service/book/code", html, {"phone": number})
                    self.assertNotIn("Code from the SMS", response.text)
                    self.assertRegex(response.text, "Enter (a|your) mobile phone number")
            self.assertEqual(self._sms, [], "no SMS to foreign, premium or landline numbers")
            self.assertFalse(self.env["dealer.workshop.otp"].search([]))

    def test_codes_per_showroom_are_capped(self):
        with freeze_time(NOW), self.mockSMSGateway(), patch.object(otp_module, "MAX_CODES_PER_COMPANY_HOUR", 4):
            html = self._get("/service/book?lang=en_US")
            for i in range(4):
                # each to another number, below the per-connection limit: only the showroom's cap stops them
                response = self._post("/service/book/code", html, {"phone": f"+7916555790{i}"})
                self.assertIn("Code from the SMS", response.text)
            response = self._post("/service/book/code", html, {"phone": "+79165557909"})
            self.assertIn("We cannot send more codes right now", response.text)
            self.assertEqual(len(self._sms), 4)

    def test_addresses_of_one_ipv6_network_are_one_connection_for_codes(self):
        """An IPv6 subscriber holds a /64 network: changing the address inside it does not renew the limit."""
        Otp = self.env["dealer.workshop.otp"]
        with freeze_time(NOW), self.mockSMSGateway():
            for i in range(10):
                self.assertIsNone(
                    Otp._dealer_send_code(f"+7916555781{i}", self.company, "en_US", f"2001:db8:1:2::{i + 1:x}")
                )
            refused = Otp._dealer_send_code("+79165557830", self.company, "en_US", "2001:db8:1:2:ffff::1")
            self.assertIn("Too many codes were asked from this connection", refused or "")
            self.assertIsNone(Otp._dealer_send_code("+79165557831", self.company, "en_US", "2001:db8:1:3::1"))
        self.assertEqual(len(self._sms), 11)

    def test_networks_of_one_ipv6_site_are_capped_together_for_codes(self):
        """A server given a /48 rotates its 65,536 /64 networks: each is a new connection, so together they are
        capped too (else they reach the showroom's cap, SMS paid for strangers, and shut the codes for all)."""
        Otp = self.env["dealer.workshop.otp"]
        with (
            freeze_time(NOW),
            self.mockSMSGateway(),
            patch.object(otp_module, "MAX_CODES_PER_IPV6_SITE_HOUR", 4),
        ):
            for i in range(4):
                self.assertIsNone(
                    Otp._dealer_send_code(f"+7916555782{i}", self.company, "en_US", f"2001:db8:1:{i + 10:x}::1")
                )
            refused = Otp._dealer_send_code("+79165557830", self.company, "en_US", "2001:db8:1:ffff::1")
            self.assertIn("Too many codes were asked from this connection", refused or "")
            self.assertIsNone(Otp._dealer_send_code("+79165557831", self.company, "en_US", "2001:db8:2::1"))
            self.assertIsNone(Otp._dealer_send_code("+79165557832", self.company, "en_US", "198.51.100.7"))
        self.assertEqual(len(self._sms), 6)
        # an IPv4 client seen through a dual-stack listener is its own address, not the one network "::/64"
        self.assertEqual(network("::ffff:198.51.100.7"), "198.51.100.7")
        self.assertEqual(network("2001:db8:1:2::5"), "2001:db8:1:2::/64")

    def test_a_vin_kept_and_the_plate_changed_is_another_car_typed(self):
        """Both the VIN and the plate are looked up, so both are counted: a stranger keeping one new VIN and
        changing the plate is refused at the sixth car, as with plates alone."""
        plates = [f"D{n}{n}{n}DD77" for n in range(1, 7)]
        self.env["dealer.vehicle"].create(
            [
                {"plate": plate, "partner_id": self.other_car.partner_id.id, "company_id": self.company.id}
                for plate in plates
            ]
        )
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            good = {"vehicle_id": "", "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"}
            for plate in plates[:5]:
                response = self._post(
                    "/service/book/confirm", html, {**good, "vin": "XTA210990Y1234567", "plate": plate}
                )
                self.assertIn("registered to another customer", response.text, plate)
            response = self._post(
                "/service/book/confirm", html, {**good, "vin": "XTA210990Y1234567", "plate": plates[5]}
            )
            self.assertIn("several cars that are not yours", response.text)
            self.assertNotIn("registered to another customer", response.text)

    def test_a_car_of_another_showroom_is_not_offered(self):
        """The page books the showroom's cars (and those shared by all); a car registered at another showroom is
        booked there, not offered here to fail at the last step."""
        other = self.env["res.company"].create({"name": "Other showroom"})
        self.car.partner_id.company_id = False  # a customer of every showroom, with a car at each of two
        elsewhere = self.env["dealer.vehicle"].create(
            {"plate": "E555EE77", "partner_id": self.car.partner_id.id, "company_id": other.id}
        )
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
        self.assertIn(self.car.display_name, html)
        self.assertNotIn("E555EE77", html)
        self.assertNotIn(f'value="{elsewhere.id}"', html)

    def test_a_new_vin_cannot_bring_another_customers_plate(self):
        """A valid new VIN with the plate of someone else's car: refused, no second car with that plate."""
        self.other_car.plate = "B777BB77"
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            before = self._counts()
            response = self._post(
                "/service/book/confirm",
                html,
                {
                    "vin": "XW8ZZZ61ZHG017799",
                    "plate": "B777BB77",
                    "product_ids": self.to2.id,
                    "slot": NOW[:11] + "08:00:00",
                },
            )
        self.assertIn("registered to another customer", response.text)
        self.assertEqual(self._counts(), before, "no car, no booking")
        self.assertEqual(self.env["dealer.vehicle"].search_count([("plate", "=", "B777BB77")]), 1)

    def test_a_car_without_owner_is_booked_by_the_service_desk(self):
        """A car of the register with no owner yet (in stock) is not taken over by whoever types its VIN."""
        stock = self.env["dealer.vehicle"].create(
            {"vin": "XW8ZZZ61ZHG017798", "plate": "C111CC77", "state": "stock", "company_id": self.company.id}
        )
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            response = self._post(
                "/service/book/confirm",
                html,
                {"vin": stock.vin, "product_ids": self.to2.id, "slot": NOW[:11] + "08:00:00"},
            )
        self.assertIn("Please call the service desk", response.text)
        self.assertFalse(stock.partner_id)
        self.assertFalse(self._bookings(stock))

    def test_one_phone_holds_at_most_three_upcoming_visits_from_the_page(self):
        """A number proven once cannot fill the workshop with made-up cars."""
        with freeze_time(NOW), self.mockSMSGateway():
            self._confirm_phone("+79165550077")
            self._assert_three_bookings_then_refused("K{}11KK77", name="Max")

    def _assert_three_bookings_then_refused(self, plates, **form):
        """Four new cars booked one after the other: three are booked, the fourth is refused and writes nothing."""
        for i in range(4):
            plate = plates.format(i)
            html = self._get(f"/service/book?step=slots&plate={plate}&product_ids={self.to2.id}")
            before = self._counts()
            response = self._post(
                "/service/book/confirm",
                html,
                {"plate": plate, "product_ids": self.to2.id, "slot": self._slots(html)[0], **form},
            )
            if i < 3:
                self.assertIn("Your visit is booked", response.text)
        self.assertIn("To book more, please call the service desk", response.text)
        self.assertEqual(self._counts(), before, "the fourth writes nothing")

    def test_a_customer_without_a_usable_phone_holds_at_most_three_upcoming_visits_too(self):
        """The limit counts the customer's own bookings as well as their number's: a portal customer whose
        card holds no valid number cannot fill the workshop either."""
        self.customer.phone = "no phone"
        self.assertFalse(self.customer.phone_sanitized)
        user = self.env["res.users"].create(
            {
                "login": "booking_no_phone",
                "password": "booking_no_phone",
                "partner_id": self.customer.id,
                "group_ids": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate(user.login, user.login)
        with freeze_time(NOW):
            self._assert_three_bookings_then_refused("M{}22MM77")

    def test_a_proven_phone_asks_for_a_new_code_after_half_an_hour(self):
        with freeze_time(NOW), self.mockSMSGateway():
            self.assertIn("Show free times", self._confirm_phone("+79165550078"))
        with freeze_time("2026-12-02 07:31:00"):
            html = self._get("/service/book?lang=en_US")
        self.assertNotIn("Show free times", html)
        self.assertIn('name="phone"', html)

    def test_plate_found_whatever_the_letters_and_spaces(self):
        """A123BC77 typed in Cyrillic, lower case or with spaces is still another customer's car."""
        self.other_car.plate = "A123BC77"
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            good = {"vehicle_id": "", "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"}
            for typed in ("А123ВС77", "a 123 bc 77", "а123-вс-77", "A123BC77"):
                with self.subTest(typed=typed):
                    before = self._counts()
                    response = self._post("/service/book/confirm", html, {**good, "plate": typed})
                    self.assertIn("registered to another customer", response.text)
                    self.assertEqual(self._counts(), before, "no duplicate car, no booking")

    def test_the_page_does_not_tell_a_stranger_plate_after_plate_which_cars_are_registered(self):
        """Five cars typed in an hour that are not the visitor's are answered; the sixth is refused before it is
        looked up (the same car typed again is not counted twice); their own car stays bookable from the list."""
        plates = [f"B{n}{n}{n}BB77" for n in range(1, 7)]
        self.env["dealer.vehicle"].create(
            [
                {"plate": plate, "partner_id": self.other_car.partner_id.id, "company_id": self.company.id}
                for plate in plates
            ]
        )
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            good = {"vehicle_id": "", "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"}
            for plate in [*plates[:5], plates[0]]:
                response = self._post("/service/book/confirm", html, {**good, "plate": plate})
                self.assertIn("registered to another customer", response.text, plate)
            response = self._post("/service/book/confirm", html, {**good, "plate": plates[5]})
            self.assertIn("several cars that are not yours", response.text)
            self.assertNotIn("registered to another customer", response.text)
            response = self._post("/service/book/confirm", html, {**good, "vehicle_id": self.car.id})
            self.assertIn("Your visit is booked", response.text)
        with freeze_time("2026-12-02 08:30:00"):  # an hour later the count starts again
            response = self._post("/service/book/confirm", html, {**good, "plate": plates[5]})
            self.assertIn("registered to another customer", response.text)

    def test_a_new_session_per_request_does_not_renew_the_limit_on_typed_cars(self):
        """A stranger with one reminder link asks plate after plate, each time without the session's cookie:
        the sixth car not theirs is still refused, and so is the link's visitor from another connection's
        reminder link once that connection typed too many."""
        plates = [f"C{n}{n}{n}CC77" for n in range(1, 8)]
        self.env["dealer.vehicle"].create(
            [
                {"plate": plate, "partner_id": self.other_car.partner_id.id, "company_id": self.company.id}
                for plate in plates
            ]
        )
        _campaign, dispatch = self._reminder()

        def ask(plate):
            self.opener.cookies.clear()
            return self._get(f"{dispatch._dealer_booking_url()}&step=slots&plate={plate}&product_ids={self.to2.id}")

        with freeze_time(NOW):
            for plate in plates[:5]:
                self.assertIn("registered to another customer", ask(plate), plate)
            html = ask(plates[5])
            self.assertIn("several cars that are not yours", html)
            self.assertNotIn("registered to another customer", html)
        lookups = self.env["dealer.workshop.car.lookup"].sudo()
        self.assertEqual(len(set(lookups.search([]).mapped("car_key"))), 5)
        # fifteen cars an hour from one connection, whoever the visitors are
        lookups.create(
            [
                {
                    "visitor": f"phone:+7916555{n:04d}",
                    "car_key": f"K{n}",
                    "ip_address": "127.0.0.1",
                    "company_id": self.company.id,
                    "typed_at": "2026-12-02 06:30:00",
                }
                for n in range(15)
            ]
        )
        with freeze_time(NOW):
            self.assertTrue(lookups._dealer_refused("dispatch:0", "NEW", "127.0.0.1", self.company))
            self.assertFalse(lookups._dealer_refused("dispatch:0", "NEW", "10.0.0.1", self.company))

    def test_own_car_found_by_its_cyrillic_plate(self):
        self.car.plate = "К777КК77"
        _campaign, dispatch = self._reminder()
        with freeze_time(NOW):
            html = self._get(dispatch._dealer_booking_url())
            cars = self.env["dealer.vehicle"].search_count([])
            response = self._post(
                "/service/book/confirm",
                html,
                {"vehicle_id": "", "plate": "k 777 kk 77", "product_ids": self.to2.id, "slot": "2026-12-02 08:00:00"},
            )
            self.assertIn("Your visit is booked", response.text)
        self.assertEqual(self.env["dealer.vehicle"].search_count([]), cars, "no duplicate car")
        self.assertEqual(len(self._bookings(self.car)), 1)
