"""forecast.drift: forward sampling with a random walk on the log growth rate."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from forecast import drift as dr
from forecast.trajectories import crossing_time

H = 1 / 12


def _curves(family, level, rate, ceiling, accel, t_ref=2024.0, name="b"):
    """A per-draw curves dataset shaped like forecast.trajectories.curves (one benchmark)."""
    n = len(level)

    def col(v):
        return (("draw", "benchmark"), np.asarray(v, dtype=float).reshape(n, 1))

    return xr.Dataset(
        {"level": col(level), "rate": col(rate), "ceiling": col(ceiling), "accel": col(accel)},
        coords={
            "benchmark": np.array([name], dtype=object),
            "family": ("benchmark", np.array([family], dtype=object)),
            "t_ref": ("benchmark", np.array([t_ref])),
            "draw": np.arange(n),
        },
    )


def _draws(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(-1.0, 0.5, n), np.exp(rng.normal(0.3, 0.3, n)), rng.uniform(0.8, 1.0, n)


def test_sigma_zero_is_the_closed_form_bounded():
    level, rate, ceiling = _draws(200)
    c = _curves("bounded", level, rate, ceiling, np.zeros(200))
    t0 = 2024.5
    thresholds = [0.3, 0.5, 0.7, 0.79]
    got = dr.crossing_times(c, "b", thresholds, t0, dr.Drift(0.0))
    for theta, g in zip(thresholds, got, strict=True):
        want = crossing_time(c, "b", theta)
        finite = np.isfinite(want) & (want < t0 + dr.HORIZON_YEARS)
        # before t0 the closed form itself; after it within one monthly step (the
        # piecewise-linear bounded path is exact, so much closer in fact)
        assert np.all(np.abs(g[finite] - want[finite]) <= H)
        assert np.allclose(g[finite], want[finite], atol=1e-9)
        assert np.all(np.isinf(g[~finite]))


def test_sigma_zero_is_the_closed_form_unbounded_with_acceleration():
    n = 300
    rng = np.random.default_rng(1)
    level, rate = rng.normal(3.0, 0.3, n), np.exp(rng.normal(0.0, 0.3, n))
    accel = rng.normal(0.0, 0.3, n)
    c = _curves("unbounded", level, rate, np.full(n, np.nan), accel)
    t0 = 2024.7
    for theta in (np.exp(3.2), np.exp(5.0), np.exp(8.0)):
        want = crossing_time(c, "b", theta)
        got = dr.crossing_times(c, "b", [theta], t0, dr.Drift(0.0))[0]
        finite = np.isfinite(want) & (want < t0 + dr.HORIZON_YEARS - H)
        assert finite.sum() > n // 3
        assert np.all(np.abs(got[finite] - want[finite]) <= H)
        assert np.all(np.isinf(got[np.isinf(want)]))


def test_a_threshold_at_or_above_the_ceiling_is_never_crossed():
    c = _curves("bounded", [0.0], [1.0], [0.9], [0.0])
    got = dr.crossing_times(c, "b", [0.9, 0.95], 2024.0, dr.Drift(0.5, 0.3))
    assert np.all(np.isinf(got))


def test_never_within_the_horizon_is_inf():
    # log value 0 at t0, rate 0.1 per year: log 100 = 4.6 needs 46 years > 30
    c = _curves("unbounded", [0.0], [0.1], [np.nan], [0.0], t_ref=2024.0)
    assert np.isinf(dr.crossing_times(c, "b", [100.0], 2024.0, dr.Drift(0.0))[0, 0])
    # and 2.0 (log 0.69) is crossed 6.93 years on
    t = dr.crossing_times(c, "b", [2.0], 2024.0, dr.Drift(0.0))[0, 0]
    assert abs(t - (2024.0 + np.log(2.0) / 0.1)) <= H


def test_the_log_rate_is_a_driftless_random_walk():
    """Constant rate r: the log rate during step k is log r + sigma W_k, W_k ~ N(0, k h),
    so E[log rate] stays log r and its variance grows as sigma^2 k h (by hand)."""
    n, r, sigma = 4000, 0.7, 0.4
    _grid, x, _ = dr.paths(
        "unbounded",
        np.zeros(n),
        np.full(n, r),
        np.zeros(n),
        2024.0,
        2024.0,
        dr.Drift(sigma),
        seed=3,
    )
    log_rate = np.log(np.diff(x, axis=1) / H)  # (draw, step)
    for k in (0, 12, 120, 359):
        m, v = log_rate[:, k].mean(), log_rate[:, k].var()
        sd = sigma * np.sqrt(k * H)
        if k == 0:
            assert np.allclose(log_rate[:, 0], np.log(r))
            continue
        assert abs(m - np.log(r)) < 4 * sd / np.sqrt(n)  # Monte Carlo error of a mean
        assert abs(v / sd**2 - 1) < 4 * np.sqrt(2 / (n - 1))  # ... and of a variance


def test_the_spread_of_crossing_dates_grows_with_sigma():
    n = 2000
    c = _curves("unbounded", np.zeros(n), np.full(n, 0.7), np.full(n, np.nan), np.zeros(n))
    iqr = []
    for sigma in (0.0, 0.1, 0.3, 0.6):
        t = dr.crossing_times(c, "b", [np.exp(3.5)], 2024.0, dr.Drift(sigma), seed=5)[0]
        q = np.quantile(t, [0.25, 0.75])
        iqr.append(q[1] - q[0])
    # sigma 0: every draw the same curve, crossing at 3.5 / 0.7 = 5 years
    assert iqr[0] == 0.0
    assert np.all(np.diff(iqr) > 0)


def test_level_shift_moves_the_whole_curve():
    n = 4000
    c = _curves("bounded", np.zeros(n), np.ones(n), np.ones(n), np.zeros(n))
    # threshold 0.5 (logit 0) at t_ref with no shift; with level + delta the crossing is
    # t_ref - delta / rate, before or after t0 = t_ref: sd of the dates = level_sd / rate
    t = dr.crossing_times(c, "b", [0.5], 2024.0, dr.Drift(0.0, level_sd=0.5), seed=2)[0]
    assert abs(t.std() / 0.5 - 1) < 4 * np.sqrt(1 / (2 * (n - 1)))
    assert abs(np.median(t) - 2024.0) < 0.05


@pytest.mark.parametrize("family", ["bounded", "unbounded"])
def test_same_seed_same_dates(family):
    level, rate, ceiling = _draws(100, seed=4)
    if family == "unbounded":
        level, ceiling = level + 3, np.full(100, np.nan)
    c = _curves(family, level, rate, ceiling, np.zeros(100))
    theta = [0.6] if family == "bounded" else [np.exp(4.0)]
    a = dr.crossing_times(c, "b", theta, 2024.5, dr.Drift(0.3, 0.2), seed=7)
    b = dr.crossing_times(c, "b", theta, 2024.5, dr.Drift(0.3, 0.2), seed=7)
    other = dr.crossing_times(c, "b", theta, 2024.5, dr.Drift(0.3, 0.2), seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, other)


def _target(fam, case, series, crps, in_80):
    """One target's row as forecast.drift_select gives them (scores as target_scores)."""
    return {
        "case": case,
        "series": series,
        "family": "F" if fam == "bounded" else "G",
        "prior_family": fam,
        "pit": 0.5,
        "median_error": crps,
        "crps": crps,
        "brier": 0.0,
        "in_50": in_80,
        "in_80": in_80,
        "in_95": True,
    }


