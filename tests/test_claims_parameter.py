"""Published claims on a growth parameter (a series' doubling time): the claims file accepts
and refuses them, the doubling time of a hand-built posterior is the analytic one, the
verdict rule gives each of its three outcomes, and `forecast run` reports the shipped claims
with their verdicts, leaving the event claims' entries as they were."""

import json

import numpy as np
import pytest
import xarray as xr

from forecast import claims, doubling
from forecast import structural as st
from forecast.claims_parameter import known_series, reference
from forecast.claims_parameter import references as parameter_references
from forecast.errors import ForecastError
from forecast.pipeline import inputs
from forecast.posterior_meta import meta
from forecast.reading import load_references
from forecast.render_structural import text as structural_text
from forecast.render_text import references_text
from forecast.results import Reference
from forecast.results_structural import StructuralBody

from .conftest import write
from .test_results import valid_result

LN2 = float(np.log(2))
SHIPPED = {"metr-doubling-2019-2024", "metr-doubling-recent", "aifp-doubling-2026"}
VERDICTS = {"agrees", "disagrees", "within Monte Carlo error of the claim"}
# the keys an event claim's reference had before parameter claims existed
EVENT_KEYS = {
    "id", "who", "claim", "event", "by", "verdict", "engine_p", "engine_mcse", "under",
    "p_at_least", "p_at_most", "median_from", "read_as", "engine_p_from", "engine_mcse_from",
}  # fmt: skip
HEAD = """[[claims]]
id = "x"
who = "someone"
claim = "the horizon doubles every few months"
"""
GOOD = 'series = "metr-horizon-1.1-p50"\nquantity = "doubling_time_months"\n'


# ---------------------------------------------------------------- the claims file


def test_shipped_parameter_claims_load_and_event_claims_keep_one_bound_each():
    refs = {c["id"]: c for c in load_references(series=known_series(inputs().rows))}
    assert set(refs) >= SHIPPED
    for i in SHIPPED:
        c = refs[i]
        assert c["series"] == "metr-horizon-1.1-p50" and c["quantity"] == "doubling_time_months"
        assert ("at" in c) != ("over" in c) and c["read_as"] and "event" not in c
    assert refs["metr-doubling-2019-2024"]["over"] == ("2019-01-01", "2024-12-31")
    assert refs["metr-doubling-2019-2024"]["between"] == (6, 8)
    assert (refs["metr-doubling-recent"]["at"], refs["metr-doubling-recent"]["between"]) == (
        "2026-04-15",
        (6, 9),
    )
    assert (refs["aifp-doubling-2026"]["at"], refs["aifp-doubling-2026"]["between"]) == (
        "2026-04-02",
        (4, 4.5),
    )
    assert "2026-04-15" in refs["metr-doubling-recent"]["read_as"]
    for c in refs.values():
        if not claims.is_parameter(c):
            assert sum(k in c for k in ("p_at_least", "p_at_most", "median_from")) == 1


@pytest.mark.parametrize(
    "body,match",
    [
        (GOOD + 'at = "2026-04-02"\n', "key 'claims.0.between': Field required"),
        (
            GOOD + 'at = "2026-04-02"\nover = ["2019-01-01", "2024-12-31"]\nbetween = [4, 5]\n',
            "exactly one of at and over",
        ),
        (GOOD + "between = [4, 5]\n", "exactly one of at and over"),
        (GOOD + 'over = ["2024-12-31", "2019-01-01"]\nbetween = [4, 5]\n', "must be before"),
        (GOOD + 'at = "2026-04-02"\nbetween = [5, 4]\n', "between: 5 must be below 4"),
        (GOOD + 'at = "2026-04-02"\nbetween = [0, 4]\n', "key 'claims.0.between.0'"),
        (GOOD + 'at = "2026-02-30"\nbetween = [4, 5]\n', "'2026-02-30' is not a date"),
        (GOOD + 'at = "April 2026"\nbetween = [4, 5]\n', "key 'claims.0.at'"),
        (GOOD + 'at = "2026-04-02"\nbetwen = [4, 5]\n', "did you mean 'between'"),
        (
            'series = "metr-horizon-1.1-p50"\nquantity = "rate"\nat = "2026-04-02"\n'
            "between = [4, 5]\n",
            "key 'claims.0.quantity'",
        ),
        (GOOD + 'at = "2026-04-02"\nbetween = [4, 5]\nevent = "metr-100h"\n', "unknown key"),
    ],
)
def test_bad_parameter_claims_are_user_errors_naming_the_file_and_key(tmp_path, body, match):
    f = write(tmp_path / "refs.toml", HEAD + body)
    with pytest.raises(ForecastError, match=match) as e:
        load_references(f)
    assert str(f) in str(e.value) and e.value.exit_code == 2


