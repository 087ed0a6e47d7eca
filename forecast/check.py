"""Model checking: prior and posterior predictive checks, leave-one-out influence of each
observation, and sensitivity of the threshold dates to the priors.

All predictive quantities are on the likelihood's scale (logit of the share for bounded
benchmarks, log of the metric for unbounded ones) and use the model's own observation
model (:mod:`forecast.predictive`), so these checks judge the model that was actually fitted.

* **Predictive checks.** For every observation: the 5/25/75/95 % quantiles of its prior
  and posterior predictive distribution (exact quantiles of the normal mixture over
  draws), its PIT (predictive CDF at the observed value; ranges use their midpoint) and
  whether it lies inside the 50 % and 90 % central intervals; the same for the
  leave-one-out predictive (PSIS weights), which does not see the point it predicts.
* **LOO influence** (:mod:`forecast.loo`): each event's median date and P(by the focus
  year) without each observation, by importance sampling or by refitting.
* **Prior sensitivity.** Refit with every prior scale multiplied by a stated factor (see
  :func:`widen`) and report the shift of each event's median and P(by the focus year).

This module computes and returns results; :mod:`forecast.render_check` prints, writes and
draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import scoring
from .curves import inverse, transform
from .errors import ForecastError
from .loo import (
    K_MAX,
    Context,
    json_number,
    loo_influence,
    median_mcse,
    psis,
    refit_times,
    relative_efficiency,
    shift_years,
)
from .predictive import (
    LEVELS,
    QS,
    ObsArrays,
    interval_table,
    label,
    loglik,
    obs_arrays,
    predictive,
    prior_curves,
)
from .priors import Priors
from .results_check import CheckSummary, check_summary
from .settings import FOCUS_YEAR
from .summary import iso_date

__all__ = [
    "K_MAX",
    "LEVELS",
    "QS",
    "CheckResult",
    "CheckSummary",
    "Context",
    "ObsArrays",
    "interval_table",
    "inverse",
    "label",
    "loglik",
    "loo_influence",
    "obs_arrays",
    "predictive",
    "prior_curves",
    "psis",
    "relative_efficiency",
    "run",
    "sensitivity",
    "transform",
    "widen",
]

PROVENANCE_KEYS = (
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


# ---------------------------------------------------------------- sensitivity


def sensitivity(ctx: Context, factors, progress=None) -> list[dict]:
    """Refit with every prior scale multiplied by each factor (see :func:`widen`): per event
    the shift of the median date (years) and of P(by the end of ``ctx.year``), with Monte
    Carlo errors, against the base fit."""
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
                "median": iso_date(m1),
                "median_base": iso_date(m0),
                "median_shift_years": shift_years(m0, m1),
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
    """Everything a check computed: ``result`` (typed; its JSON is check.json), the
    observations, posterior and prior curves, the priors, and the LOO median shifts (obs,
    event; years, NaN when undefined) for the figures."""

    result: CheckSummary
    ob: ObsArrays
    post: xr.Dataset
    prior: xr.Dataset
    priors: Priors
    loo_matrix: np.ndarray

    @property
    def summary(self) -> dict:
        """The result's JSON form (what `forecast check --json` prints)."""
        return self.result.as_json()


def _obs_entries(ob: ObsArrays, tables: dict[str, dict], k, loo_pit) -> list[dict]:
    out = []
    for i, r in enumerate(ob.rows):
        e: dict = {
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
            "pareto_k": json_number(k[i], 3),
        }
        out.append(e)
    return out


def _share(x) -> float:
    return round(float(np.mean(x)), 4)


def _shares(tabs: dict[str, dict], loo_pit: np.ndarray) -> dict:
    """Share of observations inside the 50 % and 90 % intervals, per predictive."""
    shares: dict = {
        name: {"share_in_50": _share(t["in_50"]), "share_in_90": _share(t["in_90"])}
        for name, t in tabs.items()
    }
    ok = np.isfinite(loo_pit)  # NaN: the benchmark's only point, nothing left to predict it from
    shares["loo"] = {
        "share_in_50": _share(scoring.covered(loo_pit[ok], 0.5)),
        "share_in_90": _share(scoring.covered(loo_pit[ok], 0.9)),
        "n": int(ok.sum()),
    }
    return shares


def _calibrated_range(n: int) -> dict:
    """The range a calibrated predictive would give: central 95 % of Binomial(n, level) / n."""
    from scipy.stats import binom

    return {
        f"in_{int(100 * lev)}": [
            float(binom.ppf(0.025, n, lev) / n),
            float(binom.ppf(0.975, n, lev) / n),
        ]
        for lev in LEVELS
    }


def _loo_matrix(lo: dict, events: list[str]) -> np.ndarray:
    """LOO median shifts (observation, event) in years; NaN where undefined."""
    matrix = np.full((len(lo["observations"]), len(events)), np.nan)
    for i, o in enumerate(lo["observations"]):
        for j, ev in enumerate(events):
            v = o["events"][ev]
            if v is not None and v["median_shift_years"] is not None:
                matrix[i, j] = v["median_shift_years"]
    return matrix


def _summary(res, ob, tabs, lo, sens, prior_samples: int, year: int) -> dict:
    lp = lo["loo_pit"]
    n = len(ob.rows)
    summary = {
        "provenance": res.run.provenance.model_dump(mode="json", include=set(PROVENANCE_KEYS)),
        "diagnostics": res.run.diagnostics.model_dump(mode="json"),
        "predictive": {
            "n_observations": n,
            "prior_samples": prior_samples,
            "scale": "logit (bounded) / log (unbounded); ranges are scored at their midpoint",
            "shares": _shares(tabs, lp),
            "calibrated_range_95": _calibrated_range(n),
            "note": (
                "posterior shares are in-sample (each point helped fit the model); the LOO "
                "shares predict each point from a fit without it"
            ),
            "observations": _obs_entries(ob, tabs, lo["pareto_k"], lp),
        },
        "loo": {k: lo[k] for k in ("method", "k_max", "year", "observations", "events")},
        "sensitivity": {
            "year": year,
            "what": (widen.__doc__ or "").split("\n\n")[1].replace("\n    ", " ").strip(),
            "fits": sens,
        },
    }
    summary["loo"]["n_refits"] = sum(o["method"] == "refit" for o in lo["observations"])
    return summary


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
    year=FOCUS_YEAR,
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
    summary = check_summary(_summary(res, ob, tabs, lo, sens, prior_samples, year))
    return CheckResult(summary, ob, res.curves, prior, inp.priors, _loo_matrix(lo, events))