def test_drift_select_chooses_per_prior_family_within_the_coverage_band():
    """Three grid points, bounded and unbounded targets (hand-computed). Bounded: the lowest
    CRPS (p1) covers 0 of 4 at 80 %, so the choice is p2 (3 of 4 = 0.75, in 0.70-0.90);
    unbounded: p2 has the lowest CRPS but covers 5 of 5, so p3 (4 of 5); with a band no
    point reaches, the nearest one, not admissible. Leave one series out within bounded:
    s1 held out -> chosen on s2 (coverage 0, 0.5, 1: none in band, p3 nearest), s2 held
    out -> chosen on s1 (0, 1, 1: p2 nearest, lower CRPS)."""
    from forecast import drift_select as ds

    p1, p2, p3 = (0.2, 1.0), (0.4, 2.0), (0.6, 3.0)
    b = [("b1", "s1"), ("b1", "s1"), ("b2", "s2"), ("b2", "s2")]
    u = [("u1", "m1")] * 3 + [("u2", "m2")] * 2

    def rows(b_crps, b_in, u_crps, u_in):
        return [_target("bounded", c, s, b_crps, i) for (c, s), i in zip(b, b_in)] + [
            _target("unbounded", c, s, u_crps, i) for (c, s), i in zip(u, u_in)
        ]

    t, f = True, False
    scores = {
        p1: rows(1.0, [f, f, f, f], 5.0, [t] * 5),
        p2: rows(2.0, [t, t, t, f], 4.0, [t] * 5),
        p3: rows(3.0, [t, t, t, t], 6.0, [t, t, t, t, f]),
    }
    res = ds.select(scores, {"bounded": p3, "unbounded": p2}, {"bounded": "series"})
    bd, ub = res["families"]["bounded"], res["families"]["unbounded"]
    assert (bd["chosen"]["sigma"], bd["chosen"]["level_sigma"]) == p2 and bd["chosen"]["admissible"]
    assert bd["chosen"]["coverage"]["80"] == 0.75 and bd["chosen"]["crps"] == 2.0
    assert (bd["lowest_crps"]["sigma"], bd["lowest_crps"]["level_sigma"]) == p1
    assert (ub["chosen"]["sigma"], ub["chosen"]["level_sigma"]) == p3
    assert (ub["lowest_crps"]["sigma"], ub["lowest_crps"]["level_sigma"]) == p2
    assert bd["grid"]["crps"] == {"0.2,1": 1.0, "0.4,2": 2.0, "0.6,3": 3.0}
    assert bd["by_series"]["groups"]["s2"]["chosen"]["coverage"]["80"] == 0.5
    # chosen p2 vs current p3 on bounded: every target 1.0 lower
    d = bd["chosen_minus_current"]
    assert d["difference"] == -1.0 and d["share_better"] == 1.0 and d["clusters"] == 2
    nowhere = ds.choose(scores, ds.of_family("unbounded"), band=(0.1, 0.2))
    assert (nowhere["sigma"], nowhere["admissible"]) == (0.6, False)
    loo = bd["leave_one_out"]
    assert loo["by"] == "series"
    assert (loo["by_group"]["s1"]["sigma"], loo["by_group"]["s1"]["admissible"]) == (0.6, False)
    assert loo["by_group"]["s2"]["sigma"] == 0.4
    assert loo["pooled"]["crps"] == 2.5 and loo["current"]["crps"] == 3.0
    assert loo["held_out_minus_current"]["difference"] == -0.5


