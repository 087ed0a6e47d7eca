"""Simulation-based calibration (Talts et al. 2018) of the growth models.

For each simulation: draw every parameter from the priors, simulate a data set at the
design of the observation table (same benchmarks, dates, date uncertainties, approximate
flags and published ranges; a range is simulated as the bin of its published width that
the latent value falls in, which is exactly the model's interval likelihood), refit the
same compiled model on it, and record the rank of each true parameter among L thinned
posterior draws. If the sampler and the model code are right, every rank is uniform on
0..L. Uniformity is tested per parameter with a chi-square test on equal-width rank bins,
and the family of parameters with a Bonferroni correction, so the stated ``alpha`` is the
false-alarm rate of the whole check.

:class:`CompiledFit` keeps one compiled nutpie model per design and refits it on new
observed values with ``with_data``; the backtest's simulation tests use it too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .observations import Observation, ai_rows
from .predictive import ObsArrays, obs_arrays, scales
from .priors import Priors
from .results import SbcSummary, sbc_summary

PARAMS = (
    "bounded_rate_mean",
    "bounded_rate_spread",
    "bounded_log_rate",
    "bounded_level",
    "bounded_ceiling",
    "bounded_noise",
    "unbounded_rate_mean",
    "unbounded_rate_spread",
    "unbounded_log_rate",
    "unbounded_accel",
    "unbounded_level",
    "unbounded_noise",
)


def _quiet_pymc():
    for name in ("pymc", "pymc.sampling.forward", "pymc.stats.convergence"):
        logging.getLogger(name).setLevel(logging.ERROR)


def design_key(rows: list[Observation]) -> tuple:
    """What a compiled model depends on apart from the observed values."""
    return tuple(
        (
            r.series,
            r.dimension,
            r.time,
            r.time_sd,
            r.approximate,
            r.is_range,
            np.nan_to_num(r.known_sd),
        )
        for r in ai_rows(rows)
    )


class CompiledFit:
    """One growth model compiled once (nutpie), refitted on new values of the same design.

    The compiled model keeps the constants of the table it was built from (reference dates
    and, for unbounded series, the centre of the level prior), so it is meant for
    simulation studies whose data are drawn from this model's own prior.
    """

    def __init__(self, rows: list[Observation], priors: Priors):
        import nutpie

        from .growth import build_model

        _quiet_pymc()
        self.rows = rows
        self.priors = priors
        self.model, self.design = build_model(rows, priors, refittable=True)
        self.ob = obs_arrays(rows, priors)
        self.key = design_key(rows)
        self.compiled = nutpie.compile_pymc_model(self.model, freeze_model=False)
        self.t_ref: dict[str, float] = self.design.t_ref  # reference dates, decimal years

    @property
    def attrs(self) -> dict[str, float]:
        """The reference dates, as :func:`forecast.trajectories.curves` takes them (kept
        for callers that pass a fit's attrs there)."""
        return self.t_ref

    def data(
        self, y: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None
    ) -> dict:
        """``with_data`` arguments from transformed values in the order of ``self.ob``."""
        ob = self.ob
        lo = ob.lo if lo is None else lo
        hi = ob.hi if hi is None else hi
        out = {}
        open_above = np.isposinf(ob.hi)  # as the model splits them (forecast/growth.py)
        for fam, mask in (("bounded", ob.bounded), ("unbounded", ~ob.bounded)):
            pts, rng = mask & ~ob.is_range, mask & ob.is_range & ~open_above
            above = mask & ob.is_range & open_above & ~np.isneginf(ob.lo)
            if pts.any():
                out[f"{fam}_y"] = np.asarray(y[pts], dtype=float)
            if rng.any():
                out[f"{fam}_lo"] = np.asarray(lo[rng], dtype=float)
                out[f"{fam}_hi"] = np.asarray(hi[rng], dtype=float)
            if above.any():
                out[f"{fam}_above_lo"] = np.asarray(lo[above], dtype=float)
        return out

    def sample(self, data: dict, draws: int = 500, tune: int = 500, chains: int = 2, seed: int = 1):
        """Posterior DataTree of the compiled model on ``data`` (an interrupt while sampling
        is raised, never a truncated sample returned)."""
        import nutpie

        from .interrupts import noted

        with noted():
            return nutpie.sample(
                self.compiled.with_data(**data),
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                progress_bar=False,
                cores=chains,
            )

    def fit_rows(self, rows: list[Observation], **kw):
        """Fit on ``rows`` of the same design: (posterior Dataset, reference dates per
        benchmark in decimal years, diagnostics dict)."""
        from . import diagnostics

        if design_key(rows) != self.key:
            raise ValueError("rows do not match the compiled design")
        ob = obs_arrays(rows, self.priors)
        dt = self.sample(self.data(ob.y, ob.lo, ob.hi), **kw)
        post = dt.posterior.to_dataset()
        free = [v.name for v in self.model.free_RVs]
        diag = diagnostics.compute(post, dt.sample_stats.to_dataset(), free)
        return post, self.t_ref, diag


class CompiledFitter:
    """A backtest fitter that compiles once per training design (see :class:`CompiledFit`)."""

    def __init__(
        self, priors: Priors, draws: int = 500, tune: int = 500, chains: int = 2, seed: int = 1
    ):
        self.priors, self.kw = (
            priors,
            {"draws": draws, "tune": tune, "chains": chains, "seed": seed},
        )
        self.cache: dict[tuple, CompiledFit] = {}

    def __call__(self, rows: list[Observation]):
        key = design_key(rows)
        if key not in self.cache:
            self.cache[key] = CompiledFit(rows, self.priors)
        return self.cache[key].fit_rows(rows, **self.kw)


def simulate(prior_curves: xr.Dataset, ob: ObsArrays, rng: np.random.Generator):
    """Data sets simulated from each prior draw: (y, lo, hi), each (draw, n), transformed scale.

    Point figures are Normal(eta, sd) or Student-t(nu, eta, sd) as in the likelihood (sd
    with the draw's own noise scale); a published range becomes the bin of its own width
    (on the transformed scale, on a grid through the published bounds) that the simulated
    latent value falls in.
    """
    eta, sd = scales(prior_curves, ob)
    nu = np.broadcast_to(ob.nu, eta.shape)
    t = np.isfinite(nu)
    z = rng.standard_normal(eta.shape)
    if t.any():
        w = rng.standard_gamma(np.where(t, nu, 2.0) / 2) / (np.where(t, nu, 2.0) / 2)
        z = np.where(t, z / np.sqrt(w), z)
    y = eta + sd * z
    width = ob.hi - ob.lo
    with np.errstate(invalid="ignore"):
        k = np.floor((y - ob.lo) / width)
    lo = np.where(ob.is_range, ob.lo + k * width, np.nan)
    hi = np.where(ob.is_range, lo + width, np.nan)
    return y, lo, hi


def parameters(prior: xr.Dataset, priors: Priors, ob: ObsArrays) -> list[tuple[str, dict]]:
    """The scalar quantities ranked: hyper-parameters, and per benchmark its log growth rate,
    level, rate change (unbounded) and ceiling where the ceiling is uncertain."""
    out: list[tuple[str, dict]] = []
    bench_of = {r.series: r.benchmark for r in ob.rows}
    for name in PARAMS:
        if name not in prior:
            continue
        da = prior[name]
        dims = [d for d in da.dims if d not in ("chain", "draw")]
        if not dims:
            out.append((name, {}))
            continue
        for b in da[dims[0]].values:
            if name == "bounded_ceiling":
                # the model's own lookup: the series, else its benchmark, else the default
                lo, hi, _, _ = priors.ceiling(str(b), bench_of.get(str(b), str(b)))
                if lo == hi:
                    continue  # fixed: not a parameter
            out.append((name, {dims[0]: str(b)}))
    return out


def param_label(name: str, sel: dict) -> str:
    return name + ("" if not sel else f"[{next(iter(sel.values()))}]")


@dataclass
class SBCResult:
    summary: SbcSummary  # its as_json() is sbc.json (docs/schema/sbc.schema.json)
    ranks: np.ndarray  # (sim, parameter)
    labels: list[str]


def rank_test(ranks: np.ndarray, n_ranks: int, bins: int, alpha: float) -> list[dict]:
    """Chi-square test of uniformity of each column of ``ranks`` (values 0..n_ranks) on
    ``bins`` equal-width bins; Bonferroni over columns so ``alpha`` is family-wise."""
    from scipy.stats import chisquare

    if (n_ranks + 1) % bins:
        raise ValueError("n_ranks + 1 must be divisible by the number of bins")
    per = alpha / ranks.shape[1]
    out = []
    for j in range(ranks.shape[1]):
        counts = np.bincount(ranks[:, j] * bins // (n_ranks + 1), minlength=bins)
        stat, p = chisquare(counts)
        out.append(
            {
                "counts": counts.tolist(),
                "chi2": round(float(stat), 3),
                "p_value": float(p),
                "uniform": bool(p >= per),
            }
        )
    return out


def _check_options(sims: int, draws: int, chains: int, n_ranks: int, bins: int) -> None:
    from .errors import ForecastError

    if (n_ranks + 1) % bins:
        raise ForecastError(
            f"--ranks + 1 ({n_ranks + 1}) must be divisible by --bins ({bins})", "--bins"
        )
    if chains * draws < n_ranks:
        raise ForecastError(
            f"{chains} chains x {draws} draws give fewer than {n_ranks} draws to rank "
            "against; raise --draws or lower --ranks",
            "--draws",
        )
    if sims < 5 * bins:
        raise ForecastError(
            f"{sims} simulations give fewer than 5 per rank bin ({bins} bins); the "
            "chi-square test needs at least 5 expected per bin",
            "--sims",
        )


def _prior_draws(fit: CompiledFit, sims: int, seed: int) -> xr.Dataset:
    import warnings

    import pymc as pm

    _quiet_pymc()
    with fit.model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Potentials.*")  # a range is data, not prior
        return pm.sample_prior_predictive(draws=sims, random_seed=seed)["prior"].to_dataset()


def _rank(d: np.ndarray, t: float, rng: np.random.Generator) -> int:
    """Rank of the truth ``t`` among the draws ``d``; ties broken at random."""
    ties = d == t
    return int((d < t).sum() + (rng.integers(0, ties.sum() + 1) if ties.any() else 0))


def _summary(
    fit: CompiledFit, settings: dict, alpha: float, labels: list[str], tests: list[dict], divergent
) -> dict:
    bins = settings["bins"]
    return {
        "design": {
            "n_observations": len(fit.ob.rows),
            "benchmarks": sorted(set(map(str, fit.ob.benchmark))),
        },
        **settings,
        "test": (
            f"chi-square on {bins} equal rank bins per parameter; Bonferroni over "
            f"{len(labels)} parameters, family-wise false-alarm rate {alpha}"
        ),
        "alpha": alpha,
        "uniform": all(t["uniform"] for t in tests),
        "share_sims_with_divergences": round(float((divergent > 0).mean()), 4),
        "parameters": dict(zip(labels, tests)),
    }


def run(
    rows: list[Observation],
    priors: Priors,
    sims: int = 100,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    seed: int = 1,
    n_ranks: int = 99,
    bins: int = 10,
    alpha: float = 0.01,
    progress=None,
    fit: CompiledFit | None = None,
) -> SBCResult:
    """Simulation-based calibration at the design of ``rows``: ``sims`` prior draws, one
    simulated data set and one refit each, ranks of the truths among ``n_ranks`` thinned
    posterior draws, and the chi-square uniformity test per parameter."""
    from .trajectories import curves

    _check_options(sims, draws, chains, n_ranks, bins)
    if progress:
        progress("compiling the model for the design...")
    fit = fit or CompiledFit(rows, priors)
    prior = _prior_draws(fit, sims, seed)
    pc = curves(prior, fit.t_ref)
    rng = np.random.default_rng(seed)
    y, lo, hi = simulate(pc, fit.ob, rng)
    plist = parameters(prior, priors, fit.ob)
    labels = [param_label(n, s) for n, s in plist]
    ranks = np.zeros((sims, len(plist)), dtype=int)
    divergent = np.zeros(sims, dtype=int)
    truth_all = {
        lab: prior[n].sel(s).values.ravel() if s else prior[n].values.ravel()
        for lab, (n, s) in zip(labels, plist)
    }
    keep = np.linspace(0, chains * draws - 1, n_ranks).round().astype(int)
    for i in range(sims):
        if progress and (i % 20 == 0):
            progress(f"simulation {i + 1}/{sims}")
        dt = fit.sample(
            fit.data(y[i], lo[i], hi[i]),
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed * 100_003 + i,
        )
        post = dt.posterior
        divergent[i] = int(dt.sample_stats["diverging"].sum())
        for j, (lab, (n, s)) in enumerate(zip(labels, plist)):
            d = post[n].sel(s) if s else post[n]
            ranks[i, j] = _rank(d.values.reshape(-1)[keep], truth_all[lab][i], rng)
    tests = rank_test(ranks, n_ranks, bins, alpha)
    settings = {
        "sims": sims,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "seed": seed,
        "n_ranks": n_ranks,
        "bins": bins,
    }
    summary = sbc_summary(_summary(fit, settings, alpha, labels, tests, divergent))
    return SBCResult(summary, ranks, labels)


__all__ = ["CompiledFit", "CompiledFitter", "rank_test", "run", "simulate"]
