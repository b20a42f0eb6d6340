"""Working time between two moments, from a calendar's work intervals (plain Python).

``resource.calendar._work_intervals_batch`` gives the working intervals of a whole period once;
:func:`work_seconds_before` turns them into a function "working seconds from the start of the
period up to a moment", so the working time of any span inside the period is a difference of
two look-ups (a bisection each) instead of a query or a loop over the intervals per span.
"""

from bisect import bisect_right


def work_seconds_before(intervals):
    """``worked(moment)``: the working seconds of ``intervals`` (sorted, disjoint ``(start, end)``
    pairs of aware datetimes) before ``moment``."""
    starts = [start for start, _end in intervals]
    cumulative = [0.0]
    for start, end in intervals:
        cumulative.append(cumulative[-1] + (end - start).total_seconds())

    def worked(moment):
        index = bisect_right(starts, moment)
        if not index:
            return 0.0
        start, end = intervals[index - 1]
        return cumulative[index - 1] + (min(moment, end) - start).total_seconds()

    return worked
