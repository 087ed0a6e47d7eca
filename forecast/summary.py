"""Summaries of first-passage dates and growth rates: probabilities with Monte Carlo
standard errors, date quantiles, the share not crossed by the horizon, and growth rates
in human units (doubling time in months; years from 10 % to 90 % of the ceiling).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .dates import from_years

QUANTILES = (0.1, 0.5, 0.9)
LOGIT_90 = float(np.log(9.0))


def _by_chain(values: np.ndarray, n_chain: int) -> np.ndarray:
    """(draw, ...) stacked chain-major -> (chain, draw, ...)."""
    return values.reshape(n_chain, -1, *values.shape[1:])


def prob_with_mcse(indicator: np.ndarray, n_chain: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of a 0/1 indicator over draws (axis 0) and its MCMC standard error.

    The MCSE accounts for autocorrelation through the effective sample size of the
    indicator (arviz-stats, method "mean"); when every draw agrees it is 0.
    """
    import arviz_stats as azs

    x = _by_chain(indicator.astype(float), n_chain)
    p = x.mean(axis=(0, 1))
    da = xr.DataArray(x, dims=["chain", "draw"] + [f"d{i}" for i in range(x.ndim - 2)])
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.asarray(azs.mcse(da, method="mean"))
    se = np.where((p == 0) | (p == 1) | ~np.isfinite(se), 0.0, se)
    return p, se


def _iso(t: float) -> str | None:
    return None if not np.isfinite(t) else str(from_years(np.array([t]))[0])


def _q(values: np.ndarray, qs=QUANTILES) -> np.ndarray:
    """Quantiles that keep +inf (never) as +inf instead of averaging into it."""
    return np.quantile(values, qs, method="inverted_cdf")


def _r(x: float, nd: int = 6) -> float:
    return float(round(float(x), nd))


def events_summary(dates: xr.Dataset, years: list[int]) -> dict:
    """Per event: P(by end of each year) with MCSE, date quantiles, P(not by horizon)."""
    n_chain = dates.attrs["n_chain"]
    t = dates["crossing_year"].values  # (draw, event)
    ind_years = np.stack([t <= y + 1 for y in years], axis=-1)  # (draw, event, year)
    p_year, se_year = prob_with_mcse(ind_years, n_chain)
    p_never, se_never = prob_with_mcse(~np.isfinite(t), n_chain)
    out = {}
    for j, ev in enumerate(dates["event"].values):
        q = _q(t[:, j])
        out[str(ev)] = {
            "title": str(dates["title"].values[j]),
            "benchmark": str(dates["benchmark"].values[j]),
            "threshold": (_r(dates["threshold"].values[j], 8)
                          if np.isfinite(dates["threshold"].values[j]) else None),
            "p_by_year": {str(y): {"p": _r(p_year[j, k]), "mcse": _r(se_year[j, k])}
                          for k, y in enumerate(years)},
            "quantiles": {str(qq): _iso(v) for qq, v in zip(QUANTILES, q)},
            "p_not_by_horizon": _r(p_never[j]),
            "p_not_by_horizon_mcse": _r(se_never[j]),
            "horizon": dates.attrs["horizon"],
        }
    return out


def _interval(x: np.ndarray, nd: int = 3) -> dict:
    q = np.quantile(x, QUANTILES)
    return {"median": _r(q[1], nd), "q10": _r(q[0], nd), "q90": _r(q[2], nd)}


def growth_summary(curves: xr.Dataset, attrs: dict) -> dict:
    """Growth-rate posteriors per benchmark in human units, with where the rate came from."""
    n_obs = json.loads(attrs["n_observations"])
    pooling = json.loads(attrs["pooling"])
    t_lasts = json.loads(attrs.get("t_last", "{}"))
    out = {}
    for b in curves["benchmark"].values:
        s = curves.sel(benchmark=b)
        fam = str(s["family"].item())
        n = int(n_obs[b])
        pooled = pooling[fam] == "partial"
        if n < 2:
            source = ("pool only: one observation fixes the level, the rate comes from the "
                      "benchmarks it is pooled with") if pooled else "prior only (one observation, no pooling)"
        else:
            source = "own observations, partially pooled" if pooled else "own observations"
        entry = {"family": fam, "n_observations": n, "rate_source": source}
        if fam == "bounded":
            entry["years_10_to_90_pct_of_ceiling"] = _interval(2 * LOGIT_90 / s["rate"].values, 2)
            entry["ceiling"] = _interval(s["ceiling"].values, 3)
            entry["rate_logit_per_year"] = _interval(s["rate"].values, 3)
        else:
            # the growth rate at the latest observation: rate * exp(g * (t_last - t_ref))
            t_last = float(t_lasts.get(str(b), s["t_ref"].item()))
            rate_now = s["rate"].values * np.exp(s["accel"].values * (t_last - float(s["t_ref"].item())))
            entry["doubling_time_months"] = _interval(12 * np.log(2) / rate_now, 2)
            entry["doubling_time_at"] = _iso(t_last)
            entry["rate_change_per_year"] = _interval(s["accel"].values, 3)
        out[str(b)] = entry
    return out
