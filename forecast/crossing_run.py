"""Running the crossing-date protocol (:mod:`forecast.crossing`) on real series: reading them,
fitting the engine per case (in parallel on Dask, each fit cached by :func:`forecast.fit.fit`),
scoring every method on every target, and the text table of the result.

Methods (the engine's fits: :mod:`forecast.crossing_fits`):

* ``engine``: the project's growth model fitted on the series' training points alone
  (a bundled series as the bundled table holds them: its benchmark's priors, METR's
  intervals, censoring at one task's worth); its crossing dates are the posterior curves'
  first passages with the forward walk (:func:`forecast.trajectories.crossing_time`);
* ``engine_drift``: the same posterior draws forward sampled with a drifting growth rate
  after the last training point (:mod:`forecast.drift`), the drift's ``sigma`` and
  ``level_sd`` from the priors' ``[rate_drift]`` key of the series' family (left out when
  the priors have none);
* ``engine_pooled``: the growth model fitted on every bundled series as it stood at the
  cutoff (no row dated on or after it), read on the case's series: what `forecast run
  --as-of CUTOFF` would have said;
* ``line``: the least-squares straight line on the logit / log scale (one date per target);
* ``bayes_line``: the flat-prior Bayesian straight line (posterior draws);
* ``drifting_line``: the same with slope x exp(N(0, 0.3)) and level + N(0, 0.3) per draw.
"""

from __future__ import annotations

import csv
import io
import math
import zlib
from dataclasses import asdict
from importlib import resources
from pathlib import Path

import numpy as np

from . import crossing as cx
from .crossing_fits import CaseFit, Engine, clip, engine_fits
from .dates import parse_period
from .drift import Drift, crossing_times
from .errors import ForecastError
from .io import read_input_file
from .units import CANONICAL, UNITS

METHODS = ["engine", "engine_drift", "engine_pooled", "line", "bayes_line", "drifting_line"]
LINE_DRAWS = 4000  # draws of the Bayesian lines per case
PUBLIC_DIR = ("data", "public-series")


# ---------------------------------------------------------------- reading series


def _unit(text: str, where: str) -> tuple[str, float]:
    """(canonical unit, factor to it) of a published unit such as '% resolved' or 'minutes'."""
    t = text.strip().lower()
    if "%" in t or "percent" in t:  # "% resolved", "% any medal": a published percent
        t = "percent"
    if t not in UNITS:
        raise ForecastError(
            f"unit {text!r} is not a percent, fraction, minutes, hours, seconds or multiplier",
            where,
        )
    u = UNITS[t]
    return CANONICAL[u.dimension], u.to_canonical


