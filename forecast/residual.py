"""The research-residual model: from engineering trajectories to AI research throughput
and an overall R&D speed multiplier, per draw, on a monthly time grid.

Equations (t in decimal years, t0 the scenario's start date; see docs/residual-model.md)::

    a(t)   = clip(ln(h(tau(t)) / h_start) / ln(h_full / h_start), 0, 1)   automatable share of engineering
    S_e(t) = 1 / ((1 - a) + a / k)                                        engineering speed-up (Amdahl)
    V(t)   = 2^((t - t0) / T_c) * S_e(t) / S_e(t0)                        volume of attempts, relative to t0
    r(t)   = r0 * V(t)^eps                                                AI research throughput / human
    S_r(t) = max(1, r(t))                                                 research speed-up (human pace floor)
    M(t)   = min(cap, 1 / ((1 - rho) / S_e + rho / S_r))                  overall R&D multiplier (Amdahl)
    dtau/dt = M(t)^phi  (tau = t before t0)                               feedback on engineering growth

with h the METR horizon from the growth model, k the AI speed on automatable work, T_c the
compute doubling time, eps the elasticity of discoveries to volume (0: reading 1, 1:
reading 2), rho the research share of R&D, phi the feedback strength. The current research
throughput r0 combines the Erdős yield (notable results per attempt, a Beta posterior)
times attempts per year over human discoveries per year, updated with the
automated-alignment-researcher result as a down-weighted log-normal measurement.
"""

from __future__ import annotations

import hashlib

import numpy as np
import xarray as xr
from scipy import stats

from .scenario import PARAMS, Param, Scenario
from .trajectories import value_at

STEP = 1 / 12  # grid step, years


def _stream(seed: int, name: str, n: int) -> np.ndarray:
    """Uniforms for one named random input: the same for every scenario with the same seed
    (common random numbers), independent across names."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, key])).random(n)


def draw_param(p: Param, name: str, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of a parameter (canonical units) from uniforms ``u``."""
    spec = PARAMS[name]
    if p.dist is None:
        return np.full(u.shape, p.value)
    if p.dist == "uniform":
        return p.low + (p.high - p.low) * u
    if p.dist == "loguniform":
        return np.exp(np.log(p.low) + (np.log(p.high) - np.log(p.low)) * u)
    if p.dist == "lognormal":
        return p.median * np.exp(p.sigma * stats.norm.ppf(u))
    if p.dist == "beta":
        return stats.beta.ppf(u, p.alpha, p.beta)
    # normal, truncated to the parameter's allowed range
    a, b = (spec.low - p.mu) / p.sigma, (spec.high - p.mu) / p.sigma
    return stats.truncnorm.ppf(u, a, b, loc=p.mu, scale=p.sigma)


def draw_inputs(sc: Scenario, n: int, seed: int) -> xr.Dataset:
    """Per-draw residual inputs with dim ``draw``: every parameter plus yield and r0."""
    out = {name: draw_param(sc.params[name], name, _stream(seed, name, n)) for name in PARAMS}
    ev = sc.spec.evidence
    e = ev.erdos
    # yield of notable results per attempt: Beta posterior under a Jeffreys prior
    yld = stats.beta.ppf(
        _stream(seed, "erdos_yield", n), e.notable + 0.5, e.attempts - e.notable + 0.5
    )
    log_r0 = np.log(yld * out["attempts_per_year"] / out["human_discoveries_per_year"])
    # automated alignment researchers: log(ai/human) measures log r0 with sd s_a = sd / sqrt(w);
    # a perturbed-observation (Kalman) update keeps each draw's link to its own inputs
    aar = ev.alignment_researchers
    if aar.weight > 0:
        s_a = aar.sd_at_full_weight / np.sqrt(aar.weight)
        s_e2 = np.var(log_r0)
        gain = s_e2 / (s_e2 + s_a**2)
        noise = s_a * stats.norm.ppf(_stream(seed, "aar_noise", n))
        log_r0 = log_r0 + gain * (np.log(aar.ai_score / aar.human_score) + noise - log_r0)
    else:
        gain = 0.0
    out["erdos_yield"] = yld
    out["research_throughput_now"] = np.exp(log_r0)
    ds = xr.Dataset({k: ("draw", v) for k, v in out.items()})
    ds.attrs["aar_gain"] = float(gain)
    return ds


def _automation(h, h_start, h_full):
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.log(h / h_start[:, None]) / np.log(h_full / h_start)[:, None]
    return np.clip(np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)


