"""Summaries of first-passage dates and growth rates: probabilities with Monte Carlo
standard errors, date quantiles, the share not crossed by the horizon, and growth rates
in human units (doubling time in months; years from 10 % to 90 % of the ceiling).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .dates import from_years
from .posterior_meta import meta
from .settings import QUANTILES

LOGIT_90 = float(np.log(9.0))


def _by_chain(values: np.ndarray, n_chain: int) -> np.ndarray:
    """(draw, ...) stacked chain-major -> (chain, draw, ...)."""
    return values.reshape(n_chain, -1, *values.shape[1:])


ESS_BLOCK = 32  # series per FFT pass (see ess_mean)


def ess_mean(x: np.ndarray) -> np.ndarray:
    """Effective sample size of the mean, per series: ``x`` is (chain, draw, ...).

    Split chains, FFT autocovariance and Geyer's initial monotone sequence, as ArviZ's
    ``ess(method="mean")`` (agreement within 1 % is tested), vectorised over the trailing
    dimensions in blocks of ESS_BLOCK series: a sweep chunk has ~1,400 series, and one
    pass over all of them allocated ~90 MB FFT temporaries afresh on every call (a third
    of the time in page faults); a block's temporaries (8 x 513 x 32 complex, 2 MB) stay
    below numpy's 4 MB huge-page threshold and are reused from the heap. Each series is
    computed exactly as before (same bits).
    """
    rest = x.shape[2:]
    flat = x.reshape(*x.shape[:2], -1)
    k = flat.shape[2]
    if k <= ESS_BLOCK:
        return _ess_mean(flat).reshape(rest)
    out = np.empty(k)
    for s in range(0, k, ESS_BLOCK):
        out[s : s + ESS_BLOCK] = _ess_mean(flat[:, :, s : s + ESS_BLOCK])
    return out.reshape(rest)


def _ess_mean(x: np.ndarray) -> np.ndarray:
    """:func:`ess_mean` of one block ``x`` (chain, draw, series)."""
    _m0, n0 = x.shape[:2]
    half = n0 // 2
    x = np.concatenate([x[:, :half], x[:, n0 - half :]], axis=0).astype(float)
    m, n = x.shape[:2]
    rest = x.shape[2:]
    x = x.reshape(m, n, -1)
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, n=nfft, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=nfft, axis=1)[:, :n] / n
    mean_var = acov[:, 0].mean(axis=0) * n / (n - 1)
    var_plus = mean_var * (n - 1) / n + (x.mean(axis=1).var(axis=0, ddof=1) if m > 1 else 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = 1 - (mean_var[None, :] - acov.mean(axis=0)) / var_plus[None, :]
    rho[0] = 1.0
    n2 = n - (n % 2)
    pairs = rho[:n2:2] + rho[1:n2:2]
    pos = pairs > 0
    first_neg = np.where(pos.all(axis=0), pairs.shape[0], np.argmax(~pos, axis=0))
    keep = np.arange(pairs.shape[0])[:, None] < first_neg[None, :]
    mono = np.minimum.accumulate(np.where(keep, pairs, np.inf), axis=0)
    tau = -1 + 2 * np.where(keep, mono, 0.0).sum(axis=0)
    tau = np.maximum(tau, 1 / np.log10(m * n))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (m * n / tau).reshape(rest)


def prob_with_mcse(indicator: np.ndarray, n_chain: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of a 0/1 indicator over draws (axis 0) and its Markov-chain standard error.

    The MCSE is sqrt(var / ESS) with the effective sample size of the indicator itself
    (:func:`ess_mean`), so autocorrelation is accounted for; when every draw agrees it is 0.
    """
    x = _by_chain(indicator.astype(float), n_chain)
    rest = x.shape[2:]
    x = x.reshape(x.shape[0], x.shape[1], -1)
    p = x.mean(axis=(0, 1))
    se = np.zeros_like(p)
    varies = (p > 0) & (p < 1)  # a constant indicator has no Monte Carlo error to estimate
    if varies.any():
        xv = x[:, :, varies]
        var = xv.reshape(-1, xv.shape[2]).var(axis=0, ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            se[varies] = np.sqrt(var / ess_mean(xv))
    se = np.where(np.isfinite(se), se, 0.0)
    return p.reshape(rest), se.reshape(rest)


def prob_with_mcse_distinct(indicator: np.ndarray, n_chain: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`prob_with_mcse` of a 0/1 ``indicator`` (draw, ...), its Monte Carlo error
    computed once per distinct column: a sweep's columns repeat (an event no cell axis
    moves, a year after which no further draw crosses), and the effective sample size of
    each column is most of a sweep chunk's time. Same values as :func:`prob_with_mcse`."""
    flat = np.asarray(indicator, dtype=bool).reshape(indicator.shape[0], -1)
    packed = np.packbits(flat, axis=0)  # the draws of a column, 8 to a byte
    slot: dict[bytes, int] = {}
    keys = (packed[:, k].tobytes() for k in range(flat.shape[1]))
    inverse = np.array([slot.setdefault(key, len(slot)) for key in keys], dtype=np.intp)
    first = np.unique(inverse, return_index=True)[1]  # a column of each distinct kind
    p, se = prob_with_mcse(flat[:, first], n_chain)
    shape = indicator.shape[1:]
    return p[inverse].reshape(shape), se[inverse].reshape(shape)


def iso_date(t: float) -> str | None:
    """A decimal year as an ISO date; None when not by the horizon (+inf)."""
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
            "threshold": (
                _r(dates["threshold"].values[j], 8)
                if np.isfinite(dates["threshold"].values[j])
                else None
            ),
            "p_by_year": {
                str(y): {"p": _r(p_year[j, k]), "mcse": _r(se_year[j, k])}
                for k, y in enumerate(years)
            },
            "quantiles": {str(qq): iso_date(v) for qq, v in zip(QUANTILES, q)},
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
    m = meta(attrs)
    n_obs, pooling, t_lasts = m.n_observations, m.pooling, m.t_last
    out = {}
    for b in curves["benchmark"].values:
        s = curves.sel(benchmark=b)
        fam = str(s["family"].item())
        n = int(n_obs[b])
        pooled = pooling[fam] == "partial"
        if n < 2:
            source = (
                (
                    "pool only: one observation fixes the level, the rate comes from the "
                    "benchmarks it is pooled with"
                )
                if pooled
                else "prior only (one observation, no pooling)"
            )
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
            rate_now = s["rate"].values * np.exp(
                s["accel"].values * (t_last - float(s["t_ref"].item()))
            )
            entry["doubling_time_months"] = _interval(12 * np.log(2) / rate_now, 2)
            entry["doubling_time_at"] = iso_date(t_last)
            entry["rate_change_per_year"] = _interval(s["accel"].values, 3)
        out[str(b)] = entry
    return out