def test_drift_select_walk_is_the_engines_walk_at_the_fits_own_scales():
    """A bounded fit carrying the walk (sigma 0.4, level_sigma 1, common share 0.5, seed 3):
    walk_draws at those scales gives the engine's crossing-date draws (crossing_time)
    exactly, another sigma other draws; grid_scores scores them with the prior family."""
    from forecast import crossing as cx
    from forecast import drift_select as ds
    from forecast.crossing_fits import CaseFit
    from forecast.crossing_run import engine_draws

    n = 300
    level, rate, ceiling = _draws(n, seed=5)
    c = _curves("bounded", level, rate, ceiling, np.zeros(n))
    col = (("draw", "benchmark"), np.ones((n, 1)))
    c = c.assign(
        drift_sigma=(col[0], 0.4 * col[1]),
        level_sigma=col,
        drift_common=(col[0], 0.5 * col[1]),
    ).assign_coords(t_last=("benchmark", np.array([2024.5])))
    c.attrs["seed"] = 3
    pts = tuple(cx.Point(2023.0 + k / 4, 0.1 + 0.05 * k) for k in range(3))
    targets = (cx.Point(2024.9, 0.6, "2024-11-20"), cx.Point(2025.4, 0.75, "2025-05-25"))
    case = cx.Case("b", "F", "fraction", 3, 2024.9, "2024-11-20", pts, targets)
    fit = CaseFit(c, "b", {}, True, 3, 1)
    mine = ds.walk_draws(case, fit, 0.4, 1.0)
    for a, e in zip(mine, engine_draws(case, fit), strict=True):
        np.testing.assert_array_equal(a, e)
    assert not np.array_equal(ds.walk_draws(case, fit, 0.8, 1.0)[0], mine[0])
    scores = ds.grid_scores([case], {case.id: fit}, [(0.4, 1.0), (0.8, 1.0)])
    row = scores[0.4, 1.0][1]
    assert (row["prior_family"], row["series"], row["case"]) == ("bounded", "b", case.id)
    assert row["crps"] == cx.target_scores(mine[1], 2025.4, 2024.9)["crps"]


