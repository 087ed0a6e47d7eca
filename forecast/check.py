"""Model checking: prior and posterior predictive checks, leave-one-out influence of each
observation, and sensitivity of the threshold dates to the priors.

All predictive quantities are on the likelihood's scale (logit of the share for bounded
benchmarks, log of the metric for unbounded ones) and use the model's own observation
model: Normal(eta, sd) with sd^2 = noise^2 + (slope * date_sd)^2, a published range as
the interval P(low < y < high). :func:`predictive` is checked against the PyMC model's
log-density in the tests, so these checks judge the model that was actually fitted.

* **Predictive checks.** For every observation: the 5/25/75/95 % quantiles of its prior
  and posterior predictive distribution (exact quantiles of the normal mixture over
  draws), its PIT (predictive CDF at the observed value; ranges use their midpoint) and
  whether it lies inside the 50 % and 90 % central intervals; the same for the
  leave-one-out predictive (PSIS weights), which does not see the point it predicts.
* **LOO influence.** Each observation is left out in turn and each event's median date
  and P(by the focus year) recomputed: by Pareto-smoothed importance sampling of the
  posterior draws (arviz-stats) where its Pareto k is below ``k_max``, by refitting
  without the point otherwise (``loo="auto"``); ``"psis"`` never refits, ``"exact"``
  always does.
* **Prior sensitivity.** Refit with every prior scale multiplied by a stated factor (see
  :func:`widen`) and report the shift of each event's median and P(by the focus year).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import xarray as xr

from . import scoring
from .dates import from_years
from .errors import ForecastError
from .observations import Observation, ai_rows
from .priors import Priors

LEVELS = (0.5, 0.9)
QS = (0.05, 0.25, 0.75, 0.95)
K_MAX = 0.7  # Pareto k above which importance sampling is not trusted (Vehtari et al. 2024)


# ---------------------------------------------------------------- the model's predictive


def _logit(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.log(x) - np.log1p(-x)


def transform(values, bounded: bool):
    """Canonical values to the likelihood's scale (logit for shares, log otherwise)."""
    return _logit(values) if bounded else np.log(np.asarray(values, dtype=float))


def inverse(z, bounded: bool):
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z)) if bounded else np.exp(z)


@dataclass(frozen=True)
class ObsArrays:
    """The AI observations as arrays on the transformed scale (one entry per row)."""

    rows: list[Observation]
    benchmark: np.ndarray
    time: np.ndarray
    time_sd: np.ndarray
    noise: np.ndarray
    y: np.ndarray  # transformed value, or transformed midpoint of a range
    lo: np.ndarray
    hi: np.ndarray
    is_range: np.ndarray
    bounded: np.ndarray

    @property
    def labels(self) -> list[str]:
        return [label(r) for r in self.rows]


def label(r: Observation) -> str:
    return f"{r.benchmark} {r.date} ({r.system})"


def obs_arrays(rows: list[Observation], priors: Priors) -> ObsArrays:
    ai = ai_rows(rows)
    bounded = np.array([r.bounded for r in ai], dtype=bool)
    noise = np.array(
        [
            (
                getattr(
                    priors, "bounded" if r.bounded else "unbounded"
                ).observation_noise.sd_approximate
                if r.approximate
                else getattr(priors, "bounded" if r.bounded else "unbounded").observation_noise.sd
            )
            for r in ai
        ]
    )
    y = np.array([float(transform(r.midpoint, r.bounded)) for r in ai])
    lo = np.array([float(transform(r.low, r.bounded)) if r.is_range else np.nan for r in ai])
    hi = np.array([float(transform(r.high, r.bounded)) if r.is_range else np.nan for r in ai])
    return ObsArrays(
        ai,
        np.array([r.benchmark for r in ai], dtype=object),
        np.array([r.time for r in ai]),
        np.array([r.time_sd for r in ai]),
        noise,
        y,
        lo,
        hi,
        np.array([r.is_range for r in ai], dtype=bool),
        bounded,
    )


