"""The shipped "message to the customer" action speaks the customer's language.

Before this version it was Python code sending the English literal "Your car is ready." to every
customer; it is now a Dealership step whose message is translated. The record is not updated by
module updates (noupdate): it is converted here, unless an administrator changed its code.
"""

from odoo import SUPERUSER_ID, api

OLD_CODE = 'records._dealer_post_to_customer("Your car is ready.", subject="Your car")'


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    action = env.ref("dealer_loyalty.action_dealer_post_to_customer", raise_if_not_found=False)
    if action and action.state == "code" and (action.code or "").strip() == OLD_CODE:
        action.write(
            {"state": "dealer_step", "dealer_step": "post_to_customer", "dealer_message": "Your car is ready."}
        )
