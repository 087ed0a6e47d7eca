"""Predictive distributions on the transformed scale and the scores used to judge them.

Everything here works on the scale the model's likelihood lives on: logit of the share
for bounded benchmarks, log of the metric for unbounded ones. Two kinds of predictive
distribution are scored the same way:

* the growth model's: a mixture over posterior draws s of Normal(eta_s, sd_s);
* the naive baselines': a Student-t from a least-squares line (see :func:`fit_line`).

Scores come from ``scoringrules`` (CRPS and log score, both negatively oriented: lower is
better; the log score is minus the log predictive density on the transformed scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

# ---------------------------------------------------------------- normal mixtures


def mixture_cdf(x, eta: np.ndarray, sd: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """CDF at ``x`` (shape (n,)) of the mixture over draws (axis 0) of Normal(eta, sd).

    ``eta`` and ``sd`` have shape (draw, n); ``w`` (draw,) or (draw, n) are weights summing
    to 1 over draws (equal weights when None). Non-finite components are dropped.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        z = special.ndtr((x[None, ...] - eta) / sd)
    ok = np.isfinite(z)
    if w is None:
        w = np.ones(eta.shape[0])
    w = np.broadcast_to(w if np.ndim(w) == eta.ndim else np.asarray(w)[:, None], eta.shape)
    ww = np.where(ok, w, 0.0)
    tot = ww.sum(axis=0)
    return np.where(
        tot > 0, (np.where(ok, z, 0.0) * ww).sum(axis=0) / np.where(tot > 0, tot, 1), np.nan
    )


def mixture_quantiles(
    eta: np.ndarray, sd: np.ndarray, probs, w: np.ndarray | None = None, iters: int = 60
) -> np.ndarray:
    """Quantiles (len(probs), n) of the normal mixture, by bisection on its exact CDF."""
    probs = np.asarray(probs, dtype=float)
    fin = np.isfinite(eta) & np.isfinite(sd)
    lo_b = np.nanmin(np.where(fin, eta - 10 * sd, np.nan), axis=0)
    hi_b = np.nanmax(np.where(fin, eta + 10 * sd, np.nan), axis=0)
    out = np.empty((len(probs), eta.shape[1]))
    for k, p in enumerate(probs):
        lo, hi = lo_b.copy(), hi_b.copy()
        for _ in range(iters):
            mid = (lo + hi) / 2
            below = mixture_cdf(mid, eta, sd, w) < p
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        out[k] = (lo + hi) / 2
    return out


def normal_loglik(y, lo, hi, is_range, eta, sd) -> np.ndarray:
    """Pointwise log-likelihood (draw, n): normal density for point figures, log P(lo < y < hi)
    for published ranges (the model's interval likelihood)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        point = stats.norm.logpdf(y[None, :], eta, sd)
        a, b = (lo[None, :] - eta) / sd, (hi[None, :] - eta) / sd
        rng = log_diff_ndtr(b, a)
    return np.where(is_range[None, :], rng, point)


def log_diff_ndtr(b, a):
    """log(Phi(b) - Phi(a)) for b > a, computed in the tail where it is accurate."""
    # on the upper side use Phi(-a) - Phi(-b)
    upper = a > 0
    hi_ = np.where(upper, -a, b)
    lo_ = np.where(upper, -b, a)
    lh, ll = special.log_ndtr(hi_), special.log_ndtr(lo_)
    with np.errstate(divide="ignore", invalid="ignore"):
        return lh + np.log1p(-np.exp(ll - lh))


def weighted_quantile(values: np.ndarray, q: float, w: np.ndarray | None = None) -> float:
    """Inverted-CDF quantile (keeps +inf as +inf), optionally with weights summing to 1."""
    values = np.asarray(values, dtype=float)
    if w is None:
        return float(np.quantile(values, q, method="inverted_cdf"))
    order = np.argsort(values, kind="stable")
    cw = np.cumsum(np.asarray(w)[order])
    i = int(np.searchsorted(cw, q * cw[-1] - 1e-12))
    return float(values[order][min(i, len(values) - 1)])


# ---------------------------------------------------------------- naive baselines


@dataclass(frozen=True)
class LineFit:
    """A least-squares line y = a + b (t - t_mean) on the transformed scale, with the
    conjugate predictive: flat prior on (a, b), scaled-inverse-chi-square prior on the
    noise variance with ``prior_df`` pseudo-observations at ``prior_sd``.

    The posterior of sigma^2 is scaled-Inv-chi^2(df, s2) with df = n - 2 + prior_df and
    s2 = (RSS + prior_df * prior_sd^2) / df, so a new observation at t is Student-t with df
    degrees of freedom, location a + b (t - t_mean) and scale s * sqrt(1 + h(t)),
    h(t) = 1/n + (t - t_mean)^2 / Sxx; the line itself at t is Student-t with scale
    s * sqrt(h(t)). With prior_df = 0 this is the textbook OLS prediction interval (needs
    three points); the default two pseudo-observations keep two points proper with a finite
    mean (df >= 2), so CRPS and log score exist for every cutoff.
    """

    a: float
    b: float
    t_mean: float
    sxx: float
    n: int
    s2: float
    df: float

    def predict(self, t, new_observation: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
        """(location, scale, df) of the Student-t predictive at decimal years ``t``."""
        t = np.asarray(t, dtype=float)
        h = 1 / self.n + (t - self.t_mean) ** 2 / self.sxx
        scale = np.sqrt(self.s2 * ((1.0 if new_observation else 0.0) + h))
        return self.a + self.b * (t - self.t_mean), scale, self.df


def fit_line(t, y, prior_sd: float, prior_df: float = 2.0) -> LineFit:
    """Least squares of ``y`` on ``t`` (>= 2 distinct times) with the predictive of :class:`LineFit`."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    n = len(t)
    if n < 2 or np.ptp(t) <= 0:
        raise ValueError("a line needs at least two observations at different dates")
    tm = float(t.mean())
    sxx = float(((t - tm) ** 2).sum())
    b = float(((t - tm) * (y - y.mean())).sum() / sxx)
    a = float(y.mean())
    rss = float(((y - a - b * (t - tm)) ** 2).sum())
    df = n - 2 + prior_df
    if df <= 0:
        raise ValueError("no degrees of freedom left for the noise scale")
    s2 = (rss + prior_df * prior_sd**2) / df
    return LineFit(a, b, tm, sxx, n, s2, df)


