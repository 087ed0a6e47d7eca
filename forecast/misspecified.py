"""Crossing dates on generators that are not the growth model (numbers only).

Every statistical check that simulates from the model's own priors is blind to
misspecification. Here each simulated series comes from a curve the model does not contain:

* ``noisy-logistic``: a share on a logistic curve with logit-normal noise of sd 0.45;
* ``low-ceiling``: a logistic that saturates at a ceiling of 60-90 % (the model's default
  ceiling is 100 %), noise 0.3;
* ``gompertz``: an asymmetric S-curve, share = exp(-b exp(-c (t - t0))), noise 0.3;
* ``doubling-change``: a duration whose doubling time shortens by a factor of 1.5-2.5 at a
  change point before the cutoff (a METR-like acceleration), log-normal noise 0.3.

One simulation: the generator's parameters are drawn, 16 quarterly figures from 2020-02 to
2023-11 are observed with noise, the growth model is fitted on them (compiled once per
generator, :class:`forecast.sbc.CompiledFit`), and one threshold is set at the true curve's
value a uniform 0.25-2 years after the 2024-01-01 cutoff; as in the crossing-date protocol,
its actual date is the first later published result (monthly, same noise) that reaches it.
The engine's crossing-date draws of that threshold (with the forward walk, as in every
forecast) give the PIT of the actual date; 50/80/95 % coverage is the share of simulations whose PIT falls in the
central interval. One target per simulation keeps the simulations independent, so a
binomial test applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import crossing as cx
from .observations import Observation, parse_table
from .priors import Priors

CUTOFF = 2024.0
MONTHS = [(y, m) for y in range(2020, 2024) for m in (2, 5, 8, 11)]  # 16 quarterly figures
LEAD = (0.25, 2.0)  # years after the cutoff at which the threshold is crossed
HEADER = "benchmark,date,system,value,low,high,unit,kind,approximate,variant,source,note\n"

Curve = Callable[[np.ndarray], np.ndarray]  # decimal years -> canonical value


@dataclass(frozen=True)
class Generator:
    name: str
    bounded: bool
    noise: float  # sd on the transformed scale (logit for shares, log otherwise)
    draw: Callable[[np.random.Generator], Curve]  # a true curve from random parameters


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _noisy_logistic(rng):
    rate, mid = rng.uniform(0.8, 1.6), rng.uniform(2023.0, 2025.0)
    return lambda t: _logistic(rate * (t - mid))


def _low_ceiling(rng):
    ceiling, rate, mid = rng.uniform(0.6, 0.9), rng.uniform(1.0, 2.0), rng.uniform(2022.5, 2024.0)
    return lambda t: ceiling * _logistic(rate * (t - mid))


def _gompertz(rng):
    b, c, t0 = rng.uniform(2.0, 4.0), rng.uniform(0.5, 1.0), 2020.0
    return lambda t: np.exp(-b * np.exp(-c * (t - t0)))


def _doubling_change(rng):
    d1 = rng.uniform(6.0, 9.0) / 12  # doubling time before the change, years
    d2 = d1 / rng.uniform(1.5, 2.5)
    tc, h0 = rng.uniform(2022.0, 2023.5), 1.0  # minutes at 2020.0

    def curve(t):
        t = np.asarray(t, dtype=float)
        before = np.minimum(t, tc) - 2020.0
        after = np.maximum(t - tc, 0.0)
        return h0 * 2 ** (before / d1 + after / d2)

    return curve


GENERATORS = [
    Generator("noisy-logistic", True, 0.45, _noisy_logistic),
    Generator("low-ceiling", True, 0.3, _low_ceiling),
    Generator("gompertz", True, 0.3, _gompertz),
    Generator("doubling-change", False, 0.3, _doubling_change),
]


def design(gen: Generator) -> list[Observation]:
    """The 16 dated rows of one simulated series (values are placeholders)."""
    unit = "fraction" if gen.bounded else "minutes"
    value = 0.5 if gen.bounded else 1.0
    text = HEADER + "".join(
        f"sim,{y}-{m:02d},m{y}{m:02d},{value},,,{unit},ai,,,simulated,\n" for y, m in MONTHS
    )
    return parse_table(text, f"<simulated {gen.name}>")


def _transform(x: np.ndarray, bounded: bool) -> np.ndarray:
    x = np.clip(x, 1e-6, 1 - 1e-6) if bounded else x
    return np.log(x / (1 - x)) if bounded else np.log(x)


def _inverse(z: np.ndarray, bounded: bool) -> np.ndarray:
    return _logistic(z) if bounded else np.exp(z)


def simulate(gen: Generator, rows: list[Observation], rng: np.random.Generator):
    """(rows with simulated values, threshold value, its actual crossing date).

    As in the crossing-date protocol, the threshold is a result published after the cutoff:
    the level is the true curve's value at a random lead, and its actual date is the first
    monthly result after the cutoff (same noise) that reaches it. A draw whose level is not
    above every training figure (the protocol's targets are above the training maximum), or
    that no result reaches by the end of 2027, is drawn again."""
    t = np.array([r.time for r in rows])
    future = CUTOFF + (np.arange(48) + 0.5) / 12  # monthly results, 2024-01 .. 2027-12
    while True:
        curve = gen.draw(rng)
        values = _observe(gen, curve(t), rng)
        level = float(curve(np.array([CUTOFF + rng.uniform(*LEAD)]))[0])
        hits = np.flatnonzero(_observe(gen, curve(future), rng) >= level)
        if level > values.max() and hits.size:
            sim = [replace(r, value=float(v)) for r, v in zip(rows, values, strict=True)]
            return sim, level, float(future[hits[0]])


def _observe(gen: Generator, truth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Published figures of the true values: noise on the transformed scale."""
    z = _transform(truth, gen.bounded) + gen.noise * rng.standard_normal(truth.shape)
    return _inverse(np.clip(z, -12, 12), gen.bounded)  # shares stay strictly inside (0, 1)


def run(
    gen: Generator,
    priors: Priors,
    n_sims: int,
    seed: int = 1,
    draws: int = 300,
    tune: int = 300,
    chains: int = 2,
) -> list[dict]:
    """``n_sims`` simulations of one generator: per simulation the crossing-date protocol's
    scores of its target (:func:`forecast.crossing.target_scores`: PIT, interval flags,
    P(never), ...) and whether the fit passed its diagnostics."""
    from .sbc import CompiledFitter
    from .trajectories import crossing_time, curves

    rows = design(gen)
    fitter = CompiledFitter(priors, draws=draws, tune=tune, chains=chains, seed=seed)
    rng = np.random.default_rng([seed, len(gen.name), sum(map(ord, gen.name))])
    out = []
    for i in range(n_sims):
        sim, level, t_star = simulate(gen, rows, rng)
        post, t_ref, diag = fitter(sim)
        c = curves(post, t_ref)
        c.attrs["seed"] = seed * 100_003 + i  # the forward walk's random numbers
        x = crossing_time(c, "sim", level)
        # the protocol's scores of one target: PIT, interval flags, P(never), CRPS, ...
        out.append({**cx.target_scores(x, t_star, CUTOFF), "diagnostics_ok": bool(diag["ok"])})
    return out


def coverage(sims: list[dict]) -> dict[str, float]:
    """Share of simulations whose PIT falls in each central interval."""
    return {
        f"{round(100 * lev)}": float(np.mean([s[f"in_{round(100 * lev)}"] for s in sims]))
        for lev in cx.LEVELS
    }