def curve_eta(c: xr.Dataset, benchmark: str, t) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's curve on the transformed scale at decimal years ``t`` and its slope in t:
    arrays (draw, len(t)), computed as stably as in :mod:`forecast.growth`."""
    s = c.sel(benchmark=benchmark)
    fam = s["family"].item()
    tau = np.asarray(t, dtype=float)[None, :] - float(s["t_ref"].item())
    level, rate = s["level"].values[:, None], s["rate"].values[:, None]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if fam == "bounded":
            ceiling = s["ceiling"].values[:, None]
            x = level + rate * tau
            log_mu = np.log(ceiling) - np.logaddexp(0.0, -x)
            one_minus = -np.expm1(log_mu)
            eta = log_mu - np.log(one_minus)
            slope = rate * special_expit(-x) / one_minus
        else:
            g = s["accel"].values[:, None]
            small = np.abs(g) < 1e-6
            g_safe = np.where(small, 1.0, g)
            growth = np.where(small, tau, np.expm1(g_safe * tau) / g_safe)
            eta = level + rate * growth
            slope = np.broadcast_to(rate, eta.shape)  # as growth.py: the rate at t_ref
    return eta, slope


def special_expit(x):
    from scipy.special import expit

    return expit(x)


def predictive(c: xr.Dataset, ob: ObsArrays, idx=None) -> tuple[np.ndarray, np.ndarray]:
    """(eta, sd), each (draw, n): the model's predictive Normal for each observation.

    Observations of a benchmark absent from ``c`` get NaN.
    """
    idx = np.arange(len(ob.rows)) if idx is None else np.asarray(idx)
    n_draw = c.sizes["draw"]
    eta = np.full((n_draw, len(idx)), np.nan)
    sd = np.full((n_draw, len(idx)), np.nan)
    present = set(map(str, c["benchmark"].values))
    for b in dict.fromkeys(ob.benchmark[idx]):
        if b not in present:
            continue
        cols = np.flatnonzero(ob.benchmark[idx] == b)
        rows = idx[cols]
        e, slope = curve_eta(c, b, ob.time[rows])
        eta[:, cols] = e
        with np.errstate(over="ignore", invalid="ignore"):
            sd[:, cols] = np.sqrt(ob.noise[rows] ** 2 + (slope * ob.time_sd[rows]) ** 2)
    return eta, sd


def loglik(c: xr.Dataset, ob: ObsArrays) -> np.ndarray:
    """Pointwise log-likelihood (draw, observation), as in the PyMC model."""
    eta, sd = predictive(c, ob)
    return scoring.normal_loglik(ob.y, ob.lo, ob.hi, ob.is_range, eta, sd)


def interval_table(y, eta, sd, w=None) -> dict[str, np.ndarray]:
    """Predictive quantiles, PIT and 50/90 % membership for each observation."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: benchmark left out
        q = scoring.mixture_quantiles(eta, sd, QS, w)
    pit = scoring.mixture_cdf(y, eta, sd, w)
    out = {f"q{round(100 * p):02d}": q[k] for k, p in enumerate(QS)}
    out["pit"] = pit
    for lev in LEVELS:
        out[f"in_{int(100 * lev)}"] = scoring.covered(pit, lev)
    return out


# ---------------------------------------------------------------- priors


def widen(priors: Priors, factor: float) -> Priors:
    """The priors with every prior scale multiplied by ``factor``.

    Scaled: the sd of the pooled log growth rate's mean, the half-normal scale of its
    spread, the sd of the level and (unbounded) of the rate change g. An uncertain ceiling
    Beta(a, b) becomes Beta(a / factor, b / factor) between the same bounds (same mean,
    larger variance for factor > 1). Not changed: prior means, the ceiling bounds (physical
    limits), fixed ceilings, the pooling mode and the observation noise (a likelihood
    setting, not a prior).
    """
    if not factor > 0:
        raise ForecastError(f"prior widening factor {factor:g} must be positive", "--widen")

    def sc(d, **names):
        return d.model_copy(update={k: getattr(d, k) * factor for k in names})

    def fam(p, extra):
        g = p.growth_rate
        upd = {
            "growth_rate": g.model_copy(
                update={"mean": sc(g.mean, sigma=1), "spread": sc(g.spread, sigma=1)}
            ),
            "level": sc(p.level, sigma=1),
        }
        for name in extra:
            upd[name] = sc(getattr(p, name), sigma=1)
        bench = {}
        for b, o in p.benchmarks.items():
            c = o.ceiling
            if c is not None and not isinstance(c, float):
                o = o.model_copy(
                    update={
                        "ceiling": c.model_copy(
                            update={"alpha": c.alpha / factor, "beta": c.beta / factor}
                        )
                    }
                )
            bench[b] = o
        upd["benchmarks"] = bench
        return p.model_copy(update=upd)

    return priors.model_copy(
        update={
            "bounded": fam(priors.bounded, ()),
            "unbounded": fam(priors.unbounded, ("acceleration",)),
        }
    )


