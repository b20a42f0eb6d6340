"""RFM scoring rules in plain Python.

The database computes the scores in one SQL statement (``res.partner._dealer_rfm_sql``);
this module states the same rules without a database so that tests and benchmarks can
compare both, and so that the rules can be read in one place.

Quantile scoring gives every customer ``1 + floor(percent_rank * bands)`` capped at
``bands``: customers with equal values get equal scores (unlike a bare ``ntile``), and with
distinct values the result equals ``ntile(bands)``.  Band scoring compares a value with
ascending thresholds instead.
"""

from bisect import bisect_left, bisect_right

DEFAULT_BANDS = 5


def smaller_counts(values):
    """For each value, how many values are strictly smaller (SQL ``rank() - 1``)."""
    ordered = sorted(values)
    return [bisect_left(ordered, v) for v in values]


def quantile_scores(values, bands=DEFAULT_BANDS, higher_is_better=True):
    """Score each value 1..bands by its rank among all values (ties share a score).

    Integer arithmetic, exactly as the SQL: ``least(bands, 1 + (rank - 1) * bands / (n - 1))``.
    """
    keyed = list(values) if higher_is_better else [-v for v in values]
    denominator = max(len(keyed) - 1, 1)
    return [min(bands, 1 + (below * bands) // denominator) for below in smaller_counts(keyed)]


def band_score(value, thresholds, higher_is_better=True):
    """Score 1..len(thresholds)+1: how many ascending thresholds the value reaches.

    A value equal to a threshold reaches it.  For recency (lower is better) the score is
    reversed so that the most recent customers get the highest score.
    """
    reached = bisect_right(sorted(thresholds), value)
    return 1 + reached if higher_is_better else len(thresholds) + 1 - reached


def parse_thresholds(text):
    """'30, 90,180' -> [30.0, 90.0, 180.0]; raises ValueError on anything else."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    values = [float(item) for item in items]
    if values != sorted(values) or len(set(values)) != len(values):
        raise ValueError("thresholds must be strictly ascending")
    return values


def rfm_scores(customers, bands=DEFAULT_BANDS, method="quantile", thresholds=None):
    """Scores of many customers at once.

    :param customers: {key: (recency_days, frequency, monetary)}
    :param thresholds: for method 'bands', {'recency': [...], 'frequency': [...], 'monetary': [...]}
    :return: {key: (recency score, frequency score, monetary score)}
    """
    keys = list(customers)
    recency_days = [customers[k][0] for k in keys]
    frequency = [customers[k][1] for k in keys]
    monetary = [customers[k][2] for k in keys]
    if method == "bands":
        recency = [band_score(v, thresholds["recency"], higher_is_better=False) for v in recency_days]
        frequency = [band_score(v, thresholds["frequency"]) for v in frequency]
        monetary = [band_score(v, thresholds["monetary"]) for v in monetary]
    else:
        recency = quantile_scores(recency_days, bands, higher_is_better=False)
        frequency = quantile_scores(frequency, bands)
        monetary = quantile_scores(monetary, bands)
    return {k: (recency[i], frequency[i], monetary[i]) for i, k in enumerate(keys)}


def match_segment(scores, segments):
    """First segment (by sequence) whose recency, frequency and monetary ranges contain the scores.

    :param scores: (recency, frequency, monetary) scores
    :param segments: iterable of (key, sequence, (recency min, max), (frequency min, max), (monetary min, max))
    """
    for key, _seq, *ranges in sorted(segments, key=lambda s: (s[1], s[0])):
        if all(low <= score <= high for score, (low, high) in zip(scores, ranges, strict=True)):
            return key
    return None
