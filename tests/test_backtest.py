"""Backtests: the naive baseline and the scores by hand, input errors, the command on the shipped
example, and two statistical checks on simulated data (marked slow):

* data simulated from the model itself: the backtest's 50/80/95 % intervals cover the later
  points at the nominal rates and the PIT is uniform (binomial / chi-square tests);
* data from a logistic curve with a ceiling of 60 %: the model with a ceiling prior beats the
  same model forced to a ceiling of 100 % (a straight line on the logit scale) and the naive
  logistic extrapolation, in almost every simulated data set.
"""

import json
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from forecast import backtest as bt
from forecast import backtest_setup as setup
from forecast import scoring
from forecast.errors import ForecastError
from forecast.observations import parse_table
from forecast.priors import BenchmarkOverride, UncertainCeiling, load

from .conftest import HEADER, ROOT, write

EXAMPLE = ROOT / "examples" / "synthetic-series.csv"


# ---------------------------------------------------------------- by hand


def test_least_squares_line_and_its_student_t_predictive_by_hand():
    # y = 0, 1, 3 at t = 2020, 2021, 2022: slope 1.5, mean 4/3, residuals 1/6, -1/3, 1/6, RSS 1/6
    line = scoring.fit_line([2020, 2021, 2022], [0, 1, 3], prior_sd=0.2, prior_df=2)
    assert line.b == pytest.approx(1.5) and line.a == pytest.approx(4 / 3)
    assert line.df == 3  # n - 2 + 2 pseudo-observations
    assert line.s2 == pytest.approx((1 / 6 + 2 * 0.04) / 3)  # 0.0822222
    loc, scale, df = line.predict([2023.0])
    assert loc[0] == pytest.approx(13 / 3)
    # h = 1/n + (t - mean)^2 / Sxx = 1/3 + 4/2; new observation: s * sqrt(1 + h)
    assert scale[0] == pytest.approx(np.sqrt(0.0822222222 * (1 + 7 / 3)))  # 0.52352
    _loc_l, scale_l, _ = line.predict([2023.0], new_observation=False)
    assert scale_l[0] == pytest.approx(np.sqrt(0.0822222222 * 7 / 3))
    # classic OLS interval when there is no pseudo-observation: df = n - 2, s2 = RSS / (n - 2)
    plain = scoring.fit_line([2020, 2021, 2022], [0, 1, 3], prior_sd=0.2, prior_df=0)
    assert plain.df == 1 and plain.s2 == pytest.approx(1 / 6)
    with pytest.raises(ValueError):
        scoring.fit_line([2020, 2020], [0, 1], 0.2)
    # the scores of that Student-t: PIT is its CDF, log score minus its log density, CRPS the
    # integral of (F(x) - 1{x >= y})^2, checked by quadrature
    y = 4.0
    sc = scoring.t_scores(np.array([y]), loc, scale, df)
    dist = stats.t(df, loc[0], scale[0])
    assert sc["pit"][0] == pytest.approx(dist.cdf(y))
    assert sc["logs"][0] == pytest.approx(-dist.logpdf(y))
    grid = np.linspace(loc[0] - 60, loc[0] + 60, 120_001)
    crps = np.trapezoid((dist.cdf(grid) - (grid >= y)) ** 2, grid)
    assert sc["crps"][0] == pytest.approx(crps, rel=1e-3)  # (F - 1{x >= y})^2 ~ |x|^-6 beyond +-60


