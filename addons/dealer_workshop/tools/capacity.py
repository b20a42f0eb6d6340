"""Schedule maths of the workshop: plain Python on sorted lists of ``(start, end)`` datetimes.

Working intervals come from a bay's calendar (one local day's intervals together), busy intervals
from the bookings and visits that reserve the bay. Nothing here reads the database.
"""

from datetime import timedelta


def merge(intervals):
    """The union of ``(start, end)`` pairs as a sorted list of disjoint pairs (touching ones joined)."""
    result = []
    for start, end in sorted(i[:2] for i in intervals if i[1] > i[0]):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def intersect(intervals, others):
    """The parts of ``intervals`` that ``others`` also cover (both merged lists)."""
    result = []
    for start, end in intervals:
        for o_start, o_end in others:
            if o_end <= start:
                continue
            if o_start >= end:
                break
            result.append((max(start, o_start), min(end, o_end)))
    return result


def subtract(intervals, busy):
    """The parts of ``intervals`` that ``busy`` leaves free (both merged lists)."""
    result = []
    for start, end in intervals:
        cursor = start
        for b_start, b_end in busy:
            if b_end <= cursor:
                continue
            if b_start >= end:
                break
            if b_start > cursor:
                result.append((cursor, b_start))
            cursor = max(cursor, b_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def hours(intervals):
    """Total length of disjoint intervals, in hours."""
    return sum((end - start).total_seconds() for start, end in intervals) / 3600.0


def job_end(work, start, job_hours):
    """When a job of ``job_hours`` working hours started at ``start`` ends, consuming ``work`` intervals.

    ``None`` when ``work`` runs out before the job is done. A start in a break (lunch) waits for
    the next working interval; a start before the first or after the last interval does not fit.
    """
    if not work or start < work[0][0] or start >= work[-1][1]:
        return None
    remaining = timedelta(hours=job_hours)
    for w_start, w_end in work:
        if w_end <= start:
            continue
        piece_start = max(w_start, start)
        available = w_end - piece_start
        if available >= remaining:
            return piece_start + remaining
        remaining -= available
    return None
