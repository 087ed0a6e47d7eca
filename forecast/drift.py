"""Forward sampling with a drifting growth rate after the last observation (numbers only).

The fitted curves (:mod:`forecast.curves`) keep each draw's growth rate on a fixed path for
ever, so a series that speeds up or stalls after the data ends lands outside the draws.
Here each posterior draw is followed up to the series' last observation ``t0`` (decimal
year) exactly as fitted, and after it its growth rate wanders: a random walk on the log
rate with innovation sd ``sigma`` per sqrt(year), stepped monthly (``step`` = 1/12 year).
Optionally the whole curve of a draw is shifted by ``level_sd`` x N(0, 1) on the
transformed scale (logit units for bounded, natural-log units for unbounded), and after
t0 the level itself may random-walk too: each step adds ``level_sigma`` sqrt(h) N(0, 1)
(a local linear trend; paths are then no longer monotone, and the first passage is the
first grid point at or above the threshold).

**The walk starts no higher than the record.** When the fit carries the series' best figure
by t0 (``v_last``, canonical unit: its frontier record), a draw whose fitted curve lies above
that record at t0 starts its walk at the record, x_0 = min(curve(t0), z(v_last)) + delta: a
curve drawn above the last record would otherwise date a threshold above every observation
before t0, when the data say no result had reached it (on the crossing-date backtest
10-20 % of a SWE-bench series' draws). A draw whose curve lies below the record keeps its
curve's value: a record above the curve may be a noisy result that later ones do not match
(starting every draw at the record made intervals far too early on a generator with noisy
results, forecast/misspecified.py). A draw whose record is outside its curve's range
(bounded: v_last <= 0 or >= its ceiling; unbounded: v_last <= 0), or a fit without
``v_last``, starts on the curve.

On the transformed scale ``x`` (bounded: x = logit(value / ceiling); unbounded:
x = log value), with tau = t - t_ref, grid t_k = t0 + k h, k = 0..K, h = ``step``,
W_0 = 0, W_k = sqrt(h) (Z_1 + ... + Z_k), Z ~ N(0, 1) iid, delta = level_sd * N(0, 1)::

    before t0:   x(t) = fitted curve with level + delta (closed form)
    at t0:       x_0 = min(curve(t0), z(v_last)) + delta (no higher than the record)
    bounded:     x_{k+1} = x_k + h   * rate              * exp(sigma W_k)
    unbounded:   x_{k+1} = x_k + G_k * rate * exp(g tau_k) * exp(sigma W_k),
                 G_k = expm1(g h) / g  (h when g -> 0)

so the log rate during step k is  log rate + g tau_k + sigma W_k: the fitted
acceleration ``g`` (``accel``, per year; 0 for bounded curves) is kept as the drift's mean
path and E[log rate] is unchanged by the drift (its median path is the fitted one; its
mean rate grows by exp(sigma^2 (t - t0) / 2)). With sigma = 0 and level_sd = 0 the grid
values are the fitted curve's values exactly.

First passage of a threshold theta (canonical unit): the closed-form time when the
(shifted) fitted curve crosses on or before t0 and theta is not above the record (a
threshold above it has not been reached by t0); otherwise the first grid step whose end
reaches z = logit(theta / ceiling) (bounded; never when theta >= ceiling) or log theta
(unbounded), placed inside the step by linear interpolation on the transformed scale
(exact for bounded paths, within one step for unbounded ones); +inf when the path never
reaches it within ``horizon`` years of t0. Rates stay positive, so paths increase and a
threshold is crossed at most once.

**An uncertain level scale.** With ``level_spread`` = s > 0 each draw's level walk has its
own scale, ``level_sigma`` x exp(s N(0, 1)), the N(0, 1) per draw from
``default_rng([seed, 5])``: a scale mixture of normal walks, narrower in the middle and
heavier in the tails than one walk at a fixed scale.

Random numbers are common across thresholds, sigmas and level shifts: the innovations Z
come from ``numpy.random.default_rng([seed, 0])``, the level shifts' N(0, 1) from
``default_rng([seed, 1])`` and the level walk's from ``default_rng([seed, 2])``, so one seed
gives the same dates and a change of sigma moves every path smoothly.

**A common factor across series.** With ``common`` = s > 0 (0..1) and a ``common_seed``,
each step's innovation of the rate walk and of the level walk is

    Z_k = sqrt(s) C_m + sqrt(1 - s) Z_k',    m = round(12 t_k), the calendar month of step k,

C_m ~ N(0, 1) per draw from ``default_rng([common_seed, 3, m])`` (rate walk) and
``default_rng([common_seed, 4, m])`` (level walk): the same numbers for every series of a run
in the same calendar month, whatever its last observation. Each series' walk is unchanged in
distribution (Z_k is still N(0, 1) iid), so no single-series forecast changes in law; two
series' walks in the same months are correlated sqrt(s_1 s_2) (s_i each family's share), so
a composite event's conditions, which all follow the draws of one run, tend to come early or
late together instead of as independent dates.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xarray as xr

from .curves import logit
from .trajectories import closed_form_crossing_time

STEP_YEARS = 1 / 12  # the monthly grid
HORIZON_YEARS = 30.0  # paths are followed this long after the last observation
COMMON = " common"  # the common shocks' walk_seed name (series ids are read stripped of spaces)


@dataclass(frozen=True)
class Drift:
    """``sigma``: sd of the log growth rate's random-walk innovation per sqrt(year) (a
    number, or an array (draw,): each draw its own);
    ``level_sd``: sd of each draw's level shift on the transformed scale (logit / log);
    ``level_sigma``: sd of a random walk on the level itself after t0, per sqrt(year) on
    the transformed scale (a local linear trend's level innovation);
    ``common``: the share (0..1) of each walk innovation's variance that is a shock common
    to every series in the same calendar month, drawn from ``common_seed`` (unused when
    ``common`` is 0 or ``common_seed`` None);
    ``level_spread``: the log sd of each draw's level-walk scale around ``level_sigma``
    (its median): a draw walks with ``level_sigma * exp(level_spread * N(0, 1))``, the
    scale uncertain rather than known, so the walk's tails are heavier than a normal's
    (0: every draw at ``level_sigma``)."""

    sigma: float | np.ndarray
    level_sd: float = 0.0
    step: float = STEP_YEARS
    horizon: float = HORIZON_YEARS
    level_sigma: float | np.ndarray = 0.0
    common: float = 0.0
    common_seed: int | None = None
    level_spread: float = 0.0


def _growth(accel, tau):
    """expm1(g tau) / g, log units grown per unit of rate in ``tau`` years (tau as g -> 0);
    the unbounded curve's factor, as in :mod:`forecast.trajectories`."""
    g = np.asarray(accel, dtype=float)
    small = np.abs(g) < 1e-6
    with np.errstate(over="ignore"):
        return np.where(
            small, tau, np.expm1(np.where(small, 1.0, g) * tau) / np.where(small, 1.0, g)
        )


def _draw_params(c: xr.Dataset, benchmark: str):
    s = c.sel(benchmark=benchmark)
    return (
        str(s["family"].item()),
        np.asarray(s["level"].values, dtype=float),
        np.asarray(s["rate"].values, dtype=float),
        np.asarray(s["ceiling"].values, dtype=float),
        np.asarray(s["accel"].values, dtype=float),
        float(s["t_ref"].item()),
    )


def innovations(n_draw: int, n_step: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(Z, shifts): standard normals of shape (n_draw, n_step) for the random walk and
    (n_draw,) for the level shifts, from independent streams of ``seed``."""
    z = np.random.default_rng([seed, 0]).standard_normal((n_draw, n_step))
    shifts = np.random.default_rng([seed, 1]).standard_normal(n_draw)
    return z, shifts


def paths(
    family: str,
    level,
    rate,
    accel,
    t_ref: float,
    t0: float,
    drift: Drift,
    seed: int,
    start=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid, x, delta): the grid t0 + k h (decimal years, K + 1 points), every draw's
    path on the transformed scale at those times (draw, K + 1), and its level shift
    (draw,). ``level``, ``rate`` (per year, > 0), ``accel`` (per year): arrays (draw,);
    ``start``: each draw's record on the transformed scale (:func:`record_start`): its path
    starts at the lower of that and its fitted curve's value at t0, plus its level shift
    (NaN or None: the curve's value)."""
    level, rate, accel = (np.asarray(a, dtype=float) for a in (level, rate, accel))
    h = drift.step
    n_step = int(np.ceil(drift.horizon / h - 1e-9))
    grid = t0 + h * np.arange(n_step + 1)
    z, shifts = innovations(len(rate), n_step, seed)
    share = drift.common if drift.common_seed is not None else 0.0
    if share > 0:
        z = _with_common(z, grid[:-1], share, drift.common_seed, 3)
    delta = drift.level_sd * shifts
    walk = np.zeros_like(z)  # W_k at the start of step k (W_0 = 0)
    walk[:, 1:] = np.sqrt(h) * np.cumsum(z[:, :-1], axis=1)
    tau0 = t0 - t_ref
    sigma = np.asarray(drift.sigma, dtype=float)[..., None]  # scalar or per draw
    level_sigma = np.asarray(drift.level_sigma, dtype=float)[..., None]
    if drift.level_spread > 0:  # each draw its own scale, from its own stream of the seed
        scale = np.random.default_rng([seed, 5]).standard_normal(len(rate))
        level_sigma = level_sigma * np.exp(drift.level_spread * scale)[:, None]
    if family == "bounded":
        x0 = level + delta + rate * tau0
        inc = h * rate[:, None] * np.exp(sigma * walk)
    else:
        x0 = level + delta + rate * _growth(accel, tau0)
        tau_k = grid[None, :-1] - t_ref
        g = accel[:, None]
        with np.errstate(over="ignore"):
            base = rate[:, None] * np.exp(g * tau_k) * _growth(g, h)
        inc = base * np.exp(sigma * walk)
    if start is not None:
        start = np.broadcast_to(np.asarray(start, dtype=float), x0.shape)
        x0 = np.where(np.isfinite(start), np.minimum(start + delta, x0), x0)
    if np.any(level_sigma > 0):
        z_level = np.random.default_rng([seed, 2]).standard_normal(z.shape)
        if share > 0:
            z_level = _with_common(z_level, grid[:-1], share, drift.common_seed, 4)
        inc = inc + level_sigma * np.sqrt(h) * z_level
    x = np.empty((len(rate), n_step + 1))
    x[:, 0] = x0
    np.cumsum(inc, axis=1, out=x[:, 1:])
    x[:, 1:] += x0[:, None]
    return grid, x, delta


def record_start(family: str, v_last: float, ceiling) -> np.ndarray:
    """Each draw's cap on its walk's start, on the transformed scale: the series' record
    ``v_last`` (canonical unit) as logit(v_last / ceiling) (bounded; ``ceiling`` per draw) or
    log v_last (unbounded); NaN where that is undefined (no record, v_last <= 0, or at or
    above the draw's ceiling), where the walk starts on the fitted curve uncapped."""
    ceiling = np.asarray(ceiling, dtype=float)
    out = np.full(ceiling.shape, np.nan)
    if not np.isfinite(v_last) or v_last <= 0:
        return out
    if family == "bounded":
        ok = v_last < ceiling
        out[ok] = logit(v_last / ceiling[ok])
        return out
    out[:] = np.log(v_last)
    return out


def common_shocks(times: np.ndarray, n_draw: int, seed: int, stream: int) -> np.ndarray:
    """(n_draw, len(times)) standard normals, one column per calendar month of ``times``
    (decimal years; month m = round(12 t)) from ``default_rng([seed, stream, m])``: any two
    calls that share a month share its column."""
    months = np.rint(np.asarray(times, dtype=float) * 12).astype(np.int64)
    out = np.empty((n_draw, len(months)))
    for k, m in enumerate(months):
        out[:, k] = _common_column(int(seed), int(stream), int(m), int(n_draw))
    return out


@lru_cache(maxsize=1024)  # ~42 years of months of both streams; 32 MB at 4,000 draws
def _common_column(seed: int, stream: int, month: int, n_draw: int) -> np.ndarray:
    """Month ``month``'s (= round(12 t)) common shocks, (n_draw,) standard normals from
    ``default_rng([seed, stream, month])``; read-only, as every series and threshold of a
    process shares it."""
    col = np.random.default_rng([seed, stream, month]).standard_normal(n_draw)
    col.setflags(write=False)
    return col


def _with_common(z: np.ndarray, times: np.ndarray, share: float, seed, stream: int):
    """sqrt(share) x the common shocks of ``times`` + sqrt(1 - share) x ``z``: still N(0, 1)."""
    c = common_shocks(times, z.shape[0], int(seed), stream)
    return np.sqrt(share) * c + np.sqrt(1.0 - share) * z


_PATHS_KEPT = 8  # walks kept per process; one is n_draw x (K + 1) float64, 11.5 MB at 4,000
_kept_paths: OrderedDict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()


def _shared_paths(
    family: str, level, rate, accel, t_ref: float, t0: float, drift: Drift, seed: int, start
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`paths`, read-only, kept for the last :data:`_PATHS_KEPT` distinct inputs so
    every threshold of a series in a run walks once. Keyed on the inputs' content (the
    arrays' bytes), never on object identity: another posterior or drift gets its own."""
    arrays = (level, rate, accel, drift.sigma, drift.level_sigma, start)
    content = tuple((np.shape(a), np.asarray(a, dtype=float).tobytes()) for a in arrays)
    scalars = (
        drift.step,
        drift.horizon,
        drift.level_sd,
        drift.common,
        drift.common_seed,
        drift.level_spread,
    )
    key = (family, t_ref, t0, seed, scalars, content)
    if key in _kept_paths:
        _kept_paths.move_to_end(key)
        return _kept_paths[key]
    out = paths(family, level, rate, accel, t_ref, t0, drift, seed, start)
    for a in out:
        a.setflags(write=False)
    _kept_paths[key] = out
    if len(_kept_paths) > _PATHS_KEPT:
        _kept_paths.popitem(last=False)
    return out


def first_passage(grid: np.ndarray, x: np.ndarray, z) -> np.ndarray:
    """First time (decimal year) each path ``x`` (draw, K + 1) on ``grid`` reaches ``z``
    (scalar or (draw,), same scale), linearly interpolated inside the step; ``grid[0]``
    where it starts at or above ``z``; +inf where it never does on the grid."""
    z = np.broadcast_to(np.asarray(z, dtype=float), x.shape[:1])
    hit = x >= z[:, None]
    k = np.where(hit.any(axis=1), np.argmax(hit, axis=1), x.shape[1])  # first point >= z
    out = np.full(len(z), np.inf)
    out[k == 0] = grid[0]
    inside = (k > 0) & (k < x.shape[1])
    rows, hi = np.nonzero(inside)[0], k[inside]
    x_lo, x_hi = x[rows, hi - 1], x[rows, hi]
    frac = np.clip((z[rows] - x_lo) / (x_hi - x_lo), 0.0, 1.0)
    out[rows] = grid[hi - 1] + frac * (grid[hi] - grid[hi - 1])
    return out


def crossing_times(
    c: xr.Dataset, benchmark: str, thresholds, t0: float, drift: Drift, seed: int = 0
) -> np.ndarray:
    """Crossing dates (decimal years, +inf = never within ``drift.horizon`` years of
    ``t0``) of each threshold (canonical unit) for every draw of ``c`` (the per-draw curves
    of :func:`forecast.trajectories.curves`), with the rate drifting after ``t0`` (the
    series' last observation, decimal year): array (threshold, draw). The walk starts no
    higher than the series' record (``v_last`` of ``c``, when it carries one:
    :func:`record_start`)."""
    family, level, rate, ceiling, accel, t_ref = _draw_params(c, benchmark)
    v_last = float(c["v_last"].sel(benchmark=benchmark).item()) if "v_last" in c.coords else np.nan
    start = record_start(family, v_last, ceiling)
    grid, x, delta = _shared_paths(family, level, rate, accel, t_ref, t0, drift, seed, start)
    one = c.sel(benchmark=[benchmark])
    shifted = one.assign(
        level=one["level"] + xr.DataArray(delta[:, None], dims=("draw", "benchmark"))
    )
    out = []
    for theta in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        before = closed_form_crossing_time(shifted, benchmark, float(theta))
        if family == "bounded":
            ratio = np.where(theta < ceiling, theta / ceiling, 0.5)  # 0.5: unused filler
            z = np.where(theta < ceiling, logit(ratio), np.inf)
        else:
            z = np.full(len(rate), np.log(theta))
        after = first_passage(grid, x, z)
        unreached = np.isfinite(start) & (theta > v_last)  # above the record: not by t0
        out.append(np.where((before <= t0) & ~unreached, before, after))
    return np.array(out)


def walk_seed(run_seed: int, series: str) -> int:
    """The seed of a series' forward walk: the run's ``--seed`` and the series' name, so
    every threshold of a series sees the same paths, one seed always gives the same dates,
    and another seed gives other paths (its Monte Carlo error includes the walk's)."""
    import zlib

    return zlib.crc32(f"{int(run_seed)}:{series}".encode())


def fit_drift(c: xr.Dataset, benchmark: str, run_seed: int, sigma, level_sigma) -> Drift:
    """The walk with scales ``sigma`` and ``level_sigma`` (per sqrt(year); numbers or arrays
    (draw,)) and the rest as the fit ``c`` carries it for ``benchmark``: the level scale's
    spread (``level_spread``) and the family's common share (``drift_common``), 0 when
    absent, the common shocks seeded by :func:`walk_seed` of ``run_seed`` and
    :data:`COMMON`."""
    s = c.sel(benchmark=benchmark)
    share = float(s["drift_common"].values[0]) if "drift_common" in c else 0.0
    spread = float(s["level_spread"].values[0]) if "level_spread" in c else 0.0
    return Drift(
        sigma,
        level_sigma=level_sigma,
        common=share,
        common_seed=walk_seed(run_seed, COMMON) if share > 0 else None,
        level_spread=spread,
    )


def forward_crossing_times(c: xr.Dataset, benchmark: str, threshold: float) -> np.ndarray:
    """Crossing dates (decimal years, +inf = never) of ``threshold`` (canonical unit) for
    every draw of ``c``, each draw walking after the series' last observation ``t_last``
    with its own ``drift_sigma`` and ``level_sigma`` (variables of ``c``, per sqrt(year);
    the level scale spread by ``level_spread``, 0 when absent) and its family's common
    share ``drift_common`` (0 when absent); the random numbers come
    from :func:`walk_seed` of the fit's seed (``c.attrs["seed"]``, 0 when absent) and the
    series, the common shocks from :func:`walk_seed` of the fit's seed and :data:`COMMON`."""
    s = c.sel(benchmark=benchmark)
    run_seed = int(c.attrs.get("seed", 0))
    sigma = np.asarray(s["drift_sigma"].values, dtype=float)
    level_sigma = np.asarray(s["level_sigma"].values, dtype=float)
    drift = fit_drift(c, benchmark, run_seed, sigma, level_sigma)
    t0 = float(s["t_last"].item())
    seed = walk_seed(run_seed, benchmark)
    return crossing_times(c, benchmark, [threshold], t0, drift, seed)[0]