def test_a_claim_on_a_series_no_run_fits_names_the_claim_and_suggests_one(tmp_path):
    known = known_series(inputs().rows)
    f = write(
        tmp_path / "refs.toml",
        HEAD + 'series = "metr-horizon-1.1-p5"\nquantity = "doubling_time_months"\n'
        'at = "2026-04-02"\nbetween = [4, 5]\n',
    )
    load_references(f)  # the file alone is well formed: the series is checked against a run's
    with pytest.raises(ForecastError) as e:
        load_references(f, series=known)
    msg = str(e.value)
    assert "key 'claims.0.series'" in msg and "claim 'x'" in msg and str(f) in msg
    assert "did you mean 'metr-horizon-1.1-p50'?" in msg and e.value.exit_code == 2
    # a share of tasks has no doubling time
    f = write(
        tmp_path / "refs.toml",
        HEAD + 'series = "swe-bench-verified"\nquantity = "doubling_time_months"\n'
        'at = "2026-04-02"\nbetween = [4, 5]\n',
    )
    with pytest.raises(ForecastError, match="claim 'x' names series 'swe-bench-verified', a share"):
        load_references(f, series=known)
    # a series of the user's own data (not bundled) is known from the observations
    assert known_series(inputs(["seed"], no_bundled=True).rows)["metr-horizon"] is False


# ---------------------------------------------------------------- the doubling time


def posterior(rate, accel, series="s") -> xr.Dataset:
    """A posterior of one unbounded series, dims (chain, draw, unbounded), 2 chains."""
    rate = np.asarray(rate, dtype=float).reshape(2, -1, 1)
    accel = np.broadcast_to(np.asarray(accel, dtype=float), rate.shape[:2]).reshape(rate.shape)
    dims = ("chain", "draw", "unbounded")
    return xr.Dataset(
        {"unbounded_rate": (dims, rate), "unbounded_accel": (dims, accel)},
        coords={"unbounded": [series]},
    )


def test_a_constant_rate_of_ln2_per_year_doubles_every_12_months():
    post = posterior([LN2] * 4, 0.0)
    for kw in ({"at": 2020.0}, {"at": 2031.7}, {"over": (2018.0, 2023.5)}):
        m = doubling.draws(post, {"s": 2020.0}, "s", **kw)
        assert m.dims == ("chain", "draw") and m.shape == (2, 2)
        np.testing.assert_allclose(m.values, 12.0)


def test_the_instantaneous_and_average_doubling_times_are_the_closed_forms():
    # rate ln2 at t_ref, growing by a factor e^g a year with g = ln2: it doubles every year
    post = posterior([LN2, 2 * LN2], LN2)
    t_ref = {"s": 2020.0}
    at_ref = doubling.draws(post, t_ref, "s", at=2020.0).values.ravel()
    np.testing.assert_allclose(at_ref, [12.0, 6.0])
    np.testing.assert_allclose(doubling.draws(post, t_ref, "s", at=2022.0).values.ravel(), [3, 1.5])
    np.testing.assert_allclose(doubling.draws(post, t_ref, "s", at=2019.0).values.ravel(), [24, 12])
    # over 2020..2021 log m grows rate (e^g - 1) / g = rate / ln2: 1 and 2 natural-log units
    avg = doubling.draws(post, t_ref, "s", over=(2020.0, 2021.0)).values.ravel()
    np.testing.assert_allclose(avg, [12 * LN2 / 1.0, 12 * LN2 / 2.0])
    # over 2019..2022 (tau -1..2): rate (e^{2g} - e^{-g}) / g = rate (4 - 0.5) / ln2
    avg = doubling.draws(post, t_ref, "s", over=(2019.0, 2022.0)).values.ravel()
    np.testing.assert_allclose(avg, [12 * LN2 * 3 / 3.5, 12 * LN2 * 3 / 7.0])
    # the average over a short interval is the instantaneous value in its middle
    short = doubling.average(LN2, 0.4, 1.0 - 1e-4, 1.0 + 1e-4)
    np.testing.assert_allclose(short, doubling.instantaneous(LN2, 0.4, 1.0), rtol=1e-7)