def prior_curves(rows: list[Observation], priors: Priors, samples: int, seed: int) -> xr.Dataset:
    """Curve parameters of ``samples`` draws from the priors alone (dims draw, benchmark)."""
    import logging

    import pymc as pm

    from .growth import build_model
    from .trajectories import curves

    model, design = build_model(rows, priors)
    logger = logging.getLogger("pymc")
    old = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with model, warnings.catch_warnings():
            # the priors are what we want here: a range's Potential is data, not prior
            warnings.filterwarnings("ignore", message=".*Potentials.*")
            prior = pm.sample_prior_predictive(draws=samples, random_seed=seed)
    finally:
        logger.setLevel(old)
    return curves(prior["prior"].to_dataset(), {"t_ref": json.dumps(design.t_ref)})


# ---------------------------------------------------------------- event summaries


def _event_stats(t: np.ndarray, year: int, w: np.ndarray | None = None) -> tuple[float, float]:
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
    _, se = prob_with_mcse((t <= med)[:, None], n_chain)
    se = float(se[0])
    if se <= 0:
        se = 1 / len(t)
    lo, hi = np.quantile(t, [max(0.0, 0.5 - se), min(1.0, 0.5 + se)], method="inverted_cdf")
    return round(float(hi - lo) / 2, 4) if np.isfinite(lo) and np.isfinite(hi) else None


def _iso(t: float) -> str | None:
    return None if not np.isfinite(t) else str(from_years(np.array([t]))[0])


def _shift(a: float, b: float) -> float | None:
    """b - a in years; None when either is 'not by horizon' (then see the medians)."""
    return round(b - a, 4) if np.isfinite(a) and np.isfinite(b) else None


def _rank_shift(a: float, b: float) -> float:
    if np.isfinite(a) and np.isfinite(b):
        return abs(b - a)
    return 0.0 if np.isfinite(a) == np.isfinite(b) else np.inf


# ---------------------------------------------------------------- LOO


def _r_eff(ll: np.ndarray, n_chain: int) -> np.ndarray:
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

    r_eff = _r_eff(ll, n_chain)
    lw = np.empty_like(ll)
    k = np.empty(ll.shape[1])
    for i in range(ll.shape[1]):
        # arviz-stats takes the log-likelihood and smooths the ratios 1 / p(y_i | draw) itself
        lwi, ki = array_stats.psislw(ll[:, i], r_eff=float(r_eff[i]), axis=0)
        lw[:, i] = lwi
        k[i] = float(ki)
    w = np.exp(lw - lw.max(axis=0, keepdims=True))
    return w / w.sum(axis=0, keepdims=True), k


@dataclass
class Context:
    """What the checks need from a fit."""

    rows: list[Observation]
    priors: Priors
    settings: object
    plan: object
    curves: xr.Dataset
    times: np.ndarray  # (draw, event) crossing years
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
    keep = [t for t in ctx.plan.thresholds if t.benchmark in present]
    times = np.full((c.sizes["draw"], len(ctx.plan.thresholds)), np.nan)
    if keep:
        d = event_dates(c, replace(ctx.plan, thresholds=keep))
        for j, t in enumerate(ctx.plan.thresholds):
            if t in keep:
                times[:, j] = d["crossing_year"].values[:, keep.index(t)]
    return times, c, json.loads(dt.attrs["diagnostics"])