def parse_series(text: str, name: str, unit: str | None = None) -> list[cx.Series]:
    """Series from CSV text with columns ``date`` and ``value`` and optionally ``series``
    (or ``benchmark``; default: ``name``), ``unit`` (default: ``unit``), ``model`` (or
    ``system``) and ``source``. Rows without a date or value are skipped (undated results
    cannot be placed on the frontier)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    if "date" not in header or "value" not in header:
        raise ForecastError("expected at least the columns date and value", name)
    by: dict[str, list[cx.Point]] = {}
    meta: dict[str, tuple[str, str]] = {}
    for n, r in enumerate(reader, start=2):
        where = f"{name}:{n}"
        date, value = (r.get("date") or "").strip(), (r.get("value") or "").strip()
        if not date or not value:
            continue
        s = (r.get("series") or r.get("benchmark") or "").strip() or Path(name).stem
        u, factor = _unit(r.get("unit") or unit or "", where)
        if meta.setdefault(s, (u, (r.get("source") or name).strip()))[0] != u:
            raise ForecastError(f"series {s!r} mixes units", where)
        try:
            v = float(value) * factor
        except ValueError:
            raise ForecastError(f"value {value!r} is not a number", where) from None
        if (
            not math.isfinite(v)
            or v < 0
            or (u == "fraction" and v > 1)
            or (u != "fraction" and v <= 0)
        ):
            raise ForecastError(f"value {value!r} is outside the range of its unit", where)
        t, t_sd = parse_period(date, where)
        by.setdefault(s, []).append(
            cx.Point(t, v, date, (r.get("model") or r.get("system") or "").strip(), float(t_sd))
        )
    return [
        cx.Series(s, cx.family_of(s), meta[s][0], tuple(pts), meta[s][1]) for s, pts in by.items()
    ]


def read_series(path: str | Path, unit: str | None = None) -> list[cx.Series]:
    """The series of one CSV file (see :func:`parse_series`)."""
    text = read_input_file(path, "CSV file of dated values (columns date and value)")
    return parse_series(text, str(path), unit)


def bundled_series() -> list[cx.Series]:
    """The public series shipped in ``forecast/data/public-series/*.csv``."""
    folder = resources.files("forecast").joinpath(*PUBLIC_DIR)
    out: list[cx.Series] = []
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.endswith(".csv"):
            out += parse_series(f.read_text("utf-8"), f"<bundled>/public-series/{f.name}")
    return out


# ---------------------------------------------------------------- the engine


def case_drift(case: cx.Case, priors) -> Drift | None:
    """The rate drift of the case's family from the priors (None when they have none)."""
    rd = (priors.bounded if case.bounded else priors.unbounded).rate_drift
    if rd is None:
        return None
    return Drift(rd.sigma, rd.level_sd, level_sigma=rd.level_sigma, level_spread=rd.level_spread)


def engine_draws(case: cx.Case, fit: CaseFit) -> list[np.ndarray]:
    """Crossing-date draws of each target (decimal years, +inf = never) from a fit's
    posterior curves (:func:`forecast.trajectories.crossing_time`: the forward walk after
    the series' last row when the fit carries one)."""
    from .trajectories import crossing_time

    return [
        crossing_time(fit.curves, fit.read_on, clip(p.value, case.bounded)) for p in case.targets
    ]


def drift_draws(case: cx.Case, fit: CaseFit, drift: Drift, seed: int) -> list[np.ndarray]:
    """``engine_drift``: crossing-date draws of each target (decimal years, +inf = never),
    the engine's posterior curves with the rate drifting after the last training point."""
    thresholds = [clip(p.value, case.bounded) for p in case.targets]
    t0 = max(p.time for p in case.training)
    rng_seed = zlib.crc32(f"{seed}:{case.id}".encode())
    return list(crossing_times(fit.curves, fit.read_on, thresholds, t0, drift, rng_seed))


# ---------------------------------------------------------------- the whole protocol


def run(
    series: list[cx.Series],
    priors,
    settings,
    cache_dir: Path,
    refit: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    line_draws: int = LINE_DRAWS,
    progress=None,
    pooled: bool = True,
    bundled: bool = True,
) -> dict:
    """The protocol on every series: per-target scores of every method, pooled results,
    the cases (with the engine's sampler diagnostics) and the series left out (and why).
    ``pooled`` adds ``engine_pooled`` (each case fitted on every bundled series as of its
    cutoff, :mod:`forecast.crossing_fits`); ``bundled`` says the series are the bundled
    public series (else from user files)."""
    all_cases, skipped = _cases(series)
    engine = Engine(priors, settings, cache_dir, refit, workers, scheduler, progress, bundled)
    fits = engine_fits(all_cases, engine, ("alone", "pooled") if pooled else ("alone",))
    drifts = {c.id: case_drift(c, priors) for c in all_cases}
    methods = [
        m
        for m in METHODS
        if (m != "engine_drift" or any(drifts.values())) and (m != "engine_pooled" or pooled)
    ]
    draw_of = {
        "engine": lambda c, rng: engine_draws(c, fits[c.id, "alone"]),
        "engine_drift": lambda c, rng: drift_draws(
            c, fits[c.id, "alone"], drifts[c.id] or Drift(0.0), settings.seed
        ),
        "engine_pooled": lambda c, rng: engine_draws(c, fits[c.id, "pooled"]),
        "line": lambda c, rng: cx.least_squares_draws(c),
        "bayes_line": lambda c, rng: cx.bayes_line_draws(c, line_draws, rng),
        "drifting_line": lambda c, rng: cx.bayes_line_draws(c, line_draws, rng, cx.DRIFT_SD),
    }
    targets, case_info = [], []
    for case in all_cases:
        rng = np.random.default_rng([settings.seed, zlib.crc32(case.id.encode())])
        draws = {m: draw_of[m](case, rng) for m in METHODS if m in methods}
        info = _case_info(case, fits[case.id, "alone"])
        if pooled:
            info["pooled"] = _fit_info(fits[case.id, "pooled"])
        case_info.append({**info, "drift": asdict(drifts[case.id] or Drift(0.0))})
        for j, tgt in enumerate(case.targets):
            scores = {m: cx.target_scores(draws[m][j], tgt.time, case.cutoff) for m in methods}
            targets.append({**_target_info(case, tgt), **scores})
    return {
        "protocol": "crossing-date (docs/calibration.md)",
        "methods": methods,
        **cx.summarise(targets, methods),
        "cases": case_info,
        "skipped": skipped,
        "targets": targets,
    }


def _cases(series: list[cx.Series]) -> tuple[list[cx.Case], dict[str, str]]:
    """The cases of every series, and the series with too few frontier points (and why)."""
    all_cases, skipped = [], {}
    for s in series:
        cs = cx.cases(s)
        if cs:
            all_cases += cs
        else:
            n = len(cx.frontier(s.points))
            skipped[s.name] = f"{n} frontier point(s); the protocol needs {cx.MIN_FRONTIER}"
    if not all_cases:
        raise ForecastError("no series has five frontier records: nothing to backtest")
    return all_cases, skipped


def _target_info(case: cx.Case, tgt: cx.Point) -> dict:
    return {
        "case": case.id,
        "series": case.series,
        "family": case.family,
        "cutoff": case.cutoff_date,
        "target_date": tgt.date,
        "target_model": tgt.model,
        "target_value": tgt.value,
        "unit": case.unit,
        "lead_years": round(tgt.time - case.cutoff, 4),
    }


def _fit_info(fit: CaseFit) -> dict:
    return {
        "read_on": fit.read_on,
        "n_rows": fit.n_rows,
        "n_series": fit.n_series,
        "diagnostics": fit.diagnostics,
        "cached": fit.cached,
    }


def _case_info(case: cx.Case, fit: CaseFit) -> dict:
    return {
        "case": case.id,
        "series": case.series,
        "family": case.family,
        "frontier_index": case.index,
        "cutoff": case.cutoff_date,
        "n_training": len(case.training),
        "n_targets": len(case.targets),
        "training_max": max(p.value for p in case.training),
        "read_on": fit.read_on,
        "engine_diagnostics": fit.diagnostics,
        "engine_cached": fit.cached,
    }
