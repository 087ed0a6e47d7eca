"""The equations of the research-residual model, once (docs/residual-model.md numbers them).

Every function is elementwise over numpy arrays that broadcast to (cell, draw) or
(cell, draw, time); ``t - t0`` is in years, horizons in log minutes::

    (1) a(t)    = clip(ln(h(tau(t)) / h_start) / ln(h_full / h_start), 0, 1)  automatable share
    (2) S_e(t)  = 1 / ((1 - a) + a / k)                                       engineering speed-up
    (3) ln V(t) = (t - t0) ln 2 / T_c + ln S_e(t) - ln S_e(t0)                attempt volume
    (4) y ~ Beta(n + 1/2, N - n + 1/2)                                        Erdős yield
    (5) ln r0   = ln(y attempts / human), then the alignment-researcher update
    (6) ln r(t) = ln r0 + eps(t) ln V(t) + g (tau(t) - t0)                    research throughput
        eps(t) = eps min(1, (tau(t) - t0) / ramp)  (eps itself when ramp = 0)
    (7) S_r(t)  = max(1, r(t))                                                research speed-up
    (8) M(t)    = min(cap, 1 / ((1 - rho) / S_e + rho / S_r))                 R&D multiplier
    (9) tau(t + dt) = tau(t) + dt M(t)^phi, tau(t0) = t0                      feedback

The quantities are carried in logs (volume and throughput grow exponentially). The grid
rules at the end say how a first passage between two grid points is dated: log-linear
for the residual quantities, linear for effective time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
from scipy import stats

from .scenario import AlignmentResearchers, Erdos

STEP = 1 / 12  # grid step, years
QUANTITIES = ("research_throughput", "rd_multiplier")  # residual quantities events may name


@dataclass(frozen=True)
class Constants:
    """Per-(cell, draw) constants of the equations, arrays broadcastable to (cell, draw)."""

    ln_hs: np.ndarray  # ln h_start, ln minutes
    inv_den: np.ndarray  # 1 / ln(h_full / h_start)
    inv_k: np.ndarray  # 1 / k, k the AI speed on automatable work (x human)
    growth: np.ndarray  # ln 2 / T_c, per year
    r0: np.ndarray  # r0, the AI research throughput at t0 (x human)
    log_r0: np.ndarray  # ln r0
    eps: np.ndarray  # elasticity of discoveries to volume
    g: np.ndarray  # growth of research throughput with capability alone, ln units per year
    ramp: np.ndarray  # years over which the elasticity rises from 0 to eps (0: at once)
    rho: np.ndarray  # research share of R&D
    cap: np.ndarray  # cap on M (x)
    phi: np.ndarray  # feedback strength
    log_se0: np.ndarray  # ln S_e(t0)

    def select(self, mask: np.ndarray) -> Constants:
        """The constants at a boolean mask over (cell, draw): 1-D arrays."""
        shape = mask.shape
        return Constants(
            **{f.name: np.broadcast_to(getattr(self, f.name), shape)[mask] for f in fields(self)}
        )

    def rows(self, cells: np.ndarray) -> Constants:
        """The constants of the cells selected by a boolean mask (cell,): (cells, draw)."""
        if cells.all():
            return self
        return Constants(**{f.name: getattr(self, f.name)[cells] for f in fields(self)})

    def over_time(self) -> Constants:
        """The constants with a trailing time axis, for (cell, draw, time) grids."""
        return Constants(**{f.name: getattr(self, f.name)[..., None] for f in fields(self)})


def constants(p: dict[str, np.ndarray], ln_h0: np.ndarray, shape: tuple[int, int]) -> Constants:
    """Equation constants per (cell, draw) from the inputs ``p`` (canonical units, see
    forecast.residual_inputs) and the log horizon at t0 ``ln_h0`` (draw,), ln minutes."""

    def b(x):
        return np.broadcast_to(x, shape)

    ln_hs = b(np.log(p["automation_start"]))
    inv_den = b(1.0 / (np.log(p["automation_full"]) - np.log(p["automation_start"])))
    c = Constants(
        ln_hs=ln_hs,
        inv_den=inv_den,
        inv_k=b(1.0 / p["automated_speed"]),
        growth=b(math.log(2) / p["compute_doubling"]),
        r0=b(p["r0"]),
        log_r0=b(p["log_r0"]),
        eps=b(p["elasticity"]),
        g=b(p["research_growth"]),
        ramp=b(p["elasticity_ramp"]),
        rho=b(p["research_share"]),
        cap=b(p["multiplier_cap"]),
        phi=b(p["feedback"]),
        log_se0=np.zeros(shape),
    )
    se0 = engineering_speedup(automatable_share(ln_h0[None, :], c), c)
    return replace(c, log_se0=np.log(se0))


def automatable_share(ln_h: np.ndarray, c: Constants) -> np.ndarray:
    """(1) Share of engineering work the AI can do, 0-1, from the log METR horizon."""
    a = np.nan_to_num((ln_h - c.ln_hs) * c.inv_den, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(a, 0.0, 1.0)


def engineering_speedup(a: np.ndarray, c: Constants) -> np.ndarray:
    """(2) Amdahl speed-up of engineering (x human) for automatable share ``a``."""
    return 1.0 / ((1 - a) + a * c.inv_k)


def log_volume(years: np.ndarray | float, s_e: np.ndarray, c: Constants) -> np.ndarray:
    """(3) ln of the volume of attempts relative to t0, ``years`` = t - t0."""
    return years * c.growth + np.log(s_e) - c.log_se0


def elasticity(years: np.ndarray | float, c: Constants) -> np.ndarray:
    """(6) eps(t): the elasticity, reached linearly over ``ramp`` years from 0 at t0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(c.ramp > 0, np.clip(np.asarray(years) / c.ramp, 0.0, 1.0), 1.0)
    return c.eps * share