def loo_influence(
    ctx: Context, ll: np.ndarray, method: str = "auto", k_max: float = K_MAX, progress=None
) -> dict:
    """Per observation and event: the median date and P(by year) without that observation."""
    ob = obs_arrays(ctx.rows, ctx.priors)
    n_chain = int(ctx.curves.attrs["n_chain"])
    w, k = psis(ll, n_chain)
    base = [_event_stats(ctx.times[:, j], ctx.year) for j in range(len(ctx.events))]
    out_obs = []
    loo_pit = np.full(len(ob.rows), np.nan)
    eta_all, sd_all = predictive(ctx.curves, ob)
    for i, r in enumerate(ob.rows):
        refit = method == "exact" or (method == "auto" and not k[i] <= k_max)
        entry = {
            "observation": label(r),
            "origin": r.origin,
            "pareto_k": _num(k[i], 3),
            "method": "refit" if refit else "psis",
            "events": {},
        }
        if refit:
            if progress:
                progress(f"LOO refit without {label(r)} (Pareto k {k[i]:.2f})")
            rows = [x for x in ctx.rows if x is not r]
            if not any(x.benchmark == r.benchmark for x in ai_rows(rows)):
                entry["note"] = (
                    f"the only observation of {r.benchmark}: without it the benchmark "
                    "has no data and its events are not defined"
                )
            if not ai_rows(rows):
                times = np.full_like(ctx.times, np.nan)
                c = None
            else:
                times, c, diag = refit_times(ctx, rows)
                entry["diagnostics_ok"] = bool(diag["ok"])
            stats_i = [
                None if np.isnan(times[:, j]).all() else _event_stats(times[:, j], ctx.year)
                for j in range(len(ctx.events))
            ]
            if c is not None and r.benchmark in set(map(str, c["benchmark"].values)):
                e, s = predictive(c, ob, [i])
                loo_pit[i] = scoring.mixture_cdf(ob.y[[i]], e, s)[0]
        else:
            stats_i = [
                _event_stats(ctx.times[:, j], ctx.year, w[:, i]) for j in range(len(ctx.events))
            ]
            loo_pit[i] = scoring.mixture_cdf(ob.y[[i]], eta_all[:, [i]], sd_all[:, [i]], w[:, i])[0]
        for j, ev in enumerate(ctx.events):
            if stats_i[j] is None:
                entry["events"][ev] = None
                continue
            med, p = stats_i[j]
            entry["events"][ev] = {
                "median": _iso(med),
                "median_shift_years": _shift(base[j][0], med),
                "p_by_year": round(p, 4),
                "p_shift": round(p - base[j][1], 4),
                "_rank": _rank_shift(base[j][0], med),
            }
        out_obs.append(entry)
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
            "median": _iso(base[j][0]),
            "median_mcse_years": median_mcse(ctx.times[:, j], n_chain),
            "p_by_year": round(base[j][1], 4),
            "moves_median_most": None
            if best is None
            else {
                "observation": best[2]["observation"],
                "method": best[2]["method"],
                "median_without": best[2]["events"][ev]["median"],
                "median_shift_years": best[2]["events"][ev]["median_shift_years"],
            },
            "moves_p_most": None
            if bestp is None
            else {
                "observation": bestp[2]["observation"],
                "method": bestp[2]["method"],
                "p_shift": bestp[2]["events"][ev]["p_shift"],
            },
        }
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


# ---------------------------------------------------------------- sensitivity


def sensitivity(ctx: Context, factors, progress=None) -> list[dict]:
    from .summary import prob_with_mcse

    n_chain = int(ctx.curves.attrs["n_chain"])
    ind = ctx.times <= ctx.year + 1
    p0, se0 = prob_with_mcse(ind, n_chain)
    out = []
    for f in factors:
        if progress:
            progress(f"refitting with prior scales x{f:g}")
        times, c, diag = refit_times(ctx, ctx.rows, widen(ctx.priors, f))
        p1, se1 = prob_with_mcse(times <= ctx.year + 1, int(c.attrs["n_chain"]))
        ev = {}
        for j, e in enumerate(ctx.events):
            m0 = scoring.weighted_quantile(ctx.times[:, j], 0.5)
            m1 = scoring.weighted_quantile(times[:, j], 0.5)
            se_a = median_mcse(ctx.times[:, j], n_chain)
            se_b = median_mcse(times[:, j], int(c.attrs["n_chain"]))
            ev[e] = {
                "median": _iso(m1),
                "median_base": _iso(m0),
                "median_shift_years": _shift(m0, m1),
                "median_shift_mcse_years": (
                    None if se_a is None or se_b is None else round(float(np.hypot(se_a, se_b)), 4)
                ),
                "p_by_year": round(float(p1[j]), 4),
                "p_by_year_base": round(float(p0[j]), 4),
                "p_shift": round(float(p1[j] - p0[j]), 4),
                "p_shift_mcse": round(float(np.hypot(se0[j], se1[j])), 4),
            }
        out.append(
            {
                "factor": f,
                "priors_hash": widen(ctx.priors, f).digest(),
                "diagnostics": diag,
                "events": ev,
            }
        )
    return out


# ---------------------------------------------------------------- the whole check


@dataclass
class CheckResult:
    summary: dict
    ob: ObsArrays
    post: xr.Dataset
    prior: xr.Dataset
    priors: Priors
    loo_matrix: np.ndarray  # (obs, event) median shift in years (NaN when undefined)


