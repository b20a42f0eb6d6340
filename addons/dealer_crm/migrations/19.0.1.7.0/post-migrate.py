"""An odometer reading taken at a visit belongs to the visit's showroom.

Before this version a reading had its car's showroom, so a reading taken at one showroom's visit of a
car the showrooms share (a car of no showroom) was every showroom's: they saw the other showroom's
order number in the car's odometer log and could change its kilometres. One statement moves such
readings to their visit's showroom.
"""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            UPDATE dealer_vehicle_odometer r
               SET company_id = v.company_id
              FROM dealer_visit v
             WHERE r.visit_id = v.id
               AND v.company_id IS NOT NULL
               AND r.company_id IS DISTINCT FROM v.company_id
            """
        )
    )
