"""Model checks: the predictive distribution they use is the fitted model's own likelihood,
leave-one-out by importance sampling agrees with a refit, prior widening does what it says,
and `forecast check` on the bundled data."""

import json

import numpy as np
import pytest

from forecast import check, scoring
from forecast.pipeline import inputs


def _with_noise(priors, **update):
    """The priors with both families' observation noise updated."""
    fams = {}
    for fam in ("bounded", "unbounded"):
        f = getattr(priors, fam)
        fams[fam] = f.model_copy(
            update={"observation_noise": f.observation_noise.model_copy(update=update)}
        )
    return priors.model_copy(update=fams)


@pytest.mark.parametrize("likelihood", ["normal", "student_t", "fixed"])
def test_predictive_likelihood_is_the_pymc_models(likelihood):
    """Sum over observations of check.loglik == the model's log-density minus its priors, at
    prior draws, on the bundled table (ranges, approximate figures, year and interval dates),
    for the normal and Student-t likelihoods with a learned scale and a fixed normal one."""
    import warnings

    import pymc as pm

    from forecast.growth import build_model
    from forecast.trajectories import curves

    inp = inputs()
    if likelihood == "fixed":
        priors = _with_noise(inp.priors, learned=None, likelihood="normal")
    else:
        priors = _with_noise(inp.priors, likelihood=likelihood, why_likelihood="a test variant")
    assert likelihood == "fixed" or priors.bounded.observation_noise.learned is not None
    model, d = build_model(inp.rows, priors)
    with model, warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*Potentials.*"
        )  # draws from the priors are wanted
        prior = pm.sample_prior_predictive(draws=6, random_seed=3)["prior"].to_dataset()
    total = model.compile_logp(jacobian=False)
    priors_only = model.compile_logp(vars=model.free_RVs, jacobian=False)
    ll = check.loglik(curves(prior, d.t_ref), check.obs_arrays(inp.rows, priors))
    for i in range(6):
        point = {}
        for rv in model.free_RVs:
            v = prior[rv.name].isel(chain=0, draw=i).values
            tr = model.rvs_to_transforms.get(rv)
            if tr is not None:
                v = tr.forward(v, *rv.owner.inputs).eval()
            val = model.rvs_to_values[rv]
            point[val.name] = np.asarray(v, dtype=val.dtype)
        assert ll[i].sum() == pytest.approx(total(point) - priors_only(point), rel=1e-7)


def test_widen_multiplies_every_prior_scale_and_nothing_else():
    pr = inputs().priors
    w = check.widen(pr, 3.0)
    for fam in ("bounded", "unbounded"):
        a, b = getattr(pr, fam), getattr(w, fam)
        assert b.growth_rate.mean.sigma == 3 * a.growth_rate.mean.sigma
        assert b.growth_rate.spread.sigma == 3 * a.growth_rate.spread.sigma
        assert b.level.sigma == 3 * a.level.sigma
        assert b.growth_rate.mean.mu == a.growth_rate.mean.mu and b.level.mu == a.level.mu
        assert b.observation_noise == a.observation_noise and b.pooling == a.pooling
    assert w.unbounded.acceleration.sigma == 3 * pr.unbounded.acceleration.sigma
    lo, hi, al, be = pr.ceiling("swe-bench")
    assert w.ceiling("swe-bench") == (lo, hi, al / 3, be / 3)
    assert w.ceiling("mle-bench") == pr.ceiling("mle-bench")  # fixed ceiling: unchanged
    assert check.widen(pr, 1.0).digest() == pr.digest() and w.digest() != pr.digest()


def test_interval_membership_agrees_with_the_quantiles():
    rng = np.random.default_rng(1)
    eta = rng.normal(0, 1, (300, 40))
    sd = rng.uniform(0.1, 0.5, (300, 40))
    y = rng.normal(0, 1.2, 40)
    tab = check.interval_table(y, eta, sd)
    assert np.all(tab["q05"] < tab["q25"]) and np.all(tab["q75"] < tab["q95"])
    np.testing.assert_array_equal(tab["in_90"], (tab["q05"] <= y) & (y <= tab["q95"]))
    np.testing.assert_array_equal(tab["in_50"], (tab["q25"] <= y) & (y <= tab["q75"]))
    np.testing.assert_allclose(scoring.mixture_cdf(tab["q95"], eta, sd), 0.95, atol=1e-9)