# ---------------------------------------------------------------- scores


def model_scores(
    y: np.ndarray, eta: np.ndarray, sd: np.ndarray, max_components: int = 1000
) -> dict:
    """PIT, CRPS and log score of observations ``y`` (n,) under the normal mixture (draw, n).

    The PIT is exact over all draws; CRPS (closed form for a normal mixture, quadratic in the
    number of components) uses at most ``max_components`` evenly spaced draws.
    """
    import scoringrules as sr

    pit = mixture_cdf(y, eta, sd)
    step = max(1, int(np.ceil(eta.shape[0] / max_components)))
    m, s = eta[::step].T, sd[::step].T  # (n, components)
    crps = np.asarray(sr.crps_mixnorm(y, m, s))
    # minus the log mixture density, via logsumexp so a far-off point gets a large finite score
    # (scoringrules' logs_mixnorm sums densities first and underflows to inf there)
    lp = stats.norm.logpdf(y[None, :], eta, sd)
    logs = -(special.logsumexp(lp, axis=0) - np.log(eta.shape[0]))
    return {"pit": pit, "crps": crps, "logs": logs}


def t_scores(y, loc, scale, df) -> dict:
    """PIT, CRPS and log score under Student-t predictives (closed forms)."""
    import scoringrules as sr

    y, loc, scale = (np.asarray(a, dtype=float) for a in (y, loc, scale))
    df_arr = np.broadcast_to(np.asarray(df, dtype=float), y.shape)
    pit = stats.t.cdf((y - loc) / scale, df_arr)
    # the closed-form CRPS needs a finite mean (df > 1); with df <= 1 use a large ensemble
    crps = np.empty_like(y)
    ok = df_arr > 1
    if ok.any():
        crps[ok] = np.asarray(sr.crps_t(y[ok], df_arr[ok], loc[ok], scale[ok]))
    if (~ok).any():
        crps[~ok] = np.inf  # the CRPS of a Cauchy forecast is infinite
    logs = np.asarray(sr.logs_t(y, df_arr, loc, scale))
    return {"pit": pit, "crps": crps, "logs": logs}


def covered(pit: np.ndarray, level: float) -> np.ndarray:
    """Whether the observation lies inside the central ``level`` predictive interval."""
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return (pit >= lo) & (pit <= hi)


def brier(p: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Pointwise Brier score (p - outcome)^2 (scoringrules)."""
    import scoringrules as sr

    return np.asarray(sr.brier_score(np.asarray(outcome, dtype=float), np.asarray(p, dtype=float)))
