"""Variance-based global sensitivity (Sobol first-order and total indices, via SALib)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    names: list[str],
    bounds: list[tuple[float, float]],
    log: list[bool],
    n: int,
    seed: int,
    outputs: list[str],
) -> dict:
    """Sobol indices of each output of ``func`` (points (k, d) -> values (k, n_outputs)).

    Inputs are sampled uniformly on [low, high] (log axes uniformly in log) with Saltelli's
    scheme: n * (d + 2) evaluations, n a power of two. Returns, per output, S1 and ST with
    95 % bootstrap confidence half-widths and the parameters ranked by ST.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if n & (n - 1):
        raise ValueError(f"n = {n} must be a power of two")
    tb = [(np.log(lo), np.log(hi)) if lg else (lo, hi) for (lo, hi), lg in zip(bounds, log)]
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in tb]}
    x = sample.sample(problem, n, calc_second_order=False, seed=seed)
    real = x.copy()
    for i, lg in enumerate(log):
        if lg:
            real[:, i] = np.exp(x[:, i])
    y = np.asarray(func(real), dtype=float).reshape(real.shape[0], -1)
    per_output: dict[str, dict] = {}
    for k, name in enumerate(outputs):
        yk = y[:, k]
        if np.ptp(yk) == 0:
            per_output[name] = {"constant": True, "value": float(yk[0])}
            continue
        si = analyze.analyze(
            problem, yk, calc_second_order=False, conf_level=0.95, seed=seed, print_to_console=False
        )
        rows = {
            p: {
                "S1": float(si["S1"][i]),
                "S1_conf": float(si["S1_conf"][i]),
                "ST": float(si["ST"][i]),
                "ST_conf": float(si["ST_conf"][i]),
            }
            for i, p in enumerate(names)
        }
        per_output[name] = {
            "indices": rows,
            "ranking": sorted(names, key=lambda p: -rows[p]["ST"]),
            "warnings": sample_warnings(rows, n),
        }
    return {"n_base": n, "n_evaluations": int(real.shape[0]), "outputs": per_output}


WIDE_CONF = 0.1  # a 95 % half-width above this (index units, 0-1) ranks nothing reliably


def sample_warnings(rows: dict[str, dict[str, float]], n: int) -> list[str]:
    """What says the base sample ``n`` is too small: indices are shares of variance, in
    [0, 1] in theory, so an estimate outside it by more than its confidence half-width, or a
    half-width above ``WIDE_CONF``, is sampling noise, not an effect."""
    out = []
    for p, r in rows.items():
        for k in ("S1", "ST"):
            v, c = r[k], r[f"{k}_conf"]
            if v + c < 0 or v - c > 1:
                out.append(f"{p} {k} = {v:.3f} ± {c:.3f} is outside [0, 1]")
    widest = max((max(r["S1_conf"], r["ST_conf"]) for r in rows.values()), default=0.0)
    if widest > WIDE_CONF:
        out.append(f"confidence half-widths up to {widest:.3f} (above {WIDE_CONF})")
    if out:
        ranked = sorted(rows.values(), key=lambda r: -r["ST"])
        clear = len(ranked) >= 2 and not any("outside" in w for w in out)
        clear = clear and all(
            a["ST"] - a["ST_conf"] > b["ST"] + b["ST_conf"] for a, b in itertools.pairwise(ranked)
        )
        out.append(
            f"the ranking by total index holds (the intervals do not overlap), but the values "
            f"are imprecise: raise --samples above {n} to cite them"
            if clear
            else f"the sample is too small to rank these axes: raise --samples above {n}"
        )
    return out