def _obs_entries(ob: ObsArrays, tables: dict[str, dict], k, loo_pit) -> list[dict]:
    out = []
    for i, r in enumerate(ob.rows):
        e = {
            "observation": label(r),
            "origin": r.origin,
            "benchmark": r.benchmark,
            "date": r.date,
            "scale": "logit" if r.bounded else "log",
            "observed": round(float(ob.y[i]), 4),
            "range": bool(ob.is_range[i]),
        }
        for name, tab in tables.items():
            e[name] = {
                key: (
                    bool(v[i])
                    if v.dtype == bool
                    else (round(float(v[i]), 4) if np.isfinite(v[i]) else None)
                )
                for key, v in tab.items()
            }
        fin = bool(np.isfinite(loo_pit[i]))
        e["loo"] = {
            "pit": round(float(loo_pit[i]), 4) if fin else None,
            "in_50": bool(scoring.covered(loo_pit[[i]], 0.5)[0]) if fin else None,
            "in_90": bool(scoring.covered(loo_pit[[i]], 0.9)[0]) if fin else None,
            "pareto_k": _num(k[i], 3),
        }
        out.append(e)
    return out


def _num(x, nd: int = 4):
    """A finite float rounded for JSON, else None."""
    x = float(x)
    return round(x, nd) if np.isfinite(x) else None


def _share(x) -> float:
    return round(float(np.mean(x)), 4)


def run(
    inp,
    thresholds=(),
    horizon=None,
    cache_dir=None,
    refit=False,
    quiet=True,
    loo="auto",
    factors=(2.0,),
    prior_samples=2000,
    year=2028,
    k_max=K_MAX,
    progress=None,
) -> CheckResult:
    """Every check on the inputs' fit (fitted or reused from the cache)."""
    from .pipeline import forecast

    if loo not in ("auto", "psis", "exact"):
        raise ForecastError(f"unknown LOO method {loo!r}; expected auto, psis or exact", "--loo")
    res = forecast(inp, thresholds, horizon, cache_dir, refit, quiet)
    ob = obs_arrays(inp.rows, inp.priors)
    events = [str(e) for e in res.dates["event"].values]
    ctx = Context(
        inp.rows,
        inp.priors,
        inp.settings,
        res.plan,
        res.curves,
        res.dates["crossing_year"].values,
        year,
        cache_dir,
        refit,
        quiet,
        events,
    )
    if progress:
        progress(f"prior predictive ({prior_samples} draws)")
    prior = prior_curves(inp.rows, inp.priors, prior_samples, inp.settings.seed)
    tabs = {}
    for name, c in (("prior", prior), ("posterior", res.curves)):
        eta, sd = predictive(c, ob)
        tabs[name] = interval_table(ob.y, eta, sd)
    ll = loglik(res.curves, ob)
    lo = loo_influence(ctx, ll, loo, k_max, progress)
    sens = sensitivity(ctx, factors, progress)
    n = len(ob.rows)
    shares = {
        name: {"share_in_50": _share(t["in_50"]), "share_in_90": _share(t["in_90"])}
        for name, t in tabs.items()
    }
    lp = lo["loo_pit"]
    ok = np.isfinite(lp)  # NaN: the benchmark's only point, nothing left to predict it from
    shares["loo"] = {
        "share_in_50": _share(scoring.covered(lp[ok], 0.5)),
        "share_in_90": _share(scoring.covered(lp[ok], 0.9)),
        "n": int(ok.sum()),
    }
    # the range a calibrated predictive would give: central 95 % of Binomial(n, level) / n
    from scipy.stats import binom

    expect = {
        f"in_{int(100 * lev)}": [
            float(binom.ppf(0.025, n, lev) / n),
            float(binom.ppf(0.975, n, lev) / n),
        ]
        for lev in LEVELS
    }
    matrix = np.full((n, len(events)), np.nan)
    for i, o in enumerate(lo["observations"]):
        for j, ev in enumerate(events):
            v = o["events"][ev]
            if v is not None and v["median_shift_years"] is not None:
                matrix[i, j] = v["median_shift_years"]
    summary = {
        "provenance": {
            k: res.summary["provenance"][k]
            for k in (
                "data_hash",
                "data_files",
                "bundled_data",
                "n_observations",
                "priors_hash",
                "model_version",
                "posterior_hash",
                "seed",
                "sampler",
                "horizon",
            )
        },
        "diagnostics": res.summary["diagnostics"],
        "predictive": {
            "n_observations": n,
            "prior_samples": prior_samples,
            "scale": "logit (bounded) / log (unbounded); ranges are scored at their midpoint",
            "shares": shares,
            "calibrated_range_95": expect,
            "note": (
                "posterior shares are in-sample (each point helped fit the model); the LOO "
                "shares predict each point from a fit without it"
            ),
            "observations": _obs_entries(ob, tabs, lo["pareto_k"], lp),
        },
        "loo": {k: lo[k] for k in ("method", "k_max", "year", "observations", "events")},
        "sensitivity": {
            "year": year,
            "what": widen.__doc__.split("\n\n")[1].replace("\n    ", " ").strip(),
            "fits": sens,
        },
    }
    summary["loo"]["n_refits"] = sum(o["method"] == "refit" for o in lo["observations"])
    return CheckResult(summary, ob, res.curves, prior, inp.priors, matrix)


