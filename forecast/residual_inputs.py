"""The random inputs of the residual model: common random numbers and parameter draws.

Every random input has its own stream of uniforms derived from the seed and the input's
name, mapped through the inverse CDF, so two scenarios (or two sweep cells) with the same
seed differ draw by draw only through the parameters that differ.
"""

from __future__ import annotations

import hashlib

import numpy as np
import xarray as xr
from scipy import stats

from . import distributions
from .residual_equations import erdos_yield, log_r0
from .scenario import PARAMS, AlignmentResearchers, Param, Scenario

STREAMS = (*PARAMS, "erdos_yield", "aar_noise")  # one stream of uniforms per named input


def _stream(seed: int, name: str, n: int) -> np.ndarray:
    """Uniforms for one named random input: the same for every scenario with the same seed
    (common random numbers), independent across names."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, key])).random(n)


def draw_param(p: Param, name: str, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of a parameter (canonical units) from uniforms ``u``
    (:func:`forecast.distributions.ppf`; a normal truncated to the parameter's range)."""
    spec = PARAMS[name]
    return distributions.ppf(p.dist, p.numbers(), u, spec.low, spec.high)


def base_draws(sc: Scenario, n: int, seed: int) -> dict[str, np.ndarray]:
    """The scenario's inputs per draw (draw,): every parameter (canonical units), the Erdős
    yield and the standard-normal noise of the alignment-researcher measurement."""
    u = {k: _stream(seed, k, n) for k in STREAMS}
    out = {k: draw_param(sc.params[k], k, u[k]) for k in PARAMS}
    out["erdos_yield"] = erdos_yield(u["erdos_yield"], sc.spec.evidence.erdos)
    out["aar_noise"] = stats.norm.ppf(u["aar_noise"])
    return out


def cell_inputs(
    draws: dict[str, np.ndarray], aar: AlignmentResearchers, names: list[str], cells: np.ndarray
) -> dict[str, np.ndarray]:
    """Every input per (cell, draw), as arrays broadcastable to (cell, draw).

    ``cells`` (cell, len(names)) fixes the named parameters per cell (canonical units); the
    others keep the scenario's draws. Adds ``log_r0`` (cell or 1, draw), the one place r0
    is computed, and ``aar_gain`` (cell or 1, 1)."""
    p = {k: cells[:, names.index(k)][:, None] if k in names else draws[k][None, :] for k in PARAMS}
    p["erdos_yield"] = draws["erdos_yield"][None, :]
    p["log_r0"], p["aar_gain"] = log_r0(
        p["erdos_yield"],
        p["attempts_per_year"],
        p["human_discoveries_per_year"],
        draws["aar_noise"],
        aar,
    )
    p["r0"] = np.exp(p["log_r0"])
    return p


def inputs_dataset(p: dict[str, np.ndarray], draw: np.ndarray | None = None) -> xr.Dataset:
    """One cell's inputs as a Dataset with dim ``draw``: every parameter, the Erdős yield and
    r0 (``research_throughput_now``); attribute ``aar_gain``."""
    n = p["log_r0"].shape[1]
    cols = {k: p[k] for k in (*PARAMS, "erdos_yield")}
    cols["research_throughput_now"] = p["r0"]
    ds = xr.Dataset(
        {k: ("draw", np.broadcast_to(v[0], (n,)).copy()) for k, v in cols.items()},
        coords={"draw": draw} if draw is not None else None,
    )
    ds.attrs["aar_gain"] = float(np.asarray(p["aar_gain"]).ravel()[0])
    return ds


def draw_inputs(sc: Scenario, n: int, seed: int) -> xr.Dataset:
    """Per-draw residual inputs of a scenario with dim ``draw``: every parameter plus yield
    and r0 (one cell of :func:`cell_inputs`)."""
    aar = sc.spec.evidence.alignment_researchers
    return inputs_dataset(cell_inputs(base_draws(sc, n, seed), aar, [], np.empty((1, 0))))
