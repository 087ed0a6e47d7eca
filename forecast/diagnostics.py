"""Sampler diagnostics: max R-hat, min bulk/tail ESS, divergences, and the warnings they raise."""

from __future__ import annotations

import numpy as np
import xarray as xr

MAX_RHAT = 1.01
MIN_ESS = 400


def compute(posterior: xr.Dataset, sample_stats: xr.Dataset, var_names: list[str]) -> dict:
    """Convergence summary over the model's free parameters (rank-normalised split R-hat)."""
    import arviz_stats as azs

    ds = posterior[var_names]
    rhat = azs.rhat(ds)
    ess_bulk = azs.ess(ds, method="bulk")
    ess_tail = azs.ess(ds, method="tail")

    def worst(d: xr.Dataset, fn) -> tuple[float, str]:
        vals = {
            str(k): float(fn(v.values))
            for k, v in d.data_vars.items()
            if np.isfinite(v.values).any()
        }
        pick = max if fn is np.nanmax else min
        k = pick(vals, key=lambda name: vals[name])
        return vals[k], k

    max_rhat, rhat_var = worst(rhat, np.nanmax)
    min_bulk, bulk_var = worst(ess_bulk, np.nanmin)
    min_tail, tail_var = worst(ess_tail, np.nanmin)
    div = int(sample_stats["diverging"].sum()) if "diverging" in sample_stats else 0
    out = {
        "max_rhat": round(max_rhat, 4),
        "max_rhat_parameter": rhat_var,
        "min_ess_bulk": round(min_bulk, 1),
        "min_ess_bulk_parameter": bulk_var,
        "min_ess_tail": round(min_tail, 1),
        "min_ess_tail_parameter": tail_var,
        "divergences": div,
        "thresholds": {"max_rhat": MAX_RHAT, "min_ess": MIN_ESS, "divergences": 0},
    }
    out["warnings"] = warnings(out)
    out["ok"] = not out["warnings"]
    return out


def warnings(d: dict) -> list[str]:
    w = []
    if d["max_rhat"] > MAX_RHAT:
        w.append(
            f"R-hat {d['max_rhat']:.3f} > {MAX_RHAT} for {d['max_rhat_parameter']}: chains disagree"
        )
    if d["min_ess_bulk"] < MIN_ESS:
        w.append(f"bulk ESS {d['min_ess_bulk']:.0f} < {MIN_ESS} for {d['min_ess_bulk_parameter']}")
    if d["min_ess_tail"] < MIN_ESS:
        w.append(f"tail ESS {d['min_ess_tail']:.0f} < {MIN_ESS} for {d['min_ess_tail_parameter']}")
    if d["divergences"] > 0:
        w.append(f"{d['divergences']} divergent transitions: the posterior may be biased")
    return w
