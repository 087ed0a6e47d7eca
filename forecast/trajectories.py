"""Trajectories: each posterior draw as a curve over time, and its first-passage dates.

The curve equations live in :mod:`forecast.curves`; this module lays the posterior's
parameters out per draw and benchmark and evaluates them at decimal years. Curves are
monotone increasing in time (growth rates are positive), so a threshold is crossed at most
once and the crossing time has a closed form. Times are decimal years; values are in the
benchmark's canonical unit (fraction, minutes, multiplier).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from . import curves as cv
from .curves import NEVER

__all__ = [
    "NEVER",
    "closed_form_crossing_time",
    "crossing_time",
    "crossing_time_stepping",
    "curve",
    "curves",
    "reference_times",
    "value_at",
]


def reference_times(attrs: Mapping[Any, Any]) -> dict[str, float]:
    """The reference date (decimal year) of each benchmark, from a fitted posterior's attrs
    (stored there as a JSON string under ``t_ref``)."""
    return {str(b): float(t) for b, t in json.loads(attrs["t_ref"]).items()}


def curves(posterior: xr.Dataset, t_ref: Mapping[Any, Any]) -> xr.Dataset:
    """Per-draw curve parameters with dims (draw, benchmark); chain and draw stacked into ``draw``.

    ``t_ref``: each benchmark's reference date (decimal year), e.g. ``Design.t_ref`` or
    :func:`reference_times` of a fitted posterior's attrs; the attrs themselves are still
    accepted (decoded with :func:`reference_times`).

    Variables: ``level``, ``rate`` (per year), ``ceiling`` (fraction; NaN for unbounded),
    ``accel`` (relative change of the rate per year; 0 for bounded), ``noise`` (the family's
    learned observation-noise scale on the transformed scale; NaN when the noise is fixed),
    ``drift_sigma`` and ``level_sigma`` (the forward walk after the last observation, per
    sqrt(year), see :mod:`forecast.drift`; 0 when the fit carries none), ``level_spread``
    (the log sd of each draw's level-walk scale around ``level_sigma``) and ``drift_common``
    (the walk's share common to every series, 0..1). Coordinates along
    ``benchmark``: ``family`` (bounded/unbounded), ``t_ref``, ``t_last`` (decimal years; t_last
    from the attrs' ``t_last``, NaN when not given), ``v_last`` (the series' best figure by
    t_last, canonical unit, which caps the forward walk's start; NaN when the fit carries none);
    ``chain`` stays as a coordinate along ``draw``.
    """
    t_last: dict[str, float] = {}
    seed = None
    if isinstance(t_ref.get("t_ref"), str):  # a posterior's attrs
        seed = t_ref.get("seed")
        if isinstance(t_ref.get("t_last"), str):
            t_last = {str(b): float(t) for b, t in json.loads(t_ref["t_last"]).items()}
        t_ref = reference_times(t_ref)
    parts = []
    for fam in ("bounded", "unbounded"):
        if fam not in posterior.dims:
            continue
        names = list(posterior[fam].values)
        p = posterior
        level = p[f"{fam}_level"]
        rate = p[f"{fam}_rate"]
        ceiling = p["bounded_ceiling"] if fam == "bounded" else xr.full_like(rate, np.nan)
        accel = p["unbounded_accel"] if fam == "unbounded" else xr.zeros_like(rate)
        if f"{fam}_noise" in p:  # the family's learned noise scale, the same for each series
            noise = p[f"{fam}_noise"].broadcast_like(rate)
        else:
            noise = xr.full_like(rate, np.nan)
        ds = xr.Dataset(
            {"level": level, "rate": rate, "ceiling": ceiling, "accel": accel, "noise": noise}
        )
        walk = ("drift_sigma", "level_sigma", "level_spread", "drift_common")
        for v in walk:  # the forward walk, if any
            ds[v] = p[f"{fam}_{v}"].broadcast_like(rate) if f"{fam}_{v}" in p else 0 * rate
        ds = ds.rename({fam: "benchmark"})
        ds = ds.assign_coords(
            benchmark=np.array(names, dtype=object),
            family=("benchmark", np.array([fam] * len(names), dtype=object)),
            t_ref=("benchmark", np.array([t_ref[b] for b in names])),
            t_last=("benchmark", _series_constant(p, f"{fam}_t_last", names, t_last)),
            v_last=("benchmark", _series_constant(p, f"{fam}_v_last", names, {})),
        )
        parts.append(ds)
    ds = xr.concat(parts, dim="benchmark") if len(parts) > 1 else parts[0]
    n_chain, n_draw = ds.sizes["chain"], ds.sizes["draw"]
    ds = ds.stack(sample=("chain", "draw")).transpose("sample", "benchmark")
    chain = ds["chain"].values
    ds = ds.drop_vars(["sample", "chain", "draw"]).rename({"sample": "draw"})
    ds = ds.assign_coords(draw=np.arange(n_chain * n_draw), chain=("draw", chain))
    ds.attrs = {"n_chain": n_chain, "n_draw": n_draw}
    if seed is not None:  # the fit's seed: the forward walk's random numbers follow it
        ds.attrs["seed"] = int(seed)
    return ds


def _series_constant(
    p: xr.Dataset, var: str, names: list, given: Mapping[str, float]
) -> np.ndarray:
    """A per-series constant the fit stored in the posterior (``{fam}_t_last``, each series'
    last observation date; ``{fam}_v_last``, its best figure by then), else ``given`` (the
    attrs), else NaN."""
    if var in p:
        v = p[var]
        return np.asarray(v.isel({d: 0 for d in ("chain", "draw") if d in v.dims}).values)
    return np.array([given.get(b, np.nan) for b in names], dtype=float)


def _params(c: xr.Dataset, benchmark: str):
    s = c.sel(benchmark=benchmark)
    return (
        s["family"].item(),
        s["level"].values,
        s["rate"].values,
        s["ceiling"].values,
        s["accel"].values,
        float(s["t_ref"].item()),
    )


def curve(family: str, level, rate, ceiling, accel, t_ref: float, t) -> np.ndarray:
    """A curve's value at decimal years ``t`` (canonical unit); parameters and ``t`` broadcast.

    See :func:`forecast.curves.value` (tau = t - t_ref)."""
    tau = np.asarray(t, dtype=float) - t_ref
    return cv.value(family, level, rate, ceiling, accel, tau)


def value_at(c: xr.Dataset, benchmark: str, t: np.ndarray) -> np.ndarray:
    """Curve values at decimal years ``t`` for every draw: array (draw, len(t)), canonical unit.

    ``t`` may also be (draw, k): each draw at its own times."""
    fam, level, rate, ceiling, accel, t_ref = _params(c, benchmark)
    t = np.asarray(t, dtype=float)
    return curve(
        fam,
        level[:, None],
        rate[:, None],
        ceiling[:, None],
        accel[:, None],
        t_ref,
        t[None, :] if t.ndim == 1 else t,
    )


def transformed_at(c: xr.Dataset, benchmark: str, t) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's curve on the likelihood's scale (logit / log) at decimal years ``t`` and
    its slope per year (see :func:`forecast.curves.transformed`): arrays (draw, len(t))."""
    fam, level, rate, ceiling, accel, t_ref = _params(c, benchmark)
    tau = np.asarray(t, dtype=float)[None, :] - t_ref
    eta, slope = cv.transformed(
        fam, level[:, None], rate[:, None], ceiling[:, None], accel[:, None], tau
    )
    return eta, np.broadcast_to(slope, eta.shape)


def crossing_time(c: xr.Dataset, benchmark: str, threshold: float) -> np.ndarray:
    """Time (decimal year) each draw reaches ``threshold`` (canonical unit); +inf if never.

    The closed form of the fitted curve (:func:`closed_form_crossing_time`), unless the
    curves carry a forward walk (``drift_sigma`` or ``level_sigma`` > 0) and the series'
    last observation date ``t_last``: then after t_last the path follows that walk
    (:func:`forecast.drift.forward_crossing_times`, seeded by the fit's seed and the series)."""
    s = c.sel(benchmark=benchmark)
    walk = "drift_sigma" in c and (
        np.any(s["drift_sigma"].values > 0) or np.any(s["level_sigma"].values > 0)
    )
    if walk and np.isfinite(float(s["t_last"].item())):
        from .drift import forward_crossing_times

        return forward_crossing_times(c, benchmark, threshold)
    return closed_form_crossing_time(c, benchmark, threshold)


def closed_form_crossing_time(c: xr.Dataset, benchmark: str, threshold: float) -> np.ndarray:
    """Closed-form time (decimal year) each draw's fitted curve reaches ``threshold``
    (canonical unit); +inf if never (see :func:`forecast.curves.crossing`)."""
    fam, level, rate, ceiling, accel, t_ref = _params(c, benchmark)
    return t_ref + cv.crossing(fam, level, rate, ceiling, accel, threshold)


def crossing_time_stepping(
    c: xr.Dataset,
    benchmark: str,
    threshold: float,
    start: float,
    stop: float,
    step: float = 1 / 365.25,
) -> np.ndarray:
    """Brute-force first passage by stepping through time (for checking the closed form).

    Returns the first grid time (decimal year) at which the curve is >= threshold
    (``start`` if it already is), +inf if it never is before ``stop``.
    """
    grid = np.arange(start, stop + step / 2, step)
    return cv.first_passage(value_at(c, benchmark, grid), grid, threshold)
