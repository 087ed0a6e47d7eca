"""The growth model on the bundled data: converges, borrows strength, reports its sources."""

import numpy as np
import pytest

from forecast.fit import SamplerSettings, fit
from forecast.pipeline import inputs


def test_bundled_fit_converges(bundled_result):
    d = bundled_result.run.diagnostics
    assert d.max_rhat <= 1.01
    assert d.divergences == 0
    assert d.min_ess_bulk >= 400 and d.min_ess_tail >= 400
    assert d.ok and d.warnings == []


def test_the_posterior_carries_each_series_record_for_the_walk(bundled_result):
    """The fitted curves carry every series' best figure (v_last) beside its last date,
    read from the posterior's own constant; the METR suite-1.1 record is its largest
    point in the bundled table."""
    c = bundled_result.curves
    assert np.all(np.isfinite(c["v_last"].values))
    rows = [r for r in inputs().rows if r.series == "metr-horizon-1.1-p50" and r.kind == "ai"]
    assert float(c["v_last"].sel(benchmark="metr-horizon-1.1-p50")) == max(r.figure for r in rows)


def test_single_point_benchmark_takes_its_rate_from_the_pool(bundled_result):
    one = bundled_result.run.benchmarks["core-bench-hard-manual"]
    assert one.n_observations == 1
    assert one.rate_source.startswith("pool only")


@pytest.mark.slow
def test_pooling_narrows_the_one_point_benchmark(cache_dir):
    """Partial pooling: in the seed figures, PostTrainBench's log-rate posterior is narrower
    than without pooling.

    Unpooled, its only information on the rate is the prior (one point fixes a level, not a
    slope); pooled, the three sibling benchmarks inform it. The prior marginal scales are
    equal by construction (sqrt(mean_sd^2 + spread_sd^2)), so narrowing is borrowed strength.
    """
    import arviz_stats as azs

    inp = inputs(["seed"], no_bundled=True, settings=SamplerSettings(seed=3))
    sd, rel_se = {}, {}
    for mode in ("partial", "none"):
        pr = inp.priors.with_pooling(mode)
        dt, _ = fit(inp.rows, pr, inp.settings, cache_dir=cache_dir, quiet=True)
        x = dt["posterior"]["bounded_log_rate"].sel(bounded="posttrainbench")
        sd[mode] = float(x.std())
        # relative Monte Carlo error of a standard deviation: about 1 / sqrt(2 ESS)
        rel_se[mode] = 1 / np.sqrt(2 * float(azs.ess(x, method="tail")))
    margin = 4 * np.hypot(rel_se["partial"], rel_se["none"])
    assert sd["partial"] < (1 - margin) * sd["none"], (sd, margin)


@pytest.mark.slow
def test_data_change_moves_the_forecast(cache_dir, tmp_path):
    """A changed data point is a different cache key, a refit, and a different answer."""
    from forecast.pipeline import forecast

    base = forecast(inputs(), cache_dir=cache_dir, quiet=True)
    f = tmp_path / "ptb.csv"
    f.write_text(
        "benchmark,date,system,value,low,high,unit,kind,approximate,variant,source,note\n"
        "posttrainbench,2026-06,newer system,45,,,percent,ai,,,test,\n"
    )
    moved = forecast(inputs([str(f)]), cache_dir=cache_dir, quiet=True)
    assert moved.run.provenance.data_hash != base.run.provenance.data_hash
    p0 = base.run.events["posttrainbench-parity"].p_by(2026)
    p1 = moved.run.events["posttrainbench-parity"].p_by(2026)
    assert p1.p - p0.p > 5 * np.hypot(p0.mcse, p1.mcse)


def test_cached_posterior_is_reused_not_stale(cache_dir):
    inp = inputs(settings=SamplerSettings(seed=1))
    a, _ = fit(inp.rows, inp.priors, inp.settings, cache_dir=cache_dir, quiet=True)
    b, reused = fit(inp.rows, inp.priors, inp.settings, cache_dir=cache_dir, quiet=True)
    assert reused and a.attrs["posterior_hash"] == b.attrs["posterior_hash"]
    other = inputs(settings=SamplerSettings(seed=2))
    c, reused_c = fit(other.rows, other.priors, other.settings, cache_dir=cache_dir, quiet=True)
    assert not reused_c and c.attrs["seed"] == 2


def _row(series, date, t, value, se=float("nan"), benchmark="bench-x"):
    from forecast.observations import Observation

    return Observation(
        benchmark=benchmark,
        date=date,
        time=t,
        time_sd=0.0,
        system=f"system {date}",
        value=value,
        low=float("nan"),
        high=float("nan"),
        unit="fraction",
        dimension="share",
        kind="ai",
        approximate=False,
        variant="",
        source="test",
        note="",
        origin=f"test:{date}",
        series=series,
        se=se,
    )


def test_one_curve_per_series_and_ceilings_by_series_then_benchmark():
    from forecast.growth import design

    rows = [
        _row("x-verified", "2025-01", 2025.0, 0.3),
        _row("x-verified", "2025-07", 2025.5, 0.5),
        _row("x-full", "2025-03", 2025.2, 0.2),
    ]
    d = design(rows)
    assert d.bounded == ["x-verified", "x-full"]
    assert d.n_obs == {"x-verified": 2, "x-full": 1}
    assert d.t_ref["x-verified"] == 2025.25 and d.benchmark_of["x-full"] == "bench-x"
    # the record each series' forward walk starts from: its best figure by its last date
    assert d.v_last == {"x-verified": 0.5, "x-full": 0.2}
    pr = inputs().priors
    # the series has no override: the benchmark's applies (swe-bench: 0.9-1.0)
    assert pr.ceiling("swe-bench-verified", "swe-bench") == (0.9, 1.0, 2.0, 2.0)
    assert pr.ceiling("x-full", "bench-x") == (1.0, 1.0, 1.0, 1.0)  # the default


def test_published_uncertainty_adds_to_the_noise_in_quadrature():
    """One point with a published SE of 0.03 at 40 %: on the logit scale known_sd =
    0.03 / (0.4 * 0.6) = 0.125, so with the fixed noise 0.2 the likelihood is
    Normal(eta, sqrt(0.2^2 + 0.125^2)); checked at one parameter point by hand."""
    import math

    from scipy import stats

    from forecast.growth import build_model

    pr = inputs().priors
    noise = pr.bounded.observation_noise.model_copy(update={"learned": None})
    pr = pr.model_copy(
        update={"bounded": pr.bounded.model_copy(update={"observation_noise": noise})}
    )
    model, _ = build_model([_row("x", "2025-01", 2025.0, 0.4, se=0.03)], pr)
    total = model.compile_logp(jacobian=False)
    priors_only = model.compile_logp(vars=model.free_RVs, jacobian=False)
    point = {
        "bounded_rate_mean": 0.4,
        "bounded_rate_spread_log__": 0.0,
        "bounded_rate_z": np.array([0.0]),
        "bounded_level": np.array([0.1]),
        "bounded_ceiling_raw_logodds__": np.array([0.0]),
    }
    # ceiling fixed at 1, tau = 0: eta = level = 0.1
    sd = math.hypot(0.2, 0.03 / (0.4 * 0.6))
    expected = stats.norm.logpdf(math.log(0.4 / 0.6), 0.1, sd)
    assert total(point) - priors_only(point) == pytest.approx(expected, rel=1e-9)
