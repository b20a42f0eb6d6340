"""Promised time and the customer's repair status: stages, late flag and on-time rate, the late and
ready notices in the customer's language, the signed status page and "Book it later"."""

import re
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.addons.dealer_crm.tests.common import DealerCrmCase, server_access_log
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval
from odoo.tools.translate import code_translations

NOW = datetime(2026, 6, 10, 10, 0)
# The Russian of the late notice (i18n/ru.po of the addon holds the same entries).
RU_LATE = (
    "We are sorry: your car %(car)s will not be ready by %(promised)s as promised. "
    "Your advisor will tell you the new time. Follow the repair: %(url)s"
)
RU_TEXTS = {
    RU_LATE: "Извините: ваш автомобиль %(car)s не будет готов к %(promised)s, как обещали. "
    "Мастер-приёмщик сообщит вам новое время. Ход ремонта: %(url)s",
    "Your car will be late": "Ваш автомобиль задерживается",
}


def no_commit(self, processed=0, remaining=None, deactivate=False):
    """The sending cron's batch commit, inside a test transaction: nothing to commit, time left."""
    return float("inf")


class RepairStatusCase(DealerCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=True, mail_create_nolog=True))
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.company.partner_id.write({"tz": "UTC", "lang": "en_US"})
        cls.advisor = new_test_user(cls.env, login="stat_advisor", groups="dealer_crm.group_service_advisor")
        cls.advisor2 = new_test_user(cls.env, login="stat_advisor2", groups="dealer_crm.group_service_advisor")
        Partner = cls.env["res.partner"]
        cls.russian = Partner.create(
            {
                "name": "Иван Петров",
                "email": "ivan@example.com",
                "lang": "ru_RU",
                "tz": "Europe/Moscow",
                "consent_email": True,
            }
        )
        cls.english = Partner.create(
            {"name": "John Smith", "email": "john@example.com", "lang": "en_US", "tz": "UTC", "consent_email": True}
        )
        brand = cls.env["dealer.vehicle.brand"].create({"name": "Testmake"})
        cls.car_model = cls.env["dealer.vehicle.model"].create({"name": "Roadster", "brand_id": brand.id})
        cls.brand = brand
        Bay = cls.env["dealer.workshop.bay"]
        cls.bay1 = Bay.create({"name": "Bay 1", "kind": "mechanical"})
        cls.bay2 = Bay.create({"name": "Bay 2", "kind": "mechanical"})

    @classmethod
    def _car(cls, partner):
        return cls.env["dealer.vehicle"].create(
            {"partner_id": partner.id, "brand_id": cls.brand.id, "model_id": cls.car_model.id, "state": "customer"}
        )

    def _visit(self, partner=None, promised=None, **vals):
        partner = partner or self.english
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": self._car(partner).id,
                "partner_id": partner.id,
                "date": NOW.date(),
                "advisor_id": self.advisor.id,
                "workshop_bay_id": self.bay1.id,
                "promised_at": promised,
                **vals,
            }
        )

    def _rows(self, visit):
        return self.env["dealer.dispatch"].search(
            [("res_model", "=", "dealer.visit"), ("res_id", "=", visit.id)], order="id"
        )


