"""Workshop load per bay and day: the planner's figures in hours and percent."""

from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

from ..models.dealer_workshop_bay import BAY_KINDS

# the days the report covers, around today
DAYS_BACK, DAYS_AHEAD = 28, 62


class DealerWorkshopLoad(models.Model):
    """One row per active bay and working day, from four weeks back to two months ahead.

    Capacity = the bay calendar's attendances that day (in its time zone) minus its time off
    (holidays); booked = the part of those working hours that bookings reserve and open visits
    occupy (the same rules as ``dealer.workshop.bay._free_hours``). Load above 100 % is
    over-booking a director allowed. Computed at query time: always today's bookings.
    """

    _name = "dealer.workshop.load"
    _description = "Workshop load"
    _auto = False
    _order = "day, bay_id"
    _rec_name = "bay_id"

    day = fields.Date(readonly=True)
    bay_id = fields.Many2one("dealer.workshop.bay", string="Bay", readonly=True)
    kind = fields.Selection(BAY_KINDS, string="Bay kind", readonly=True)
    company_id = fields.Many2one("res.company", string="Showroom", readonly=True)
    capacity_hours = fields.Float(string="Capacity (h)", digits=(16, 2), readonly=True, aggregator="sum")
    booked_hours = fields.Float(string="Booked (h)", digits=(16, 2), readonly=True, aggregator="sum")
    free_hours = fields.Float(string="Free (h)", digits=(16, 2), readonly=True, aggregator="sum")
    load_percent = fields.Float(string="Load (%)", digits=(16, 1), readonly=True, aggregator="avg")

    @property
    def _table_query(self):
        today = fields.Date.today()
        return SQL(
            """
            WITH days AS (
                SELECT d::date AS day
                  FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
            ),
            spans AS (
                SELECT b.id AS bay_id, b.company_id, b.kind, d.day, COALESCE(c.tz, 'UTC') AS tz,
                       (d.day + make_interval(secs => a.hour_from * 3600)) AT TIME ZONE COALESCE(c.tz, 'UTC')
                           AT TIME ZONE 'UTC' AS s,
                       (d.day + make_interval(secs => a.hour_to * 3600)) AT TIME ZONE COALESCE(c.tz, 'UTC')
                           AT TIME ZONE 'UTC' AS e
                  FROM dealer_workshop_bay b
                  JOIN resource_calendar c ON c.id = b.calendar_id
                  CROSS JOIN days d
                  JOIN resource_calendar_attendance a
                    ON a.calendar_id = c.id
                   AND a.dayofweek::int = EXTRACT(ISODOW FROM d.day)::int - 1
                   AND a.display_type IS NULL
                   AND a.day_period IS DISTINCT FROM 'lunch'
                   AND (NOT COALESCE(c.two_weeks_calendar, FALSE)
                        OR a.week_type::int = ((d.day - DATE '0001-01-01') / 7) %% 2)
                 WHERE b.active
            ),
            reservations AS (
                SELECT l.workshop_bay_id AS bay_id, l.service_planned_at AS s, l.workshop_end_at AS e
                  FROM crm_lead l
                 WHERE l.workshop_bay_id IS NOT NULL AND l.active AND l.won_status = 'pending'
                   AND l.dealer_interest = 'service'
                   AND l.workshop_end_at > l.service_planned_at
                   AND NOT EXISTS (
                       SELECT 1 FROM dealer_visit v
                        WHERE v.service_lead_id = l.id
                          AND (v.state = 'done' OR (v.state = 'open' AND v.workshop_bay_id IS NOT NULL)))
                UNION ALL
                SELECT v.workshop_bay_id,
                       COALESCE(l.service_planned_at,
                                v.date::timestamp AT TIME ZONE COALESCE(c.tz, 'UTC') AT TIME ZONE 'UTC'),
                       COALESCE(GREATEST(v.promised_at, l.workshop_end_at),
                                (v.date + 1)::timestamp AT TIME ZONE COALESCE(c.tz, 'UTC') AT TIME ZONE 'UTC')
                  FROM dealer_visit v
                  JOIN dealer_workshop_bay b ON b.id = v.workshop_bay_id
                  JOIN resource_calendar c ON c.id = b.calendar_id
                  LEFT JOIN crm_lead l ON l.id = v.service_lead_id
                 WHERE v.state = 'open'
            ),
            span_load AS (
                SELECT sp.bay_id, sp.company_id, sp.kind, sp.day,
                       EXTRACT(EPOCH FROM sp.e - sp.s) / 3600.0 - COALESCE((
                           SELECT SUM(EXTRACT(EPOCH FROM LEAST(sp.e, lv.date_to) - GREATEST(sp.s, lv.date_from)))
                             FROM resource_calendar_leaves lv
                             JOIN dealer_workshop_bay b ON b.id = sp.bay_id
                            WHERE lv.resource_id IS NULL AND lv.time_type = 'leave'
                              AND (lv.calendar_id = b.calendar_id OR lv.calendar_id IS NULL)
                              AND (lv.company_id = b.company_id OR lv.company_id IS NULL)
                              AND lv.date_from < sp.e AND lv.date_to > sp.s
                       ), 0) / 3600.0 AS capacity,
                       COALESCE((
                           SELECT SUM(EXTRACT(EPOCH FROM LEAST(sp.e, r.e) - GREATEST(sp.s, r.s)))
                             FROM reservations r
                            WHERE r.bay_id = sp.bay_id AND r.s < sp.e AND r.e > sp.s
                       ), 0) / 3600.0 AS booked
                  FROM spans sp
            )
            SELECT bay_id::bigint * 100000 + (day - DATE '2000-01-01') AS id,
                   bay_id, company_id, kind, day,
                   ROUND(SUM(capacity)::numeric, 2) AS capacity_hours,
                   ROUND(SUM(booked)::numeric, 2) AS booked_hours,
                   ROUND(GREATEST(SUM(capacity) - SUM(booked), 0)::numeric, 2) AS free_hours,
                   CASE WHEN SUM(capacity) > 0
                        THEN ROUND((100 * SUM(booked) / SUM(capacity))::numeric, 1) END AS load_percent
              FROM span_load
             GROUP BY bay_id, company_id, kind, day
            """,
            first=today - timedelta(days=DAYS_BACK),
            last=today + timedelta(days=DAYS_AHEAD),
        )