# ---------------------------------------------------------------- output


def text(summary: dict) -> str:
    p = summary["predictive"]
    s = p["shares"]
    lines = [
        f"Predictive checks ({p['n_observations']} observations; share inside the central "
        "50 % / 90 % intervals):"
    ]
    for name in ("prior", "posterior", "loo"):
        lines.append(
            f"  {name + (' (leave-one-out)' if name == 'loo' else ''):<22} "
            f"{s[name]['share_in_50']:.2f} / {s[name]['share_in_90']:.2f}"
        )
    e = p["calibrated_range_95"]
    lines.append(
        f"  a calibrated model gives 95 % of the time: {e['in_50'][0]:.2f}-{e['in_50'][1]:.2f} / "
        f"{e['in_90'][0]:.2f}-{e['in_90'][1]:.2f}"
    )
    out90 = [o["observation"] for o in p["observations"] if not o["posterior"]["in_90"]]
    if out90:
        lines.append(f"  outside the posterior 90 % interval: {', '.join(out90)}")
    lo = summary["loo"]
    lines.append("")
    lines.append(
        f"Leave-one-out influence ({lo['method']}: {lo['n_refits']} refits, the rest by PSIS; "
        f"P by end of {lo['year']}):"
    )
    for ev, v in lo["events"].items():
        m = v["moves_median_most"]
        if m is None:
            lines.append(
                f"  {ev:<24} median {v['median'] or 'not by horizon'}: no observation can be left out"
            )
            continue
        sh = m["median_shift_years"]
        shtxt = (
            f"{sh:+.2f} y" if sh is not None else f"-> {m['median_without'] or 'not by horizon'}"
        )
        mp = v["moves_p_most"]
        mc = v["median_mcse_years"]
        lines.append(
            f"  {ev:<24} median {v['median'] or 'not by horizon':<10}"
            f"{'' if mc is None else f' (MCSE {mc:.2f} y)'} moved most by "
            f"{m['observation']} ({shtxt}, {m['method']}); P {v['p_by_year']:.2f}, "
            f"moved most by {mp['observation']} ({mp['p_shift']:+.2f})"
        )
    ks = [o for o in lo["observations"] if o["pareto_k"] is None or o["pareto_k"] > lo["k_max"]]
    if ks:
        lines.append(
            f"  Pareto k > {lo['k_max']} (importance sampling unreliable"
            f"{', refitted' if lo['method'] != 'psis' else ', NOT refitted: use --loo auto'}): "
            + ", ".join(f"{o['observation']} {o['pareto_k']}" for o in ks)
        )
    se = summary["sensitivity"]
    for f in se["fits"]:
        lines.append("")
        lines.append(
            f"Prior sensitivity: prior scales x{f['factor']:g} (median shift; P by end of "
            f"{se['year']}, base priors -> scaled, ± MCSE):"
        )
        for ev, v in f["events"].items():
            sh = v["median_shift_years"]
            shtxt = (
                f"{sh:+.2f} ± {v['median_shift_mcse_years'] or 0:.2f} y"
                if sh is not None
                else f"{v['median_base'] or 'never'} -> {v['median'] or 'never'}"
            )
            lines.append(
                f"  {ev:<24} {shtxt:<26} P {v['p_by_year_base']:.2f} -> {v['p_by_year']:.2f} "
                f"({v['p_shift']:+.2f} ± {v['p_shift_mcse']:.2f})"
            )
        if not f["diagnostics"]["ok"]:
            lines.append("  WARNING (widened fit): " + "; ".join(f["diagnostics"]["warnings"]))
    return "\n".join(lines)