def test_normal_mixture_scores_by_hand():
    rng = np.random.default_rng(0)
    eta = np.full((50, 2), 1.0)
    sd = np.full((50, 2), 0.5)
    y = np.array([1.3, -0.2])
    sc = scoring.model_scores(y, eta, sd)
    z = (y - 1.0) / 0.5
    crps = 0.5 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    np.testing.assert_allclose(sc["crps"], crps, rtol=1e-6)
    np.testing.assert_allclose(sc["logs"], -stats.norm.logpdf(y, 1.0, 0.5), rtol=1e-6)
    np.testing.assert_allclose(sc["pit"], stats.norm.cdf(z), rtol=1e-9)
    # quantiles of a two-component mixture invert its CDF
    eta = np.array([[0.0], [3.0]]) + rng.normal(0, 0, (2, 1))
    sd = np.array([[1.0], [0.5]])
    q = scoring.mixture_quantiles(eta, sd, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(
        scoring.mixture_cdf(q[:, 0], np.repeat(eta, 3, 1), np.repeat(sd, 3, 1)),
        [0.1, 0.5, 0.9],
        atol=1e-9,
    )


def _degenerate_fitter(level, rate, t_ref):
    """A 'posterior' whose 40 draws are all the same unbounded curve: its predictive is one normal."""

    def fit(rows):
        post = xr.Dataset(
            {
                "unbounded_level": (("chain", "draw", "unbounded"), np.full((1, 40, 1), level)),
                "unbounded_rate": (("chain", "draw", "unbounded"), np.full((1, 40, 1), rate)),
                "unbounded_accel": (("chain", "draw", "unbounded"), np.zeros((1, 40, 1))),
            },
            coords={"unbounded": ["u"]},
        )
        return post, {"t_ref": json.dumps({"u": t_ref})}, PASSING_DIAGNOSTICS

    return fit


# what a fitter reports with its posterior (forecast.diagnostics.compute): here, a pass
PASSING_DIAGNOSTICS = {
    "max_rhat": 1.0,
    "max_rhat_parameter": "unbounded_rate",
    "min_ess_bulk": 4000.0,
    "min_ess_bulk_parameter": "unbounded_rate",
    "min_ess_tail": 4000.0,
    "min_ess_tail_parameter": "unbounded_rate",
    "divergences": 0,
    "thresholds": {"max_rhat": 1.01, "min_ess": 400, "divergences": 0},
    "warnings": [],
    "ok": True,
}


def test_backtest_scores_model_and_naive_baseline_by_hand():
    e = np.exp
    text = HEADER + "".join(
        f"u,{d},s{i},{v},,,minutes,ai,,,synthetic,\n"
        for i, (d, v) in enumerate(
            [
                ("2020-01-01", e(0)),
                ("2021-01-01", e(1)),
                ("2022-01-01", e(3)),
                ("2023-01-01", e(4)),
                ("2024-01-01", e(5.5)),
            ]
        )
    )
    rows = parse_table(text, "u.csv")
    pr = load()
    ev = bt.Event("u>=e3.5", "u", float(e(3.5)), "", "test")
    res = bt.run(
        rows, pr, [setup.parse_cutoff("2022-06")], _degenerate_fitter(2.0, 1.0, 2021.0), [ev]
    )
    points = res.result.points
    assert [p.date for p in points] == ["2023-01-01", "2024-01-01"]
    tr = rows[:3]
    line = scoring.fit_line([r.time for r in tr], [np.log(r.value) for r in tr], prior_sd=0.2)
    for p, r in zip(points, rows[3:]):
        y = np.log(r.value)
        # model: every draw is log u = 2 + (t - 2021); sd^2 = 0.2^2 + (slope * date_sd)^2
        mu = 2.0 + (r.time - 2021.0)
        sd = np.hypot(0.2, 1.0 * r.time_sd)
        z = (y - mu) / sd
        assert p.model.pit == pytest.approx(stats.norm.cdf(z), abs=1e-5)
        assert p.model.log_score == pytest.approx(-stats.norm.logpdf(y, mu, sd), abs=1e-4)
        crps = sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
        assert p.model.crps == pytest.approx(crps, abs=1e-4)
        assert p.model.in_80 == (abs(z) <= stats.norm.ppf(0.9))
        loc, scale, df = line.predict([r.time])
        d = stats.t(df, loc[0], scale[0])
        assert p.naive.pit == pytest.approx(d.cdf(y), abs=1e-5)
        assert p.naive.log_score == pytest.approx(-d.logpdf(y), abs=1e-4)
        assert p.naive.median == pytest.approx(loc[0])
        assert p.naive_kind == "log-linear"
    # threshold e^3.5: the model's curve crosses it at 2022.5; observed crossed at 2023-01-01
    b = res.result.threshold_scores
    assert [x.crossed for x in b] == [True, True]
    assert [x.model.p for x in b] == [1.0, 1.0] and b[0].model.brier == 0.0
    loc, scale, df = line.predict([rows[3].time], new_observation=False)
    p_line = stats.t.sf((3.5 - loc[0]) / scale[0], df)
    assert b[0].naive.p == pytest.approx(p_line, abs=1e-5)
    assert b[0].naive.brier == pytest.approx((1 - p_line) ** 2, abs=1e-5)
    s = res.result
    assert s.overall.model.n == 2 and sum(s.overall.naive.pit_histogram) == 2
    assert s.thresholds.brier_model == 0.0


# ---------------------------------------------------------------- input errors


def test_cutoffs_that_leave_nothing_to_fit_or_score_are_user_errors(cli, tmp_path):
    rows = setup.read_series(EXAMPLE)
    with pytest.raises(ForecastError, match="--cutoff 2019-08.*at least 2 points before"):
        bt.run(rows, load(), [setup.parse_cutoff("2019-08")], fitter=None)
    with pytest.raises(ForecastError, match="--cutoff 2027.*no points after"):
        bt.run(rows, load(), [setup.parse_cutoff("2027")], fitter=None)
    code, _, err = cli("backtest", "--data", str(EXAMPLE), "--cutoff", "2019-08")
    assert code == 2 and "--cutoff 2019-08" in err and "2 points before" in err
    code, _, err = cli("backtest", "--data", str(EXAMPLE), "--cutoff", "June 2024")
    assert code == 2 and "expected YYYY" in err
    # a short file: date,value; the unit must then be given
    short = write(tmp_path / "horizon.csv", "date,value\n2020-01,1\n2021-01,3\n2022-01,8\n")
    code, _, err = cli("backtest", "--data", str(short), "--cutoff", "2021-06")
    assert code == 2 and "--unit" in err and "horizon.csv" in err
    rows = setup.read_series(short, unit="minutes")
    assert [r.benchmark for r in rows] == ["horizon"] * 3 and rows[2].value == 8
    bad = write(tmp_path / "bad.csv", "date,value\n2020-01,1\n2021-13,3\n")
    with pytest.raises(ForecastError, match="bad.csv:3"):
        setup.read_series(bad, unit="minutes")


def test_backtest_command_on_the_shipped_example(cli, tmp_path):
    out = tmp_path / "bt"
    code, stdout, err = cli(
        "backtest",
        "--data",
        str(EXAMPLE),
        "--cutoff",
        "2024-01",
        "--cutoff",
        "2025-01",
        "--draws",
        "300",
        "--tune",
        "300",
        "--chains",
        "2",
        "--out",
        str(out),
        "--json",
        "-q",
    )
    assert code == 0, err
    s = json.loads(stdout)
    rows = setup.read_series(EXAMPLE)
    expected = sum(r.time >= c for c in (2024.0, 2025.0) for r in rows)
    assert s["n_points"] == expected == len(s["points"])
    for m in ("model", "naive"):
        o = s["overall"][m]
        assert sum(o["pit_histogram"]) == expected
        assert 0 <= o["coverage"]["50"] <= o["coverage"]["80"] <= o["coverage"]["95"] <= 1
        assert np.isfinite(o["crps"]) and np.isfinite(o["log_score"])
    assert set(s["by_benchmark"]) == {"synthetic-horizon", "synthetic-bench"}
    assert s["by_benchmark"]["synthetic-bench"]["naive_kind"] == "logistic"
    assert s["thresholds"]["n_pairs"] > 0 and "brier_model" in s["thresholds"]
    assert {p.name for p in out.iterdir()} >= {
        "backtest.json",
        "backtest-points.csv",
        "backtest-thresholds.csv",
        "backtest.png",
        "backtest.svg",
    }
    code, _, err = cli(
        "backtest", "--data", str(EXAMPLE), "--cutoff", "2024-01", "--out", str(out), "-q"
    )
    assert code == 2 and "--force" in err


# ---------------------------------------------------------------- statistical checks


# a bounded and an unbounded series; each simulated data set is fitted on the points before
# 2024-01 and one later point (rotating over the later points) is scored, so the coverage
# indicators of different simulations are independent Bernoulli(level) under a correct model
SIM_DESIGN = HEADER + "".join(
    f"{b},{d},s{i},{v},,,{u},ai,{a},,synthetic,\n"
    for i, (b, d, v, u, a) in enumerate(
        [
            ("bench", "2021-03", 10, "percent", ""),
            ("bench", "2022-01", 20, "percent", ""),
            ("bench", "2022-09", 30, "percent", "true"),
            ("bench", "2023-06", 45, "percent", ""),
            ("bench", "2024-03", 60, "percent", ""),
            ("bench", "2025-02", 70, "percent", ""),
            ("metric", "2021", 1, "minutes", "true"),
            ("metric", "2022-02", 4, "minutes", ""),
            ("metric", "2022-11", 9, "minutes", ""),
            ("metric", "2023-08", 30, "minutes", ""),
            ("metric", "2024-05", 90, "minutes", ""),
            ("metric", "2025-06", 400, "minutes", ""),
        ]
    )
)
N_SIMS = 150
ALPHA = (
    0.001  # per test; four tests (50/80/95 % coverage, PIT) -> family-wise false-alarm rate < 0.4 %
)


def _simulated_rows(rows, y):
    """Rows with the values replaced by simulated ones (transformed scale -> canonical)."""
    from forecast.check import inverse

    out, k = [], 0
    for r in rows:
        if r.kind != "ai":
            out.append(r)
            continue
        z = float(np.clip(y[k], -30, 30))  # keeps logistic(z) strictly inside (0, 1)
        out.append(replace(r, value=float(inverse(z, r.bounded))))
        k += 1
    return out


@pytest.mark.slow
def test_backtest_intervals_cover_at_the_nominal_rate_on_data_from_the_model():
    import pymc as pm

    from forecast.check import obs_arrays, predictive
    from forecast.sbc import CompiledFitter
    from forecast.trajectories import curves

    rows = parse_table(SIM_DESIGN, "sim.csv")
    pr = load()
    cut = setup.parse_cutoff("2024-01")
    train = [r for r in rows if r.time < cut.year]
    fitter = CompiledFitter(pr, draws=300, tune=300, chains=2)
    fitter(train)  # compile once
    cf = next(iter(fitter.cache.values()))
    with cf.model:
        prior = pm.sample_prior_predictive(draws=N_SIMS, random_seed=11)["prior"].to_dataset()
    # truths from the prior of the model fitted at the cutoff; every point simulated from them
    c = curves(prior, cf.attrs)
    ob = obs_arrays(rows, pr)
    eta, sd = predictive(c, ob)
    y = eta + sd * np.random.default_rng(12).standard_normal(eta.shape)
    inside = {lev: [] for lev in (0.5, 0.8, 0.95)}
    pits = []
    for i in range(N_SIMS):
        res = bt.run(_simulated_rows(rows, y[i]), pr, [cut], fitter, [])
        p = res.result.points[i % len(res.result.points)].model
        pits.append(p.pit)
        for lev in inside:
            inside[lev].append(getattr(p, f"in_{int(100 * lev)}"))
    for lev, hits in inside.items():
        k = int(np.sum(hits))
        pv = stats.binomtest(k, N_SIMS, lev).pvalue
        assert pv > ALPHA, (
            f"{int(100 * lev)} % intervals covered {k}/{N_SIMS}, binomial p = {pv:.2g}"
        )
    counts = np.bincount(np.minimum((np.array(pits) * 10).astype(int), 9), minlength=10)
    pv = stats.chisquare(counts).pvalue
    assert pv > ALPHA, f"PIT histogram {counts.tolist()} is not flat, chi-square p = {pv:.2g}"


CEILING_DESIGN = HEADER + "".join(
    f"s,{y}-{m},s{y}{m},50,,,percent,ai,,,synthetic,\n"
    for y in range(2020, 2025)
    for m in ("01", "07")
)
K = 20
SIGN_ALPHA = 0.001  # one-sided sign test: at least 18 wins in 20


@pytest.mark.slow
def test_a_misspecified_model_scores_worse_than_the_correct_one():
    """Truth: 60 % * logistic(2 (t - 2022.5)), logit-normal noise 0.2. Correct model: the growth
    model with a ceiling prior between 40 % and 80 %. Misspecified: the same model with the
    default ceiling of 100 %, i.e. forced to a straight line on the logit scale."""
    from forecast.check import obs_arrays
    from forecast.sbc import CompiledFitter

    rows = parse_table(CEILING_DESIGN, "ceiling.csv")
    wrong = load()
    ceil = UncertainCeiling(low=0.4, high=0.8, alpha=2.0, beta=2.0)
    over = BenchmarkOverride(
        ceiling=ceil, why_ceiling="The test series saturates well below 100 %."
    )
    right = wrong.model_copy(
        update={
            "bounded": wrong.bounded.model_copy(
                update={"benchmarks": {**wrong.bounded.benchmarks, "s": over}}
            )
        }
    )
    fit_right = CompiledFitter(right, draws=300, tune=300, chains=2)
    fit_wrong = CompiledFitter(wrong, draws=300, tune=300, chains=2)
    t = obs_arrays(rows, right).time
    mu = 0.6 / (1 + np.exp(-2 * (t - 2022.5)))
    truth = np.log(mu) - np.log1p(-mu)
    rng = np.random.default_rng(5)
    cut = [setup.parse_cutoff("2023-03")]
    wins = {"misspecified": 0, "naive": 0}
    gaps = []
    for _k in range(K):
        sim = _simulated_rows(rows, truth + rng.normal(0, 0.2, len(t)))
        a = bt.run(sim, right, cut, fit_right, []).result.overall
        b = bt.run(sim, wrong, cut, fit_wrong, []).result.overall
        wins["misspecified"] += a.model.crps < b.model.crps
        wins["naive"] += a.model.crps < a.naive.crps
        gaps.append(b.model.crps - a.model.crps)
    for other, w in wins.items():
        pv = stats.binomtest(w, K, 0.5, alternative="greater").pvalue
        assert pv < SIGN_ALPHA, (
            f"the correct model had the lower CRPS in only {w}/{K} data sets against "
            f"the {other} one (sign test p = {pv:.2g}); CRPS gaps {np.round(gaps, 3)}"
        )
