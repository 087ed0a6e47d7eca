"""First-passage dates: the closed form agrees with brute-force stepping through time."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.trajectories import crossing_time, crossing_time_stepping, value_at


def synthetic_curves(rng, n=500):
    """Random curve parameters for one bounded and one unbounded benchmark."""
    level = np.stack([rng.normal(-1, 1.5, n), rng.normal(5, 1, n)], axis=1)
    rate = np.stack([np.exp(rng.normal(0.5, 0.5, n)), np.exp(rng.normal(0, 0.5, n))], axis=1)
    ceiling = np.stack([rng.uniform(0.6, 1.0, n), np.full(n, np.nan)], axis=1)
    accel = np.stack([np.zeros(n), rng.normal(0, 0.3, n)], axis=1)
    ds = xr.Dataset(
        {
            k: (("draw", "benchmark"), v)
            for k, v in {"level": level, "rate": rate, "ceiling": ceiling, "accel": accel}.items()
        },
        coords={
            "benchmark": ["b", "u"],
            "family": ("benchmark", ["bounded", "unbounded"]),
            "t_ref": ("benchmark", [2025.0, 2025.5]),
            "draw": np.arange(n),
        },
    )
    return ds


@pytest.mark.parametrize(
    "bench,threshold", [("b", 0.5), ("b", 0.9), ("b", 0.95), ("u", 1e3), ("u", 6000.0), ("u", 1e5)]
)
def test_closed_form_equals_daily_stepping(bench, threshold):
    c = synthetic_curves(np.random.default_rng(1))
    start, stop, step = 2025.0, 2045.0, 1 / 365.25
    closed = crossing_time(c, bench, threshold)
    stepped = crossing_time_stepping(c, bench, threshold, start, stop, step)
    inside = (closed > start) & (closed <= stop - step)
    # every crossing inside the window is found by stepping within one step
    assert inside.sum() > 50
    assert np.all(np.abs(stepped[inside] - closed[inside]) <= step + 1e-9)
    # draws the closed form says never (or after the window) are never found by stepping
    after = ~np.isfinite(closed) | (closed > stop)
    assert np.all(~np.isfinite(stepped[after]))


def test_threshold_at_or_above_ceiling_is_never_crossed():
    c = synthetic_curves(np.random.default_rng(2))
    t = crossing_time(c, "b", 1.0)
    assert np.all(np.isinf(t))
    assert np.all(np.isinf(crossing_time(c, "b", 1.5)))


def test_decelerating_curve_below_its_limit_never_crosses():
    c = synthetic_curves(np.random.default_rng(3))
    g = c["accel"].sel(benchmark="u").values
    limit = c["level"].sel(benchmark="u").values - c["rate"].sel(benchmark="u").values / g
    target = 1e6
    never = (g < 0) & (limit < np.log(target))
    assert never.any()
    assert np.all(np.isinf(crossing_time(c, "u", target)[never]))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(-3, 3), st.floats(0.1, 5), st.floats(0.5, 1.0))
def test_bounded_curve_at_crossing_time_equals_threshold(theta, level, rate, ceiling):
    c = xr.Dataset(
        {
            "level": (("draw", "benchmark"), [[level]]),
            "rate": (("draw", "benchmark"), [[rate]]),
            "ceiling": (("draw", "benchmark"), [[ceiling]]),
            "accel": (("draw", "benchmark"), [[0.0]]),
        },
        coords={
            "benchmark": ["b"],
            "family": ("benchmark", ["bounded"]),
            "t_ref": ("benchmark", [2025.0]),
        },
    )
    t = crossing_time(c, "b", theta)[0]
    if theta >= ceiling:
        assert np.isinf(t)
    else:
        assert value_at(c, "b", np.array([t]))[0, 0] == pytest.approx(theta, rel=1e-9)


def test_curves_take_reference_times_or_a_posteriors_attrs():
    import json

    from forecast.trajectories import curves, reference_times

    shape = (2, 3)  # chain, draw
    post = xr.Dataset(
        {
            "bounded_level": (("chain", "draw", "bounded"), np.zeros((*shape, 1))),
            "bounded_rate": (("chain", "draw", "bounded"), np.ones((*shape, 1))),
            "bounded_ceiling": (("chain", "draw", "bounded"), np.full((*shape, 1), 0.8)),
            "unbounded_level": (("chain", "draw", "unbounded"), np.arange(6.0).reshape(*shape, 1)),
            "unbounded_rate": (("chain", "draw", "unbounded"), np.ones((*shape, 1))),
            "unbounded_accel": (("chain", "draw", "unbounded"), np.zeros((*shape, 1))),
        },
        coords={"bounded": ["b"], "unbounded": ["u"]},
    )
    t_ref = {"b": 2024.5, "u": 2023.25}
    c = curves(post, t_ref)
    attrs = {"t_ref": json.dumps(t_ref), "seed": 1}
    assert reference_times(attrs) == t_ref
    from_attrs = curves(post, attrs)
    assert from_attrs.attrs.pop("seed") == 1  # a posterior's seed travels to the forward walk
    xr.testing.assert_identical(c, from_attrs)
    assert c.sizes == {"draw": 6, "benchmark": 2} and c.attrs == {"n_chain": 2, "n_draw": 3}
    assert list(c["t_ref"].values) == [2024.5, 2023.25]
    assert list(c["family"].values) == ["bounded", "unbounded"]
    # chain-major stacking: draw 4 is chain 1, draw 1
    assert c["chain"].values[4] == 1 and c["level"].sel(benchmark="u").values[4] == 4.0
    # at its reference date the bounded curve is ceiling / 2, the unbounded one exp(level)
    np.testing.assert_allclose(value_at(c, "b", np.array([2024.5]))[:, 0], 0.4)
    np.testing.assert_allclose(
        value_at(c, "u", np.array([2024.25]))[:, 0], np.exp(np.arange(6) + 1)
    )
    # no learned noise in this posterior: NaN; a family's learned scale applies to its series
    assert np.isnan(c["noise"].values).all()
    post2 = post.assign(bounded_noise=(("chain", "draw"), np.full(shape, 0.3)))
    c2 = curves(post2, t_ref)
    np.testing.assert_array_equal(c2["noise"].sel(benchmark="b").values, 0.3)
    assert np.isnan(c2["noise"].sel(benchmark="u").values).all()
