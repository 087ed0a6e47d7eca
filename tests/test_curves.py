"""The growth-curve equations (forecast.curves) against values worked out by hand, and the
numpy and PyTensor evaluations of the same expressions against each other."""

import math

import numpy as np
import pytest

from forecast import curves as cv

LN2, LN3, LN10 = math.log(2), math.log(3), math.log(10)


def test_logit_and_expit_at_known_points():
    assert cv.logit(0.5) == 0.0
    assert cv.logit(0.75) == pytest.approx(LN3, rel=1e-15)
    assert cv.logit(0.2) == pytest.approx(-math.log(4), rel=1e-15)
    assert cv.expit(LN3) == pytest.approx(0.75, rel=1e-15)
    assert cv.expit(-math.log(4)) == pytest.approx(0.2, rel=1e-15)
    assert np.isposinf(cv.logit(1.0)) and np.isneginf(cv.logit(0.0))
    assert cv.expit(-1000.0) == 0.0 and cv.expit(1000.0) == 1.0
    assert cv.transform(100.0, bounded=False) == pytest.approx(2 * LN10)
    assert cv.inverse(LN3, bounded=True) == pytest.approx(0.75)


def test_bounded_value_is_ceiling_times_logistic():
    # x = level + rate * tau: 0 at tau = 2 (logistic 1/2), ln 3 at tau = 2 + 2 ln 3 (3/4)
    level, rate, ceiling = -1.0, 0.5, 0.8
    assert cv.bounded_value(level, rate, ceiling, 2.0) == pytest.approx(0.4, rel=1e-15)
    assert cv.bounded_value(level, rate, ceiling, 2 + 2 * LN3) == pytest.approx(0.6, rel=1e-14)


def test_bounded_transformed_value_and_slope_by_hand():
    # at x = 0: mu = c / 2 = 0.4, eta = logit(0.4) = ln(2/3);
    # slope = rate (1 - mu / c) / (1 - mu) = 0.5 * 0.5 / 0.6 = 5/12 logit units per year
    eta, slope = cv.bounded_transformed(-1.0, 0.5, 0.8, 2.0)
    assert eta == pytest.approx(math.log(2 / 3), rel=1e-14)
    assert slope == pytest.approx(5 / 12, rel=1e-14)
    # stable far out: ceiling 1, x = 40 -> eta = x, where logit(value) rounds to +inf
    eta, _ = cv.bounded_transformed(40.0, 1.0, 1.0, 0.0)
    assert eta == pytest.approx(40.0, rel=1e-12)
    assert np.isposinf(cv.logit(cv.bounded_value(40.0, 1.0, 1.0, 0.0)))


def test_unbounded_value_by_hand():
    # constant rate: 10 * 2^tau
    assert cv.unbounded_value(LN10, LN2, 0.0, 3.0) == pytest.approx(80.0, rel=1e-14)
    # g = ln 2, rate = ln 2, tau = 1: growth = (2 - 1) / ln 2, so log value = ln 10 + 1
    assert cv.unbounded_value(LN10, LN2, LN2, 1.0) == pytest.approx(10 * math.e, rel=1e-14)
    eta, slope = cv.unbounded_transformed(LN10, LN2, LN2, 1.0)
    assert eta == pytest.approx(LN10 + 1, rel=1e-14)
    assert slope == LN2  # the rate at the reference date


def test_growth_tends_to_tau_as_the_rate_change_vanishes():
    tau = np.array([-2.0, 0.5, 7.0])
    np.testing.assert_array_equal(cv.growth(0.0, tau), tau)
    np.testing.assert_array_equal(cv.growth(0.5 * cv.SMALL_ACCEL, tau), tau)
    g = 10 * cv.SMALL_ACCEL  # expm1(g tau) / g = tau (1 + g tau / 2 + ...)
    np.testing.assert_allclose(cv.growth(g, tau), tau * (1 + g * tau / 2), rtol=1e-9)
    assert cv.growth(-0.5, 2.0) == pytest.approx((math.exp(-1) - 1) / -0.5, rel=1e-15)


