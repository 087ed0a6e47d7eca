"""Trajectories: each posterior draw as a curve over time, and its first-passage dates.

Curves are monotone increasing in time (growth rates are positive), so a threshold is
crossed at most once and the crossing time has a closed form. Times are decimal years;
values are in the benchmark's canonical unit (fraction, minutes, multiplier).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

NEVER = np.inf


def curves(posterior: xr.Dataset, attrs: dict) -> xr.Dataset:
    """Per-draw curve parameters with dims (draw, benchmark); chain and draw stacked into ``draw``.

    Variables: ``family`` (bounded/unbounded), ``level``, ``rate`` (per year), ``ceiling``
    (fraction; NaN for unbounded), ``accel`` (relative change of the rate per year; 0 for
    bounded), ``t_ref`` (decimal year). ``chain`` stays as a coordinate along ``draw``.
    """
    t_ref = json.loads(attrs["t_ref"])
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
        ds = xr.Dataset({"level": level, "rate": rate, "ceiling": ceiling, "accel": accel})
        ds = ds.rename({fam: "benchmark"})
        ds = ds.assign_coords(
            benchmark=np.array(names, dtype=object),
            family=("benchmark", np.array([fam] * len(names), dtype=object)),
            t_ref=("benchmark", np.array([t_ref[b] for b in names])),
        )
        parts.append(ds)
    ds = xr.concat(parts, dim="benchmark") if len(parts) > 1 else parts[0]
    n_chain, n_draw = ds.sizes["chain"], ds.sizes["draw"]
    ds = ds.stack(sample=("chain", "draw")).transpose("sample", "benchmark")
    chain = ds["chain"].values
    ds = ds.drop_vars(["sample", "chain", "draw"]).rename({"sample": "draw"})
    ds = ds.assign_coords(draw=np.arange(n_chain * n_draw), chain=("draw", chain))
    ds.attrs = {"n_chain": n_chain, "n_draw": n_draw}
    return ds


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

    Bounded: ceiling * logistic(level + rate * tau); unbounded:
    exp(level + rate * expm1(g tau) / g), tau = t - t_ref (g -> 0: a constant rate).
    """
    tau = np.asarray(t, dtype=float) - t_ref
    if family == "bounded":
        return ceiling / (1 + np.exp(-(level + rate * tau)))
    g_safe = np.where(np.abs(accel) < 1e-9, 1.0, accel)
    growth = np.where(np.abs(accel) < 1e-9, tau, np.expm1(g_safe * tau) / g_safe)
    with np.errstate(over="ignore"):
        return np.exp(level + rate * growth)


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


def crossing_time(c: xr.Dataset, benchmark: str, threshold: float) -> np.ndarray:
    """Closed-form time (decimal year) each draw's curve reaches ``threshold``; +inf if never.

    Bounded: ceiling * logistic(x) >= theta  <=>  theta < ceiling and
    x >= logit(theta / ceiling). Unbounded: level + rate * expm1(g tau) / g >= log theta  <=>
    tau >= log1p(g (log theta - level) / rate) / g, never when the argument of log1p is
    <= -1 (a decelerating curve whose limit stays below theta).
    """
    fam, level, rate, ceiling, accel, t_ref = _params(c, benchmark)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if fam == "bounded":
            ratio = threshold / ceiling
            reachable = ratio < 1
            x = np.log(ratio) - np.log1p(-ratio)
            tau = np.where(reachable, (x - level) / rate, NEVER)
            tau = np.where(threshold <= 0, -np.inf, tau)
        else:
            gap = np.log(threshold) - level  # log-units still to grow
            small = np.abs(accel) < 1e-9
            arg = accel * gap / rate
            tau_g = np.where(arg > -1, np.log1p(arg) / np.where(small, 1.0, accel), NEVER)
            tau = np.where(small, gap / rate, tau_g)
    return t_ref + tau


def crossing_time_stepping(
    c: xr.Dataset,
    benchmark: str,
    threshold: float,
    start: float,
    stop: float,
    step: float = 1 / 365.25,
) -> np.ndarray:
    """Brute-force first passage by stepping through time (for checking the closed form).

    Returns the first grid time at which the curve is >= threshold (``start`` if it already
    is), +inf if it never is before ``stop``.
    """
    grid = np.arange(start, stop + step / 2, step)
    v = value_at(c, benchmark, grid)
    hit = v >= threshold
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), grid[first], NEVER)