def test_first_passage_of_a_path_that_falls_back_is_its_first_hit():
    """With a level walk paths are not monotone: the first grid point at or above z counts,
    interpolated inside the step that reaches it (hand-computed)."""
    grid = np.array([0.0, 1.0, 2.0, 3.0])
    x = np.array([[0.0, 2.0, 0.5, 3.0], [0.0, 0.5, 0.2, 0.8]])
    t = dr.first_passage(grid, x, 1.0)
    assert t[0] == pytest.approx(0.5)  # 0 -> 2 crosses 1 halfway through the first step
    assert t[1] == np.inf


def test_level_walk_adds_its_variance_per_year():
    """sigma = 0, level_sigma = s: the path a year after t0 has sd s around the fitted line
    (bounded, logit scale); 4000 draws give the sd to about 1.2 % (1 / sqrt(2 n))."""
    n, s = 4000, 0.8
    level, rate = np.zeros(n), np.full(n, 1.0)
    drift = dr.Drift(0.0, level_sigma=s, horizon=2.0)
    grid, x, _ = dr.paths("bounded", level, rate, np.zeros(n), 0.0, 0.0, drift, seed=5)
    k = round(1.0 / drift.step)
    dev = x[:, k] - rate * grid[k]  # the fitted line is rate * tau
    assert abs(dev.mean()) < 4 * s / np.sqrt(n)
    assert dev.std() == pytest.approx(s, rel=4 / np.sqrt(2 * n))


def test_crossing_time_follows_the_walk_the_curves_carry():
    """Curves with drift_sigma / level_sigma and t_last: crossing_time is the forward walk
    with each draw's own sigmas (here two values, checked against crossing_times with the
    same per-draw arrays and seed); another fit seed gives other paths; with zero sigmas it
    is the closed form."""
    from forecast.trajectories import closed_form_crossing_time

    level, rate, ceiling = _draws(400, seed=2)
    c = _curves("bounded", level, rate, ceiling, np.zeros(400))
    sig = np.where(np.arange(400) % 2 == 0, 0.2, 0.6)
    walk = c.assign(
        drift_sigma=(("draw", "benchmark"), sig[:, None]),
        level_sigma=(("draw", "benchmark"), np.full((400, 1), 1.0)),
    ).assign_coords(t_last=("benchmark", np.array([2024.5])))
    got = crossing_time(walk, "b", 0.7)
    want = dr.crossing_times(
        walk, "b", [0.7], 2024.5, dr.Drift(sig, level_sigma=np.full(400, 1.0)), dr.walk_seed(0, "b")
    )[0]
    np.testing.assert_array_equal(got, want)
    walk.attrs["seed"] = 7
    assert not np.array_equal(crossing_time(walk, "b", 0.7), got)
    assert not np.array_equal(got, closed_form_crossing_time(c, "b", 0.7))
    still = walk.assign(drift_sigma=0 * walk["drift_sigma"], level_sigma=0 * walk["level_sigma"])
    np.testing.assert_array_equal(
        crossing_time(still, "b", 0.7), closed_form_crossing_time(c, "b", 0.7)
    )


def _level_walk_steps(t0, share, seed, n=4000, common_seed=11):
    """Each draw's level-walk increments (draw, step) of a bounded path with the rate walk
    off and level_sigma 1 (so increment k is sqrt(h) x innovation k, plus the line's h)."""
    drift = dr.Drift(0.0, level_sigma=1.0, horizon=2.0, common=share, common_seed=common_seed)
    _g, x, _ = dr.paths("bounded", np.zeros(n), np.ones(n), np.zeros(n), t0, t0, drift, seed)
    return (np.diff(x, axis=1) - H) / np.sqrt(H)