def test_a_draw_whose_rate_is_not_positive_never_doubles():
    post = posterior([LN2, 0.0, -0.1, LN2], 0.0)
    m = doubling.draws(post, {"s": 2020.0}, "s", at=2021.0)
    assert np.isinf(m.values.ravel()[1:3]).all() and np.isfinite(m.values.ravel()[[0, 3]]).all()
    assert doubling.never_doubles(m) == 0.5
    assert np.isinf(doubling.draws(post, {"s": 2020.0}, "s", over=(2020.0, 2021.0))).sum() == 2
    with pytest.raises(ValueError, match="exactly one of at and over"):
        doubling.draws(post, {"s": 2020.0}, "s")


# ---------------------------------------------------------------- the verdict


CLAIM = {
    "id": "c", "who": "someone", "claim": "doubles every 4 to 4.5 months", "series": "s",
    "quantity": "doubling_time_months", "at": "2026-04-02", "between": (4.0, 4.5),
}  # fmt: skip


def months(values) -> xr.DataArray:
    """Doubling-time draws (chain, draw) in a random order (independent draws), 4 chains."""
    v = np.random.default_rng(3).permutation(np.asarray(values, dtype=float))
    return xr.DataArray(v.reshape(4, -1), dims=("chain", "draw"))


@pytest.mark.parametrize(
    "p_below,p_above,se,verdict",
    [
        (0.10, 0.20, 0.01, "agrees"),
        (0.87, 0.00, 0.01, "agrees"),  # 0.89 < 0.9: the interval's upper end is above low
        (0.89, 0.00, 0.01, "within Monte Carlo error of the claim"),  # 0.91 and 0.87
        (0.00, 0.91, 0.01, "within Monte Carlo error of the claim"),
        (0.93, 0.00, 0.01, "disagrees"),  # 0.91 > 0.9: the 80 % interval is below the range
        (0.00, 0.95, 0.01, "disagrees"),  # ... above it
        (0.90, 0.00, 0.00, "within Monte Carlo error of the claim"),  # on the edge
    ],
)
def test_range_verdict_at_the_monte_carlo_error_edge(p_below, p_above, se, verdict):
    assert claims.range_verdict(p_below, se, p_above, se) == verdict


def test_the_three_verdicts_on_constructed_draws():
    rng = np.random.default_rng(0)
    # the 80 % interval (about 3.5-5.5) meets the range: agrees
    ref = reference(CLAIM, months(rng.normal(4.5, 0.8, 8000)), None)
    assert ref["verdict"] == "agrees"
    assert ref["engine_p_below"] + ref["p_in_range"] + ref["engine_p_above"] == pytest.approx(1)
    q10, q90 = ref["engine_interval_months"]
    assert q10 < 4.0 < 4.5 < q90 and ref["engine_median_months"] == pytest.approx(4.5, abs=0.05)
    # every draw near 3 months: the whole interval below the range
    ref = reference(CLAIM, months(rng.normal(3.0, 0.2, 8000)), None)
    assert ref["verdict"] == "disagrees" and ref["engine_p_below"] > 0.99
    # ... or above it
    ref = reference(CLAIM, months(rng.normal(9.0, 0.5, 8000)), None)
    assert ref["verdict"] == "disagrees" and ref["engine_p_above"] > 0.99
    # exactly 90 % of the draws below the range: the interval's upper end sits on its edge
    ref = reference(CLAIM, months(np.r_[np.full(7200, 3.0), np.full(800, 4.2)]), None)
    assert ref["engine_p_below"] == 0.9 and 0.002 < ref["engine_mcse_below"] < 0.006
    assert ref["verdict"] == "within Monte Carlo error of the claim"


