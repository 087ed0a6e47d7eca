"""Simulation-based calibration: the rank test, the simulation of published ranges, and (slow)
`forecast sbc` on the bundled design with uniform ranks."""

import json

import numpy as np
import pytest

from forecast import sbc
from forecast.errors import ForecastError
from forecast.pipeline import inputs
from forecast.predictive import obs_arrays
from forecast.results import SbcSummary

from .test_results import valid_result


def test_rank_test_accepts_uniform_ranks_and_flags_skewed_ones():
    rng = np.random.default_rng(4)
    uniform = rng.integers(0, 50, (400, 3))
    res = sbc.rank_test(uniform, 49, 10, 0.01)
    assert all(r["uniform"] for r in res) and all(sum(r["counts"]) == 400 for r in res)
    # over-dispersed (posterior too narrow: truths in the tails) and biased (posterior shifted)
    narrow = np.where(rng.random(400) < 0.5, rng.integers(0, 8, 400), rng.integers(42, 50, 400))
    biased = np.minimum(rng.integers(0, 50, 400) + 10, 49)
    res = sbc.rank_test(np.stack([narrow, biased], axis=1), 49, 10, 0.01)
    assert not res[0]["uniform"] and not res[1]["uniform"]
    with pytest.raises(ValueError):
        sbc.rank_test(uniform, 48, 10, 0.01)


def test_simulated_ranges_are_bins_of_the_published_width():
    from forecast.predictive import prior_curves

    inp = inputs()
    ob = obs_arrays(inp.rows, inp.priors)
    c = prior_curves(inp.rows, inp.priors, 200, seed=2)
    y, lo, hi = sbc.simulate(c, ob, np.random.default_rng(0))
    r = ob.is_range
    assert r.any()
    ok = np.isfinite(y[:, r])
    assert np.all((lo[:, r] <= y[:, r])[ok] & (y[:, r] < hi[:, r])[ok])
    np.testing.assert_allclose(
        (hi - lo)[:, r][ok], np.broadcast_to(ob.hi[r] - ob.lo[r], ok.shape)[ok]
    )
    k = (lo[:, r] - ob.lo[r]) / (ob.hi[r] - ob.lo[r])
    np.testing.assert_allclose(
        k[ok], np.round(k[ok]), atol=1e-6
    )  # on the grid through the published range
    assert np.all(np.isnan(lo[:, ~r]))


def test_sbc_options_are_checked(cli):
    inp = inputs()
    with pytest.raises(ForecastError, match="--bins"):
        sbc.run(inp.rows, inp.priors, sims=100, n_ranks=48, bins=10)
    with pytest.raises(ForecastError, match="--sims"):
        sbc.run(inp.rows, inp.priors, sims=20, bins=10)
    code, _, _err = cli("sbc", "--sims", "100", "--draws", "20")
    assert code == 2


@pytest.mark.slow
def test_sbc_ranks_are_uniform_on_the_bundled_design(cli, tmp_path):
    """100 data sets shaped like the bundled table (16 series), each refitted (2 chains x 400
    draws, thinned to 49 for nearly independent draws); chi-square per parameter on 10 rank
    bins, Bonferroni over the 50 parameters: family-wise false-alarm rate 1 %."""
    out = tmp_path / "sbc"
    code, stdout, err = cli(
        "sbc",
        "--sims",
        "100",
        "--draws",
        "400",
        "--tune",
        "300",
        "--chains",
        "2",
        "--ranks",
        "49",
        "--bins",
        "10",
        "--alpha",
        "0.01",
        "--seed",
        "3",
        "--out",
        str(out),
        "--json",
        "-q",
    )
    assert code == 0, err
    s = json.loads(stdout)
    # 11 bounded series: log rate and level each, 9 uncertain ceilings (MLE-bench's is fixed),
    # the pooled rate's mean and spread; 5 unbounded: log rate, level, rate change; 2 noises
    assert len(s["parameters"]) == 11 * 2 + 9 + 2 + 5 * 3 + 2
    bad = {k: (v["p_value"], v["counts"]) for k, v in s["parameters"].items() if not v["uniform"]}
    assert s["uniform"], f"non-uniform SBC ranks: {bad}"
    assert {p.name for p in out.iterdir()} >= {
        "sbc.json",
        "sbc-ranks.csv",
        "sbc-ranks.png",
        "sbc-ranks.svg",
    }


def test_sbc_runs_end_to_end_on_a_small_design(tmp_path):
    """Ten simulations on METR's suite 1.1 series alone: every rank in 0..N, the counts add up, and the
    text report and files render from the result."""
    from forecast import render_sbc

    inp = inputs()
    rows = [r for r in inp.rows if r.series == "metr-horizon-1.1-p50"]
    res = sbc.run(rows, inp.priors, sims=10, draws=50, tune=50, chains=2, n_ranks=9, bins=2)
    assert res.ranks.shape == (10, len(res.labels)) and res.ranks.min() >= 0
    assert res.ranks.max() <= 9
    s = res.summary.as_json()
    assert s["sims"] == 10 and s["alpha"] == 0.01 and s["n_ranks"] == 9
    assert all(sum(t["counts"]) == 10 for t in s["parameters"].values())
    assert set(s["parameters"]) == set(res.labels)
    assert "unbounded_accel[metr-horizon-1.1-p50]" in render_sbc.text(res.summary)
    paths = render_sbc.write(tmp_path, res)
    assert {p.name for p in paths} >= {"sbc.json", "sbc-ranks.csv", "sbc-ranks.png"}
    # sbc.json (and --json) is the typed result, valid against docs/schema/sbc.schema.json
    assert valid_result("sbc", json.loads((tmp_path / "sbc.json").read_text())) == s
    with pytest.raises(ValueError):  # a p-value is a probability
        t = next(iter(s["parameters"].values()))
        SbcSummary.model_validate({**s, "parameters": {"x": {**t, "p_value": 2.0}}})
    assert json.loads((tmp_path / "sbc.json").read_text())["parameters"] == s["parameters"]
