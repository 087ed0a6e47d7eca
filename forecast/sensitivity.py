"""Variance-based global sensitivity (Sobol first-order and total indices, via SALib)."""

from __future__ import annotations

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
        }
    return {"n_base": n, "n_evaluations": int(real.shape[0]), "outputs": per_output}
