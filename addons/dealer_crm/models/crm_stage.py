from odoo import fields, models

DEALER_STEPS = [
    ("request", "Request"),
    ("needs", "Needs identified"),
    ("test_drive", "Visit / test drive"),
    ("offer", "Offer"),
    ("fi", "Financing & insurance"),
    ("contract", "Contract & paperwork"),
    ("payment", "Payment"),
    ("delivery", "Delivery"),
]
# Steps where the customer is negotiating (docs/DOMAIN.md §2: "chooses a car").
NEGOTIATION_STEPS = {"test_drive", "offer", "fi", "contract", "payment"}


class CrmStage(models.Model):
    _inherit = "crm.stage"

    dealer_step = fields.Selection(
        DEALER_STEPS,
        string="Dealership step",
        help="The step of the dealership sales process this stage stands for. Entering Financing & "
        "insurance, Contract & paperwork or Payment schedules an activity for the F&I manager, the "
        "documents clerk or the cashier; from Visit / test drive on, the customer is negotiating.",
    )
