"""Choosing the rate drift (``[rate_drift]`` in ``priors/``) on the crossing-date backtest
(numbers only).

Every (sigma, level_sd) of a small grid forward samples the engine's cached posterior
draws of every case (:func:`forecast.crossing_run.drift_draws`) and scores every target
(:func:`forecast.crossing.target_scores`). Two readings:

* **all targets**: the grid point with the lowest pooled CRPS (years). Tuned on the very
  targets it is scored on, so its coverage and CRPS are optimistic;
* **leave one family out**: for each series family, the grid point with the lowest pooled
  CRPS on the *other* families' targets, and that family's targets scored with it. The
  pooled result of these held-out scores is the honest estimate of what the chosen drift
  does on a family it was not tuned on.

sigma is per sqrt(year) on the log growth rate; level_sd on the transformed scale.
"""

from __future__ import annotations

import numpy as np

from . import crossing as cx
from .crossing_run import drift_draws
from .drift import Drift

SIGMAS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
LEVEL_SDS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


def grid_scores(cases: list[cx.Case], fits: dict, seed: int, sigmas=SIGMAS, level_sds=LEVEL_SDS):
    """{(sigma, level_sd): [(family, scores of one target), ...]} over every case's targets;
    ``fits`` are :func:`forecast.crossing_fits.engine_fits` results by (case id, "alone")."""
    out = {}
    for sigma in sigmas:
        for level_sd in level_sds:
            rows = []
            for case in cases:
                draws = drift_draws(case, fits[case.id, "alone"], Drift(sigma, level_sd), seed)
                rows += [
                    (case.family, cx.target_scores(d, t.time, case.cutoff))
                    for d, t in zip(draws, case.targets, strict=True)
                ]
            out[(sigma, level_sd)] = rows
    return out


def _mean_crps(rows, keep) -> float:
    return float(np.mean([s["crps"] for f, s in rows if keep(f)]))


def choose(scores: dict) -> dict:
    """The all-targets choice and the leave-one-family-out choices with their held-out
    pooled scores (see the module docstring)."""
    best = min(scores, key=lambda k: _mean_crps(scores[k], lambda f: True))
    families = list(dict.fromkeys(f for f, _ in next(iter(scores.values()))))
    held_out, per_family = [], {}
    for fam in families:
        k = min(scores, key=lambda k: _mean_crps(scores[k], fam.__ne__))
        rows = [s for f, s in scores[k] if f == fam]
        held_out += rows
        per_family[fam] = {"sigma": k[0], "level_sd": k[1], **cx.pool(rows)}
    return {
        "all_targets": {"sigma": best[0], "level_sd": best[1], **cx.pool(_rows(scores[best]))},
        "leave_one_family_out": {"pooled": cx.pool(held_out), "by_family": per_family},
        "grid_crps": {
            f"{k[0]:g},{k[1]:g}": _mean_crps(v, lambda f: True) for k, v in scores.items()
        },
    }


def _rows(rows) -> list[dict]:
    return [s for _, s in rows]
