"""forecast.drift's process-wide reuse: memoised common-shock columns and shared walks give
the same numbers, bit for bit, as computing them afresh."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from forecast import drift as dr

N = 500
DRIFT = dr.Drift(0.4, level_sigma=1.0, horizon=3.0, common=0.5, common_seed=11)


def _curves(level, rate, t_ref=2024.0):
    """One bounded benchmark "b" shaped like forecast.trajectories.curves."""

    def col(v):
        return (("draw", "benchmark"), np.asarray(v, dtype=float).reshape(-1, 1))

    return xr.Dataset(
        {
            "level": col(level),
            "rate": col(rate),
            "ceiling": col(np.full(len(level), 0.9)),
            "accel": col(np.zeros(len(level))),
        },
        coords={
            "benchmark": np.array(["b"], dtype=object),
            "family": ("benchmark", np.array(["bounded"], dtype=object)),
            "t_ref": ("benchmark", np.array([t_ref])),
            "draw": np.arange(len(level)),
        },
    )


def _fresh(c, thresholds, t0=2024.5, seed=3):
    """crossing_times with every cache emptied first."""
    dr._kept_paths.clear()
    dr._common_column.cache_clear()
    return dr.crossing_times(c, "b", thresholds, t0, DRIFT, seed)


def test_a_memoised_common_column_is_the_fresh_one_and_read_only():
    col = dr._common_column(11, 3, 24300, N)
    assert dr._common_column(11, 3, 24300, N) is col
    np.testing.assert_array_equal(col, np.random.default_rng([11, 3, 24300]).standard_normal(N))
    with pytest.raises(ValueError):
        col[0] = 0.0
    times = 2025.0 + np.arange(30) / 12
    got = dr.common_shocks(times, N, 11, 4)
    for k, t in enumerate(times):
        want = np.random.default_rng([11, 4, round(12 * t)]).standard_normal(N)
        np.testing.assert_array_equal(got[:, k], want)


def test_each_threshold_of_a_series_is_its_fresh_computation():
    """Thresholds asked one at a time (the walk shared) equal all at once from empty caches,
    and the shared walk is read-only."""
    rng = np.random.default_rng(0)
    c = _curves(rng.normal(-1.0, 0.5, N), np.exp(rng.normal(0.3, 0.3, N)))
    thresholds = [0.3, 0.5, 0.7, 0.85]
    want = _fresh(c, thresholds)
    one_by_one = [dr.crossing_times(c, "b", [th], 2024.5, DRIFT, 3)[0] for th in thresholds]
    np.testing.assert_array_equal(np.array(one_by_one), want)
    assert len(dr._kept_paths) == 1
    (_grid, x, _delta), *_ = dr._kept_paths.values()
    with pytest.raises(ValueError):
        x[0, 0] = 0.0


def test_the_shared_walk_follows_the_content_not_the_object():
    """Another posterior in the same process, or the same arrays changed in place, get their
    own walk: the dates equal a fresh computation, not the walk kept for the first."""
    rng = np.random.default_rng(1)
    level, rate = rng.normal(-1.0, 0.5, N), np.exp(rng.normal(0.3, 0.3, N))
    c = _curves(level, rate)
    first = dr.crossing_times(c, "b", [0.5], 2024.5, DRIFT, 3)
    c["level"].values[:] += 0.3  # in place: the same objects, other numbers
    moved = dr.crossing_times(c, "b", [0.5], 2024.5, DRIFT, 3)
    assert not np.array_equal(moved, first)
    np.testing.assert_array_equal(moved, _fresh(c, [0.5]))
    other = _curves(level, rate * 1.5)
    np.testing.assert_array_equal(
        dr.crossing_times(other, "b", [0.5], 2024.5, DRIFT, 3), _fresh(other, [0.5])
    )