def test_bounded_crossing_solved_by_hand():
    # 0.8 logistic(-1 + 0.5 tau) = 0.6  <=>  -1 + 0.5 tau = logit(0.75) = ln 3
    assert cv.bounded_crossing(-1.0, 0.5, 0.8, 0.6) == pytest.approx(2 * (1 + LN3), rel=1e-14)
    assert np.isposinf(cv.bounded_crossing(-1.0, 0.5, 0.8, 0.8))  # the ceiling itself
    assert np.isposinf(cv.bounded_crossing(-1.0, 0.5, 0.8, 0.95))
    assert np.isneginf(cv.bounded_crossing(-1.0, 0.5, 0.8, 0.0))
    # a share of the ceiling: x = logit(0.5) = 0 at tau = 2
    assert cv.logit_crossing(cv.logit(0.5), -1.0, 0.5) == 2.0


def test_unbounded_crossing_solved_by_hand():
    assert cv.unbounded_crossing(LN10, LN2, 0.0, 80.0) == pytest.approx(3.0, rel=1e-14)
    # g = -1/2, rate 1, level 0: log value = 2 (1 - exp(-tau / 2)) -> limit 2 (log units)
    # reaches 1 when exp(-tau / 2) = 1/2, tau = 2 ln 2; never reaches 2 or more
    assert cv.unbounded_crossing(0.0, 1.0, -0.5, math.e) == pytest.approx(2 * LN2, rel=1e-14)
    assert np.isposinf(cv.unbounded_crossing(0.0, 1.0, -0.5, math.exp(2)))
    assert np.isposinf(cv.unbounded_crossing(0.0, 1.0, -0.5, math.exp(3)))
    # accelerating: g = ln 2, rate ln 2: log value = 2^tau - 1 -> reaches ln(10) + 3 at tau 2
    t = cv.unbounded_crossing(LN10, LN2, LN2, 10 * math.exp(3))
    assert t == pytest.approx(2.0, rel=1e-14)


def test_crossing_and_value_agree():
    tau = cv.crossing("unbounded", LN10, LN2, np.nan, LN2, 10 * math.exp(3))
    assert cv.value("unbounded", LN10, LN2, np.nan, LN2, tau) == pytest.approx(10 * math.exp(3))
    tau = cv.crossing("bounded", -1.0, 0.5, 0.8, 0.0, 0.6)
    assert cv.value("bounded", -1.0, 0.5, 0.8, 0.0, tau) == pytest.approx(0.6, rel=1e-14)


def test_first_passage_on_a_grid():
    grid = np.array([2025.0, 2025.5, 2026.0, 2026.5])
    values = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(cv.first_passage(values, grid, 3.0), [2026.0, 2025.0, cv.NEVER])


def test_numpy_and_pytensor_give_the_same_curves_on_a_grid():
    import pytensor
    import pytensor.tensor as pt

    rng = np.random.default_rng(5)
    n = 200
    level = rng.normal(0, 2, n)
    rate = np.exp(rng.normal(0, 0.5, n))
    ceiling = rng.uniform(0.5, 1.0, n)
    accel = np.concatenate([rng.normal(0, 0.4, n - 2), [0.0, 1e-8]])
    tau = np.linspace(-6, 10, n)
    args = [pt.dvector(s) for s in ("level", "rate", "ceiling", "accel", "tau")]
    lv, rt, ce, ac, ta = args
    b_eta, b_slope = cv.bounded_transformed(lv, rt, ce, ta, pt)
    u_eta, u_slope = cv.unbounded_transformed(lv, rt, ac, ta, pt)
    f = pytensor.function(args, [b_eta, b_slope, u_eta, u_slope], on_unused_input="ignore")
    got = f(level, rate, ceiling, accel, tau)
    want = [
        *cv.bounded_transformed(level, rate, ceiling, tau),
        *cv.unbounded_transformed(level, rate, accel, tau),
    ]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.broadcast_to(w, g.shape), rtol=1e-12, atol=1e-12)
    # and the transformed curve is the transform of the value where the latter is accurate
    np.testing.assert_allclose(
        want[0], cv.logit(cv.bounded_value(level, rate, ceiling, tau)), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        want[2], np.log(cv.unbounded_value(level, rate, accel, tau)), rtol=1e-12
    )
