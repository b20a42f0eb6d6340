"""The call centre closes a reminder call task with its outcome, in a real browser."""

from odoo.addons.dealer_crm.tests.common import DealerTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install", "dealer_slow")
class TestReminderCallTour(DealerTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls._tour_user("tour_reminder_operator", "dealer_crm.group_call_center")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour reminder customer",
                "phone": "+79165550177",
                "consent_sms": True,
                "user_id": cls.operator.id,
            }
        )
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Tour: too far"})
        cls.strategy = cls.env["dealer.retention.strategy"].create(
            {
                "name": "Tour: win back by phone",
                "role": "call_center",
                "activity_summary": "Tour: win-back call",
                "activity_type_id": cls.env.ref("mail.mail_activity_data_call").id,
            }
        )

    def _check(self, lang):
        self.strategy._create_activities(self.customer)
        task = self.env["mail.activity"].search([("dealer_strategy_id", "=", self.strategy.id)])
        self.assertEqual(task.user_id, self.operator)
        self.run_tour(
            "/odoo/action-dealer_loyalty.mail_activity_reminder_call_action",
            "dealer_reminder_call_tour",
            self.operator,
            lang,
        )
        call = self.env["dealer.call"].search([("strategy_id", "=", self.strategy.id)])
        self.assertEqual(len(call), 1)
        self.assertEqual((call.outcome, call.lost_reason_id, call.user_id), ("refused", self.reason, self.operator))
        self.assertEqual(call.note, "Moved to another city")
        self.assertFalse(task.exists().active, "the task is done")
        self.assertEqual((self.strategy.call_count, self.strategy.reached_count), (1, 1))

    def test_reminder_call_tour(self):
        self._check("en_US")

    def test_reminder_call_tour_ru(self):
        self._check("ru_RU")
