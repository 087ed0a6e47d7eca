"""Rolling-origin backtests: for each cutoff date, fit only on the points before it, forecast
the later points, and score the forecasts against what was then observed.

Scored for every later point of every series with at least two points before the cutoff,
on the likelihood's scale (logit of the share / log of the metric):

* coverage of the central 50 / 80 / 95 % predictive intervals, and the PIT histogram;
* CRPS and log score (``scoringrules``; lower is better);
* the same for the naive baseline on the same points: a least-squares line on that scale
  (logistic extrapolation for bounded series, log-linear for unbounded ones) with its
  Student-t predictive (see :func:`forecast.scoring.fit_line`).

Threshold events are scored too: for each threshold not yet reached before the cutoff
and each later observation date d, the forecast P(crossed by d) against whether a later
observation at or before d had reached it (Brier score). The model's probability is the
share of posterior curves that have crossed by d; the baseline's is P(line(d) >= threshold).

A point belongs to the training set when its date (the midpoint of its period) is
strictly before the cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import scoring
from .backtest_setup import Cutoff, Event, eligible
from .check import ObsArrays, obs_arrays, predictive, transform
from .dates import from_years
from .errors import ForecastError
from .observations import Observation, ai_rows
from .priors import Priors
from .results_rolling import RollingSummary, rolling_summary

LEVELS = (0.5, 0.8, 0.95)
PIT_BINS = 10
METHODS = ("model", "naive")
REFERENCE_NOTE = (
    "central 95 % of the share a calibrated forecast gives if the points were independent "
    "(points of one series and cutoff are not)"
)

# ---------------------------------------------------------------- the backtest


def _naive(train: list[Observation], priors: Priors) -> scoring.LineFit:
    bounded = train[0].bounded
    noise = getattr(priors, "bounded" if bounded else "unbounded").observation_noise.sd
    line = scoring.fit_line(
        [r.time for r in train],
        [float(transform(r.midpoint, bounded)) for r in train],
        prior_sd=noise,
    )
    return line


def _num(x, nd: int = 5):
    """A finite float rounded for JSON, else None (a score that overflowed)."""
    x = float(x)
    return round(x, nd) if np.isfinite(x) else None


def _arr(points, method, key):
    return np.array(
        [np.inf if p[method][key] is None else p[method][key] for p in points], dtype=float
    )


def _summ(points: list[dict], method: str) -> dict:
    pit = np.array(
        [np.nan if p[method]["pit"] is None else p[method]["pit"] for p in points], dtype=float
    )
    crps = _arr(points, method, "crps")
    logs = _arr(points, method, "log_score")
    fin = pit[np.isfinite(pit)]
    hist = np.bincount(np.minimum((fin * PIT_BINS).astype(int), PIT_BINS - 1), minlength=PIT_BINS)
    return {
        "n": len(points),
        "coverage": {
            f"{int(100 * lev)}": round(float(scoring.covered(pit, lev).mean()), 4) for lev in LEVELS
        },
        "crps": _num(crps.mean()),
        "log_score": _num(logs.mean()),
        "pit_histogram": hist.tolist(),
    }


def _reference(n: int) -> dict:
    from scipy.stats import binom

    return {
        f"{int(100 * lev)}": [
            round(float(binom.ppf(0.025, n, lev) / n), 4),
            round(float(binom.ppf(0.975, n, lev) / n), 4),
        ]
        for lev in LEVELS
    }


@dataclass
class BacktestResult:
    """A backtest: ``result`` (typed: the summary, every scored point and threshold pair; its
    JSON is backtest.json) and ``series`` (benchmark -> (time, value, bounded) per
    observation, for the figure)."""

    result: RollingSummary
    series: dict = field(default_factory=dict)


def run(
    rows: list[Observation],
    priors: Priors,
    cutoffs: list[Cutoff],
    fitter,
    events: list[Event] | None = None,
    max_lead: float | None = None,
    progress=None,
) -> BacktestResult:
    """Backtest ``rows`` at each cutoff with ``fitter(train_rows) -> (posterior, attrs, diagnostics)``."""
    from .trajectories import curves

    if not cutoffs:
        raise ForecastError("no cutoff given", "--cutoff")
    events = events or []
    points, briers, cut_info = [], [], []
    for cut in cutoffs:
        ok, skipped, train, test = eligible(rows, cut, max_lead)
        if not ok:
            counts = "; ".join(f"{b}: {why}" for b, why in skipped.items())
            raise ForecastError(
                f"leaves no series with at least 2 points before it and 1 after it ({counts})",
                f"--cutoff {cut.text}",
            )
        if progress:
            progress(
                f"cutoff {cut.text}: fitting {len(train)} points before it, forecasting "
                f"{sum(len(v) for v in test.values())} after it"
            )
        post, attrs, diag = fitter(train)
        c = curves(post, attrs)
        cut_info.append(
            {
                "cutoff": cut.text,
                "year": round(cut.year, 4),
                "n_train": len(train),
                "n_test": sum(len(v) for v in test.values()),
                "scored": ok,
                "skipped": skipped,
                "diagnostics": diag,
            }
        )
        for b in ok:
            tr = [r for r in train if r.benchmark == b]
            ob = obs_arrays(test[b], priors)
            line = _naive(tr, priors)
            points += _score_points(cut, b, c, ob, line)
            briers += _score_thresholds(cut, b, c, ob, line, tr, events)
    summary = _summary(points, briers, cut_info, events, max_lead)
    series: dict[str, list] = {}
    for r in ai_rows(rows):
        series.setdefault(r.benchmark, []).append((r.time, r.midpoint, r.bounded))
    result = rolling_summary({**summary, "points": points, "threshold_scores": briers})
    return BacktestResult(result, series)


def with_provenance(
    res: BacktestResult, data: dict, priors_hash: str, sampler: dict
) -> BacktestResult:
    """The backtest with what it ran on: the data files, the priors' digest, the sampler."""
    d = {"data": data, "priors_hash": priors_hash, "sampler": sampler}
    return replace(res, result=rolling_summary({**res.result.as_json(), **d}))


