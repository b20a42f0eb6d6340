"""Tyre seasons: when the dealership offers the seasonal tyre change (plain date maths, no ORM).

A season starts on a day of the year (spring: summer tyres, autumn: winter tyres, both settings of
Settings → Dealership). The change is offered from some weeks before that day until a month after
it, when most customers have had it done.
"""

import calendar
from datetime import date, timedelta

# how long after the season's first day the tyre change is still offered
SEASON_TAIL_DAYS = 30


def season_day(year, month, day):
    """The day ``day`` of ``month`` in ``year``, the month's last day when it has fewer days (29 Feb)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def current_tyre_season(today, seasons, weeks_ahead, tail_days=SEASON_TAIL_DAYS):
    """The season whose tyre change is offered on ``today``, else ``None``.

    :param seasons: ``{key: (month, day)}`` of each season's first day, e.g.
        ``{"summer": (3, 15), "winter": (10, 15)}``
    :returns: ``(key, first day of the season, first day of the offer)``; when two windows overlap,
        the season that starts first
    """
    found = []
    for key, (month, day) in seasons.items():
        for year in (today.year - 1, today.year, today.year + 1):
            start = season_day(year, month, day)
            opens = start - timedelta(weeks=weeks_ahead)
            if opens <= today <= start + timedelta(days=tail_days):
                found.append((start, key, opens))
    if not found:
        return None
    start, key, opens = min(found)
    return key, start, opens
