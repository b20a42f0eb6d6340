from datetime import date

from odoo import Command
from odoo.tests import TransactionCase


class LoyaltyCase(TransactionCase):
    """Customers, cars and closed visits built from plain dates; nothing from demo data counts."""

    TODAY = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        # RFM quantiles rank every customer of the database: take the events that existed
        # before the test (demo data, other addons) out of the population.
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE dealer_visit SET state = 'cancelled' WHERE state = 'done'")
        cls.env.cr.execute("UPDATE crm_lead SET won_status = 'pending' WHERE won_status = 'won'")
        cls.env.cr.execute("UPDATE res_partner SET loyalty_blocked = FALSE WHERE loyalty_blocked")
        cls.env.invalidate_all()
        cls.Partner = cls.env["res.partner"]

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, **vals})

    @classmethod
    def _vehicle(cls, partner, **vals):
        return cls.env["dealer.vehicle"].create({"partner_id": partner.id, "state": "customer", **vals})

    @classmethod
    def _visit(cls, vehicle, day, kind="maintenance", amount=0.0, **vals):
        lines = [Command.create({"name": "Work", "amount": amount, "status": "done"})] if amount else []
        return cls.env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "partner_id": vehicle.partner_id.id,
                "date": day,
                "kind": kind,
                "state": "done",
                "line_ids": lines,
                **vals,
            }
        )

    @classmethod
    def _purchase(cls, partner, day, amount):
        if not (partner.phone or partner.email):
            partner.email = f"customer{partner.id}@example.com"
        car = cls.env["dealer.vehicle"].create({"state": "stock", "model_year": day.year})
        lead = cls.env["crm.lead"].create(
            {
                "name": f"Car for {partner.name}",
                "partner_id": partner.id,
                "type": "opportunity",
                "expected_revenue": amount,
                "vehicle_id": car.id,
            }
        )
        lead.action_set_won()
        lead.date_closed = f"{day} 10:00:00"
        return lead

    def _refresh(self, today=None):
        self.env["res.partner"]._dealer_refresh_loyalty(today=today or self.TODAY)
