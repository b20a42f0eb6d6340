"""Visits are linked to the booking they carried out (dealer.visit.service_lead_id).

Visits recorded before this version are linked now, car by car, so the lost-revenue
ledger stops counting their jobs twice (the won opportunity and the closed visit).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["dealer.visit"]._dealer_backfill_service_links()