@pytest.mark.slow
def test_psis_leave_one_out_agrees_with_an_exact_refit(cache_dir):
    """Leaving one METR seed figure out (the one, among those with Pareto k < 0.5, whose
    importance-weighted estimate moves most): P(work-month horizon by the full-data median
    date) by importance weights vs by refitting without the point. Tolerance: 4 combined Monte
    Carlo standard errors (the importance-sampling one from the weights and the relative
    efficiency, the refit's from its ESS): a false alarm about once in 15,000 runs."""
    from forecast.fit import fit
    from forecast.forward import event_dates
    from forecast.pipeline import forecast
    from forecast.summary import prob_with_mcse
    from forecast.trajectories import curves

    inp = inputs(["seed"], no_bundled=True)
    res = forecast(inp, cache_dir=cache_dir, quiet=True)
    ob = check.obs_arrays(inp.rows, inp.priors)
    n_chain = int(res.curves.attrs["n_chain"])
    ll = check.loglik(res.curves, ob)
    w, k = check.psis(ll, n_chain)
    j = list(res.dates["event"].values).index("metr-work-month")
    t = res.dates["crossing_year"].values[:, j]
    d0 = float(np.quantile(t, 0.5))
    f = (t <= d0).astype(float)
    metr = [m for m, r in enumerate(ob.rows) if r.benchmark == "metr-horizon" and k[m] < 0.5]
    assert metr, "precondition: some METR point has a small Pareto k"
    i = max(metr, key=lambda m: abs(float((w[:, m] * f).sum()) - 0.5))
    r_eff = check.relative_efficiency(ll, n_chain)[i]
    p_is = float((w[:, i] * f).sum())
    se_is = float(np.sqrt((w[:, i] ** 2 * (f - p_is) ** 2).sum() / r_eff))

    rows = [r for r in inp.rows if r is not ob.rows[i]]
    dt, _ = fit(rows, inp.priors, inp.settings, cache_dir=cache_dir, quiet=True)
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    t_ex = event_dates(c, res.plan)["crossing_year"].sel(event="metr-work-month").values
    p_ex, se_ex = prob_with_mcse((t_ex <= d0)[:, None], int(c.attrs["n_chain"]))
    diff = abs(p_is - float(p_ex[0]))
    tol = 4 * float(np.hypot(se_is, se_ex[0]))
    assert diff < tol, f"PSIS {p_is:.3f} vs refit {float(p_ex[0]):.3f} (tolerance {tol:.3f})"
    assert abs(p_ex[0] - 0.5) > 2 * se_ex[0], "the point should matter, or the check has no power"


def test_check_command_on_the_bundled_data(cli, tmp_path):
    out = tmp_path / "chk"
    code, stdout, err = cli(
        "check",
        "--loo",
        "psis",
        "--widen",
        "2",
        "--widen",
        "1",
        "--prior-samples",
        "500",
        "--out",
        str(out),
        "--json",
        "-q",
    )
    assert code == 0, err
    s = json.loads(stdout)
    pred = s["predictive"]
    n = pred["n_observations"]
    assert n == len([r for r in inputs().rows if r.kind == "ai"]) == len(pred["observations"])
    for name in ("prior", "posterior", "loo"):
        for lev in ("share_in_50", "share_in_90"):
            assert 0 <= pred["shares"][name][lev] <= 1
        assert pred["shares"][name]["share_in_50"] <= pred["shares"][name]["share_in_90"]
    for o in pred["observations"]:
        for name in ("prior", "posterior"):
            q = o[name]
            assert q["q05"] <= q["q25"] <= q["q75"] <= q["q95"]
            inside = q["q05"] <= o["observed"] <= q["q95"]
            if min(abs(o["observed"] - q["q05"]), abs(o["observed"] - q["q95"])) > 1e-3:
                assert q["in_90"] == inside, o
    labels = {o["observation"] for o in pred["observations"]}
    for ev, v in s["loo"]["events"].items():
        assert v["moves_median_most"]["observation"] in labels, ev
        assert v["moves_p_most"]["observation"] in labels
    assert all(o["method"] == "psis" for o in s["loo"]["observations"])
    fits = {f["factor"]: f for f in s["sensitivity"]["fits"]}
    # scale 1 is the same priors: the same cached posterior, so every shift is exactly zero
    for v in fits[1.0]["events"].values():
        assert v["p_shift"] == 0.0 and v["median_shift_years"] in (0.0, None)
        assert v["median"] == v["median_base"]
    assert fits[2.0]["priors_hash"] != fits[1.0]["priors_hash"]
    assert {p.name for p in out.iterdir()} >= {
        "check.json",
        "check-observations.csv",
        "check-loo.csv",
        "check-sensitivity.csv",
        "check-predictive.png",
        "check-predictive.svg",
        "check-loo.png",
        "check-sensitivity.svg",
    }
    code, stdout, _ = cli("check", "--loo", "psis", "--widen", "2", "--prior-samples", "300", "-q")
    assert code == 0
    assert "Leave-one-out influence" in stdout and "Prior sensitivity: prior scales x2" in stdout
    code, _, err = cli("check", "--out", str(out), "-q")
    assert code == 2 and "--force" in err
    code, _, err = cli("check", "--widen", "0")
    assert code == 2
