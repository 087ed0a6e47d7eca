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

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import scoring
from .check import obs_arrays, predictive, transform
from .dates import from_years, period_bounds
from .errors import ForecastError
from .observations import (
    COLUMNS,
    REQUIRED,
    Observation,
    ai_rows,
    check_table,
    parse_table,
    read_table,
)
from .priors import Priors

LEVELS = (0.5, 0.8, 0.95)
PIT_BINS = 10
METHODS = ("model", "naive")
AUTO_QUANTILES = (0.5, 0.75, 0.9)
REFERENCE_NOTE = (
    "central 95 % of the share a calibrated forecast gives if the points were independent "
    "(points of one series and cutoff are not)"
)


# ---------------------------------------------------------------- input


def read_series(
    path: str | Path, unit: str | None = None, benchmark: str | None = None
) -> list[Observation]:
    """An observation file in the full schema, or a short one with at least ``date`` and
    ``value`` columns: then ``benchmark`` defaults to the file's stem (or ``benchmark``),
    ``unit`` to the option, ``kind`` to ai, ``system`` to the row number and ``source`` to
    the file. Every row is validated as in ``forecast data``."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise ForecastError("file not found", str(path)) from None
    except UnicodeDecodeError:
        raise ForecastError("not UTF-8 text; expected a UTF-8 CSV file", str(path)) from None
    except (IsADirectoryError, PermissionError) as e:
        raise ForecastError(f"cannot read the file ({e.strerror})", str(path)) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ForecastError(
            "the file is empty; expected a CSV header and rows", str(path)
        ) from None
    if all(c in header for c in REQUIRED):
        return read_table(path)
    if "date" not in header or not ({"value"} <= set(header) or {"low", "high"} <= set(header)):
        raise ForecastError(
            f"header {','.join(header)!r} has neither the full schema (forecast data "
            "--schema) nor a short one: expected at least columns date and value "
            "(optionally benchmark, unit, system, low, high, approximate)",
            str(path),
        )
    extra = [h for h in header if h not in COLUMNS]
    if extra:
        raise ForecastError(
            f"unknown column(s) {', '.join(map(repr, extra))}; expected only {','.join(COLUMNS)}",
            str(path),
        )
    if "unit" not in header and not unit:
        raise ForecastError(
            "the file has no 'unit' column; pass --unit (fraction, percent, seconds, "
            "minutes, hours or multiplier)",
            str(path),
        )
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for n, rec in enumerate(reader, start=2):
        if not any(x.strip() for x in rec):
            w.writerow([""] * len(COLUMNS))  # skipped by the parser; keeps line numbers
            continue
        d = dict(zip(header, rec))
        if len(rec) != len(header):
            raise ForecastError(f"{len(rec)} fields; expected {len(header)}", f"{path}:{n}")
        d.setdefault("benchmark", benchmark or path.stem)
        d.setdefault("unit", unit or "")
        d.setdefault("kind", "ai")
        d.setdefault("system", f"row {n}")
        d.setdefault("source", str(path))
        w.writerow([d.get(c, "") for c in COLUMNS])
    rows = parse_table(out.getvalue(), str(path))
    return check_table(rows)


# ---------------------------------------------------------------- cutoffs


@dataclass(frozen=True)
class Cutoff:
    text: str
    year: float  # points whose date is strictly before this decimal year are training data


def parse_cutoff(text: str) -> Cutoff:
    try:
        start, _ = period_bounds(text.strip())
    except ValueError:
        raise ForecastError(
            f"cannot read {text!r}; expected YYYY, YYYY-MM or YYYY-MM-DD", f"--cutoff {text}"
        ) from None
    return Cutoff(text.strip(), start)


def auto_cutoffs(rows: list[Observation], n: int) -> list[Cutoff]:
    """``n`` cutoffs spread between the dates by which 40 % and 90 % of the points were published,
    each halfway between two observation dates and leaving every usable series its later points."""
    times = np.unique(np.array([r.time for r in ai_rows(rows)]))
    if len(times) < 3:
        raise ForecastError(
            "fewer than three distinct observation dates: nothing to backtest", "--data"
        )
    mids = (times[:-1] + times[1:]) / 2
    pos = np.linspace(0.4, 0.9, n) if n > 1 else np.array([0.6])
    picks = sorted({round(p * (len(mids) - 1)) for p in pos})
    out = []
    for i in picks:
        text = str(from_years(np.array([mids[i]]))[0])
        c = parse_cutoff(text)
        if eligible(rows, c, None)[0]:
            out.append(c)
    if not out:
        raise ForecastError(
            "no automatic cutoff leaves a series with 2 points before it and 1 after it; "
            "give --cutoff DATE",
            "--data",
        )
    return out


def eligible(rows, cutoff: Cutoff, max_lead: float | None):
    """(series to score, {series: reason skipped}, training rows, test rows by series)."""
    ai = ai_rows(rows)
    bench = list(dict.fromkeys(r.benchmark for r in ai))
    ok, skipped, test = [], {}, {}
    for b in bench:
        tr = [r for r in ai if r.benchmark == b and r.time < cutoff.year]
        te = [
            r
            for r in ai
            if r.benchmark == b
            and r.time >= cutoff.year
            and (max_lead is None or r.time - cutoff.year <= max_lead)
        ]
        if len(tr) < 2 or len({r.time for r in tr}) < 2:
            skipped[b] = (
                f"{len(tr)} point(s) before the cutoff; at least 2 at different dates needed"
            )
        elif not te:
            skipped[b] = "no points after the cutoff" + (
                "" if max_lead is None else " within --max-lead"
            )
        else:
            ok.append(b)
            test[b] = te
    train = [r for r in ai if r.time < cutoff.year]
    return ok, skipped, train, test


# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Event:
    id: str
    benchmark: str
    value: float  # canonical unit
    shown: str
    origin: str


def events_for(rows: list[Observation], specs: list[str], builtins: bool = True) -> list[Event]:
    """Thresholds to score: built-ins whose benchmark has data, ``--threshold`` specs, and where a
    series has neither, automatic ones at the 50/75/90 % quantiles of its observed values."""
    from .thresholds import load_plan, parse_threshold
    from .units import fmt

    out: list[Event] = []
    if builtins:
        try:
            plan, _ = load_plan(rows, [], "2200")
            out += [Event(t.id, t.benchmark, t.value, t.shown, "built-in") for t in plan.thresholds]
        except ForecastError:
            pass  # no built-in threshold has data
    for s in specs:
        t = parse_threshold(s, rows)
        if any(e.id == t.id for e in out):
            raise ForecastError("given twice", f"--threshold {s!r}")
        out.append(Event(t.id, t.benchmark, t.value, t.shown, "--threshold"))
    have = {e.benchmark for e in out}
    for b in dict.fromkeys(r.benchmark for r in ai_rows(rows)):
        if b in have:
            continue
        rs = [r for r in ai_rows(rows) if r.benchmark == b]
        vals = np.array([r.midpoint for r in rs])
        for q in AUTO_QUANTILES:
            v = float(np.quantile(vals, q))
            out.append(Event(f"{b}>=q{int(100 * q)}", b, v, fmt(v, rs[0].dimension), "automatic"))
    return out


# ---------------------------------------------------------------- fitting


class CachedFitter:
    """Fit with :func:`forecast.fit.fit` (posterior cached under the data/priors/settings key)."""

    def __init__(self, priors: Priors, settings, cache_dir=None, refit=False, quiet=True):
        self.priors, self.settings = priors, settings
        self.cache_dir, self.refit, self.quiet = cache_dir, refit, quiet

    def __call__(self, rows: list[Observation]):
        from .fit import fit

        dt, _ = fit(
            rows,
            self.priors,
            self.settings,
            cache_dir=self.cache_dir,
            refit=self.refit,
            quiet=self.quiet,
        )
        return dt["posterior"].to_dataset(), dict(dt.attrs), json.loads(dt.attrs["diagnostics"])


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
    summary: dict
    points: list[dict]
    briers: list[dict]
    series: dict = field(default_factory=dict)  # benchmark -> list of (time, value) for the figure


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
    from scipy.stats import t as student_t

    from .trajectories import crossing_time, curves

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
            eta, sd = predictive(c, ob)
            ms = scoring.model_scores(ob.y, eta, sd)
            step = max(
                1, eta.shape[0] // 1000
            )  # shown quantiles only; PIT and coverage use every draw
            med = scoring.mixture_quantiles(eta[::step], sd[::step], (0.1, 0.5, 0.9))
            line = _naive(tr, priors)
            loc, scale, df = line.predict(ob.time)
            ns = scoring.t_scores(ob.y, loc, scale, df)
            nq = (
                loc[None, :]
                + scale[None, :] * student_t.ppf(np.array([0.1, 0.5, 0.9]), df)[:, None]
            )
            bounded = bool(ob.bounded[0])
            for i, r in enumerate(ob.rows):
                p = {
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
                        p[name][f"in_{int(100 * lev)}"] = bool(
                            scoring.covered(sc["pit"][[i]], lev)[0]
                        )
                points.append(p)
            # threshold events
            tr_max = max(r.midpoint for r in tr)
            dates = np.unique(ob.time)
            for ev in (e for e in events if e.benchmark == b):
                if tr_max >= ev.value:
                    continue  # already reached before the cutoff: nothing to forecast
                cross = crossing_time(c, b, ev.value)
                z = float(transform(ev.value, bounded)) if (not bounded or ev.value < 1) else np.inf
                lloc, lscale, ldf = line.predict(dates, new_observation=False)
                p_naive = (
                    student_t.sf((z - lloc) / lscale, ldf)
                    if np.isfinite(z)
                    else np.zeros(len(dates))
                )
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
    summary = _summary(points, briers, cut_info, events, max_lead)
    series: dict[str, list] = {}
    for r in ai_rows(rows):
        series.setdefault(r.benchmark, []).append((r.time, r.midpoint, r.bounded))
    return BacktestResult(summary, points, briers, series)


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


# ---------------------------------------------------------------- output