@tagged("post_install", "-at_install")
class TestRepairStatus(RepairStatusCase):
    def test_stages_ready_at_and_closing_makes_ready(self):
        with freeze_time(NOW):
            visit = self._visit(promised=NOW + timedelta(hours=4))
            self.assertEqual(visit.workshop_stage, "received", "a car that comes in is received")
            visit.action_workshop_in_work()
            visit.action_workshop_quality()
            self.assertEqual((visit.workshop_stage, visit.ready_at), ("quality", False))
        with freeze_time(NOW + timedelta(hours=2)):
            visit.action_workshop_ready()
        self.assertEqual(visit.ready_at, NOW + timedelta(hours=2))
        self.assertFalse(visit.workshop_late)
        self.assertEqual(visit.workshop_on_time, 100.0)

        with freeze_time(NOW + timedelta(hours=6)):
            other = self._visit(promised=NOW + timedelta(hours=4))
            other.action_workshop_in_work()
            other.action_done()
        self.assertEqual(other.workshop_stage, "ready", "a visit closed while not ready becomes ready")
        self.assertEqual(other.ready_at, NOW + timedelta(hours=6))
        self.assertTrue(other.workshop_late, "ready after the promised time")
        self.assertTrue(self._rows(other), "the customer was told the car was received")
        self.assertFalse(
            self._rows(other).filtered(lambda row: "is ready" in row.body),
            "closing the visit hands the car back: the customer at the counter is not told to come and collect it",
        )

    def test_the_advisor_cannot_type_in_the_ready_time_or_the_on_time_figures(self):
        """The on-time rate is the workshop's KPI: the advisor moves the car through its stages, the
        application records when it was ready and whether that was on time."""
        with freeze_time(NOW + timedelta(hours=6)):
            visit = self._visit(promised=NOW + timedelta(hours=4))
            as_advisor = visit.with_user(self.advisor)
            for vals in (
                {"ready_at": NOW + timedelta(hours=3)},
                {"workshop_on_time": 100.0},
                {"workshop_late": False},
                {"workshop_ready_notified": True},
            ):
                with self.assertRaises(AccessError):
                    as_advisor.write(vals)
            as_advisor.action_workshop_ready()
        self.assertEqual(visit.ready_at, NOW + timedelta(hours=6))
        self.assertEqual(visit.workshop_on_time, 0.0, "ready two hours late")

    def test_promised_time_and_bay_come_from_the_booking(self):
        car = self._car(self.english)
        Lead = self.env["crm.lead"]
        promised = NOW + timedelta(days=1, hours=3)
        booking = Lead.create(
            Lead._dealer_service_opportunity_vals(
                car,
                "Booking",
                "web",
                planned_at=NOW + timedelta(days=1),
                service_promised_at=promised,
                workshop_bay_id=self.bay2.id,
            )
        )
        visit = self.env["dealer.visit"].create(
            {"vehicle_id": car.id, "date": NOW.date(), "service_lead_id": booking.id}
        )
        self.assertEqual((visit.promised_at, visit.workshop_bay_id), (promised, self.bay2))

    def test_late_flag_and_on_time_rate_by_advisor_and_bay(self):
        with freeze_time(NOW):
            early = self._visit(promised=NOW + timedelta(hours=2))
            late = self._visit(promised=NOW + timedelta(hours=1))
            other_bay = self._visit(promised=NOW + timedelta(hours=1), workshop_bay_id=self.bay2.id)
            still_open = self._visit(promised=NOW + timedelta(hours=1), advisor_id=self.advisor2.id)
            waiting = self._visit(promised=NOW + timedelta(days=1), advisor_id=self.advisor2.id)
            self.assertFalse(still_open.workshop_late)
        with freeze_time(NOW + timedelta(minutes=30)):
            early.action_workshop_ready()
            other_bay.action_workshop_ready()
        with freeze_time(NOW + timedelta(hours=3)):
            late.action_workshop_ready()
            # nobody touched it: the cron finds it late (set-based)
            self.env["dealer.visit"]._cron_workshop_status()
        self.assertEqual((early.workshop_late, late.workshop_late, still_open.workshop_late), (False, True, True))
        self.assertFalse(waiting.workshop_late)
        self.assertFalse(waiting.workshop_measured, "a visit neither ready nor late is not counted yet")

        visits = early | late | other_bay | still_open | waiting
        domain = [("id", "in", visits.ids), ("workshop_measured", "=", True)]
        Visit = self.env["dealer.visit"]
        by_advisor = dict(Visit._read_group(domain, ["advisor_id"], ["workshop_on_time:avg"]))
        self.assertAlmostEqual(by_advisor[self.advisor], 200 / 3)  # 2 of 3 on time
        self.assertEqual(by_advisor[self.advisor2], 0.0)
        by_bay = dict(Visit._read_group(domain, ["workshop_bay_id"], ["workshop_on_time:avg"]))
        self.assertAlmostEqual(by_bay[self.bay1], 100 / 3)  # early on time, late and still_open late
        self.assertEqual(by_bay[self.bay2], 100.0)

        # the advisor reads the same figures from the workshop menu's "On-time rate"
        action = self.env.ref("dealer_workshop.dealer_visit_action_on_time")
        menu = self.env.ref("dealer_workshop.dealer_visit_menu_on_time")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.advisor)._visible_menu_ids())
        mine = Visit.with_user(self.advisor)._read_group(
            [("id", "in", visits.ids), *safe_eval(action.domain)], ["workshop_bay_id"], ["__count"]
        )
        self.assertEqual(dict(mine), {self.bay1: 3, self.bay2: 1})

    def test_a_new_promise_past_the_expected_time_replaces_it(self):
        """ "Now expected at" is the late car's new time: before the promise it is refused, naming both fields; a
        promise moved to or past it replaces it (nothing late to tell), a promise moved earlier keeps it."""
        with freeze_time(NOW):
            visit = self._visit(self.russian, promised=NOW + timedelta(hours=3))
            with (
                self.assertRaisesRegex(ValidationError, "Now expected at must be later than Promised for"),
                self.env.cr.savepoint(),
            ):
                visit.workshop_expected_at = NOW + timedelta(hours=2)
            visit.workshop_expected_at = NOW + timedelta(hours=5)
            visit.promised_at = NOW + timedelta(hours=2)
            self.assertEqual(visit.workshop_expected_at, NOW + timedelta(hours=5))
            visit.promised_at = NOW + timedelta(days=1)
            self.assertFalse(visit.workshop_expected_at)

    def test_late_warning_once_in_russian_before_the_deadline(self):
        with freeze_time(NOW):
            visit = self._visit(self.russian, promised=NOW + timedelta(hours=3))
            visit.action_workshop_in_work()
            quality = self._visit(self.english, promised=NOW + timedelta(minutes=30))
            quality.action_workshop_quality()
        received = self._rows(visit)
        self.assertEqual(len(received), 1, "the received notice with the status link")
        url = visit._dealer_status_url()
        self.assertIn(url, received._text_to_send(), "the link is in the message that leaves")
        self.assertNotIn(url, received.body, "the log that every dealer user reads holds no link")

        Visit = self.env["dealer.visit"]
        ru = {**code_translations.get_python_translations("dealer_workshop", "ru_RU"), **RU_TEXTS}
        with patch.dict(code_translations.python_translations, {("dealer_workshop", "ru_RU"): ru}):
            with freeze_time(NOW + timedelta(hours=1)):  # 2 hours before: not yet (setting: 60 minutes)
                Visit._cron_workshop_status()
            self.assertEqual(len(self._rows(visit)), 1)
            with freeze_time(NOW + timedelta(hours=2, minutes=10)):
                Visit._cron_workshop_status()
                Visit._cron_workshop_status()
        late = self._rows(visit) - received
        self.assertEqual(len(late), 1, "warned once, before the promised time")
        self.assertEqual(late.channel, "email")
        self.assertIn("не будет готов к", late.body)
        self.assertIn("16:00", late.body, "the promised time in the customer's time zone (Moscow)")
        self.assertEqual(visit.workshop_late_warned_at, NOW + timedelta(hours=2, minutes=10))
        self.assertFalse(
            self._rows(quality).filtered(lambda row: "will not be ready" in row.body), "quality control: no warning"
        )

        # the advisor gives a new time: told again, once
        with freeze_time(NOW + timedelta(hours=2, minutes=20)):
            visit.workshop_expected_at = NOW + timedelta(hours=5)
            Visit._cron_workshop_status()
            Visit._cron_workshop_status()
        again = self._rows(visit) - received - late
        self.assertEqual(len(again), 1)
        self.assertIn("18:00", again.body)

        # the new time replaced the first warning, which had not left yet
        self.assertEqual((late.state, late.skip_reason), ("cancelled", "superseded"))
        # the message leaves by e-mail through the dispatch log
        with (
            freeze_time(NOW + timedelta(hours=2, minutes=30)),
            self.mock_mail_gateway(),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.dispatch"]._cron_send_due()
        self.assertEqual(again.state, "sent")
        self.assertIn("не будет готов к", again.mail_message_id.body)
        self.assertIn("18:00", again.mail_message_id.body)
        self.assertIn(url, again.mail_message_id.body)
        self.assertEqual(again.mail_message_id.partner_ids, self.russian)

    def test_a_notice_still_queued_when_the_visit_closes_is_not_sent(self):
        """Marked ready in the evening, the notice waits for the end of quiet hours; the customer collects the car
        meanwhile: the next morning's "come and collect it" does not go."""
        evening = NOW.replace(hour=20, minute=30)  # 23:30 in Moscow
        with freeze_time(evening):
            visit = self._visit(self.russian, promised=evening + timedelta(hours=1))
            visit.action_workshop_ready()
            with patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit):
                self.env["dealer.dispatch"]._cron_send_due()
        ready = self._rows(visit).filtered(lambda row: "готов" in row.body and row.state == "queued")
        self.assertEqual(len(ready), 1, "held by the night's quiet hours")
        with freeze_time(evening + timedelta(minutes=20)):
            visit.action_done()
        with (
            freeze_time(evening + timedelta(hours=12)),
            self.mock_mail_gateway(),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.dispatch"]._cron_send_due()
        self.assertEqual((ready.state, ready.skip_reason), ("skipped", "visit_closed"))

    def test_ready_notice_once_with_the_status_link(self):
        with freeze_time(NOW):
            visit = self._visit(promised=NOW + timedelta(hours=3))
            visit.action_workshop_in_work()
            visit.action_workshop_quality()
            visit.action_workshop_ready()
            visit.action_done()
            visit.action_reopen()
            visit.action_done()
        ready = self._rows(visit).filtered(lambda row: "is ready" in row.body)
        self.assertEqual(len(ready), 1)
        self.assertIn(visit._dealer_status_url(), ready._text_to_send())
        self.assertFalse(self._rows(self._visit(state="done")), "a visit recorded after the fact writes to no one")


@tagged("post_install", "-at_install")
class TestRepairStatusPage(RepairStatusCase, HttpCase):
    def _declined_visit(self, partner=None):
        visit = self._visit(partner, promised=NOW + timedelta(hours=3))
        visit.write(
            {
                "line_ids": [
                    (0, 0, {"name": "Oil change", "amount": 3000, "status": "done"}),
                    (0, 0, {"name": "Brake pads", "amount": 8000, "status": "declined"}),
                ]
            }
        )
        return visit

    def _path(self, visit, token=None):
        return f"/service/status/{visit.id}/{token or visit._dealer_status_token()}"

    def test_good_link_shows_the_stage_forged_shows_nothing(self):
        visit = self._declined_visit()
        visit.action_workshop_in_work()
        page = self.url_open(self._path(visit))
        self.assertEqual(page.status_code, 200)
        self.assertIn("In work", page.text)
        self.assertIn(visit.vehicle_id.display_name, page.text)
        self.assertIn("Brake pads", page.text)
        self.assertNotIn("Oil change", page.text, "only declined work is offered")
        # the link's token is in the URL: not kept by caches, not sent on as the Referer
        self.assertEqual(
            (page.headers.get("Cache-Control"), page.headers.get("Referrer-Policy")), ("no-store", "no-referrer")
        )

        self.assertIn("6/10/26, 1:00", page.text, "promised time of an English customer in UTC")
        russian = self.url_open(self._path(self._declined_visit(self.russian)))
        self.assertIn("10.06.2026, 16:00", russian.text, "Russian customer: Russian format, Moscow time")

        forged = self.url_open(self._path(visit, "0" * 64))
        self.assertEqual(forged.status_code, 404)
        self.assertNotIn(visit.vehicle_id.display_name, forged.text)
        self.assertNotIn("Brake pads", forged.text)

    def test_the_links_signature_stays_out_of_the_servers_access_log(self):
        """Odoo logs every request's path: whoever reads the server's log (or its copy in a monitoring service)
        would open the customer's workshop page and book on it. The log keeps the page, not the signature."""
        visit = self._declined_visit()
        token = visit._dealer_status_token()
        self.assertEqual(self.url_open(self._path(visit)).status_code, 200)
        booking = f"/service/booking/{visit.id}/{token}/cancel"
        for path in (self._path(visit), f"{self._path(visit)}/book/7", f"/service/b/{visit.id}/{token}", booking):
            logged = server_access_log(path)
            self.assertNotIn(token, logged)
            self.assertIn(path.replace(token, "***"), logged)

    def test_the_link_of_a_cancelled_visit_shows_nothing_and_books_nothing(self):
        """A visit opened by mistake (the wrong customer) and cancelled: its link, already sent, no longer shows
        the car nor the declined work, and *Book it later* books nothing."""
        visit = self._declined_visit()
        line = visit.line_ids.filtered(lambda line: line.status == "declined")
        page = self.url_open(self._path(visit))
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        visit.action_cancel()
        page = self.url_open(self._path(visit))
        self.assertIn("This link has expired", page.text)
        self.assertNotIn(visit.vehicle_id.display_name, page.text)
        self.assertNotIn("Brake pads", page.text)
        answer = self.url_open(f"{self._path(visit)}/book/{line.id}", data={"csrf_token": csrf})
        self.assertIn("This link has expired", answer.text)
        self.assertFalse(line.service_opportunity_id, "nothing booked")
        self.assertFalse(visit._dealer_book_declined_later(line.id), "nor by the customer's portal")

    def test_a_link_sent_before_the_customer_was_corrected_shows_nothing(self):
        """The visit was opened on the wrong card and its status link texted to that person; the service
        advisor corrects the customer: the link already sent shows nothing, the right customer's works."""
        visit = self._declined_visit()
        wrong = self._path(visit)
        self.assertIn("Brake pads", self.url_open(wrong).text)
        visit.partner_id = self.russian
        page = self.url_open(wrong)
        self.assertEqual(page.status_code, 404)
        self.assertNotIn(visit.vehicle_id.display_name, page.text)
        self.assertNotIn("Brake pads", page.text)
        self.assertNotEqual(self._path(visit), wrong)
        self.assertIn("Brake pads", self.url_open(self._path(visit)).text, "the right customer's link works")
        # the wrong car chosen: the right one brings its owner, and the link sent before stops as well
        sent = self._path(visit)
        visit.vehicle_id = self._car(self.english)
        self.assertEqual(visit.partner_id, self.english)
        self.assertEqual(self.url_open(sent).status_code, 404)
        self.assertIn("Brake pads", self.url_open(self._path(visit)).text)

    def test_an_old_status_link_shows_nothing_a_car_in_the_workshop_keeps_its_link(self):
        """A status link found or forwarded long after the visit shows neither the car nor the declined
        work, and books nothing; while the car is in the workshop it works however long that takes."""
        visit = self._declined_visit()
        line = visit.line_ids.filtered(lambda line: line.status == "declined")
        with freeze_time(NOW + timedelta(days=60)):
            self.assertIn("Brake pads", self.url_open(self._path(visit)).text, "open: the car is still there")
        with freeze_time(NOW + timedelta(days=2)):
            visit.action_done()
        with freeze_time(NOW + timedelta(days=31)):
            self.assertIn("Brake pads", self.url_open(self._path(visit)).text, "weeks after: still the visit's")
        with freeze_time(NOW + timedelta(days=33)):
            page = self.url_open(self._path(visit))
            self.assertIn("This link has expired", page.text)
            self.assertNotIn(visit.vehicle_id.display_name, page.text)
            self.assertNotIn("Brake pads", page.text)
            csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)  # the page's own session
            answer = self.url_open(f"{self._path(visit)}/book/{line.id}", data={"csrf_token": csrf})
            self.assertIn("This link has expired", answer.text)
        self.assertFalse(line.service_opportunity_id, "an expired link books nothing")

    def test_book_it_later_creates_one_opportunity(self):
        visit = self._declined_visit()
        line = visit.line_ids.filtered(lambda line: line.status == "declined")
        page = self.url_open(self._path(visit))
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        for _click in range(2):
            answer = self.url_open(f"{self._path(visit)}/book/{line.id}", data={"csrf_token": csrf})
            self.assertEqual(answer.status_code, 200)
        leads = self.env["crm.lead"].search(
            [("service_line_ids.name", "=", "Brake pads"), ("partner_id", "=", self.english.id)]
        )
        self.assertEqual(len(leads), 1, "clicking twice books once")
        self.assertEqual(line.service_opportunity_id, leads)
        self.assertEqual(leads.user_id, self.advisor)
        self.assertIn("Booked", self.url_open(self._path(visit)).text)
        # a forged link books nothing
        self.url_open(f"{self._path(visit, 'f' * 64)}/book/{line.id}", data={"csrf_token": csrf})
        self.assertEqual(self.env["crm.lead"].search_count([("service_line_ids.name", "=", "Brake pads")]), 1)

    def test_work_booked_later_without_an_advisor_is_named_in_the_showrooms_language(self):
        """A visit with no advisor: the opportunity the customer's click makes is the staff's, named in
        the Russian showroom's language, not in the English customer's page's."""
        self.env["ir.module.module"]._load_module_terms(["dealer_workshop"], ["ru_RU"], overwrite=True)
        self.company.partner_id.lang = "ru_RU"
        visit = self._declined_visit()
        visit.advisor_id = False
        line = visit.line_ids.filtered(lambda line: line.status == "declined")
        page = self.url_open(self._path(visit), headers={"Accept-Language": "en-US"})
        self.assertIn("Book it later", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.url_open(f"{self._path(visit)}/book/{line.id}", data={"csrf_token": csrf})
        self.assertEqual(
            line.service_opportunity_id.name, "Brake pads: клиент записался на потом со страницы статуса ремонта"
        )

    def test_a_link_keeps_working_when_duplicate_cards_are_merged(self):
        """The visit was opened on a duplicate card of the customer; the cards are merged: the link already
        sent is still the customer's and keeps working."""
        duplicate = self.english.copy({"name": "John Smith (dup)"})
        visit = self._declined_visit(duplicate)
        path = self._path(visit)
        self.assertIn("Brake pads", self.url_open(path).text)
        self.env["base.partner.merge.automatic.wizard"]._merge((duplicate | self.english).ids, self.english)
        visit.invalidate_recordset()
        self.assertEqual(visit.partner_id, self.english)
        self.assertIn("Brake pads", self.url_open(path).text, "the same customer: the link still works")

    def test_staff_who_attach_their_card_to_a_customer_see_none_of_its_visits(self):
        """A staff member may edit their own contact card: linking it to a customer's company card does not
        make that company's cars in the workshop theirs on the customer's pages."""
        fleet = self.env["res.partner"].create({"name": "Fleet LLC", "is_company": True})
        self.russian.parent_id = fleet
        theirs = self._declined_visit(self.russian)
        staff = new_test_user(self.env, login="stat_staff", groups="dealer_crm.group_call_center")
        staff.partner_id.with_user(staff).write({"parent_id": fleet.id})
        self.assertEqual(staff.partner_id.commercial_partner_id, fleet)
        self.authenticate("stat_staff", "stat_staff")
        other = self.url_open(f"/my/service/status/{theirs.id}")
        self.assertEqual(other.status_code, 404)
        self.assertNotIn("Brake pads", other.text)
        self.assertNotIn(f"/my/service/status/{theirs.id}", self.url_open("/my/service/status").text)
        own = self._declined_visit(staff.partner_id)
        self.assertEqual(self.url_open(f"/my/service/status/{own.id}").status_code, 200, "their own car is theirs")

    def test_a_cancelled_visit_is_not_shown_on_the_customers_portal(self):
        """A visit opened for the wrong customer and cancelled shows nothing on that customer's portal either."""
        visit = self._declined_visit(self.english)
        new_test_user(self.env, login="stat_portal_cancel", groups="base.group_portal", partner_id=self.english.id)
        self.authenticate("stat_portal_cancel", "stat_portal_cancel")
        self.assertEqual(self.url_open(f"/my/service/status/{visit.id}").status_code, 200)
        visit.action_cancel()
        page = self.url_open(f"/my/service/status/{visit.id}")
        self.assertEqual(page.status_code, 404)
        self.assertNotIn("Brake pads", page.text)

    def test_portal_user_sees_only_their_own_visit(self):
        mine = self._declined_visit(self.english)
        theirs = self._declined_visit(self.russian)
        new_test_user(self.env, login="stat_portal", groups="base.group_portal", partner_id=self.english.id)
        self.authenticate("stat_portal", "stat_portal")
        self.assertEqual(self.url_open(f"/my/service/status/{mine.id}").status_code, 200)
        other = self.url_open(f"/my/service/status/{theirs.id}")
        self.assertEqual(other.status_code, 404)
        self.assertNotIn(theirs.vehicle_id.display_name, other.text)
        listed = self.url_open("/my/service/status")
        self.assertEqual(listed.status_code, 200)
        self.assertIn(f"/my/service/status/{mine.id}", listed.text)
        self.assertNotIn(f"/my/service/status/{theirs.id}", listed.text)
        # nor can they book another customer's declined work
        line = theirs.line_ids.filtered(lambda line: line.status == "declined")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(f"/my/service/status/{mine.id}").text)
        booked = self.url_open(f"/my/service/status/{theirs.id}/book/{line.id}", data={"csrf_token": csrf.group(1)})
        self.assertEqual(booked.status_code, 404)
        self.assertFalse(line.service_opportunity_id)