OUT_FILES = ("check.json", "check-observations.csv", "check-loo.csv", "check-sensitivity.csv")


def check_out(out: Path, force: bool) -> None:
    from .output import check_out_dir as guard

    guard(out, force, OUT_FILES)


def write(out: Path, cr: CheckResult) -> list[Path]:
    from .io import write_csv, write_json

    s = cr.summary
    paths = []
    obs = s["predictive"]["observations"]
    head = ["observation", "origin", "scale", "observed", "range"]
    for name in ("prior", "posterior"):
        head += [f"{name}_{k}" for k in ("q05", "q25", "q75", "q95", "pit", "in_50", "in_90")]
    head += ["loo_pit", "loo_in_50", "loo_in_90", "pareto_k"]
    rows = []
    for o in obs:
        r = [o["observation"], o["origin"], o["scale"], o["observed"], o["range"]]
        for name in ("prior", "posterior"):
            r += [o[name][k] for k in ("q05", "q25", "q75", "q95", "pit", "in_50", "in_90")]
        r += [o["loo"]["pit"], o["loo"]["in_50"], o["loo"]["in_90"], o["loo"]["pareto_k"]]
        rows.append(r)
    write_csv(out / "check-observations.csv", head, rows)
    lrows = []
    for o in s["loo"]["observations"]:
        for ev, v in o["events"].items():
            lrows.append(
                [
                    o["observation"],
                    o["pareto_k"],
                    o["method"],
                    ev,
                    *(
                        ("", "", "", "")
                        if v is None
                        else (
                            v["median"] or "not by horizon",
                            v["median_shift_years"],
                            v["p_by_year"],
                            v["p_shift"],
                        )
                    ),
                ]
            )
    write_csv(
        out / "check-loo.csv",
        [
            "observation",
            "pareto_k",
            "method",
            "event",
            "median_without",
            "median_shift_years",
            f"p_by_{s['loo']['year']}_without",
            "p_shift",
        ],
        lrows,
    )
    srows = [
        [
            f["factor"],
            ev,
            v["median_base"] or "not by horizon",
            v["median"] or "not by horizon",
            v["median_shift_years"],
            v["p_by_year_base"],
            v["p_by_year"],
            v["p_shift"],
            v["p_shift_mcse"],
        ]
        for f in s["sensitivity"]["fits"]
        for ev, v in f["events"].items()
    ]
    write_csv(
        out / "check-sensitivity.csv",
        [
            "factor",
            "event",
            "median_base",
            "median_widened",
            "median_shift_years",
            "p_base",
            "p_widened",
            "p_shift",
            "p_shift_mcse",
        ],
        srows,
    )
    paths += [out / "check-observations.csv", out / "check-loo.csv", out / "check-sensitivity.csv"]
    paths += predictive_figure(cr, out / "check-predictive")
    paths += loo_figure(cr, out / "check-loo")
    paths += sensitivity_figure(cr, out / "check-sensitivity")
    s = dict(s, files=[p.name for p in paths] + ["check.json"])
    write_json(out / "check.json", s)
    return [*paths, out / "check.json"]