def test_never_doubling_draws_count_as_slower_than_any_range_and_are_reported():
    ref = reference(CLAIM, months(np.r_[np.full(1200, 4.2), np.full(6800, np.inf)]), None)
    assert ref["engine_p_no_doubling"] == pytest.approx(0.85)
    assert ref["engine_p_above"] == pytest.approx(0.85) and ref["p_in_range"] == 0.15
    assert ref["engine_median_months"] is None and ref["engine_interval_months"] == [4.2, None]
    assert ref["verdict"] == "agrees"  # the 80 % interval, 4.2 to never, holds the range
    text = references_text([Reference.model_validate(ref)])
    assert "doubling time never [4.2-never]" in text
    assert "85.0 % of draws never double" in text
    json.dumps(ref, allow_nan=False)  # JSON-ready: +inf is null


def test_a_date_after_the_last_observation_is_said_to_be_extrapolated():
    m = months(np.full(400, 4.2))
    assert "extrapolated" in reference(CLAIM, m, 2026.1)["under"]
    assert (
        "2026-04-02 is after its last observation (2026-02" in reference(CLAIM, m, 2026.1)["under"]
    )
    assert reference(CLAIM, m, 2026.5)["under"] == "the fitted growth curve of s"


def test_parameter_references_skip_series_the_posterior_lacks_and_event_claims():
    post = posterior([LN2] * 4, 0.0)
    event = {"id": "e", "who": "who", "claim": "an event claim", "event": "e", "by": "2027"}
    out = parameter_references(
        post, {"s": 2026.0}, {"s": 2026.0}, [event, CLAIM, {**CLAIM, "series": "other"}]
    )
    assert [r["id"] for r in out] == ["c"] and out[0]["engine_median_months"] == 12.0


# ---------------------------------------------------------------- structural verdicts


def test_a_parameter_claim_has_one_verdict_per_variant_across_readings():
    claim = {**CLAIM, "between": [4.0, 4.5], "verdict": "agrees", "under": "u"}
    agree = {"p": None, "mcse": None, "verdict": "agrees", "median_months": 4.3,
             "interval_months": [3.9, 4.8]}  # fmt: skip
    disagree = {**agree, "verdict": "disagrees", "median_months": 3.0,
                "interval_months": [2.6, 3.4]}  # fmt: skip
    s = st._claim({"claim": claim, "central|": agree, "wide|": agree})
    assert s["verdict"] == "agrees" and set(s["central"]) == {""} and "event" not in s
    s = st._claim({"claim": claim, "central|": agree, "wide|": disagree, "no-walk|": agree})
    assert s["verdict"] == "depends on wide (central: agrees)" and s["flipped_by"] == ["wide"]
    body = StructuralBody.model_validate(
        {"focus_year": 2028, "seed": 1, "readings": ["r1", "r2"], "variants": [], "fits": [],
         "events": {}, "claims": [s]}
    )  # fmt: skip
    text = structural_text(body)
    assert "doubling time 4-4.5 months at 2026-04-02" in text
    assert "central model: doubling time 4.3 months [3.9-4.8]. Verdict: depends on wide" in text


def test_structural_run_judges_a_parameter_claim_once_per_variant(cache_dir, tmp_path, monkeypatch):
    """On the seed figures with two variants and both readings: the claim's arms are the
    variants (no reading), each with the doubling time its own fit gives."""
    from forecast import reading
    from forecast import structural_variants as sv
    from forecast.fit import SamplerSettings
    from forecast.scenario import load, resolve

    from .test_structural import VARIANTS

    c = {**CLAIM, "series": "metr-horizon", "between": (4.0, 6.0)}
    monkeypatch.setattr(reading, "load_references", lambda path=None, series=None: [c])
    base = inputs(
        ["seed"], no_bundled=True, settings=SamplerSettings(draws=200, tune=200, chains=2)
    )
    variants = sv.load_variants(write(tmp_path / "v.toml", VARIANTS))
    readings = [load(resolve(n)) for n in ("inspiration-binding", "compressed-perspiration")]
    s = st.run(base, variants, readings, cache_dir=cache_dir).as_json()
    (cl,) = s["claims"]
    assert set(cl["arms"]) == {"central", "wide", "no-walk"} and set(cl["central"]) == {""}
    kinds = {a["verdict"] for a in cl["arms"].values()}
    assert kinds <= VERDICTS
    assert cl["verdict"] == (kinds.pop() if len(kinds) == 1 else cl["verdict"])
    if len({a["verdict"] for a in cl["arms"].values()}) > 1:
        assert cl["verdict"].startswith("depends on ") and "under" not in cl["verdict"]
    for a in cl["arms"].values():
        lo, hi = a["interval_months"]
        assert a["p"] is None and lo < a["median_months"] < hi
    valid_result("structural", s)


