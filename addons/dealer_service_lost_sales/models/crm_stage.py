from odoo import fields, models

SERVICE_STEPS = [
    ("scheduling", "Scheduling"),
    ("reception", "Reception"),
    ("in_progress", "Work in progress"),
    ("completed", "Work completed"),
    ("quality", "Quality control"),
    ("delivery", "Delivery"),
    ("follow_up", "Follow-up"),
]


class CrmStage(models.Model):
    _inherit = "crm.stage"

    dealer_service_step = fields.Selection(
        SERVICE_STEPS,
        string="Service step",
        index="btree_not_null",
        help="The step of the aftersales process this stage stands for; the no-show check and the "
        "lost-sales reports rely on it.",
    )
