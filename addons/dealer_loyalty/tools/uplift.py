"""Incremental effect of a campaign or strategy: treated group against its control group.

Plain Python (no Odoo import): the statistics the marketer reads on a campaign and in the
tests' independent checks.  All intervals are two-sided 95%.

* Booking rate: difference of two proportions with Newcombe's hybrid score interval (from the
  Wilson interval of each rate: right with small groups and rates near 0, where the Wald
  interval is too narrow), p-value from the pooled two-proportion z-test.
* Revenue per customer: difference of means with Welch's standard error and the
  Welch–Satterthwaite degrees of freedom (Student's t quantile).
* Sample-size guidance: the smallest uplift of a booking rate a control share can detect
  (two-sided 5% test, 80% power).
"""

import math

Z_95 = 1.959963984540054  # two-sided 95%
Z_POWER_80 = 0.8416212335729143

# Below this many customers in either group the verdict is "not enough data yet".
MIN_GROUP = 30
# Reminder campaigns rarely move bookings by more than this many points: a campaign that can
# only detect a larger uplift is warned about when it is set up, and an interval that spans zero
# is informative ("no measurable effect") only when it rules out an uplift (or a loss) this large.
REALISTIC_UPLIFT = 5.0


def normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def t_quantile_975(df):
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (Cornish–Fisher series).

    Within 0.004 of the true value for 3 degrees of freedom, exact to three decimals from 4 on
    (2.776 for 4, 2.228 for 10, 2.042 for 30); the normal quantile when ``df`` is infinite.
    """
    if not df or df == math.inf:
        return Z_95
    if df < 1:
        df = 1.0
    if df <= 2:
        # closed forms for 1 and 2 degrees of freedom, interpolated between them
        one, two = 12.706204736174704, 4.302652729749464
        return one + (two - one) * (df - 1.0)
    z = Z_95
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def wilson(n, x):
    """The 95% Wilson score interval of the proportion x / n."""
    p = x / n
    centre = (p + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
    half = Z_95 / (1 + Z_95**2 / n) * math.sqrt(p * (1 - p) / n + Z_95**2 / (4 * n**2))
    return centre - half, centre + half


def rate_uplift(n_t, x_t, n_c, x_c):
    """Booking rate of each group and their difference, in percentage points.

    Returns a dict: ``rate_t``, ``rate_c``, ``diff``, ``low``, ``high`` (Newcombe's 95% interval
    of the difference) and ``p_value``; ``None`` when a group is empty.
    """
    if not n_t or not n_c:
        return None
    p_t, p_c = x_t / n_t, x_c / n_c
    diff = p_t - p_c
    (l_t, u_t), (l_c, u_c) = wilson(n_t, x_t), wilson(n_c, x_c)
    low = diff - math.sqrt((p_t - l_t) ** 2 + (u_c - p_c) ** 2)
    high = diff + math.sqrt((u_t - p_t) ** 2 + (p_c - l_c) ** 2)
    pooled = (x_t + x_c) / (n_t + n_c)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    p_value = 2 * (1 - normal_cdf(abs(diff) / se_pooled)) if se_pooled else 1.0
    return {
        "rate_t": 100 * p_t,
        "rate_c": 100 * p_c,
        "diff": 100 * diff,
        "low": 100 * low,
        "high": 100 * high,
        "p_value": p_value,
    }


def mean_uplift(n_t, sum_t, sq_t, n_c, sum_c, sq_c):
    """Revenue per customer of each group (from count, sum and sum of squares) and Welch's interval.

    Returns a dict: ``mean_t``, ``mean_c``, ``diff``, ``low``, ``high``, ``df``; ``None`` when
    a group has fewer than two customers.
    """
    if n_t < 2 or n_c < 2:
        return None
    mean_t, mean_c = sum_t / n_t, sum_c / n_c
    var_t = max(sq_t - n_t * mean_t**2, 0.0) / (n_t - 1)
    var_c = max(sq_c - n_c * mean_c**2, 0.0) / (n_c - 1)
    a, b = var_t / n_t, var_c / n_c
    se = math.sqrt(a + b)
    denominator = (a**2 / (n_t - 1) if a else 0.0) + (b**2 / (n_c - 1) if b else 0.0)
    df = (a + b) ** 2 / denominator if denominator else math.inf
    half = t_quantile_975(df) * se
    diff = mean_t - mean_c
    return {"mean_t": mean_t, "mean_c": mean_c, "diff": diff, "low": diff - half, "high": diff + half, "df": df}


def verdict(rate):
    """(state, interval half-width) of a booking-rate comparison; state is one of
    ``not_enough``, ``uplift``, ``negative``, ``no_effect``."""
    if rate is None:
        return "not_enough", None
    half = (rate["high"] - rate["low"]) / 2
    significant = rate["p_value"] < 0.05
    if rate["low"] > 0 and significant:
        return "uplift", half
    if rate["high"] < 0 and significant:
        return "negative", half
    if -REALISTIC_UPLIFT < rate["low"] and rate["high"] < REALISTIC_UPLIFT:
        return "no_effect", half
    return "not_enough", half


def min_detectable_uplift(audience, control_share, base_rate):
    """The smallest booking-rate uplift (points) a test of this size detects (5% two-sided, 80% power).

    ``control_share`` in percent of the audience; ``base_rate`` the booking rate without the
    campaign, as a fraction. ``None`` when there is no control group or no audience.
    """
    n_c = audience * control_share / 100.0
    n_t = audience - n_c
    if n_c < 1 or n_t < 1:
        return None
    p = min(max(base_rate, 0.01), 0.99)
    return 100 * (Z_95 + Z_POWER_80) * math.sqrt(p * (1 - p) * (1 / n_t + 1 / n_c))