def log_throughput(log_v: np.ndarray, years: np.ndarray | float, c: Constants) -> np.ndarray:
    """(6) ln r, r the AI research throughput relative to human; ``years`` = tau - t0, the
    effective (capability) time since the start (calendar time without feedback)."""
    return c.log_r0 + elasticity(years, c) * log_v + c.g * years


def throughput(volume: np.ndarray, years: np.ndarray | float, c: Constants) -> np.ndarray:
    """(6) r = r0 V^eps(t) exp(g years), relative to human (exactly r0 when eps = g = 0)."""
    return c.r0 * volume ** elasticity(years, c) * np.exp(c.g * years)


def rd_multiplier(s_e: np.ndarray, log_r: np.ndarray, c: Constants) -> np.ndarray:
    """(7)-(8) Overall R&D speed-up (x human-only): Amdahl over engineering and research,
    research never below human pace, capped."""
    return np.minimum(c.cap, 1 / ((1 - c.rho) / s_e + c.rho / np.maximum(1.0, np.exp(log_r))))


def log_quantity(name: str, years, ln_h: np.ndarray, c: Constants) -> np.ndarray:
    """ln of a residual quantity (``research_throughput`` or ``rd_multiplier``) at
    ``years`` = t - t0 with log horizon ``ln_h``; monotone in time."""
    s_e = engineering_speedup(automatable_share(ln_h, c), c)
    log_r = log_throughput(log_volume(years, s_e, c), years, c)
    if name == "research_throughput":
        return log_r
    return np.log(rd_multiplier(s_e, log_r, c))


def effective_step(mult: np.ndarray, c: Constants) -> np.ndarray:
    """(9) Effective engineering time gained in one grid step, years."""
    return STEP * mult**c.phi


def erdos_yield(u: np.ndarray, e: Erdos) -> np.ndarray:
    """(4) Notable results per attempt from uniforms ``u``: Beta posterior, Jeffreys prior."""
    return stats.beta.ppf(u, e.notable + 0.5, e.attempts - e.notable + 0.5)


def log_r0(
    yld: np.ndarray,
    attempts: np.ndarray,
    human: np.ndarray,
    z: np.ndarray,
    aar: AlignmentResearchers,
) -> tuple[np.ndarray, np.ndarray]:
    """(5) ln r0 per (cell, draw) and the gain K per cell.

    ln r0 = ln(y attempts / human) is updated with ln(ai / human score) as a measurement
    with sd s_A = sd_at_full_weight / sqrt(weight): ln r0 + K (ln(ai/human) + s_A z - ln r0),
    K = var / (var + s_A^2) over each cell's draws (perturbed observation: each draw keeps
    its own inputs). ``z`` are standard-normal draws (draw,)."""
    log_r = np.log(yld * attempts / human)
    if aar.weight <= 0:
        return log_r, np.zeros((log_r.shape[0], 1))
    s_a = aar.sd_at_full_weight / np.sqrt(aar.weight)
    s_e2 = np.var(log_r, axis=1, keepdims=True)
    gain = s_e2 / (s_e2 + s_a**2)
    noise = s_a * z[None, :]
    return log_r + gain * (np.log(aar.ai_score / aar.human_score) + noise - log_r), gain


# ---------------------------------------------------------------- first passages on the grid


def log_passage(level_log, q0, q1, t0, t1) -> np.ndarray:
    """Date a quantity whose log goes from ``q0`` at ``t0`` to ``q1`` at ``t1`` reaches
    ``level_log``: linear interpolation on the log scale (the later point if flat)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (level_log - q0) / (q1 - q0)
    frac = np.clip(np.nan_to_num(frac, nan=1.0), 0, 1)
    return t0 + frac * (t1 - t0)


def linear_passage(target, v0, v1, t0, t1) -> np.ndarray:
    """Date effective time going from ``v0`` at ``t0`` to ``v1`` at ``t1`` reaches ``target``."""
    frac = np.clip((target - v0) / np.where(v1 > v0, v1 - v0, 1.0), 0, 1)
    return t0 + frac * (t1 - t0)
