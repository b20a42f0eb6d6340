"""The sales head's satisfaction screens in a real browser: the NPS report, a detractor, its issue."""

from datetime import timedelta
from unittest.mock import patch

from odoo.addons.dealer_crm.tests.common import BUYER_IDENTITY, DealerTourCase
from odoo.tests import freeze_time, tagged

from .common import DealerSatisfactionCase
from .test_feedback import no_commit


@tagged("post_install", "-at_install", "dealer_slow")
class TestSatisfactionTour(DealerTourCase, DealerSatisfactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head = cls._tour_user("tour_csi_sales_head", "dealer_crm.group_sales_head")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour detractor",
                "email": "tour.detractor@example.com",
                "phone": "+79165550198",
                "consent_email": True,
                **BUYER_IDENTITY,
            }
        )
        team = cls.env["crm.team"].create(
            {"name": "Tour showroom", "dealer_is_dealership": True, "user_id": cls.head.id}
        )
        car = cls.env["dealer.vehicle"].create(
            {"brand_id": cls.brand.id, "model_id": cls.car_model.id, "state": "stock", "vin": "XW8ZZZ1ZZPG000978"}
        )
        deal = cls.env["crm.lead"].create(
            {
                "name": "Tour deal",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "team_id": team.id,
                "vehicle_id": car.id,
            }
        )
        deal.action_set_won()
        cls.feedback = deal.dealer_feedback_ids

    def _check(self, lang):
        with (
            freeze_time(self.feedback.planned_date + timedelta(hours=10)),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", no_commit),
        ):
            self.env["dealer.feedback"]._cron_send_invitations()
        self._answer(self.feedback, 4, "Nobody called me back")
        issue = self.feedback.issue_id
        self.assertEqual(issue.activity_ids.user_id, self.head)
        self.run_tour(
            "/odoo/action-dealer_satisfaction.dealer_feedback_report_action",
            "dealer_satisfaction_head_tour",
            self.head,
            lang,
        )
        self.assertEqual(issue.state, "in_progress")

    def test_satisfaction_head_tour(self):
        self._check("en_US")

    def test_satisfaction_head_tour_ru(self):
        self._check("ru_RU")
