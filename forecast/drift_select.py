"""Choosing the forward walk's scales (``[rate_drift]`` in ``priors/``) per prior family on
the crossing-date backtest (numbers only).

Every grid point (sigma, level_sigma) forward samples the engine's cached posterior draws
of every case (the ``engine`` method of :mod:`forecast.crossing_run`: each series fitted
alone) and scores every target (:func:`forecast.crossing.target_scores`). Nothing is
refitted: the walk acts only after the series' last point, so the posterior does not
depend on it. The walk is built as the engine builds it from the posterior
(:func:`forecast.drift.forward_crossing_times`): level_sd 0, the common share the fit
carries (``drift_common``, from the priors' ``common_share``; it changes no single
series' law, only which random numbers a path gets), the walk seed of the fit's seed and
the series, the common seed of the fit's seed, the series' last date ``t_last``, monthly
steps over 30 years, the walk's start capped at the series' record (``v_last``) and each
draw's level scale spread around the grid's ``level_sigma`` by the fit's ``level_spread``.
At the priors' own grid point the draws are the engine's draws exactly (:func:`walk_draws`).

Per prior family (bounded: logit scale; unbounded: log scale; the family of the series'
posterior curves), the **choice** is the grid point with the lowest pooled CRPS (years)
among those whose pooled 80 % coverage within the family lies in 0.70-0.90
(docs/calibration.md's target); when none does, the point nearest the band (then lowest
CRPS), flagged not admissible. The choice is tuned on the very targets it is scored on,
so its scores there are optimistic; :func:`leave_one_out` gives the honest version within
a family (each group's targets scored with the point chosen on the family's other groups),
and the bounded choice can be scored on series that never tuned anything (the held-out
file of ``benchmarks/calibration.py --held-out``).

sigma: per sqrt(year) on the log growth rate; level_sigma: per sqrt(year) on the
transformed scale (logit for bounded, log for unbounded), the median of the draws' scales.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from . import crossing as cx
from .crossing_fits import CaseFit, clip
from .drift import crossing_times, fit_drift, walk_seed

SIGMAS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5)
LEVEL_SIGMAS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0)
BAND_80 = (0.70, 0.90)  # the admissible pooled 80 % coverage
FAMILIES = ("bounded", "unbounded")

Point = tuple[float, float]  # (sigma, level_sigma)
Row = dict  # one target's scores with its case, series, family and prior family
Keep = Callable[[Row], bool]


def key(p: Point) -> str:
    """A grid point as text ("sigma,level_sigma"), the JSON keys."""
    return f"{p[0]:g},{p[1]:g}"


def prior_family(fit: CaseFit) -> str:
    """The prior family (bounded / unbounded) of the series a fit is read on."""
    return str(fit.curves["family"].sel(benchmark=fit.read_on).item())


def walk_draws(
    case: cx.Case, fit: CaseFit, sigma: float, level_sigma: float, seed: int | None = None
) -> list[np.ndarray]:
    """Crossing-date draws (decimal years, +inf = never) of each of the case's targets from
    the fit's posterior curves, walking after the series' last date with ``sigma`` and
    ``level_sigma`` and otherwise as the engine walks (see the module docstring): at the
    fit's own scales the engine's draws exactly. ``seed``: the run seed of the walk's random
    numbers (default the fit's seed, as the engine)."""
    c, b = fit.curves, fit.read_on
    s = c.sel(benchmark=b)
    t0 = float(s["t_last"].item())
    if not np.isfinite(t0):
        raise ValueError(f"the fit of {case.id} carries no last date (t_last): no forward walk")
    run_seed = int(c.attrs.get("seed", 0)) if seed is None else int(seed)
    drift = fit_drift(c, b, run_seed, float(sigma), float(level_sigma))
    thresholds = [clip(p.value, case.bounded) for p in case.targets]
    return list(crossing_times(c, b, thresholds, t0, drift, walk_seed(run_seed, b)))


def case_rows(case: cx.Case, fit: CaseFit, draws: list[np.ndarray]) -> list[Row]:
    """One row per target: its case, series, series family, prior family and scores."""
    fam = prior_family(fit)
    if fam != ("bounded" if case.bounded else "unbounded"):
        raise ValueError(f"{case.id}: a {case.unit} series read on a {fam} curve")
    return [
        {
            "case": case.id,
            "series": case.series,
            "family": case.family,
            "prior_family": fam,
            **cx.target_scores(d, t.time, case.cutoff),
        }
        for d, t in zip(draws, case.targets, strict=True)
    ]


def score_points(
    cases: list[cx.Case], fits: dict[str, CaseFit], points: list[Point], seed: int | None
) -> dict[Point, list[Row]]:
    """Every target's scores at every grid point (``fits``: the alone fit by case id)."""
    return {
        p: [r for c in cases for r in case_rows(c, fits[c.id], walk_draws(c, fits[c.id], *p, seed))]
        for p in points
    }


def grid_scores(
    cases: list[cx.Case],
    fits: dict[str, CaseFit],
    points: Iterable[Point],
    seed: int | None = None,
    workers: int | None = 1,
) -> dict[Point, list[Row]]:
    """:func:`score_points` of every grid point, split over ``workers`` processes
    (:func:`forecast.dask_client.map_jobs`; in this process when 1)."""
    from .dask_client import map_jobs

    pts = list(dict.fromkeys(points))
    n = max(1, min(workers or 1, len(pts)))
    jobs = [(cases, fits, pts[i::n], seed) for i in range(n)]
    out: dict[Point, list[Row]] = {}
    for part in map_jobs(score_points, jobs, n):
        out.update(part)
    return {p: out[p] for p in pts}


def _miss(p: dict, band: tuple[float, float]) -> float:
    """How far a pooled result's 80 % coverage lies outside ``band`` (0 inside)."""
    c = p["coverage"]["80"]
    return max(band[0] - c, c - band[1], 0.0) if c == c else np.inf


def pooled(scores: dict[Point, list[Row]], keep: Keep) -> dict[Point, dict]:
    """Each grid point's targets kept by ``keep``, pooled (:func:`forecast.crossing.pool`)."""
    return {p: cx.pool([r for r in rows if keep(r)]) for p, rows in scores.items()}


def choose(scores: dict[Point, list[Row]], keep: Keep = lambda r: True, band=BAND_80) -> dict:
    """The grid point with the lowest pooled CRPS of the kept targets among those whose
    pooled 80 % coverage is in ``band``; when none is, the one nearest the band (then the
    lowest CRPS), with ``admissible`` False. Ties: the first in grid order."""
    res = pooled(scores, keep)
    if any(p["n"] == 0 for p in res.values()):
        raise ValueError("no target to choose on")
    ok = [p for p in res if _miss(res[p], band) <= 1e-9]
    best = min(ok or res, key=lambda p: (0.0 if ok else _miss(res[p], band), res[p]["crps"]))
    sigmas = sorted({p[0] for p in res})
    levels = sorted({p[1] for p in res})
    edge = best[0] in (sigmas[0], sigmas[-1]) or best[1] in (levels[0], levels[-1])
    return {
        "sigma": best[0],
        "level_sigma": best[1],
        "admissible": bool(ok),
        "on_grid_edge": bool(edge and len(sigmas) > 1 and len(levels) > 1),
        **res[best],
    }


def grid_table(scores: dict[Point, list[Row]], keep: Keep) -> dict:
    """Pooled CRPS, 50/80/95 % coverage and median error of the kept targets at every grid
    point, keyed by :func:`key`."""
    res = pooled(scores, keep)
    return {
        "crps": {key(p): r["crps"] for p, r in res.items()},
        "coverage": {key(p): r["coverage"] for p, r in res.items()},
        "median_error": {key(p): r["median_error"] for p, r in res.items()},
    }


def compare(scores: dict[Point, list[Row]], named: dict[str, Point], keep: Keep, by: str) -> dict:
    """Pooled scores of the kept targets at each named grid point, over all of them
    (``pooled``) and per value of the rows' ``by`` (e.g. "family", "series")."""
    groups = list(dict.fromkeys(r[by] for r in next(iter(scores.values())) if keep(r)))

    def at(p: Point, group: object = None) -> dict:
        rows = [r for r in scores[p] if keep(r) and (group is None or r[by] == group)]
        return cx.pool(rows)

    return {
        "pooled": {name: at(p) for name, p in named.items()},
        "groups": {g: {name: at(p, g) for name, p in named.items()} for g in groups},
    }


def _others(keep: Keep, by: str, group: object) -> Keep:
    """The kept rows outside ``group`` of ``by``."""
    return lambda r: keep(r) and r[by] != group


def leave_one_out(
    scores: dict[Point, list[Row]], keep: Keep, by: str, current: Point, band=BAND_80
) -> dict:
    """Leave one group out within the kept targets: for each value g of the rows' ``by``,
    the grid point chosen (:func:`choose`) on the other groups' targets, and g's targets
    scored with it, beside g's targets at ``current``; pooled over the groups, the honest
    estimate of the choice on a group it was not tuned on."""
    groups = list(dict.fromkeys(r[by] for r in next(iter(scores.values())) if keep(r)))
    if len(groups) < 2:
        raise ValueError(f"leave one {by} out needs two or more of them, got {groups}")
    held: list[Row] = []
    now: list[Row] = []
    out = {}
    for g in groups:
        pick = choose(scores, _others(keep, by, g), band)
        p = (pick["sigma"], pick["level_sigma"])
        mine = [r for r in scores[p] if keep(r) and r[by] == g]
        base = [r for r in scores[current] if keep(r) and r[by] == g]
        held += mine
        now += base
        out[g] = {
            "sigma": p[0],
            "level_sigma": p[1],
            "admissible": pick["admissible"],
            "held_out": cx.pool(mine),
            "current": cx.pool(base),
        }
    return {
        "by_group": out,
        "pooled": cx.pool(held),
        "current": cx.pool(now),
        "held_out_minus_current": paired_bootstrap(now, held),
    }


def paired_bootstrap(base: list[Row], other: list[Row], by: str = "case", n: int = 4000) -> dict:
    """Mean CRPS of ``other`` minus ``base`` (the same targets in the same order, e.g. two
    grid points' rows), with a cluster bootstrap over the rows' ``by`` (a case's targets
    share its fit and paths, so they move together): the bootstrap sd of the difference
    and the share of resamples in which ``other`` has the lower mean CRPS."""
    if [r["case"] for r in base] != [r["case"] for r in other] or not base:
        raise ValueError("paired rows must be the same targets in the same order")
    groups = {g: i for i, g in enumerate(dict.fromkeys(r[by] for r in base))}
    diff, count = np.zeros(len(groups)), np.zeros(len(groups))
    for a, b in zip(base, other, strict=True):
        diff[groups[a[by]]] += b["crps"] - a["crps"]
        count[groups[a[by]]] += 1
    pick = np.random.default_rng(0).integers(0, len(groups), (n, len(groups)))
    boot = diff[pick].sum(axis=1) / count[pick].sum(axis=1)
    return {
        "difference": float(diff.sum() / count.sum()),
        "sd": float(boot.std(ddof=1)) if len(groups) > 1 else float("nan"),
        "share_better": float(np.mean(boot < 0)),
        "clusters": len(groups),
        "by": by,
    }


def rows_at(scores: dict[Point, list[Row]], p: Point, keep: Keep) -> list[Row]:
    return [r for r in scores[p] if keep(r)]


def of_family(fam: str) -> Keep:
    return lambda r: r["prior_family"] == fam


def select(
    scores: dict[Point, list[Row]],
    current: dict[str, Point],
    loo_by: dict[str, str] | None = None,
    band=BAND_80,
) -> dict:
    """Per prior family present in ``scores``: the grid table, the choice (:func:`choose`),
    the lowest-CRPS point whatever its coverage, the family's current point (``current``,
    from the priors) beside the choice pooled, per series family and per series, and leave
    one group out within the family (``loo_by``: the row key of the groups per family,
    default "series"; skipped when the family has one group)."""
    rows = next(iter(scores.values()))
    out: dict = {"band_80": list(band), "families": {}}
    for fam in FAMILIES:
        keep = of_family(fam)
        if not any(keep(r) for r in rows):
            continue
        if current[fam] not in scores:
            raise ValueError(f"the current {fam} point {current[fam]} is not on the grid")
        chosen = choose(scores, keep, band)
        free = choose(scores, keep, (0.0, 1.0))
        named = {"current": current[fam], "chosen": (chosen["sigma"], chosen["level_sigma"])}
        by = (loo_by or {}).get(fam, "series")
        n_groups = len({r[by] for r in rows if keep(r)})
        out["families"][fam] = {
            "n": sum(keep(r) for r in rows),
            "current": {"sigma": current[fam][0], "level_sigma": current[fam][1]},
            "chosen": chosen,
            "lowest_crps": {k: free[k] for k in ("sigma", "level_sigma", "crps", "coverage")},
            "grid": grid_table(scores, keep),
            "chosen_minus_current": paired_bootstrap(
                rows_at(scores, named["current"], keep), rows_at(scores, named["chosen"], keep)
            ),
            "by_family": compare(scores, named, keep, "family"),
            "by_series": compare(scores, named, keep, "series"),
            "leave_one_out": (
                {"by": by, **leave_one_out(scores, keep, by, current[fam], band)}
                if n_groups > 1
                else None
            ),
        }
    return out
