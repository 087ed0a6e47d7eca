"""A threshold an observation already meets is observed: dated by that observation."""

import numpy as np

from forecast.observations import parse_table
from forecast.observed import apply_observed, first_observed

from .conftest import HEADER


def test_first_observation_meeting_a_threshold():
    rows = parse_table(
        HEADER + "b,2024-01,x,80,,,percent,ai,false,,s1,\n"
        "b,2025-01,y,96,,,percent,ai,false,,s2,\n"
        "b,2025-06,z,,96.5,99,percent,ai,false,,s3,\n"
        "b,2026-01,w,97,,,percent,ai,false,,s4,\n",
        "t.csv",
    )  # fmt: skip
    o = first_observed(rows, "b", 0.95)
    assert (o.date, o.system, o.source) == ("2025-01", "y", "s2")
    assert first_observed(rows, "b", 0.965).system == "z"  # a range whose low end meets it
    assert first_observed(rows, "b", 0.975) is None


def test_bundled_core_bench_95_is_observed_in_december_2025(bundled_result):
    ev = bundled_result.run.as_json()["events"]["core-bench-95"]
    assert ev["observed"]["date"] == "2025-12" and ev["observed"]["value"] == 0.955
    assert ev["p_by_year"]["2026"]["p"] == 1.0 and ev["p_not_by_horizon"] == 0.0
    assert "observed" not in bundled_result.run.as_json()["events"]["posttrainbench-parity"]
    t = bundled_result.dates["crossing_year"].sel(event="core-bench-95").values
    assert np.all(t <= 2025 + 11.5 / 12 + 1e-9)  # mid-December 2025 at the latest


def test_apply_observed_caps_every_draw(bundled_result):
    from forecast.observed import Observed

    d = bundled_result.dates
    ev = "mle-bench-80"
    capped = apply_observed(d, {ev: Observed("2026-01", 2026.04, 0.81, "x", "s")})
    t = capped["crossing_year"].sel(event=ev).values
    orig = d["crossing_year"].sel(event=ev).values
    assert np.array_equal(t, np.minimum(orig, 2026.04))
    other = "posttrainbench-parity"
    assert np.array_equal(
        capped["crossing_year"].sel(event=other).values, d["crossing_year"].sel(event=other).values
    )
