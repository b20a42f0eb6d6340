"""The dealership's roles: one vocabulary for every task, hand-off, escalation and message.

``DEALER_ROLES`` is the selection every "whose task is this" field uses (automation steps,
retention strategies, campaign activity steps …); ``ROLE_GROUPS`` names the security group of
each role, the fallback when a record names nobody for it. Who holds a role *for a record* is
answered by ``mail.thread._dealer_role_users(role)`` (``models/mail_thread.py``), and a role is
given a task by ``mail.thread._dealer_schedule_role_activity(role, ...)``.
"""

DEALER_ROLES = [
    ("responsible", "Responsible person of the record"),
    ("sales_manager", "Sales manager"),
    ("sales_head", "Sales head"),
    ("fi_manager", "F&I manager"),
    ("documents_clerk", "Documents clerk"),
    ("cashier", "Cashier"),
    ("receptionist", "Showroom receptionist"),
    ("call_center", "Call-centre operator"),
    ("service_client_manager", "Service client manager"),
    ("service_advisor", "Service advisor"),
    ("marketer", "Marketer"),
    ("director", "Director"),
]
ROLE_GROUPS = {
    "responsible": "dealer_crm.group_dealer_user",
    "director": "dealer_crm.group_dealer_manager",
    **{role: f"dealer_crm.group_{role}" for role, _label in DEALER_ROLES if role not in ("responsible", "director")},
}