def trajectories(
    curves: xr.Dataset, sc: Scenario, inputs: xr.Dataset, start: float, horizon: float
) -> xr.Dataset:
    """Residual trajectories with dims (draw, time): automatable share, engineering speed-up,
    volume, research throughput, R&D multiplier, and effective engineering time ``tau``."""
    grid = np.arange(start, horizon + STEP / 2, STEP)
    p = {k: inputs[k].values for k in inputs.data_vars}
    bench = sc.spec.residual.horizon_benchmark
    k = p["automated_speed"][:, None]
    rho = p["research_share"][:, None]
    cap = p["multiplier_cap"][:, None]
    phi = p["feedback"][:, None]
    eps = p["elasticity"][:, None]
    r0 = p["research_throughput_now"][:, None]
    compute = 2.0 ** ((grid[None, :] - start) / p["compute_doubling"][:, None])

    def engineering(tau_col):
        h = value_at(curves, bench, tau_col)
        a = _automation(h, p["automation_start"], p["automation_full"])
        return a, 1.0 / ((1 - a) + a / k)

    n, m = curves.sizes["draw"], grid.size
    if np.all(p["feedback"] == 0):
        tau = np.broadcast_to(grid, (n, m)).copy()
        a, s_e = engineering(tau)
    else:  # feedback: step the coupled system forward one month at a time (vectorised over draws)
        tau = np.empty((n, m))
        a = np.empty((n, m))
        s_e = np.empty((n, m))
        tau[:, 0] = start
        for j in range(m):
            a[:, j : j + 1], s_e[:, j : j + 1] = engineering(tau[:, j : j + 1])
            if j + 1 < m:
                vol = compute[:, j] * s_e[:, j] / s_e[:, 0]
                r = r0[:, 0] * vol ** eps[:, 0]
                mult = np.minimum(
                    cap[:, 0], 1 / ((1 - rho[:, 0]) / s_e[:, j] + rho[:, 0] / np.maximum(1, r))
                )
                tau[:, j + 1] = tau[:, j] + STEP * mult ** phi[:, 0]
    volume = compute * s_e / s_e[:, :1]
    r = r0 * volume**eps
    mult = np.minimum(cap, 1 / ((1 - rho) / s_e + rho / np.maximum(1.0, r)))
    dims = ("draw", "time")
    return xr.Dataset(
        {
            "automatable_share": (dims, a, {"units": "fraction of engineering work"}),
            "engineering_speedup": (dims, s_e, {"units": "multiplier vs human"}),
            "attempt_volume": (dims, volume, {"units": "relative to the start date"}),
            "research_throughput": (dims, r, {"units": "AI notable-discovery rate / human rate"}),
            "rd_multiplier": (dims, mult, {"units": "overall R&D speed vs human-only"}),
            "effective_time": (dims, tau, {"units": "decimal year of engineering progress"}),
        },
        coords={"draw": curves["draw"].values, "time": grid},
    )


def first_time(values: np.ndarray, grid: np.ndarray, level: float) -> np.ndarray:
    """First grid-interpolated time each row of ``values`` (draw, time) reaches ``level``;
    +inf if never. Linear interpolation on the log scale between grid points."""
    hit = values >= level
    any_hit = hit.any(axis=1)
    j = np.argmax(hit, axis=1)
    out = np.full(values.shape[0], np.inf)
    first = any_hit & (j == 0)
    out[first] = grid[0]
    mid = any_hit & (j > 0)
    jj = j[mid]
    v0 = values[mid, jj - 1]
    v1 = values[mid, jj]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (np.log(level) - np.log(v0)) / (np.log(v1) - np.log(v0))
    frac = np.clip(np.nan_to_num(frac, nan=1.0), 0, 1)
    out[mid] = grid[jj - 1] + frac * (grid[jj] - grid[jj - 1])
    return out


def effective_to_real(tau: np.ndarray, grid: np.ndarray, t_eff: np.ndarray) -> np.ndarray:
    """Real date at which each draw's effective engineering time reaches ``t_eff``.

    Before the start date effective time equals real time; +inf stays +inf; beyond the
    grid is +inf."""
    out = np.where(t_eff <= grid[0], t_eff, np.inf)
    todo = np.isfinite(t_eff) & (t_eff > grid[0])
    if todo.any():
        out[todo] = _cross_linear(tau[todo], grid, t_eff[todo])
    return out


def _cross_linear(tau: np.ndarray, grid: np.ndarray, target: np.ndarray) -> np.ndarray:
    hit = tau >= target[:, None]
    any_hit = hit.any(axis=1)
    j = np.argmax(hit, axis=1)
    out = np.full(tau.shape[0], np.inf)
    ok = any_hit & (j > 0)
    jj = j[ok]
    t0, t1 = tau[ok, jj - 1], tau[ok, jj]
    frac = (target[ok] - t0) / np.where(t1 > t0, t1 - t0, 1.0)
    out[ok] = grid[jj - 1] + np.clip(frac, 0, 1) * (grid[jj] - grid[jj - 1])
    out[any_hit & (j == 0)] = grid[0]
    return out
