"""Growth models in PyMC: one model holding every benchmark, two families.

Bounded (share of tasks, 0-1)::

    score_b(t) = ceiling_b * logistic(level_b + rate_b * (t - t_ref_b))
    log rate_b = rate_mean + rate_spread * z_b,   z_b ~ Normal(0, 1)      (partial pooling)

Unbounded (minutes, multiplier, ...)::

    log metric_b(t) = level_b + rate_b * expm1(g_b * tau) / g_b,   tau = t - t_ref_b
    log rate_b = rate_mean + rate_spread * z_b;   g_b ~ Normal(0, s_g)

t is in decimal years; ``rate`` is per year (logit units for bounded, natural-log units for
unbounded); ``t_ref_b`` is the mean date of the series' observations. One curve per
``series`` (a benchmark x task set x grader x harness; the benchmark id when the table
names none). Observations enter on the logit (bounded) or log (unbounded) scale, Normal or
Student-t (``likelihood``, ``nu`` in priors/*.toml) with sd^2 = (scale_f x approximate
factor)^2 + known_sd^2 + (slope x date sd)^2: ``scale_f`` the family's noise scale, fixed
or learned (sd x exp(sigma z), z ~ N(0, 1), non-centred), ``known_sd`` a published
uncertainty on the same scale; a published range or a censored 0/100 % figure enters as an
interval likelihood, P(low < y < high). With ``[rate_drift] in_forecasts`` the posterior
also carries the forward walk's scales, its common share and each series' last date as
constants (``{family}_drift_sigma``, ``{family}_level_sigma``, ``{family}_level_spread``
and ``{family}_drift_common`` when above 0, ``{family}_t_last``) and each series' best
figure by its last date (``{family}_v_last``, canonical unit: the record that caps the
walk's start), which
:func:`forecast.trajectories.crossing_time` follows after the last observation.

The curve expressions (transformed value and slope) are :mod:`forecast.curves`', evaluated
here on PyTensor tensors; the numpy forward code calls the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import curves
from .observations import Observation, ai_rows
from .priors import Noise, Priors

BOUNDED_DIM = "bounded"
UNBOUNDED_DIM = "unbounded"


@dataclass(frozen=True)
class Design:
    """The data a growth model is built from, per family, as plain arrays."""

    bounded: list[str]
    unbounded: list[str]
    t_ref: dict[str, float]
    t_last: dict[str, float]  # date of the latest observation, decimal year
    v_last: dict[str, float]  # the series' best figure by then (canonical unit; its record)
    level_centre: dict[str, float]  # unbounded: log geometric mean of the observations
    n_obs: dict[str, int]
    obs: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    benchmark_of: dict[str, str] = field(default_factory=dict)  # series -> benchmark id


def design(rows: list[Observation]) -> Design:
    """Arrange the AI observations by family, one curve per ``series`` (a benchmark x task
    set x grader x harness; the benchmark id when the table names none); human baselines
    are thresholds, not data."""
    ai = ai_rows(rows)
    bench = list(dict.fromkeys(r.series for r in ai))
    bounded = [b for b in bench if next(r for r in ai if r.series == b).bounded]
    unbounded = [b for b in bench if b not in bounded]
    t_ref = {b: float(np.mean([r.time for r in ai if r.series == b])) for b in bench}
    t_last = {b: float(max(r.time for r in ai if r.series == b)) for b in bench}
    v_last = {b: float(max(r.figure for r in ai if r.series == b)) for b in bench}
    n_obs = {b: sum(r.series == b for r in ai) for b in bench}
    centre = {
        b: float(np.mean([np.log(r.midpoint) for r in ai if r.series == b])) for b in unbounded
    }
    benchmark_of = {r.series: r.benchmark for r in ai}
    obs = {}
    for fam, names, tf in (("bounded", bounded, curves.logit), ("unbounded", unbounded, np.log)):
        rs = [r for r in ai if r.series in names]
        obs[fam] = {
            "idx": np.array([names.index(r.series) for r in rs], dtype=int),
            "tau": np.array([r.time - t_ref[r.series] for r in rs]),
            "time_sd": np.array([r.time_sd for r in rs]),
            "known_sd": np.nan_to_num(np.array([r.known_sd for r in rs], dtype=float)),
            "is_range": np.array([r.is_range for r in rs], dtype=bool),
            "approximate": np.array([r.approximate for r in rs], dtype=bool),
            "y": tf(np.array([r.value for r in rs])),
            "lo": tf(np.array([r.low for r in rs])),
            "hi": tf(np.array([r.high for r in rs])),
        }
    return Design(bounded, unbounded, t_ref, t_last, v_last, centre, n_obs, obs, benchmark_of)


def _noise_scale(pm, name, noise: Noise):
    """The family's noise scale of a point figure (transformed scale): fixed at ``sd``, or
    learned, sd * exp(sigma * z) with z ~ Normal(0, 1) (non-centred LogNormal)."""
    if noise.learned is None:
        return noise.sd
    z = pm.Normal(f"{name}_noise_z", 0.0, 1.0)
    return pm.Deterministic(f"{name}_noise", noise.sd * pm.math.exp(noise.learned.sigma * z))


def _likelihood(pm, pt, name, eta, slope, o, noise: Noise, refittable: bool):
    """Normal or Student-t likelihood for point figures, interval likelihood for ranges
    (transformed scale); sd^2 = (scale x approximate factor)^2 + known_sd^2 +
    (slope x date sd)^2. Observed values are ``pm.Data`` when ``refittable``, else
    constants."""
    scale = _noise_scale(pm, name, noise)
    factor = np.where(o["approximate"], noise.sd_approximate / noise.sd, 1.0)
    sd = pt.sqrt((scale * factor) ** 2 + o["known_sd"] ** 2 + (slope * o["time_sd"]) ** 2)
    pts, rng = ~o["is_range"], o["is_range"]

    def dist(mu, sigma):
        if noise.likelihood == "student_t":
            return pm.StudentT.dist(nu=noise.nu, mu=mu, sigma=sigma)
        return pm.Normal.dist(mu=mu, sigma=sigma)

    def data(key, values):
        return pm.Data(f"{name}_{key}", values) if refittable else values

    if pts.any():
        y = data("y", o["y"][pts])
        if noise.likelihood == "student_t":
            pm.StudentT(f"{name}_obs", nu=noise.nu, mu=eta[pts], sigma=sd[pts], observed=y)
        else:
            pm.Normal(f"{name}_obs", mu=eta[pts], sigma=sd[pts], observed=y)
    # a range open above (a share censored at 100 %, a range reaching it: logit +inf) enters
    # as P(y > low) by the survival function: logcdf at +inf has no finite gradient; a range
    # of every value (0-100 %) says nothing and adds nothing
    above = rng & np.isposinf(o["hi"]) & ~np.isneginf(o["lo"])
    rng = rng & ~np.isposinf(o["hi"])
    if rng.any():
        lo = data("lo", o["lo"][rng])
        hi = data("hi", o["hi"][rng])
        d = dist(eta[rng], sd[rng])
        upper = pm.logcdf(d, hi)
        lower = pm.logcdf(d, lo)
        pm.Potential(f"{name}_range_obs", pm.math.logdiffexp(upper, lower).sum())
    if above.any():
        lo = data("above_lo", o["lo"][above])
        d = dist(eta[above], sd[above])
        pm.Potential(f"{name}_above_obs", pm.logccdf(d, lo).sum())


def _rates(pm, name, dim, mean, spread, pooling):
    """Log growth rates per benchmark, partially pooled (non-centred) or independent."""
    if pooling == "partial":
        mu = pm.Normal(f"{name}_rate_mean", mean.mu, mean.sigma)
        tau = pm.HalfNormal(f"{name}_rate_spread", spread.sigma)
        z = pm.Normal(f"{name}_rate_z", 0.0, 1.0, dims=dim)
        return pm.Deterministic(f"{name}_log_rate", mu + tau * z, dims=dim)
    # no pooling: the same marginal prior scale, but nothing shared between benchmarks
    sd = float(np.hypot(mean.sigma, spread.sigma))
    z = pm.Normal(f"{name}_rate_z", 0.0, 1.0, dims=dim)
    return pm.Deterministic(f"{name}_log_rate", mean.mu + sd * z, dims=dim)


def _forward_drift(pm, name, fam, dim, d: Design, names: list[str]):
    """The forward walk's scales (per sqrt(year)), each series' (``names``) last observation
    date (decimal year) and its best figure by then (canonical unit: the record that caps
    the walk's start) as posterior constants, so forecasts from this posterior follow the
    walk (:func:`forecast.trajectories.crossing_time`)."""
    rd = fam.rate_drift
    if rd is not None and rd.in_forecasts:
        for var, per_series in (("t_last", d.t_last), ("v_last", d.v_last)):
            values = np.asarray([per_series[b] for b in names])
            pm.Deterministic(f"{name}_{var}", pm.math.constant(values), dims=dim)
        pm.Deterministic(f"{name}_drift_sigma", pm.math.constant(rd.sigma, dtype="float64"))
        pm.Deterministic(f"{name}_level_sigma", pm.math.constant(rd.level_sigma, dtype="float64"))
        if rd.level_spread > 0:
            spread = pm.math.constant(rd.level_spread, dtype="float64")
            pm.Deterministic(f"{name}_level_spread", spread)
        if rd.common_share > 0:
            share = pm.math.constant(rd.common_share, dtype="float64")
            pm.Deterministic(f"{name}_drift_common", share)


def build_model(rows: list[Observation], priors: Priors, refittable: bool = False):
    """The joint growth model of every benchmark in ``rows`` (a ``pm.Model``) and its Design.

    With ``refittable`` the observed values are ``pm.Data`` (``bounded_y``, ``bounded_lo``,
    ...), so one compiled model can be refitted on other values of the same design (SBC,
    tests); without, they are constants: the same draws for the same seed, and nutpie's
    compile is ~1.5 s shorter (its C wrapper unpacks every shared array)."""
    import pymc as pm
    import pytensor.tensor as pt

    d = design(rows)
    coords = {}
    if d.bounded:
        coords[BOUNDED_DIM] = d.bounded
    if d.unbounded:
        coords[UNBOUNDED_DIM] = d.unbounded
    with pm.Model(coords=coords) as model:
        if d.bounded:
            p = priors.bounded
            log_rate = _rates(
                pm, "bounded", BOUNDED_DIM, p.growth_rate.mean, p.growth_rate.spread, p.pooling.mode
            )
            rate = pm.Deterministic("bounded_rate", pt.exp(log_rate), dims=BOUNDED_DIM)
            level = pm.Normal("bounded_level", p.level.mu, p.level.sigma, dims=BOUNDED_DIM)
            c = np.array([priors.ceiling(b, d.benchmark_of.get(b, b)) for b in d.bounded])
            raw = pm.Beta("bounded_ceiling_raw", alpha=c[:, 2], beta=c[:, 3], dims=BOUNDED_DIM)
            ceiling = pm.Deterministic(
                "bounded_ceiling", c[:, 0] + (c[:, 1] - c[:, 0]) * raw, dims=BOUNDED_DIM
            )
            o = d.obs["bounded"]
            i = o["idx"]
            eta, slope = curves.bounded_transformed(level[i], rate[i], ceiling[i], o["tau"], pt)
            _likelihood(pm, pt, "bounded", eta, slope, o, p.observation_noise, refittable)
            _forward_drift(pm, "bounded", p, BOUNDED_DIM, d, d.bounded)
        if d.unbounded:
            q = priors.unbounded
            log_rate = _rates(
                pm,
                "unbounded",
                UNBOUNDED_DIM,
                q.growth_rate.mean,
                q.growth_rate.spread,
                q.pooling.mode,
            )
            rate = pm.Deterministic("unbounded_rate", pt.exp(log_rate), dims=UNBOUNDED_DIM)
            accel = pm.Normal(
                "unbounded_accel", q.acceleration.mu, q.acceleration.sigma, dims=UNBOUNDED_DIM
            )
            centre = np.array([d.level_centre[b] for b in d.unbounded])
            level_z = pm.Normal(
                "unbounded_level_offset", q.level.mu, q.level.sigma, dims=UNBOUNDED_DIM
            )
            level = pm.Deterministic("unbounded_level", centre + level_z, dims=UNBOUNDED_DIM)
            o = d.obs["unbounded"]
            i = o["idx"]
            eta, slope = curves.unbounded_transformed(level[i], rate[i], accel[i], o["tau"], pt)
            _likelihood(pm, pt, "unbounded", eta, slope, o, q.observation_noise, refittable)
            _forward_drift(pm, "unbounded", q, UNBOUNDED_DIM, d, d.unbounded)
    return model, d