def _score_points(cut: Cutoff, b: str, c, ob: ObsArrays, line: scoring.LineFit) -> list[dict]:
    """Every later point of series ``b``: the model's and the naive line's forecast, scored."""
    from scipy.stats import t as student_t

    eta, sd = predictive(c, ob)
    ms = scoring.model_scores(ob.y, eta, sd)
    step = max(1, eta.shape[0] // 1000)  # shown quantiles only; PIT and coverage use every draw
    med = scoring.mixture_quantiles(eta[::step], sd[::step], (0.1, 0.5, 0.9))
    loc, scale, df = line.predict(ob.time)
    ns = scoring.t_scores(ob.y, loc, scale, df)
    nq = loc[None, :] + scale[None, :] * student_t.ppf(np.array([0.1, 0.5, 0.9]), df)[:, None]
    bounded = bool(ob.bounded[0])
    points = []
    for i, r in enumerate(ob.rows):
        p: dict[str, Any] = {
            "cutoff": cut.text,
            "benchmark": b,
            "date": r.date,
            "time": round(r.time, 4),
            "lead_years": round(r.time - cut.year, 4),
            "scale": "logit" if bounded else "log",
            "observed": round(float(ob.y[i]), 5),
            "range": bool(r.is_range),
            "value": r.midpoint,
            "naive_kind": "logistic" if bounded else "log-linear",
        }
        for name, sc, q in (("model", ms, med[:, i]), ("naive", ns, nq[:, i])):
            p[name] = {
                "pit": _num(sc["pit"][i]),
                "crps": _num(sc["crps"][i]),
                "log_score": _num(sc["logs"][i]),
                "q10": _num(q[0], 6),
                "median": _num(q[1], 6),
                "q90": _num(q[2], 6),
            }
            for lev in LEVELS:
                p[name][f"in_{int(100 * lev)}"] = bool(scoring.covered(sc["pit"][[i]], lev)[0])
        points.append(p)
    return points


def _score_thresholds(
    cut: Cutoff, b: str, c, ob: ObsArrays, line: scoring.LineFit, tr, events: list[Event]
) -> list[dict]:
    """Brier pairs of series ``b``'s threshold events not reached before the cutoff: per later
    observation date, P(crossed by it) of the model and the line against whether it was."""
    from scipy.stats import t as student_t

    from .trajectories import crossing_time

    bounded = bool(ob.bounded[0])
    tr_max = max(r.midpoint for r in tr)
    dates = np.unique(ob.time)
    briers = []
    for ev in (e for e in events if e.benchmark == b):
        if tr_max >= ev.value:
            continue  # already reached before the cutoff: nothing to forecast
        cross = crossing_time(c, b, ev.value)
        z = float(transform(ev.value, bounded)) if (not bounded or ev.value < 1) else np.inf
        lloc, lscale, ldf = line.predict(dates, new_observation=False)
        p_naive = student_t.sf((z - lloc) / lscale, ldf) if np.isfinite(z) else np.zeros(len(dates))
        for k, d in enumerate(dates):
            outcome = any(r.midpoint >= ev.value for r in ob.rows if r.time <= d)
            pm = float((cross <= d).mean())
            briers.append(
                {
                    "cutoff": cut.text,
                    "event": ev.id,
                    "benchmark": b,
                    "threshold": ev.value,
                    "threshold_shown": ev.shown,
                    "date": str(from_years(np.array([d]))[0]),
                    "lead_years": round(float(d - cut.year), 4),
                    "crossed": bool(outcome),
                    "model": {"p": round(pm, 5), "brier": round((pm - outcome) ** 2, 5)},
                    "naive": {
                        "p": round(float(p_naive[k]), 5),
                        "brier": round(float((p_naive[k] - outcome) ** 2), 5),
                    },
                }
            )
    return briers


def _summary(points, briers, cut_info, events, max_lead) -> dict:
    overall = {m: _summ(points, m) for m in METHODS}
    by_b = {}
    for b in dict.fromkeys(p["benchmark"] for p in points):
        ps = [p for p in points if p["benchmark"] == b]
        by_b[b] = {"naive_kind": ps[0]["naive_kind"], **{m: _summ(ps, m) for m in METHODS}}
    by_c = {}
    for c in cut_info:
        ps = [p for p in points if p["cutoff"] == c["cutoff"]]
        by_c[c["cutoff"]] = {m: _summ(ps, m) for m in METHODS}
    thr = {
        "n_pairs": len(briers),
        "events": [
            {
                "id": e.id,
                "benchmark": e.benchmark,
                "threshold": e.value,
                "shown": e.shown,
                "origin": e.origin,
            }
            for e in events
        ],
    }
    if briers:
        for m in METHODS:
            thr[f"brier_{m}"] = round(float(np.mean([x[m]["brier"] for x in briers])), 5)
        by_event: dict[str, dict] = {}
        thr["by_event"] = by_event
        for ev in dict.fromkeys(x["event"] for x in briers):
            xs = [x for x in briers if x["event"] == ev]
            by_event[ev] = {"n_pairs": len(xs)}
            for m in METHODS:
                by_event[ev][f"brier_{m}"] = round(float(np.mean([x[m]["brier"] for x in xs])), 5)
    return {
        "methods": {
            "model": "the growth model fitted to the points before the cutoff (posterior predictive, "
            "observation noise and date uncertainty included)",
            "naive": "least-squares line on the transformed scale of the same points (logistic "
            "extrapolation for bounded series, log-linear for unbounded), Student-t predictive",
        },
        "scale": "scores on the logit (bounded) / log (unbounded) scale; CRPS and log score: lower is better",
        "max_lead_years": max_lead,
        "cutoffs": cut_info,
        "n_points": len(points),
        "overall": overall,
        "coverage_reference_95": {**_reference(len(points)), "note": REFERENCE_NOTE}
        if points
        else {},
        "by_benchmark": by_b,
        "by_cutoff": by_c,
        "thresholds": thr,
    }
