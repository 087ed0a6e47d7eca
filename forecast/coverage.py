"""Coverage shares of a backtest with their sampling uncertainty, targets clustered by case.

A backtest's targets are not independent: the later records of one series cut at one cutoff
are forecast by one fit, so they fall inside or outside its intervals together. A share's
uncertainty is therefore measured with the cluster-robust (sandwich) variance, cases as
clusters, and shown as a 95 % Wilson interval on the effective number of targets
n / design effect, with Student's t quantile on k - 1 degrees of freedom (k cases) in place
of the normal one: the sandwich variance is itself estimated from k cases, and with the
normal quantile such intervals held 0.89-0.93 of the true shares for 4-20 cases in
simulation (tests/test_coverage.py), with t 0.93-0.99. A share is a proportion (0-1); levels are interval levels in per cent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import stats

# The protocol's target bands (docs/calibration.md): the share of actual dates an interval
# should hold. 95 % has no band of its own in the protocol and is shown without a verdict.
BANDS: dict[str, tuple[float, float]] = {"50": (0.40, 0.60), "80": (0.70, 0.90)}


def clustered_se(flags: Sequence[bool | float], cases: Sequence[str]) -> float:
    """The standard error of the share of true ``flags`` with targets clustered by ``cases``
    (the cluster-robust sandwich with the small-sample factor k / (k - 1), k cases); nan
    with fewer than two cases."""
    n, k = len(flags), len(set(cases))
    if n == 0 or k < 2:
        return float("nan")
    p = sum(float(f) for f in flags) / n
    by_case: dict[str, float] = {}
    for f, c in zip(flags, cases, strict=True):
        by_case[c] = by_case.get(c, 0.0) + float(f) - p
    return math.sqrt(k / (k - 1) * sum(v * v for v in by_case.values())) / n


def effective_n(flags: Sequence[bool | float], cases: Sequence[str]) -> float:
    """The number of independent targets the clustered ``flags`` are worth: n divided by the
    design effect (clustered over binomial variance), kept between the number of cases (every
    case one unit, the most a case's targets can move together) and n. When the share is 0 or
    1 the design effect cannot be estimated and every case counts once."""
    n, k = len(flags), len(set(cases))
    if n == 0:
        return 0.0
    p = sum(float(f) for f in flags) / n
    binomial = p * (1 - p) / n
    se = clustered_se(flags, cases)
    if binomial == 0 or not math.isfinite(se):
        return float(k)
    if se == 0:
        return float(n)
    return min(float(n), max(float(k), n * binomial / se**2))


def wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a share ``p`` observed on ``n`` (possibly fractional)
    independent units, ``z`` the quantile of its level; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def coverage_interval(flags: Sequence[bool | float], cases: Sequence[str]) -> list[float]:
    """The 95 % interval [low, high] of the share of true ``flags``, targets clustered by
    ``cases`` (Wilson on the effective number of targets, t quantile on k - 1 df)."""
    n, k = len(flags), len(set(cases))
    p = sum(float(f) for f in flags) / n if n else 0.0
    z = float(stats.t.ppf(0.975, max(k - 1, 1)))
    lo, hi = wilson(p, effective_n(flags, cases), z)
    return [round(lo, 4), round(hi, 4)]


def band_verdict(level: str, share: float, interval: Sequence[float]) -> str | None:
    """Where a ``level`` % interval's coverage ``share`` stands against the protocol's band:
    "in band"; "consistent" (outside it, but its 95 % interval meets the band: too few cases
    to tell); "too narrow" or "too wide" (the whole interval below or above the band, which
    with intervals of these levels means over-confident or conservative). None for a level
    without a band."""
    if level not in BANDS:
        return None
    low, high = BANDS[level]
    if low <= share <= high:
        return "in band"
    if interval[1] < low:
        return "too narrow"
    if interval[0] > high:
        return "too wide"
    return "consistent"