# ---------------------------------------------------------------- end to end


def test_forecast_run_reports_the_shipped_parameter_claims(cli):
    code, out, err = cli("run", "--seed", "1", "--json", "-q")
    assert code == 0, err
    summary = valid_result("run", json.loads(out))
    refs = {r["id"]: r for r in summary["references"]}
    assert set(refs) >= SHIPPED
    for i in SHIPPED:
        r = refs[i]
        assert r["verdict"] in VERDICTS and r["series"] == "metr-horizon-1.1-p50"
        lo, hi = r["engine_interval_months"]
        assert 0 < lo < r["engine_median_months"] < hi
        p = r["engine_p_below"] + r["p_in_range"] + r["engine_p_above"]
        assert p == pytest.approx(1, abs=1e-5)
        assert "event" not in r and "engine_p" not in r
    # the event claims' entries carry no key of the new kind
    for r in summary["references"]:
        if r["id"] not in SHIPPED:
            assert set(r) <= EVENT_KEYS and "event" in r and "engine_p" in r
    # the table shows each claim's range and the engine's median [80 % interval]
    code, text, _ = cli("run", "--seed", "1", "-q")
    assert code == 0
    for i in SHIPPED:
        r = refs[i]
        lo, hi = r["between"]
        q10, q90 = r["engine_interval_months"]
        assert f"doubling time {lo:g}-{hi:g} months" in text
        assert (
            f"doubling time {r['engine_median_months']:.3g} months [{q10:.3g}-{q90:.3g}] "
            f"(median [80 % interval]); P(< {lo:g}) = {r['engine_p_below']:.3f}"
        ) in text


def test_a_claim_at_the_growth_tables_date_reproduces_its_doubling_time(bundled_result):
    """Two code paths, one number: the growth table's doubling time at a series' last
    observation and a claim's instantaneous doubling time at that date."""
    g = bundled_result.run.benchmarks["metr-horizon-1.1-p50"]
    assert g.doubling_time_months is not None and g.doubling_time_at is not None
    post = bundled_result.posterior
    m = meta(post.attrs)
    c = {**CLAIM, "series": "metr-horizon-1.1-p50", "at": g.doubling_time_at}
    (ref,) = parameter_references(post["posterior"].to_dataset(), m.t_ref, m.t_last, [c])
    assert ref["engine_median_months"] == pytest.approx(g.doubling_time_months.median, abs=0.02)
    q10, q90 = ref["engine_interval_months"]
    assert q10 == pytest.approx(g.doubling_time_months.q10, abs=0.02)
    assert q90 == pytest.approx(g.doubling_time_months.q90, abs=0.02)


def test_report_lists_a_parameter_claim_once_and_an_event_claim_per_reading():
    """The report's claims table: a doubling time is the same under every reading, so its
    claim is one row ('every reading'); an event claim keeps one row per reading."""
    from types import SimpleNamespace

    from forecast.report_page import claims as claims_table

    event = Reference(
        id="e", who="someone", claim="an event by 2028", event="x", by="2028-12-31",
        verdict="agrees", engine_p=0.7, engine_mcse=0.01, p_at_least=0.6,
    )  # fmt: skip
    param = Reference(
        id="d", who="someone", claim="doubling every 4 months", series="s",
        quantity="doubling_time_months", at="2026-04-02", between=[4.0, 4.5],
        verdict="disagrees", engine_median_months=3.0, engine_interval_months=[2.6, 3.4],
        engine_p_below=0.99, engine_mcse_below=0.001, engine_p_above=0.0,
        engine_mcse_above=0.0, p_in_range=0.01, under="the fitted growth curve of s",
    )  # fmt: skip
    report = SimpleNamespace(references={"r1": [event, param], "r2": [event, param]})
    tbl = claims_table(report)  # type: ignore[arg-type]
    readings = [row[2].text for row in tbl.rows]
    assert readings == ["r1", "every reading", "r2"]
    assert tbl.rows[1][3].text == "3 months [2.6-3.4]; P(in range) = 0.010"
