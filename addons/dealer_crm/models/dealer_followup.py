import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

FOLLOWUP_ROLES = ("salesperson", "fi_manager")


class DealerVehicle(models.Model):
    """Follow-up activities after a car is delivered (DOMAIN §2, seed 002).

    The rules themselves are ``base.automation`` and ``ir.cron`` records (data/
    dealer_followup_data.xml) that an administrator reads and edits; they call these methods.
    """

    _inherit = "dealer.vehicle"

    def _dealer_followup_users(self, role):
        """{vehicle: user} for a role, from the won deal that sold the car.

        ``salesperson``: the deal's salesperson, else the customer's salesperson;
        ``fi_manager``: the F&I manager of the deal's team, else any F&I manager of the company.
        """
        won = (
            self.env["crm.lead"]
            .sudo()
            .search([("vehicle_id", "in", self.ids), ("won_status", "=", "won")], order="date_closed desc, id desc")
        )
        deal = {}
        for lead in won:
            deal.setdefault(lead.vehicle_id, lead)
        if role == "salesperson":
            return {v: deal[v].user_id if v in deal else v.partner_id.user_id for v in self}
        fallback = {}
        users = {}
        for vehicle in self:
            user = deal[vehicle].team_id.dealer_fi_user_id if vehicle in deal else None
            if not user:
                company = vehicle.company_id or self.env.company
                if company not in fallback:
                    fallback[company] = self.env["crm.lead"]._dealer_find_role_user(
                        "dealer_crm.group_fi_manager", company
                    )
                user = fallback[company]
            users[vehicle] = user
        return users

    def _dealer_schedule_followup(self, role, days=0, summary="", act_type_xmlid="mail.mail_activity_data_call"):
        """Schedule one activity per vehicle for the person in ``role``, due in ``days`` days.

        Safe on many records: one search for the responsible people, one for activities
        already open with the same summary (never doubled), one batched create.

        :param str role: ``salesperson`` or ``fi_manager``
        :param int days: deadline offset from today
        :param str summary: activity title, also the key against duplicates
        :returns: the created mail.activity records
        """
        if role not in FOLLOWUP_ROLES:
            raise ValueError(f"Unknown follow-up role {role!r}, expected one of {FOLLOWUP_ROLES}")
        users = self._dealer_followup_users(role)
        open_ids = {
            res_id
            for [res_id] in self.env["mail.activity"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids), ("summary", "=", summary)], ["res_id"]
            )
        }
        activity_type = self.env.ref(act_type_xmlid, raise_if_not_found=False) or self.env.ref(
            "mail.mail_activity_data_todo"
        )
        deadline = fields.Date.add(fields.Date.context_today(self), days=days)
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": vehicle.id,
                "activity_type_id": activity_type.id,
                "summary": summary,
                "user_id": users[vehicle].id,
                "date_deadline": deadline,
                "automated": True,
            }
            for vehicle in self
            if users.get(vehicle) and vehicle.id not in open_ids
        ]
        skipped = len(self) - len(vals_list) - len(open_ids)
        if skipped > 0:
            _logger.info("Follow-up %r: %s vehicles have no %s", summary, skipped, role)
        return self.env["mail.activity"].sudo().create(vals_list)

    @api.model
    def _dealer_periodic_followup_vehicles(self, first_months, every_months, today=None):
        """Delivered cars whose delivery was exactly first_months, first_months + every_months, …
        months ago today (one SQL query over the whole fleet)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH a AS (
                SELECT id, age(%(today)s::date, delivery_date) AS span
                  FROM dealer_vehicle
                 WHERE delivery_date IS NOT NULL AND active AND state IN ('sold', 'customer')
                   AND delivery_date <= %(today)s::date - make_interval(months => %(first)s)
            )
            SELECT id FROM a
             WHERE extract(day FROM span) = 0
               AND (extract(year FROM span) * 12 + extract(month FROM span) - %(first)s)::int %% %(every)s = 0
            """,
                today=today or fields.Date.context_today(self),
                first=first_months,
                every=every_months,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _cron_dealer_periodic_followup(self, role, first_months, every_months, summary, days=0):
        """Recurring rule ("every 6 months after the 9th month"): base.automation fires once per
        record and date, so a repeating cadence is a daily cron with its numbers in its code."""
        vehicles = self._dealer_periodic_followup_vehicles(first_months, every_months)
        return vehicles._dealer_schedule_followup(role, days, summary)
