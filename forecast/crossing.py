"""The crossing-date backtest protocol on real histories (numbers only).

The protocol (``docs/calibration.md``, used exactly so figures compare), for one series:

1. **Frontier**: rows sorted by date; a row is kept when its value is strictly above every
   earlier value. Rows sharing a date are taken highest first, so at most one row per date
   is a record (a same-date row is not "earlier", and only the day's best can be a record).
2. **Cutoffs by rule**: with n >= 5 frontier points, at the dates of frontier points
   ``max(3, n // 2)`` and ``max(3, n - 3)`` (0-based; one cutoff when both rules give the
   same point). Training = frontier points strictly before the cutoff (>= 3); targets = the
   later frontier points above the training maximum (>= 2), the cutoff's own point first.
3. A forecast is fitted on the training points alone.
4. Each target is a threshold (its value) with a known crossing date (its date). From the
   forecast's draws of the crossing date (decimal years, +inf = never crosses):
   PIT = share of draws on or before the actual date; the 50/80/95 % central intervals
   cover when 0.25 <= PIT <= 0.75, 0.1 <= PIT <= 0.9, 0.025 <= PIT <= 0.975; the median's
   error |median - actual| in years (a never-crossing median counts as 10 years); the Brier
   score of P(crossed within one year of the cutoff); the CRPS of the date distribution in
   years, with draws beyond cutoff + 20 years (never-crossing ones included) at cutoff + 20.
5. Scores are pooled over targets (each threshold one unit) and per series family.

The straight-line baselines live on the transformed scale: logit of the fraction for
bounded series (clipped to [1e-4, 1 - 1e-4]), log for unbounded ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import coverage, curves

LEVELS = (0.5, 0.8, 0.95)
NEVER_ERROR_YEARS = 10.0  # |median - actual| when the median never crosses
CRPS_CAP_YEARS = 20.0  # draws later than cutoff + this count as cutoff + this in the CRPS
BRIER_LEAD_YEARS = 1.0  # the Brier event: crossed within this many years of the cutoff
CLIP = 1e-4  # bounded values as fractions are clipped to [CLIP, 1 - CLIP] for the logit
DRIFT_SD = 0.3  # the drifting line: slope x exp(N(0, sd)), level + N(0, sd)
MIN_FRONTIER, MIN_TRAINING, MIN_TARGETS = 5, 3, 2


@dataclass(frozen=True)
class Point:
    """One dated result: ``time`` in decimal years, ``value`` in the canonical unit
    (a fraction for bounded series, minutes or a multiplier for unbounded ones)."""

    time: float
    value: float
    date: str = ""
    model: str = ""
    time_sd: float = 0.0  # uncertainty of the date, years (period width / sqrt 12)


@dataclass(frozen=True)
class Series:
    name: str
    family: str
    unit: str  # canonical: fraction (bounded), minutes or multiplier (unbounded)
    points: tuple[Point, ...]
    source: str = ""

    @property
    def bounded(self) -> bool:
        return self.unit == "fraction"


@dataclass(frozen=True)
class Case:
    """One (series, cutoff): the training points and the targets to forecast."""

    series: str
    family: str
    unit: str
    index: int  # 0-based frontier index of the point whose date is the cutoff
    cutoff: float  # decimal year
    cutoff_date: str
    training: tuple[Point, ...]
    targets: tuple[Point, ...]
    source: str = ""

    @property
    def bounded(self) -> bool:
        return self.unit == "fraction"

    @property
    def id(self) -> str:
        return f"{self.series}@{self.cutoff_date or round(self.cutoff, 4)}"


# ---------------------------------------------------------------- frontier and cutoffs


def frontier(points) -> list[Point]:
    """The running-maximum records of ``points``: sorted by date (a date's rows highest
    first), a point is kept when its value is strictly above every earlier value."""
    out: list[Point] = []
    for p in sorted(points, key=lambda p: (p.time, -p.value)):
        if not out or p.value > out[-1].value:
            out.append(p)
    return out


def cutoff_indices(n: int) -> list[int]:
    """Frontier indices of the cutoffs for ``n`` frontier points (none when n < 5)."""
    if n < MIN_FRONTIER:
        return []
    return sorted({max(3, n // 2), max(3, n - 3)})


def cases(series: Series) -> list[Case]:
    """The protocol's cases of one series (possibly none)."""
    fr = frontier(series.points)
    out = []
    for k in cutoff_indices(len(fr)):
        cut = fr[k]
        training = [p for p in fr if p.time < cut.time]
        top = max(p.value for p in training) if training else -np.inf
        targets = [p for p in fr if p.time >= cut.time and p.value > top]
        if len(training) >= MIN_TRAINING and len(targets) >= MIN_TARGETS:
            out.append(
                Case(
                    series.name,
                    series.family,
                    series.unit,
                    k,
                    cut.time,
                    cut.date,
                    tuple(training),
                    tuple(targets),
                    series.source,
                )
            )
    return out


