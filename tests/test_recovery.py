"""Parameter recovery: simulate data from the model itself, refit, and check that the 80 %
credible intervals cover the true values at about the nominal rate.

Truths are drawn from the priors (so coverage is exactly nominal for a correct sampler and
model code, as in simulation-based calibration), data are simulated at a design shaped like
the bundled one (benchmarks with 1-3 points, one unbounded series with 5), and the compiled
model is refitted on each simulated data set with nutpie.
"""

import logging

import numpy as np
import pytest
from scipy.stats import binomtest

from forecast.growth import build_model
from forecast.observations import parse_table
from forecast.priors import load

from .conftest import HEADER

N_SIMS = 80
NOMINAL = 0.8
ALPHA = 0.001  # per checked quantity; five quantities -> family-wise false-alarm rate < 0.5 %

DESIGN = HEADER + "".join(
    f"{b},{d},sys,{v},,,{u},ai,,,synthetic,\n"
    for b, d, v, u in [
        ("bench-a", "2024-03-01", 10, "percent"),
        ("bench-a", "2025-01-01", 30, "percent"),
        ("bench-a", "2025-11-01", 60, "percent"),
        ("bench-b", "2024-06-01", 20, "percent"),
        ("bench-b", "2026-01-01", 70, "percent"),
        ("bench-c", "2026-03-01", 25, "percent"),
        ("bench-d", "2023-10-01", 5, "percent"),
        ("bench-d", "2026-02-01", 90, "percent"),
        ("metric-u", "2022-06-01", 1, "minutes"),
        ("metric-u", "2023-06-01", 6, "minutes"),
        ("metric-u", "2024-06-01", 40, "minutes"),
        ("metric-u", "2025-06-01", 300, "minutes"),
        ("metric-u", "2026-03-01", 700, "minutes"),
    ]
)

CHECKS = [
    ("bounded_rate_mean", None),
    ("bounded_log_rate", {"bounded": "bench-a"}),
    ("bounded_log_rate", {"bounded": "bench-c"}),  # one observation: the rate comes from the pool
    ("unbounded_log_rate", {"unbounded": "metric-u"}),
    ("unbounded_accel", {"unbounded": "metric-u"}),
]


@pytest.mark.slow
def test_credible_intervals_cover_the_truth_at_the_nominal_rate():
    import nutpie
    import pymc as pm

    logging.getLogger("pymc").setLevel(logging.ERROR)
    rows = parse_table(DESIGN, "synthetic.csv")
    model, _ = build_model(rows, load(), refittable=True)
    with model:
        sims = pm.sample_prior_predictive(draws=N_SIMS, random_seed=2024)
    prior, pred = sims["prior"], sims["prior_predictive"]
    compiled = nutpie.compile_pymc_model(model, freeze_model=False)
    covered = np.zeros((len(CHECKS), N_SIMS), dtype=bool)
    lo_q, hi_q = (1 - NOMINAL) / 2, 1 - (1 - NOMINAL) / 2
    for i in range(N_SIMS):
        data = {
            "bounded_y": pred["bounded_obs"].isel(chain=0, draw=i).values,
            "unbounded_y": pred["unbounded_obs"].isel(chain=0, draw=i).values,
        }
        post = nutpie.sample(
            compiled.with_data(**data), draws=500, tune=500, chains=2, seed=i, progress_bar=False
        ).posterior
        for k, (name, sel) in enumerate(CHECKS):
            truth = prior[name].isel(chain=0, draw=i)
            draws = post[name]
            if sel:
                truth, draws = truth.sel(sel), draws.sel(sel)
            lo, hi = np.quantile(draws.values.ravel(), [lo_q, hi_q])
            covered[k, i] = lo <= float(truth) <= hi
    for k, (name, sel) in enumerate(CHECKS):
        hits = int(covered[k].sum())
        p = binomtest(hits, N_SIMS, NOMINAL).pvalue
        assert p > ALPHA, f"{name} {sel}: {hits}/{N_SIMS} covered, binomial p = {p:.2g}"