def _bands(c, b, grid, noise, bounded, max_draws=800):
    eta, _ = curve_eta(c, b, grid)
    step = max(1, eta.shape[0] // max_draws)
    eta = eta[::step]
    fin = np.isfinite(eta).all(axis=1)
    eta = eta[fin]
    sd = np.full_like(eta, noise)
    q = scoring.mixture_quantiles(eta, sd, (0.05, 0.25, 0.5, 0.75, 0.95))
    return inverse(q, bounded)


def predictive_figure(cr: CheckResult, stem: Path) -> list[Path]:
    from .figures import _plt, save

    plt = _plt()
    from matplotlib.ticker import MaxNLocator

    ob = cr.ob
    benches = list(dict.fromkeys(ob.benchmark))
    ncol = min(3, len(benches))
    nrow = int(np.ceil(len(benches) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.4 * nrow), squeeze=False)
    for ax, b in zip(axes.ravel(), benches):
        idx = np.flatnonzero(ob.benchmark == b)
        bounded = bool(ob.bounded[idx[0]])
        fam = "bounded" if bounded else "unbounded"
        noise = getattr(cr.priors, fam).observation_noise.sd
        t0, t1 = ob.time[idx].min() - 0.5, ob.time[idx].max() + 1.0
        grid = np.linspace(t0, t1, 80)
        scale = 100.0 if bounded else 1.0
        pr = _bands(cr.prior, b, grid, noise, bounded) * scale
        po = _bands(cr.post, b, grid, noise, bounded) * scale
        ax.fill_between(grid, pr[0], pr[4], color="0.85", label="prior predictive 90 %")
        ax.fill_between(
            grid, po[0], po[4], color="tab:blue", alpha=0.2, label="posterior predictive 90 %"
        )
        ax.fill_between(grid, po[1], po[3], color="tab:blue", alpha=0.35, label="50 %")
        ax.plot(grid, po[2], color="tab:blue", lw=1)
        for i in idx:
            r = ob.rows[i]
            if r.is_range:
                ax.plot([r.time, r.time], [r.low * scale, r.high * scale], color="k", lw=2)
            else:
                inside = bool(cr.summary["predictive"]["observations"][i]["posterior"]["in_90"])
                ax.plot(
                    r.time,
                    r.value * scale,
                    "o" if inside else "X",
                    color="k" if inside else "tab:red",
                    ms=5 if inside else 8,
                )
        if bounded:
            ax.set_ylim(0, 100)
            ax.set_ylabel("% of tasks")
        else:
            ax.set_yscale("log")
            vals = np.array([ob.rows[i].midpoint for i in idx])
            ax.set_ylim(vals.min() / 30, vals.max() * 30)
            ax.set_ylabel("minutes" if ob.rows[idx[0]].dimension == "duration" else "multiplier")
        ax.set_title(f"{b} (n={len(idx)})", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(benches) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=6, loc="upper left")
    sh = cr.summary["predictive"]["shares"]
    fig.suptitle(
        f"Predictive checks: share inside 50/90 % - prior {sh['prior']['share_in_50']:.2f}/"
        f"{sh['prior']['share_in_90']:.2f}, posterior {sh['posterior']['share_in_50']:.2f}/"
        f"{sh['posterior']['share_in_90']:.2f}, LOO {sh['loo']['share_in_50']:.2f}/"
        f"{sh['loo']['share_in_90']:.2f} (red X: outside posterior 90 %)",
        fontsize=9,
    )
    fig.tight_layout()
    paths = save(fig, stem)
    plt.close(fig)
    return paths


def loo_figure(cr: CheckResult, stem: Path) -> list[Path]:
    from .figures import _plt, save

    plt = _plt()
    s = cr.summary["loo"]
    events = list(s["events"])
    labels = [o["observation"] + ("*" if o["method"] == "refit" else "") for o in s["observations"]]
    m = cr.loo_matrix
    fig, ax = plt.subplots(figsize=(1.1 * len(events) + 4, 0.32 * len(labels) + 1.8))
    lim = np.nanmax(np.abs(m)) if np.isfinite(m).any() else 1.0
    im = ax.imshow(np.nan_to_num(m, nan=0.0), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = s["observations"][i]["events"][events[j]]
            txt = (
                "n/a"
                if v is None
                else (f"{m[i, j]:+.2f}" if np.isfinite(m[i, j]) else (v["median"] or "never")[:7])
            )
            ax.text(j, i, txt, ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(events)), events, rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    fig.colorbar(im, ax=ax, label="shift of the median date without the observation (years)")
    ax.set_title(
        "Leave-one-out influence on each event's median (* = refitted, else PSIS)", fontsize=9
    )
    fig.tight_layout()
    paths = save(fig, stem)
    plt.close(fig)
    return paths


def sensitivity_figure(cr: CheckResult, stem: Path) -> list[Path]:
    from .figures import _plt, save

    plt = _plt()
    se = cr.summary["sensitivity"]
    events = list(se["fits"][0]["events"]) if se["fits"] else []
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(events) + 1.5))
    y = np.arange(len(events))
    base = [se["fits"][0]["events"][e]["p_by_year_base"] for e in events] if se["fits"] else []
    ax.plot(base, y, "o", color="k", label="base priors")
    for k, f in enumerate(se["fits"]):
        p = [f["events"][e]["p_by_year"] for e in events]
        err = [2 * f["events"][e]["p_shift_mcse"] for e in events]
        ax.errorbar(
            p, y + 0.15 * (k + 1), xerr=err, fmt="s", ms=4, label=f"scales x{f['factor']:g}"
        )
    ax.set_yticks(y, events, fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(f"P(by end of {se['year']}) (bars: ±2 MCSE of the shift)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Prior sensitivity", fontsize=9)
    fig.tight_layout()
    paths = save(fig, stem)
    plt.close(fig)
    return paths
