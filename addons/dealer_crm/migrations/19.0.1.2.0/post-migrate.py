"""The shipped follow-up rules and building blocks are "Dealership step" actions, not code.

They are ``noupdate`` data: a database installed before this version keeps the code actions
(three of which called ``dealer.vehicle._dealer_schedule_followup``, which no longer exists).
Each one still holding the code this addon shipped becomes the equivalent step; one an
administrator edited is left as it is. The six-month follow-up cron names the sales manager
role of the role vocabulary instead of the former follow-up role "salesperson".
"""

from odoo import SUPERUSER_ID, api

FOLLOWUP = "records._dealer_schedule_followup('{role}', 0, '{summary}')"
STEPS = {
    "dealer_followup_after_delivery_action": (
        FOLLOWUP.format(role="salesperson", summary="Follow-up call: the day after delivery"),
        {
            "dealer_step": "schedule_activity",
            "dealer_role": "sales_manager",
            "dealer_days": 0,
            "dealer_summary": "Follow-up call: the day after delivery",
            "call": True,
        },
    ),
    "dealer_followup_three_months_action": (
        FOLLOWUP.format(role="salesperson", summary="Follow-up call: three months after delivery"),
        {
            "dealer_step": "schedule_activity",
            "dealer_role": "sales_manager",
            "dealer_days": 0,
            "dealer_summary": "Follow-up call: three months after delivery",
            "call": True,
        },
    ),
    "dealer_followup_insurance_renewal_action": (
        FOLLOWUP.format(role="fi_manager", summary="Insurance renewal call: the policy ends in a week"),
        {
            "dealer_step": "schedule_activity",
            "dealer_role": "fi_manager",
            "dealer_days": 0,
            "dealer_summary": "Insurance renewal call: the policy ends in a week",
            "call": True,
        },
    ),
    "action_dealer_assign_role": (
        'records._dealer_assign_role(role="sales_manager")',
        {"dealer_step": "assign_role", "dealer_role": "sales_manager"},
    ),
    "action_dealer_start_clock": ("records._dealer_start_response_clock()", {"dealer_step": "start_clock"}),
    "action_dealer_stop_clock": ("records._dealer_stop_response_clock()", {"dealer_step": "stop_clock"}),
    "action_dealer_escalate": ("records._dealer_escalate_now()", {"dealer_step": "escalate"}),
    "action_dealer_reserve_vehicle": ("records._dealer_reserve_vehicle()", {"dealer_step": "reserve_vehicle"}),
    "action_dealer_release_vehicle": (
        'records._dealer_release_vehicle(reason="Released by an automation rule.")',
        {"dealer_step": "release_vehicle", "dealer_message": "Released by an automation rule."},
    ),
    "action_dealer_vehicle_schedule_activity": (
        'records._dealer_schedule_role_activity(role="fi_manager", days=-7, date_field="insurance_end", '
        'summary="Insurance renewal")',
        {
            "dealer_step": "schedule_activity",
            "dealer_role": "fi_manager",
            "dealer_days": -7,
            "dealer_summary": "Insurance renewal",
            "date_field": "insurance_end",
        },
    ),
}
CRON_OLD = "model._cron_dealer_periodic_followup('salesperson', 9, 6, 'Follow-up call: every six months')"
CRON_NEW = "model._cron_dealer_periodic_followup('sales_manager', 9, 6, 'Follow-up call: every six months')"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (shipped_code, step) in STEPS.items():
        action = env.ref(f"dealer_crm.{xmlid}", raise_if_not_found=False)
        if not action or action.state != "code" or (action.code or "").strip() != shipped_code:
            continue
        vals = {key: value for key, value in step.items() if key not in ("call", "date_field")}
        if step.get("call"):
            vals["dealer_activity_type_id"] = env.ref("mail.mail_activity_data_call").id
        if step.get("date_field"):
            vals["dealer_date_field_id"] = env["ir.model.fields"]._get(action.model_id.model, step["date_field"]).id
        action.write({"state": "dealer_step", **vals})
    cron = env.ref("dealer_crm.ir_cron_dealer_followup_every_six_months", raise_if_not_found=False)
    if cron and (cron.code or "").strip() == CRON_OLD:
        cron.code = CRON_NEW
