"""Base class of dealer_service_lost_sales's tests.

Built on dealer_crm's ``DealerCrmCase`` (Odoo's ``MailCase``, tracking off); the integration
API and the tours use dealer_crm's ``DealerApiCase`` and ``DealerTourCase``.
"""

from odoo import Command
from odoo.addons.dealer_crm.tests.common import DealerCrmCase
from odoo.tests import new_test_user


class ServiceLostSalesCase(DealerCrmCase):
    """The service pipeline, its lost reasons, an advisor and a customer with a car."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=True))
        cls.env.company.country_id = cls.env.ref("base.ru")
        cls.Lead = cls.env["crm.lead"]
        cls.Event = cls.env["dealer.loss.event"]
        cls.team = cls.env.ref("dealer_service_lost_sales.crm_team_service")
        cls.stage = {
            step: cls.env.ref(f"dealer_service_lost_sales.crm_stage_service_{step}")
            for step in ("scheduling", "reception", "in_progress", "completed", "quality", "delivery", "follow_up")
        }
        cls.reason = {
            code: cls.env.ref(f"dealer_service_lost_sales.lost_reason_{code}")
            for code in (
                "no_show",
                "parts_missing",
                "capacity",
                "price",
                "competitor",
                "no_contact",
                "customer_cancelled",
                "deferred_not_done",
            )
        }
        cls.advisor = new_test_user(
            cls.env, login="svc_advisor", groups="dealer_crm.group_service_advisor", name="Anna Advisor"
        )
        cls.brand = cls.env["dealer.vehicle.brand"].create({"name": "Skoda Test"})
        cls.customer = cls.env["res.partner"].create({"name": "Oleg Customer", "phone": "+79161112233"})
        cls.vehicle = cls.env["dealer.vehicle"].create(
            {"plate": "T001TT77", "brand_id": cls.brand.id, "partner_id": cls.customer.id}
        )

    @classmethod
    def service_lead(cls, lines=(), **vals):
        """A service opportunity with ``lines`` = [(name, amount, state)]."""
        return cls.Lead.create(
            {
                "name": "Service job",
                "dealer_interest": "service",
                "partner_id": cls.customer.id,
                "vehicle_id": cls.vehicle.id,
                "user_id": cls.advisor.id,
                "service_line_ids": [
                    Command.create({"name": name, "amount": amount, "state": state}) for name, amount, state in lines
                ],
                **vals,
            }
        )

    def lost_via_wizard(self, lead, reason, competitor=None):
        wizard = self.env["crm.lead.lost"].create(
            {
                "lead_ids": [Command.set(lead.ids)],
                "lost_reason_id": reason.id if reason else False,
                "dealer_competitor": competitor,
            }
        )
        return wizard.action_lost_reason_apply()
