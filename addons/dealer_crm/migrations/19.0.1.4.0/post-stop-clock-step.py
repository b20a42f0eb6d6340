"""The building block "Leads: stop the response clock" is gone.

The response clock stops only on real human contact (an answered call long enough to be a
conversation, a message written to the customer by a person): a rule that stopped it on any
event would let a lead look answered without anybody talking to the customer. The shipped
server action and any action an administrator made with that step are deleted; the rules they
belonged to keep their other actions.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    cr.execute("SELECT id FROM ir_act_server WHERE state = 'dealer_step' AND dealer_step = 'stop_clock'")
    action_ids = [row[0] for row in cr.fetchall()]
    if action_ids:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.actions.server"].browse(action_ids).unlink()