def test_a_common_share_correlates_two_series_in_the_same_months_and_changes_no_law():
    """Two series (own seeds 1 and 2) whose walks start a year apart: in the months they
    share, innovations are correlated by the common share s (by hand: sqrt(s) sqrt(s)); each
    stays N(0, 1). Tolerances: a correlation's standard error is (1 - rho^2) / sqrt(n), a
    variance's sqrt(2 / (n - 1)); four of each, pooled over 12 months x 4000 draws."""
    s, n = 0.5, 4000
    a = _level_walk_steps(2024.0, s, seed=1, n=n)
    b = _level_walk_steps(2025.0, s, seed=2, n=n)
    shared_a, shared_b = a[:, 12:], b[:, :12]  # the calendar months 2025-01 .. 2025-12
    rho = np.mean([np.corrcoef(shared_a[:, k], shared_b[:, k])[0, 1] for k in range(12)])
    assert abs(rho - s) < 4 * (1 - s**2) / np.sqrt(12 * n)
    assert abs(np.corrcoef(a[:, 0], b[:, 0])[0, 1]) < 4 / np.sqrt(n)  # 2024-01 vs 2025-01
    for z in (a, b):
        assert abs(z.var() - 1) < 4 * np.sqrt(2 / (z.size - 1))
    # share 1: the shared months are the same numbers; share 0: as without the option
    one_a, one_b = _level_walk_steps(2024.0, 1.0, 1), _level_walk_steps(2025.0, 1.0, 2)
    np.testing.assert_allclose(one_a[:, 12:], one_b[:, :12], atol=1e-9)
    np.testing.assert_array_equal(
        _level_walk_steps(2024.0, 0.0, 1), _level_walk_steps(2024.0, 0.0, 1, common_seed=None)
    )


def test_crossing_time_uses_the_common_share_the_curves_carry():
    """Two benchmarks of one fit with drift_common 1: every walk shock is common, so with
    equal curves, sigmas and last dates their crossing dates are identical draw by draw,
    though each series has its own seed; with drift_common 0 they differ."""
    level, rate, ceiling = _draws(300, seed=3)
    one = _curves("bounded", level, rate, ceiling, np.zeros(300), name="a")
    two = xr.concat([one, one.assign_coords(benchmark=np.array(["b"], dtype=object))], "benchmark")
    full = (("draw", "benchmark"), np.ones((300, 2)))
    walk = two.assign(
        drift_sigma=(("draw", "benchmark"), np.full((300, 2), 0.4)),
        level_sigma=full,
        drift_common=full,
    ).assign_coords(t_last=("benchmark", np.array([2024.5, 2024.5])))
    np.testing.assert_allclose(crossing_time(walk, "a", 0.8), crossing_time(walk, "b", 0.8))
    apart = walk.assign(drift_common=0 * walk["drift_common"])
    assert not np.allclose(crossing_time(apart, "a", 0.8), crossing_time(apart, "b", 0.8))


def _with_record(c: xr.Dataset, v_last: float) -> xr.Dataset:
    return c.assign_coords(v_last=("benchmark", np.array([v_last])))


@pytest.mark.parametrize("family", ["bounded", "unbounded"])
def test_the_walk_starts_no_higher_than_the_record(family):
    n = 400
    rng = np.random.default_rng(3)
    if family == "bounded":
        level, rate, ceiling = rng.normal(0.2, 0.4, n), np.exp(rng.normal(0.0, 0.2, n)), np.ones(n)
        accel, record, above = np.zeros(n), 0.55, [0.56, 0.6, 0.7]
        z_record = np.log(0.55 / 0.45)
    else:
        level, rate = rng.normal(3.0, 0.4, n), np.exp(rng.normal(0.0, 0.2, n))
        ceiling, accel, record = np.full(n, np.nan), rng.normal(0.0, 0.2, n), np.exp(3.0)
        above, z_record = [np.exp(3.05), np.exp(3.5)], 3.0
    c = _curves(family, level, rate, ceiling, accel, t_ref=2024.0)
    t0 = 2024.0
    drift = dr.Drift(0.0, horizon=5.0)  # no walk: the start alone moves the dates
    free = dr.crossing_times(c, "b", above, t0, drift)
    capped = dr.crossing_times(_with_record(c, record), "b", above, t0, drift)
    # on the curve, the draws whose curve is above the record at t0 date a threshold just
    # above it before t0, though no result had reached it; capped at the record, none does
    assert np.mean(free[0] < t0) > 0.2
    assert np.all(capped > t0)
    np.testing.assert_allclose(dr.record_start(family, record, ceiling), z_record)
    # a draw whose curve is below the record keeps its curve's dates (the record may be a
    # noisy result); a draw whose curve is above it starts at the record
    _grid, x, _ = dr.paths(family, level, rate, accel, 2024.0, t0, drift, 0, np.full(n, z_record))
    below = x[:, 0] < z_record - 1e-12
    assert below.any() and (~below).any()
    np.testing.assert_array_equal(capped[:, below], free[:, below])
    assert np.allclose(x[~below, 0], z_record)


