"""Leave-one-out influence of each observation on each event's median date and P(by year).

Each observation is left out in turn and each event's median date and P(crossed by the end
of the focus year) recomputed: by Pareto-smoothed importance sampling of the posterior
draws (arviz-stats) where its Pareto k is below ``k_max``, by refitting without the point
otherwise (``method="auto"``); ``"psis"`` never refits, ``"exact"`` always does. Dates are
decimal years (ISO dates in the results); shifts are in years.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from . import scoring
from .observations import Observation, ai_rows
from .posterior_meta import meta
from .predictive import label, obs_arrays, predictive
from .priors import Priors
from .summary import iso_date

if TYPE_CHECKING:
    from .fit import SamplerSettings
    from .thresholds import Plan

K_MAX = 0.7  # Pareto k above which importance sampling is not trusted (Vehtari et al. 2024)


# ---------------------------------------------------------------- event summaries


def event_stats(t: np.ndarray, year: int, w: np.ndarray | None = None) -> tuple[float, float]:
    """(median decimal year, +inf if not by horizon; P(crossed by the end of ``year``))."""
    med = scoring.weighted_quantile(t, 0.5, w)
    ind = (t <= year + 1).astype(float)
    p = float(ind.mean() if w is None else (w * ind).sum() / w.sum())
    return med, p


def median_mcse(t: np.ndarray, n_chain: int) -> float | None:
    """Monte Carlo standard error of the median of ``t`` (years), from the MCSE of the share of
    draws below it (arviz-stats, autocorrelation included): half the width of the quantiles
    at 0.5 -/+ that error. None when those quantiles are not both finite."""
    from .summary import prob_with_mcse

    med = scoring.weighted_quantile(t, 0.5)
    _, se_share = prob_with_mcse((t <= med)[:, None], n_chain)
    se = float(se_share[0])
    if se <= 0:
        se = 1 / len(t)
    lo, hi = np.quantile(t, [max(0.0, 0.5 - se), min(1.0, 0.5 + se)], method="inverted_cdf")
    return round(float(hi - lo) / 2, 4) if np.isfinite(lo) and np.isfinite(hi) else None


def shift_years(a: float, b: float) -> float | None:
    """b - a in years; None when either is 'not by horizon' (then see the medians)."""
    return round(b - a, 4) if np.isfinite(a) and np.isfinite(b) else None


def json_number(x, nd: int = 4):
    """A finite float rounded for JSON, else None."""
    x = float(x)
    return round(x, nd) if np.isfinite(x) else None


def _rank_shift(a: float, b: float) -> float:
    if np.isfinite(a) and np.isfinite(b):
        return abs(b - a)
    return 0.0 if np.isfinite(a) == np.isfinite(b) else np.inf


# ---------------------------------------------------------------- importance sampling


def relative_efficiency(ll: np.ndarray, n_chain: int) -> np.ndarray:
    """Relative efficiency of exp(loglik) per observation (for PSIS), from its ESS."""
    from arviz_stats.base import array_stats

    x = np.exp(ll - ll.max(axis=0, keepdims=True))
    x = x.reshape(n_chain, -1, x.shape[1])
    ess = np.array(
        [
            float(array_stats.ess(x[:, :, i], chain_axis=0, draw_axis=1, method="mean"))
            for i in range(x.shape[2])
        ]
    )
    return np.clip(ess / (x.shape[0] * x.shape[1]), 0.01, 1.0)


def psis(ll: np.ndarray, n_chain: int) -> tuple[np.ndarray, np.ndarray]:
    """Pareto-smoothed leave-one-out weights (draw, obs), normalised, and Pareto k (obs)."""
    from arviz_stats.base import array_stats

    r_eff = relative_efficiency(ll, n_chain)
    lw = np.empty_like(ll)
    k = np.empty(ll.shape[1])
    for i in range(ll.shape[1]):
        # arviz-stats takes the log-likelihood and smooths the ratios 1 / p(y_i | draw) itself
        lwi, ki = array_stats.psislw(ll[:, i], r_eff=float(r_eff[i]), axis=0)
        lw[:, i] = lwi
        k[i] = float(ki)
    w = np.exp(lw - lw.max(axis=0, keepdims=True))
    return w / w.sum(axis=0, keepdims=True), k


# ---------------------------------------------------------------- refits


@dataclass
class Context:
    """What the checks need from a fit: ``times`` (draw, event) crossing years."""

    rows: list[Observation]
    priors: Priors
    settings: SamplerSettings
    plan: Plan
    curves: xr.Dataset
    times: np.ndarray
    year: int
    cache_dir: Path | None = None
    refit: bool = False
    quiet: bool = True
    events: list[str] = field(default_factory=list)


def refit_times(ctx: Context, rows: list[Observation], priors: Priors | None = None):
    """Fit on other rows or priors (cached like any fit); crossing times per event (NaN
    columns for events whose benchmark has no data left), curves and diagnostics."""

    from .fit import fit
    from .forward import event_dates
    from .observed import apply_observed, observed_events
    from .trajectories import curves

    dt, _ = fit(
        rows,
        priors or ctx.priors,
        ctx.settings,
        cache_dir=ctx.cache_dir,
        refit=ctx.refit,
        quiet=ctx.quiet,
    )
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    present = set(map(str, c["benchmark"].values))
    plan = ctx.plan
    keep = [t for t in plan.thresholds if t.series in present]
    times = np.full((c.sizes["draw"], len(plan.thresholds)), np.nan)
    if keep:
        sub = replace(plan, thresholds=keep)
        # as in the base forecast: thresholds these rows already meet are observed
        d = apply_observed(event_dates(c, sub), observed_events(sub, rows))
        for j, t in enumerate(plan.thresholds):
            if t in keep:
                times[:, j] = d["crossing_year"].values[:, keep.index(t)]
    return times, c, meta(dt.attrs).diagnostics


# ---------------------------------------------------------------- influence


def _refit_without(ctx: Context, ob, i: int, entry: dict, loo_pit: np.ndarray) -> list:
    """Event stats without observation ``i`` by refitting; fills its LOO PIT and notes."""
    r = ob.rows[i]
    rows = [x for x in ctx.rows if x is not r]
    if not any(x.series == r.series for x in ai_rows(rows)):
        entry["note"] = (
            f"the only observation of {r.series}: without it the series "
            "has no data and its events are not defined"
        )
    c = None
    if not ai_rows(rows):
        times = np.full_like(ctx.times, np.nan)
    else:
        times, c, diag = refit_times(ctx, rows)
        entry["diagnostics_ok"] = bool(diag["ok"])
    if c is not None and r.series in set(map(str, c["benchmark"].values)):
        e, s = predictive(c, ob, [i])
        loo_pit[i] = scoring.mixture_cdf(ob.y[[i]], e, s)[0]
    return [
        None if np.isnan(times[:, j]).all() else event_stats(times[:, j], ctx.year)
        for j in range(len(ctx.events))
    ]


def _event_effects(stats_i: list, base: list, events: list[str]) -> dict:
    out: dict = {}
    for j, ev in enumerate(events):
        if stats_i[j] is None:
            out[ev] = None
            continue
        med, p = stats_i[j]
        out[ev] = {
            "median": iso_date(med),
            "median_shift_years": shift_years(base[j][0], med),
            "p_by_year": round(p, 4),
            "p_shift": round(p - base[j][1], 4),
            "_rank": _rank_shift(base[j][0], med),
        }
    return out


def _per_event(ctx: Context, out_obs: list[dict], base: list, n_chain: int) -> dict:
    """For each event: its full-data median and P, and the observations that move them most."""
    per_event = {}
    for j, ev in enumerate(ctx.events):
        cand = [
            (o["events"][ev]["_rank"], abs(o["events"][ev]["p_shift"]), o)
            for o in out_obs
            if o["events"][ev] is not None
        ]
        best = max(cand, key=lambda x: (x[0], x[1]), default=None)
        bestp = max(cand, key=lambda x: x[1], default=None)
        per_event[ev] = {
            "median": iso_date(base[j][0]),
            "median_mcse_years": median_mcse(ctx.times[:, j], n_chain),
            "p_by_year": round(base[j][1], 4),
            "moves_median_most": _mover(
                best, ev, median_without="median", median_shift_years="median_shift_years"
            ),
            "moves_p_most": _mover(bestp, ev, p_shift="p_shift"),
        }
    return per_event


def _mover(best: tuple | None, ev: str, **fields: str) -> dict | None:
    """The observation (and LOO method) whose removal moves event ``ev`` most, with the
    named ``fields`` (output name = key in its per-event result); None if none can go."""
    if best is None:
        return None
    o = best[2]
    return {
        "observation": o["observation"],
        "method": o["method"],
        **{name: o["events"][ev][key] for name, key in fields.items()},
    }


def loo_influence(
    ctx: Context, ll: np.ndarray, method: str = "auto", k_max: float = K_MAX, progress=None
) -> dict:
    """Per observation and event: the median date and P(by year) without that observation."""
    ob = obs_arrays(ctx.rows, ctx.priors)
    n_chain = int(ctx.curves.attrs["n_chain"])
    w, k = psis(ll, n_chain)
    base = [event_stats(ctx.times[:, j], ctx.year) for j in range(len(ctx.events))]
    out_obs = []
    loo_pit = np.full(len(ob.rows), np.nan)
    eta_all, sd_all = predictive(ctx.curves, ob)
    for i, r in enumerate(ob.rows):
        refit = method == "exact" or (method == "auto" and not k[i] <= k_max)
        entry = {
            "observation": label(r),
            "origin": r.origin,
            "pareto_k": json_number(k[i], 3),
            "method": "refit" if refit else "psis",
            "events": {},
        }
        if refit:
            if progress:
                progress(f"LOO refit without {label(r)} (Pareto k {k[i]:.2f})")
            stats_i = _refit_without(ctx, ob, i, entry, loo_pit)
        else:
            stats_i = [
                event_stats(ctx.times[:, j], ctx.year, w[:, i]) for j in range(len(ctx.events))
            ]
            loo_pit[i] = scoring.mixture_cdf(ob.y[[i]], eta_all[:, [i]], sd_all[:, [i]], w[:, i])[0]
        entry["events"] = _event_effects(stats_i, base, ctx.events)
        out_obs.append(entry)
    per_event = _per_event(ctx, out_obs, base, n_chain)
    for o in out_obs:
        for v in o["events"].values():
            if v is not None:
                v.pop("_rank")
    return {
        "method": method,
        "k_max": k_max,
        "year": ctx.year,
        "pareto_k": k,
        "loo_pit": loo_pit,
        "observations": out_obs,
        "events": per_event,
    }