# ---------------------------------------------------------------- straight lines


def transform(values, bounded: bool) -> np.ndarray:
    """The lines' scale: :func:`forecast.curves.transform` of the value, a fraction first
    clipped to [1e-4, 1 - 1e-4] (a line cannot use an infinite logit)."""
    v = np.asarray(values, dtype=float)
    return curves.transform(np.clip(v, CLIP, 1 - CLIP) if bounded else v, bounded)


def _ols(t, z) -> tuple[float, float, float, float, float]:
    """(level at the mean time, slope per year, mean time, Sxx, residual sum of squares)."""
    t, z = np.asarray(t, dtype=float), np.asarray(z, dtype=float)
    tm = float(t.mean())
    sxx = float(((t - tm) ** 2).sum())
    if sxx <= 0:
        raise ValueError("a line needs points at two or more different dates")
    b = float(((t - tm) * (z - z.mean())).sum() / sxx)
    a = float(z.mean())
    rss = float(((z - a - b * (t - tm)) ** 2).sum())
    return a, b, tm, sxx, rss


def line_crossing(level, slope, t_mean: float, threshold: float) -> np.ndarray:
    """Decimal year the line ``level + slope (t - t_mean)`` reaches ``threshold`` (same
    scale); +inf where the slope is not positive."""
    level, slope = np.asarray(level, dtype=float), np.asarray(slope, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = t_mean + (threshold - level) / slope
    return np.where(slope > 0, t, np.inf)


def least_squares_draws(case: Case) -> list[np.ndarray]:
    """The least-squares line's crossing date of each target, as a one-draw forecast."""
    t = [p.time for p in case.training]
    a, b, tm, _, _ = _ols(t, transform([p.value for p in case.training], case.bounded))
    z = transform([p.value for p in case.targets], case.bounded)
    return [line_crossing(np.array([a]), np.array([b]), tm, zi) for zi in z]


def bayes_line_draws(
    case: Case, n_draws: int, rng: np.random.Generator, drift_sd: float = 0.0
) -> list[np.ndarray]:
    """Crossing-date draws of each target under the flat-prior Bayesian straight line.

    Prior p(level, slope, sigma^2) ∝ 1 / sigma^2; posterior sigma^2 = RSS / chi^2(n - 2),
    level ~ N(mean z, sigma^2 / n) and slope ~ N(OLS slope, sigma^2 / Sxx) (independent
    given sigma^2 on centred time). With ``drift_sd`` > 0 (the drifting line) each draw's
    slope is multiplied by exp(N(0, drift_sd)) and its level (at the training points' mean
    date) shifted by N(0, drift_sd) on the transformed scale.
    """
    t = [p.time for p in case.training]
    a, b, tm, sxx, rss = _ols(t, transform([p.value for p in case.training], case.bounded))
    n = len(t)
    sigma2 = rss / rng.chisquare(n - 2, n_draws)
    level = a + np.sqrt(sigma2 / n) * rng.standard_normal(n_draws)
    slope = b + np.sqrt(sigma2 / sxx) * rng.standard_normal(n_draws)
    if drift_sd > 0:
        slope = slope * np.exp(drift_sd * rng.standard_normal(n_draws))
        level = level + drift_sd * rng.standard_normal(n_draws)
    z = transform([p.value for p in case.targets], case.bounded)
    return [line_crossing(level, slope, tm, zi) for zi in z]


# ---------------------------------------------------------------- scores


def sample_crps(draws, actual: float) -> float:
    """CRPS of the empirical distribution of ``draws`` at ``actual`` (same unit):
    E|X - y| - E|X - X'| / 2, the latter from the sorted draws in O(m log m)."""
    x = np.sort(np.asarray(draws, dtype=float))
    m = len(x)
    spread = np.sum((2 * np.arange(1, m + 1) - m - 1) * x) / m**2
    return float(np.mean(np.abs(x - actual)) - spread)


def target_scores(draws, actual: float, cutoff: float) -> dict:
    """The protocol's scores of one target from crossing-date draws (decimal years,
    +inf = never): PIT, coverage flags, median and its error (years), P(within one year of
    the cutoff) with its Brier score, CRPS (years)."""
    x = np.asarray(draws, dtype=float)
    pit = float(np.mean(x <= actual))
    median = float(np.median(x))
    p_year = float(np.mean(x <= cutoff + BRIER_LEAD_YEARS))
    outcome = float(actual <= cutoff + BRIER_LEAD_YEARS)
    out = {
        "pit": pit,
        "median": median if np.isfinite(median) else None,
        "median_error": abs(median - actual) if np.isfinite(median) else NEVER_ERROR_YEARS,
        "p_never": float(np.mean(~np.isfinite(x))),
        "p_within_year": p_year,
        "brier": (p_year - outcome) ** 2,
        "crps": sample_crps(np.minimum(x, cutoff + CRPS_CAP_YEARS), actual),
    }
    for lev in LEVELS:
        out[f"in_{round(100 * lev)}"] = bool((1 - lev) / 2 <= pit <= (1 + lev) / 2)
    return out


def pool(scores: list[dict], cases: list[str] | None = None) -> dict:
    """Scores pooled over targets (each one unit): coverage shares, means, PIT extremes.
    Given each target's case, also each coverage share's 95 % interval with targets clustered
    by case, and where it stands against the protocol's band (forecast/coverage.py)."""
    if not scores:
        return {"n": 0}
    pit = np.array([s["pit"] for s in scores])
    inside = {
        f"{round(100 * lev)}": [s[f"in_{round(100 * lev)}"] for s in scores] for lev in LEVELS
    }
    shares = {lev: float(np.mean(flags)) for lev, flags in inside.items()}
    out: dict = {
        "n": len(scores),
        "coverage": shares,
        "median_error": float(np.mean([s["median_error"] for s in scores])),
        "crps": float(np.mean([s["crps"] for s in scores])),
        "brier": float(np.mean([s["brier"] for s in scores])),
        "pit_0": int(np.sum(pit == 0)),
        "pit_1": int(np.sum(pit == 1)),
        "pit_histogram": np.bincount(np.minimum((pit * 10).astype(int), 9), minlength=10).tolist(),
    }
    if cases is not None:
        intervals = {lev: coverage.coverage_interval(flags, cases) for lev, flags in inside.items()}
        out["n_cases"] = len(set(cases))
        out["coverage_interval"] = intervals
        out["coverage_verdict"] = {
            lev: v
            for lev, iv in intervals.items()
            if (v := coverage.band_verdict(lev, shares[lev], iv)) is not None
        }
    return out


def _pool_of(method: str, targets: list[dict]) -> dict:
    """``method``'s scores of ``targets`` pooled, with coverage intervals clustered by case."""
    return pool([t[method] for t in targets], [t["case"] for t in targets])


def summarise(targets: list[dict], methods: list[str]) -> dict:
    """Pooled, per-family and per-series results of every method, and the cases whose
    targets all fall outside a method's draws (every PIT 0 or every PIT 1)."""

    def by(key: str) -> dict:
        groups = list(dict.fromkeys(t[key] for t in targets))
        return {
            g: {m: _pool_of(m, [t for t in targets if t[key] == g]) for m in methods}
            for g in groups
        }

    extreme = []
    for case in dict.fromkeys(t["case"] for t in targets):
        ts = [t for t in targets if t["case"] == case]
        for m in methods:
            pits = {t[m]["pit"] for t in ts}
            if pits <= {0.0} or pits <= {1.0}:
                extreme.append({"case": case, "method": m, "pit": pits.pop(), "n_targets": len(ts)})
    return {
        "n_targets": len(targets),
        "n_cases": len({t["case"] for t in targets}),
        "pooled": {m: _pool_of(m, targets) for m in methods},
        "by_family": by("family"),
        "by_series": by("series"),
        "whole_cases_outside": extreme,
    }


def family_of(series: str) -> str:
    """The family a bundled series belongs to, by its name (else the name itself)."""
    s = series.lower()
    for key, fam in (
        ("metr", "METR horizons"),
        ("swebench", "SWE-bench"),
        ("swe-bench", "SWE-bench"),
        ("mlebench", "MLE-bench"),
        ("mle-bench", "MLE-bench"),
        ("posttrainbench", "PostTrainBench"),
    ):
        if key in s:
            return fam
    return series