def test_a_threshold_below_the_record_keeps_the_curves_date():
    n = 100
    rng = np.random.default_rng(4)
    level, rate = rng.normal(0.5, 0.4, n), np.exp(rng.normal(0.0, 0.2, n))
    c = _curves("bounded", level, rate, np.ones(n), np.zeros(n), t_ref=2024.0)
    t0, below = 2024.0, 0.5
    free = dr.crossing_times(c, "b", [below], t0, dr.Drift(0.0))[0]
    capped = dr.crossing_times(_with_record(c, 0.55), "b", [below], t0, dr.Drift(0.0))[0]
    early = free <= t0
    assert early.any() and (~early).any()
    # where the curve crossed by t0, its own date; where it has not, its curve is below the
    # threshold and so below the record, and its date is the curve's as before
    np.testing.assert_array_equal(capped, free)


def test_no_record_or_one_outside_the_curve_starts_on_the_curve():
    ceiling = np.array([0.5, 0.9, 1.0])
    got = dr.record_start("bounded", 0.6, ceiling)
    assert np.isnan(got[0]) and np.allclose(
        got[1:], np.log((0.6 / ceiling[1:]) / (1 - 0.6 / ceiling[1:]))
    )
    assert np.all(np.isnan(dr.record_start("bounded", np.nan, ceiling)))
    assert np.all(np.isnan(dr.record_start("unbounded", 0.0, np.full(3, np.nan))))
    c = _curves("bounded", [0.0, 0.2], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0])
    drift = dr.Drift(0.3, level_sigma=1.0)
    same = dr.crossing_times(c, "b", [0.7], 2024.0, drift, seed=5)
    nan = dr.crossing_times(_with_record(c, np.nan), "b", [0.7], 2024.0, drift, seed=5)
    assert np.array_equal(same, nan)


def test_a_level_spread_gives_each_draw_its_own_scale():
    """With level_spread s every draw walks at level_sigma x exp(s Z): after one year the
    level's deviation is a normal scale mixture, variance level_sigma^2 exp(2 s^2) and
    heavier tails than a normal (kurtosis 3 E[scale^4] / E[scale^2]^2 = 3 exp(4 s^2), 8.2
    at s = 0.5, against 3). Tolerance: 4 standard errors of the variance of 20,000 mixture
    draws (its sd is sqrt((kurtosis - 1) / n) times the variance)."""
    n, m, s = 20000, 0.8, 0.5
    drift = dr.Drift(0.0, level_sigma=m, horizon=2.0, level_spread=s)
    grid, x, _ = dr.paths("bounded", np.zeros(n), np.ones(n), np.zeros(n), 0.0, 0.0, drift, seed=5)
    k = round(1.0 / drift.step)
    dev = x[:, k] - grid[k]
    var = m**2 * np.exp(2 * s**2)
    kurt = 3 * np.exp(4 * s**2)  # E[sigma^4] / E[sigma^2]^2 x 3
    assert abs(dev.var() - var) < 4 * var * np.sqrt((kurt - 1) / n)
    assert np.mean(dev**4) / dev.var() ** 2 > 3.5  # normal: 3
    # spread 0 is the fixed scale, bit for bit
    flat = (np.zeros(50), np.ones(50), np.zeros(50), 0.0, 0.0)
    fixed = dr.paths("bounded", *flat, dr.Drift(0.0, level_sigma=m, horizon=1.0), seed=5)[1]
    zero = dr.Drift(0.0, level_sigma=m, horizon=1.0, level_spread=0.0)
    np.testing.assert_array_equal(fixed, dr.paths("bounded", *flat, zero, seed=5)[1])
