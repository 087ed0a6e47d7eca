"""Summaries: probabilities with Monte Carlo standard errors, quantiles that keep 'never'."""

import numpy as np
import pytest
import xarray as xr

from forecast.summary import events_summary, prob_with_mcse


def test_mcse_of_independent_draws_matches_binomial():
    rng = np.random.default_rng(0)
    p, n = 0.3, 4000
    x = rng.random((n, 1)) < p
    est, se = prob_with_mcse(x, n_chain=4)
    binom = np.sqrt(p * (1 - p) / n)
    # the ESS-based MCSE of iid draws estimates the binomial standard error; its own
    # relative error is ~ 1/sqrt(2 * 1000 per chain), so 15 % is a > 5-sigma margin
    assert se[0] == pytest.approx(binom, rel=0.15)
    assert abs(est[0] - p) < 5 * binom


def test_mcse_grows_with_autocorrelation():
    rng = np.random.default_rng(1)
    z = np.zeros(4000)
    for i in range(1, 4000):  # AR(1) with phi = 0.9 per chain block
        z[i] = 0.9 * z[i - 1] + rng.normal() if i % 1000 else rng.normal()
    x = (z > 0.5)[:, None]
    _, se = prob_with_mcse(x, n_chain=4)
    p = x.mean()
    assert se[0] > 2 * np.sqrt(p * (1 - p) / 4000)


def test_events_summary_reports_never_as_null_and_share():
    t = np.array([2026.5] * 30 + [2030.2] * 30 + [np.inf] * 40)[:, None]
    ds = xr.Dataset(
        {"crossing_year": (("draw", "event"), t)},
        coords={
            "event": ["e"],
            "benchmark": ("event", ["b"]),
            "threshold": ("event", [0.5]),
            "title": ("event", ["E"]),
        },
        attrs={"n_chain": 2, "horizon": "2040-12-31"},
    )
    s = events_summary(ds, [2026, 2030])["e"]
    assert s["p_by_year"]["2026"]["p"] == pytest.approx(0.3)
    assert s["p_by_year"]["2030"]["p"] == pytest.approx(0.6)
    assert s["p_not_by_horizon"] == pytest.approx(0.4)
    assert s["quantiles"]["0.1"] == "2026-07-02"
    assert s["quantiles"]["0.5"] == "2030-03-15"
    assert s["quantiles"]["0.9"] is None


def test_vectorised_ess_and_mcse_agree_with_arviz():
    import arviz_stats as azs

    from forecast.summary import ess_mean

    rng = np.random.default_rng(3)
    z = np.zeros((4, 1000, 4))
    for c in range(4):
        for i in range(1, 1000):
            z[c, i] = 0.8 * z[c, i - 1] + rng.normal(size=4)
    x = (z > np.array([0.0, 0.7, 1.5, -1.0])).astype(float)
    ours = ess_mean(x)
    for j in range(4):
        da = xr.DataArray(x[:, :, j], dims=["chain", "draw"])
        assert ours[j] == pytest.approx(float(azs.ess(da, method="mean")), rel=0.01)
        se = float(np.sqrt(x[:, :, j].var(ddof=1) / ours[j]))
        assert se == pytest.approx(float(azs.mcse(da, method="mean")), rel=0.01)


def test_distinct_columns_give_the_same_probabilities_and_errors():
    """A sweep's indicator columns repeat; computing each distinct one once must give
    exactly what computing every column gives, constant and repeated columns included."""
    from forecast.summary import prob_with_mcse_distinct

    rng = np.random.default_rng(3)
    base = rng.random((800, 6)) < np.linspace(0.05, 0.95, 6)
    base[:, 0] = True  # a constant column: no Monte Carlo error
    ind = base[:, rng.integers(0, 6, size=(5, 7))]  # (draw, 5, 7), columns repeated
    p, se = prob_with_mcse(ind, 4)
    pd, sed = prob_with_mcse_distinct(ind, 4)
    assert pd.shape == p.shape == (5, 7)
    assert np.array_equal(p, pd) and np.array_equal(se, sed)
    assert (se[ind.all(axis=0)] == 0).all() and (se[~ind.all(axis=0)] > 0).all()


def test_ess_in_blocks_has_the_bits_of_one_pass():
    """ess_mean runs its FFT in blocks of ESS_BLOCK series (memory reuse); every series gets
    exactly the bits of one pass over all of them, whatever the trailing shape."""
    from forecast.summary import ESS_BLOCK, _ess_mean, ess_mean

    rng = np.random.default_rng(3)
    x = (rng.random((4, 1000, 5, 3 * ESS_BLOCK // 5 + 7)) < 0.3).astype(float)
    x[:, :, 0, 0] = 1.0  # a constant column (its ESS is a defined edge case)
    blocked = ess_mean(x)
    one_pass = _ess_mean(x.reshape(4, 1000, -1)).reshape(x.shape[2:])
    assert blocked.shape == x.shape[2:]
    assert np.array_equal(blocked, one_pass, equal_nan=True)
