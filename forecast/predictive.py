"""The fitted model's own observation model, per observation, in numpy.

Every AI observation is predicted on the likelihood's scale (logit of the share for bounded
benchmarks, log of the metric for unbounded ones) by Normal(eta, sd) or Student-t(nu, eta,
sd) per draw, with sd^2 = (scale * factor)^2 + known_sd^2 + (slope * date_sd)^2: ``scale``
the family's noise scale (the draw's learned ``noise`` when the posterior has one, else the
priors' fixed ``sd``), ``factor`` sd_approximate / sd for approximate figures (else 1),
``known_sd`` a published uncertainty, eta and slope from :mod:`forecast.curves`; a published
range is the interval P(low < y < high). :func:`loglik` is tested equal to the PyMC model's
log-density, so checks built on it judge the model that was actually fitted.

:func:`predictive` returns normal components (eta, sd) per draw, as the mixture checks
take them; a Student-t observation is represented there exactly as its scale mixture of
normals, sd / sqrt(w) with w ~ Gamma(nu / 2, rate nu / 2) drawn once per (draw, observation)
from a fixed seed, so the mixture over draws is the Student-t predictive up to Monte Carlo
error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import scoring
from .curves import transform
from .observations import Observation, ai_rows
from .priors import Priors
from .trajectories import transformed_at

LEVELS = (0.5, 0.9)
MIXTURE_SEED = 20261201  # the scale-mixture weights of Student-t predictives
QS = (0.05, 0.25, 0.75, 0.95)


@dataclass(frozen=True)
class ObsArrays:
    """The AI observations as arrays on the transformed scale (one entry per row).

    ``benchmark``: the curve each row belongs to (its ``series``); ``time`` and ``time_sd``
    in decimal years; ``noise`` the likelihood's fixed noise sd on the transformed scale
    (``factor`` times the family's ``sd``); ``factor`` sd_approximate / sd for approximate
    figures, else 1; ``known_sd`` a published uncertainty (0 when none); ``nu`` the
    Student-t degrees of freedom (inf: normal); ``y`` the transformed value, or the
    transformed midpoint of a range (``lo``, ``hi``: its transformed bounds, NaN for point
    figures)."""

    rows: list[Observation]
    benchmark: np.ndarray
    time: np.ndarray
    time_sd: np.ndarray
    noise: np.ndarray
    y: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    is_range: np.ndarray
    bounded: np.ndarray
    factor: np.ndarray
    known_sd: np.ndarray
    nu: np.ndarray

    @property
    def labels(self) -> list[str]:
        return [label(r) for r in self.rows]


def label(r: Observation) -> str:
    return f"{r.series} {r.date} ({r.system})"


def _noise(r: Observation, priors: Priors):
    return getattr(priors, "bounded" if r.bounded else "unbounded").observation_noise


def obs_arrays(rows: list[Observation], priors: Priors) -> ObsArrays:
    ai = ai_rows(rows)
    nz = [_noise(r, priors) for r in ai]
    factor = np.array([n.sd_approximate / n.sd if r.approximate else 1.0 for r, n in zip(ai, nz)])
    y = np.array([float(transform(r.midpoint, r.bounded)) for r in ai])
    lo = np.array([float(transform(r.low, r.bounded)) if r.is_range else np.nan for r in ai])
    hi = np.array([float(transform(r.high, r.bounded)) if r.is_range else np.nan for r in ai])
    return ObsArrays(
        ai,
        np.array([r.series for r in ai], dtype=object),
        np.array([r.time for r in ai]),
        np.array([r.time_sd for r in ai]),
        factor * np.array([n.sd for n in nz]),
        y,
        lo,
        hi,
        np.array([r.is_range for r in ai], dtype=bool),
        np.array([r.bounded for r in ai], dtype=bool),
        factor,
        np.nan_to_num(np.array([r.known_sd for r in ai], dtype=float)),
        np.array([n.nu if n.likelihood == "student_t" else np.inf for n in nz]),
    )


def scales(c: xr.Dataset, ob: ObsArrays, idx=None) -> tuple[np.ndarray, np.ndarray]:
    """(eta, sd), each (draw, n), transformed scale: the location and scale of the model's
    observation distribution (Normal or Student-t, ``ob.nu``) for each observation (all of
    them, or those at positions ``idx``). Observations of a benchmark absent from ``c``
    get NaN."""
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
        e, slope = transformed_at(c, b, ob.time[rows])
        eta[:, cols] = e
        noise = ob.noise[rows][None, :]
        if "noise" in c:
            learned = np.asarray(c["noise"].sel(benchmark=b).values, dtype=float)[:, None]
            noise = np.where(np.isnan(learned), noise, learned * ob.factor[rows][None, :])
        with np.errstate(over="ignore", invalid="ignore"):
            sd[:, cols] = np.sqrt(
                noise**2 + ob.known_sd[rows] ** 2 + (slope * ob.time_sd[rows]) ** 2
            )
    return eta, sd


def predictive(c: xr.Dataset, ob: ObsArrays, idx=None) -> tuple[np.ndarray, np.ndarray]:
    """(eta, sd), each (draw, n), transformed scale: the model's predictive as normal
    components per draw (Student-t observations as their scale mixture, see the module
    docstring); NaN for a benchmark absent from ``c``."""
    idx = np.arange(len(ob.rows)) if idx is None else np.asarray(idx)
    eta, sd = scales(c, ob, idx)
    nu = ob.nu[idx]
    if np.isfinite(nu).any():
        w = np.random.default_rng(MIXTURE_SEED).standard_gamma(
            np.where(np.isfinite(nu), nu, 2.0) / 2, size=eta.shape
        ) / (np.where(np.isfinite(nu), nu, 2.0) / 2)
        sd = np.where(np.isfinite(nu), sd / np.sqrt(w), sd)
    return eta, sd


def loglik(c: xr.Dataset, ob: ObsArrays) -> np.ndarray:
    """Pointwise log-likelihood (draw, observation), as in the PyMC model."""
    eta, sd = scales(c, ob)
    normal = scoring.normal_loglik(ob.y, ob.lo, ob.hi, ob.is_range, eta, sd)
    if not np.isfinite(ob.nu).any():
        return normal
    return np.where(np.isfinite(ob.nu)[None, :], t_loglik(ob, eta, sd), normal)


def t_loglik(ob: ObsArrays, eta: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Student-t log density of point figures, log P(lo < y < hi) for ranges (draw, n)."""
    from scipy import stats

    nu = np.where(np.isfinite(ob.nu), ob.nu, 1.0)[None, :]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        point = stats.t.logpdf(ob.y[None, :], nu, eta, sd)
        lo, hi = ob.lo[None, :], ob.hi[None, :]
        upper = lo > eta  # in the upper tail, through the survival function
        big = np.where(upper, stats.t.logsf(lo, nu, eta, sd), stats.t.logcdf(hi, nu, eta, sd))
        small = np.where(upper, stats.t.logsf(hi, nu, eta, sd), stats.t.logcdf(lo, nu, eta, sd))
        rng = big + np.log1p(-np.exp(small - big))
    return np.where(ob.is_range[None, :], rng, point)


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
    return curves(prior["prior"].to_dataset(), design.t_ref)
