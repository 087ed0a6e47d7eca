"""The research-residual model, the two readings and composite events."""

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from forecast.errors import ForecastError
from forecast.events import composite
from forecast.pipeline import forecast, inputs
from forecast.reading import references, start_of
from forecast.residual import draw_inputs, trajectories
from forecast.scenario import load

from ._scenarios import flat_text

ROOT = Path(__file__).resolve().parent.parent
R1 = ROOT / "scenarios" / "inspiration-binding.toml"
R2 = ROOT / "scenarios" / "compressed-perspiration.toml"


def with_changes(tmp_path, src: Path, name: str, **lines) -> Path:
    """A copy of a scenario file (its base spliced in) with whole `key = ...` lines replaced."""
    text = flat_text(src)
    out = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        out.append(lines.pop(key) if key in lines else line)
    assert not lines, f"keys not found: {lines}"
    p = tmp_path / f"{name}.toml"
    p.write_text("\n".join(out) + "\n")
    return p


@pytest.fixture(scope="module")
def curves(cache_dir):
    from forecast.pipeline import fit_posterior
    from forecast.trajectories import curves as make_curves

    dt, _ = fit_posterior(inputs(), cache_dir=cache_dir, quiet=True)
    return make_curves(dt["posterior"].to_dataset(), dt.attrs)


# A scenario whose residual trajectories are known by hand: every input fixed, the METR
# horizon far above automation_full (2e-3 minutes) at every date, so the automatable share
# is a = 1 and the engineering speed-up S_e = k = 10; r0 = yield x 8 / 1 with the Erdős
# yield 1/2 (10^9 attempts, so its spread is 1.6e-5) and no alignment-researcher update;
# rho = 1/2; compute doubles every 4 months from t0 = 2026-01-01, so V(t0 + n months) = 2^(n/4).
HAND = """
title = "Hand-computable residual"
reading = "hand"
description = "Fixed inputs whose trajectories are known by hand."
horizon = "2040-12-31"
start = "2026-01"

[residual]
horizon_benchmark = "metr-horizon"
elasticity = {{ value = {elasticity}, why = "hand-computable test case value." }}
research_share = {{ value = 50, unit = "percent", why = "hand-computable test case value." }}
compute_doubling = {{ value = 4, unit = "months", why = "hand-computable test case value." }}
attempts_per_year = {{ value = {attempts}, why = "hand-computable test case value." }}
human_discoveries_per_year = {{ value = 1, why = "hand-computable test case value." }}
automated_speed = {{ value = 10, why = "hand-computable test case value." }}
automation_start = {{ value = 0.001, unit = "minutes", why = "hand-computable test case value." }}
automation_full = {{ value = 0.002, unit = "minutes", why = "hand-computable test case value." }}
multiplier_cap = {{ value = 18, why = "hand-computable test case value." }}
feedback = {{ value = {feedback}, why = "hand-computable test case value." }}

[evidence.erdos]
attempts = 1000000000
notable = 500000000
why = "a yield of one half with negligible spread."

[evidence.alignment_researchers]
ai_score = 0.97
human_score = 0.23
weight = 0.0
sd_at_full_weight = 1.0
why = "weight 0: no update of r0 in this test case."

[[events]]
id = "rd-10x"
title = "R&D multiplier 10x"
all_of = ["rd_multiplier >= 10"]
why = "hand-computable crossing date for this test."

[[events]]
id = "research-human"
title = "research throughput at human level"
all_of = ["research_throughput >= 1"]
why = "hand-computable crossing date for this test."
"""


# r0 is yield x 8 with the yield ~ Beta(5e8 + 1/2, 5e8 + 1/2): relative sd 1/sqrt(1e9) = 3.2e-5,
# so 6 sd (no draw of thousands outside it) is a relative tolerance of 2e-4 on r0 and on every
# quantity that depends on it (each has an elasticity to r0 of at most 1).
R0_RTOL = 2e-4


def hand_scenario(tmp_path, elasticity=1.0, attempts=8, feedback=0.0) -> Path:
    p = tmp_path / f"hand-e{elasticity}-a{attempts}-f{feedback}.toml"
    p.write_text(HAND.format(elasticity=elasticity, attempts=attempts, feedback=feedback))
    return p


def test_hand_scenario_inputs_are_the_fixed_values(tmp_path):
    sc = load(hand_scenario(tmp_path))
    assert start_of(sc) == 2026.0
    inp = draw_inputs(sc, 500, seed=5)
    assert np.all(inp["compute_doubling"].values == pytest.approx(1 / 3))  # 4 months in years
    assert np.all(inp["research_share"].values == 0.5)  # 50 percent as a fraction
    np.testing.assert_allclose(inp["research_throughput_now"].values, 4.0, rtol=R0_RTOL)


def test_elasticity_zero_keeps_research_throughput_at_r0(curves, tmp_path):
    """eps = 0: r(t) = r0 at every month although the volume grows 2^(n/4); with r0 = 4,
    S_e = 10 and rho = 1/2 the multiplier is 1 / (0.5/10 + 0.5/4) = 40/7 at every month."""
    sc = load(hand_scenario(tmp_path, elasticity=0.0))
    inp = draw_inputs(sc, curves.sizes["draw"], seed=5)
    tr = trajectories(curves, sc, inp, start_of(sc), 2035.0)
    r0 = inp["research_throughput_now"].values[:, None]
    r = tr["research_throughput"].values
    assert r.shape[1] == 9 * 12 + 1  # monthly from 2026-01 to 2035-01
    np.testing.assert_array_equal(r, np.broadcast_to(r0, r.shape))
    np.testing.assert_allclose(r, 4.0, rtol=R0_RTOL)
    np.testing.assert_allclose(tr["engineering_speedup"].values, 10.0, rtol=1e-12)
    vol = tr["attempt_volume"].values
    np.testing.assert_allclose(vol[:, 0], 1.0)
    np.testing.assert_allclose(vol[:, 12], 8.0, rtol=1e-9)  # three doublings in a year
    np.testing.assert_allclose(vol[:, 24], 64.0, rtol=1e-9)
    np.testing.assert_allclose(tr["rd_multiplier"].values, 40 / 7, rtol=R0_RTOL)


def test_elasticity_one_hand_values(curves, tmp_path):
    """eps = 1: r(t0 + n months) = 4 * 2^(n/4); the multiplier 1 / (0.05 + 0.5 / r) capped at 18:
    n = 4: r = 8, M = 80/9; n = 12: r = 32, M = 320/21; n = 24: r = 256, M = 2560/133 > 18."""
    sc = load(hand_scenario(tmp_path, elasticity=1.0))
    inp = draw_inputs(sc, curves.sizes["draw"], seed=5)
    tr = trajectories(curves, sc, inp, start_of(sc), 2035.0)
    r = tr["research_throughput"].values
    m = tr["rd_multiplier"].values
    for n, r_hand, m_hand in ((0, 4, 40 / 7), (4, 8, 80 / 9), (12, 32, 320 / 21), (24, 256, 18)):
        np.testing.assert_allclose(r[:, n], r_hand, rtol=R0_RTOL)
        np.testing.assert_allclose(m[:, n], m_hand, rtol=R0_RTOL)
    assert np.all(m <= 18.0)


def test_an_elasticity_ramp_by_hand(curves, tmp_path):
    """eps rising from 0 to 1 over 12 months, r0 = 1/2: r(t0 + n months) = 1/2 * 2^(n/4 * n/12)
    for n <= 12 (then 1/2 * 2^(n/4)), so r reaches 1 when n^2 = 48, between months 6 and 7:
    log-linear there, at 6 + (ln 2 - 0.75 ln 2) / (49/48 - 0.75) / ln 2 months."""
    path = hand_scenario(tmp_path, elasticity=1.0, attempts=1)
    text = path.read_text().replace(
        "[evidence.erdos]",
        'elasticity_ramp = { value = 12, unit = "months", why = "a ramp for this test case." }'
        "\n\n[evidence.erdos]",
    )
    (tmp_path / "ramp.toml").write_text(text)
    sc = load(tmp_path / "ramp.toml")
    inp = draw_inputs(sc, curves.sizes["draw"], seed=5)
    tr = trajectories(curves, sc, inp, start_of(sc), 2035.0)
    r = tr["research_throughput"].values
    for n in (0, 3, 6, 12, 24):
        hand = 0.5 * 2 ** (n / 4 * min(n, 12) / 12)
        np.testing.assert_allclose(r[:, n], hand, rtol=R0_RTOL)
    from forecast.reading import dates as reading_dates
    from forecast.thresholds import load_plan

    plan, _ = load_plan(inputs().rows, [], "2035-12-31")
    d, *_ = reading_dates(curves, plan, sc, inputs().rows, 5)
    t = d["crossing_year"].sel(event="research-human").values
    months = 6 + (1 - 0.75) / (49 / 48 - 0.75)
    # r0's relative spread R0_RTOL moves ln r by as much, so the date by that over the slope
    slope = np.log(2) * (49 / 48 - 0.75) * 12  # ln r per year between months 6 and 7
    np.testing.assert_allclose(t, 2026.0 + months / 12, rtol=0, atol=R0_RTOL / slope)


def test_research_speed_is_floored_at_human_pace(curves, tmp_path):
    """r0 = 1/2 (1 attempt a year, yield 1/2) and eps = 0: research stays at half the human
    rate, but S_r = max(1, r) = 1, so M = 1 / (0.5/10 + 0.5/1) = 1/0.55, not 1/(0.05 + 1)."""
    sc = load(hand_scenario(tmp_path, elasticity=0.0, attempts=1))
    inp = draw_inputs(sc, curves.sizes["draw"], seed=5)
    tr = trajectories(curves, sc, inp, start_of(sc), 2035.0)
    np.testing.assert_allclose(tr["research_throughput"].values, 0.5, rtol=R0_RTOL)
    np.testing.assert_allclose(tr["rd_multiplier"].values, 1 / 0.55, rtol=R0_RTOL)


def test_hand_scenario_through_the_cli(cli, tmp_path):
    """`run --scenario` reports the hand values at the end of each year, and the event dates:
    M >= 10 when 0.5 / (4 * 2^(3 tau)) = 0.05, tau = log2(2.5) / 3 = 0.4406 y after
    2026-01-01, i.e. 2026-06-10 (the monthly grid interpolates to within a day); r >= 1
    already at the start."""
    code, out, err = cli("run", "--scenario", str(hand_scenario(tmp_path)), "--json", "-q")
    assert code == 0, err
    s = json.loads(out)
    tr = s["residual"]["trajectories"]
    assert tr["research_throughput"]["by_end_of_year"]["2026"]["median"] == pytest.approx(
        32, rel=1e-3
    )
    assert tr["research_throughput"]["by_end_of_year"]["2027"]["median"] == pytest.approx(
        256, rel=1e-3
    )
    assert tr["rd_multiplier"]["by_end_of_year"]["2026"]["median"] == pytest.approx(
        320 / 21, abs=2e-3
    )
    assert tr["rd_multiplier"]["by_end_of_year"]["2027"]["median"] == 18.0  # the cap
    assert tr["engineering_speedup"]["by_end_of_year"]["2030"]["median"] == 10.0
    rd = s["events"]["rd-10x"]
    for q in ("0.1", "0.5", "0.9"):
        got = np.datetime64(rd["quantiles"][q])
        assert abs(got - np.datetime64("2026-06-10")) <= np.timedelta64(2, "D"), rd["quantiles"]
    assert rd["p_by_year"]["2026"] == {"p": 1.0, "mcse": 0.0}
    assert s["events"]["research-human"]["quantiles"]["0.5"] == "2026-01-01"
    # eps = 0: the multiplier stays at 40/7, so 10x is never reached
    code, out, err = cli(
        "run", "--scenario", str(hand_scenario(tmp_path, elasticity=0.0)), "--json", "-q"
    )
    assert code == 0, err
    e = json.loads(out)["events"]["rd-10x"]
    assert e["p_not_by_horizon"] == 1.0 and e["quantiles"]["0.5"] is None


def test_feedback_runs_engineering_time_at_the_multiplier(cli, tmp_path):
    """eps = 0 and feedback phi = 1: M = 40/7 at every month, so effective engineering time
    runs 40/7 times faster than real time after t0 = 2026.0, and an engineering threshold
    crossed at t_eff without feedback is crossed at 2026 + (t_eff - 2026) * 7/40 with it."""
    years = {}
    for fb in (0.0, 1.0):
        out = tmp_path / f"fb{fb}"
        code, _, err = cli(
            "run", "-q", "--scenario", str(hand_scenario(tmp_path, 0.0, 8, fb)), "--out", str(out)
        )
        assert code == 0, err
        with xr.open_dataset(out / "forecast.nc", engine="h5netcdf") as ds:
            years[fb] = ds["crossing_year"].sel(event="metr-work-month").values
    t_eff, t_fb = years[0.0], years[1.0]
    later = np.isfinite(t_eff) & (t_eff > 2026.0)
    assert later.mean() > 0.5
    np.testing.assert_allclose(t_fb[later], 2026.0 + (t_eff[later] - 2026.0) * 7 / 40, atol=2e-3)
    before = t_eff <= 2026.0
    np.testing.assert_array_equal(t_fb[before], t_eff[before])


def crossings(years, n_chain=4, event="ev", benchmark="composite") -> xr.Dataset:
    """A hand-made dates dataset as `reading.dates` returns it: dims draw x event."""
    t = np.asarray(years, dtype=float)[:, None]
    return xr.Dataset(
        {"crossing_year": (("draw", "event"), t)},
        coords={"event": [event], "benchmark": ("event", [benchmark])},
        attrs={"n_chain": n_chain},
    )


def shuffled(n_cross: int, n: int, seed=0) -> np.ndarray:
    """n draws of which n_cross cross in mid-2027 and the rest in 2030, in random order
    (no autocorrelation, so the indicator's ESS is about n)."""
    t = np.where(np.arange(n) < n_cross, 2027.5, 2030.0)
    return np.random.default_rng(seed).permutation(t)


CLAIM = {"id": "c", "who": "w", "claim": "x", "event": "ev", "by": "2028-12-31"}


@pytest.mark.parametrize(
    "years,p_at_least,verdict,p",
    [
        # every draw crosses before the date: P = 1, MCSE 0
        (np.full(400, 2027.5), 0.6, "agrees", 1.0),
        (np.full(400, 2027.5), 1.0, "agrees", 1.0),  # P - 2 MCSE >= claim, with equality
        # no draw crosses by the date (later or never): P = 0, MCSE 0
        (np.r_[np.full(200, 2030.0), np.full(200, np.inf)], 0.6, "disagrees", 0.0),
        (np.full(400, np.inf), 0.01, "disagrees", 0.0),
        # P = 0.5 exactly at the claim: any MCSE > 0 puts the claim within 2 MCSE
        (shuffled(200, 400), 0.5, "within Monte Carlo error of the claim", 0.5),
        # P = 0.9 or 0.3 against 0.6: outside 2 MCSE for any ESS above 4 (MCSE <= 0.15)
        (shuffled(360, 400), 0.6, "agrees", 0.9),
        (shuffled(120, 400), 0.6, "disagrees", 0.3),
        # P = 0.55 > 0.5 but on 40 draws the MCSE is ~0.08 (ESS <= 40 log10 40 = 64 gives
        # MCSE >= 0.06): within; the same P on 40,000 draws (MCSE ~0.0025) agrees
        (shuffled(22, 40), 0.5, "within Monte Carlo error of the claim", 0.55),
        (shuffled(22_000, 40_000), 0.5, "agrees", 0.55),
        # the claim's date is the end of 2028-12-31 (decimal year 2029.0): counted up to it
        (
            np.random.default_rng(1).permutation(
                np.repeat([2028.99, 2029.0, 2029.01], [100, 100, 200])
            ),
            0.5,
            None,
            0.5,
        ),
    ],
)
def test_reference_verdicts_on_hand_made_dates(years, p_at_least, verdict, p):
    (ref,) = references(crossings(years), None, [{**CLAIM, "p_at_least": p_at_least}])
    assert ref["engine_p"] == pytest.approx(p, abs=1e-12)
    if verdict is not None:
        assert ref["verdict"] == verdict
    if p in (0.0, 1.0):
        assert ref["engine_mcse"] == 0.0
    else:
        assert 0 < ref["engine_mcse"] < 0.15
    assert ref["under"] == "the growth models alone"
    assert ref["id"] == "c" and ref["claim"] == "x"  # the claim is carried through


def test_reference_mcse_is_the_binomial_one_for_independent_draws():
    """40,000 independent draws with P = 0.55: MCSE = sqrt(0.55 * 0.45 / 40,000) = 0.00249
    (the ESS estimate of independent draws is within a few percent of their number)."""
    (ref,) = references(crossings(shuffled(22_000, 40_000)), None, [{**CLAIM, "p_at_least": 0.5}])
    assert ref["engine_mcse"] == pytest.approx(0.00249, rel=0.1)


def test_references_skip_claims_on_absent_events_and_name_the_scenario_assumptions():
    d = crossings(np.full(400, 2027.5))
    assert references(d, None, [{**CLAIM, "event": "other", "p_at_least": 0.5}]) == []
    (ref,) = references(d, load(R1), [{**CLAIM, "p_at_least": 0.5}])
    # the shipped reading 1, in canonical units: 1-80 % is 0.01-0.8, 6 months is 0.5 years
    assert "elasticity 0" in ref["under"]
    assert "research share loguniform 0.01-0.8" in ref["under"]
    assert "compute doubling lognormal(median 0.5, sigma 0.3) years" in ref["under"]
    assert "R&D multiplier cap 100" in ref["under"]
    # an engineering (non-composite) event is judged on the growth models alone
    (ref,) = references(
        crossings(np.full(400, 2027.5), benchmark="posttrainbench"),
        load(R1),
        [{**CLAIM, "p_at_least": 0.5}],
    )
    assert ref["under"] == "the growth models alone"


def test_a_claim_conditional_on_a_reading_is_judged_under_that_reading_alone():
    d = crossings(np.full(400, 2027.5))
    given = {**CLAIM, "p_at_least": 0.5, "given_reading": "compressed-perspiration"}
    assert references(d, None, [given]) == []  # no reading: not judged
    assert references(d, load(R1), [given]) == []  # another reading: not judged
    (ref,) = references(d, load(R2), [given])
    assert ref["verdict"] == "agrees" and ref["given_reading"] == "compressed-perspiration"


def test_composite_is_never_earlier_than_any_component():
    rng = np.random.default_rng(0)
    d = rng.uniform(2025, 2045, size=(1000, 4))
    d[rng.random((1000, 4)) < 0.1] = np.inf
    when, credit = composite(d, horizon=2041.0)
    capped = np.where(d <= 2041.0, d, np.inf)
    assert np.all(when[:, None] >= capped)
    np.testing.assert_allclose(credit.sum(axis=1), 1.0)


def test_reading_two_is_never_later_on_the_same_draws(cache_dir, tmp_path):
    """Only the elasticity differs between the shipped files; with common random numbers
    reading 2's composite date is never later, draw by draw, also with feedback on."""
    inp = inputs()
    for fb in ("0.0", "0.5"):
        line = f'feedback = {{ value = {fb}, why = "feedback strength for this test case." }}'
        a = with_changes(tmp_path, R1, f"r1-{fb}", feedback=line)
        b = with_changes(tmp_path, R2, f"r2-{fb}", feedback=line)
        ra = forecast(inp, scenario=load(a), cache_dir=cache_dir, quiet=True)
        rb = forecast(inp, scenario=load(b), cache_dir=cache_dir, quiet=True)
        for ev in ("automated-ai-rnd", "rd-multiplier-10x"):
            ta = ra.dates["crossing_year"].sel(event=ev).values
            tb = rb.dates["crossing_year"].sel(event=ev).values
            assert np.all(tb <= ta + 1e-9), (fb, ev)
            assert (tb < ta).mean() > 0.2  # and it is earlier in many draws


def test_binding_shares_add_up_and_headline_outputs(cache_dir):
    """docs/residual-model.md: Clark's "60 %+ by end of 2028" holds only under reading 2
    (P about 0.2 under reading 1 and 0.75 under reading 2, each with an MCSE near 0.01),
    and Meyer's PostTrainBench parity agrees with the growth models alone (P about 0.87)."""
    inp = inputs()
    expected = {R1: "disagrees", R2: "agrees"}
    for path in (R1, R2):
        s = forecast(inp, scenario=load(path), cache_dir=cache_dir, quiet=True).run.as_json()
        e = s["events"]["automated-ai-rnd"]
        assert sum(e["binding_shares"].values()) == pytest.approx(1.0, abs=1e-5)
        for y in ("2026", "2027", "2028", "2030", "2035"):
            assert set(e["p_by_year"][y]) == {"p", "mcse"}
        assert set(e["quantiles"]) == {"0.1", "0.5", "0.9"}
        assert "p_not_by_horizon" in e
        refs = {r["id"]: r for r in s["references"]}
        assert refs["clark-2028"]["verdict"] == expected[path], refs["clark-2028"]
        assert "elasticity" in refs["clark-2028"]["under"]
        assert refs["meyer-ptb-parity"]["verdict"] == "agrees", refs["meyer-ptb-parity"]
        assert refs["meyer-ptb-parity"]["under"] == "the growth models alone"


def test_faster_compute_moves_reading_two_earlier(cache_dir, tmp_path):
    """A copy with a shorter compute doubling time raises P(automated AI R&D by 2028)."""
    fast = with_changes(
        tmp_path,
        R2,
        "fast",
        compute_doubling=(
            'compute_doubling = { value = 2, unit = "months", why = "a much faster compute growth for this test." }'
        ),
    )
    slow = with_changes(
        tmp_path,
        R2,
        "slow",
        compute_doubling=(
            'compute_doubling = { value = 24, unit = "months", why = "a much slower compute growth for this test." }'
        ),
    )
    inp = inputs()
    pf = forecast(inp, scenario=load(fast), cache_dir=cache_dir, quiet=True).run.as_json()
    ps = forecast(inp, scenario=load(slow), cache_dir=cache_dir, quiet=True).run.as_json()
    a = pf["events"]["automated-ai-rnd"]["p_by_year"]["2028"]
    b = ps["events"]["automated-ai-rnd"]["p_by_year"]["2028"]
    assert a["p"] - b["p"] > 4 * np.hypot(a["mcse"], b["mcse"])


BAD_SCENARIOS = [
    ("elasticty", "elasticity = { value", "elasticty = { value", "residual.elasticty"),
    (
        "unit",
        'unit = "months", why = "Assumption',
        'unit = "percent", why = "Assumption',
        "residual.compute_doubling.unit",
    ),
    ("range", "elasticity = { value = 0.0,", "elasticity = { value = 7.0,", "residual.elasticity"),
    (
        "why",
        'automated_speed = { dist = "lognormal", median = 10, sigma = 0.7, unit = "x", why = "METR',
        'automated_speed = { dist = "lognormal", median = 10, sigma = 0.7, unit = "x", whyy = "METR',
        "residual.automated_speed",
    ),
    (
        "dist",
        'dist = "loguniform", low = 1',
        'dist = "logunifrom", low = 1',
        "residual.research_share.dist",
    ),
    ("shape", "median = 700, sigma = 1.0", "median = 700", "residual.attempts_per_year"),
    ("type", "attempts = 700", 'attempts = "700"', "evidence.erdos.attempts"),
    ("counts", "notable = 1", "notable = 900", "evidence.erdos"),
    ("weight", "weight = 0.1", "weight = 1.5", "evidence.alignment_researchers.weight"),
    ("toplevel", 'reading = "inspiration-binding"', 'readng = "inspiration-binding"', "readng"),
]


@pytest.mark.parametrize("case,old,new,key", BAD_SCENARIOS, ids=[c[0] for c in BAD_SCENARIOS])
def test_scenario_validation_names_the_key(tmp_path, case, old, new, key):
    text = flat_text(R1)
    assert old in text
    p = tmp_path / f"{case}.toml"
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(ForecastError) as e:
        load(p)
    assert str(p) in str(e.value) and key in str(e.value)


def test_bad_condition_is_an_error_naming_the_event(cache_dir, tmp_path):
    p = tmp_path / "cond.toml"
    p.write_text(flat_text(R1).replace('"metr-horizon >= 167h"', '"metr-horizn >= 167h"'))
    with pytest.raises(ForecastError, match=r"events.automated-ai-rnd.*metr-horizn"):
        forecast(inputs(), scenario=load(p), cache_dir=cache_dir, quiet=True)


def test_cli_scenario_and_compare(cli, tmp_path):
    code, out, err = cli("run", "--scenario", "inspiration-binding", "--json", "-q")
    assert code == 0, err
    s = json.loads(out)
    assert s["scenario"]["reading"] == "inspiration-binding"
    assert "automated-ai-rnd" in s["events"] and "residual" in s
    code, out, err = cli(
        "compare",
        "inspiration-binding",
        "compressed-perspiration",
        "--json",
        "-q",
        "--out",
        str(tmp_path / "cmp"),
    )
    assert code == 0, err
    c = json.loads(out)
    v = c["events"]["automated-ai-rnd"]["versus_first"]["compressed-perspiration"]
    assert v["paired_draws"] and v["per_draw"]["share_second_earlier"] > 0
    assert (tmp_path / "cmp" / "compare-automated-ai-rnd.png").stat().st_size > 10_000
    # what each arm assumes that the other does not: the readings differ in elasticity alone
    assumes = {a["label"]: a["assumes"] for a in c["arms"]}
    assert assumes == {
        "inspiration-binding": {"elasticity": "0"},
        "compressed-perspiration": {"elasticity": "1"},
    }
    code, text, err = cli("compare", "inspiration-binding", "compressed-perspiration")
    assert code == 0, err
    assert "inspiration-binding assumes: elasticity 0" in text
    shares = c["events"]["automated-ai-rnd"]["by_arm"]["inspiration-binding"]["binding_shares"]
    top = max(shares, key=shares.get)
    assert f"binding (met last): {top} {100 * shares[top]:.0f} %" in text
    assert err.count("reusing posterior") <= 1  # one posterior for both scenario arms
    code, _, err = cli("run", "--scenario", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err


def test_meyers_reading_ships_as_a_third_scenario():
    """scenarios/meyer.toml: reading 2's file with the elasticity reached over 12-24 months,
    the multiplier capped at 10-30x and feedback 0.5; every other input the same."""
    from forecast.scenario import resolve

    m, r2 = load(resolve("meyer")), load(resolve("compressed-perspiration"))
    ramp = m.params["elasticity_ramp"]
    assert (ramp.dist, ramp.low, ramp.high) == ("uniform", 1.0, 2.0)  # years
    cap = m.params["multiplier_cap"]
    assert (cap.dist, cap.low, cap.high) == ("loguniform", 10.0, 30.0)
    assert m.params["feedback"].value == 0.5 and m.params["elasticity"].value == 1.0

    def value(sc, k):
        return sc.params[k].model_dump(exclude={"why"})

    differ = {k for k in m.params if value(m, k) != value(r2, k)}
    assert differ == {"elasticity_ramp", "multiplier_cap", "feedback"}
    assert [e.id for e in m.spec.events] == [e.id for e in r2.spec.events]


# --- a scenario file that extends a base ---------------------------------------------------


@pytest.mark.parametrize("path", [R1, R2, ROOT / "scenarios" / "meyer.toml"], ids=lambda p: p.stem)
def test_a_shipped_reading_is_its_base_with_its_own_lines(tmp_path, path):
    """Extending base.toml gives the scenario (and digest, which keys caches and seeds) of
    one file holding both."""
    flat = tmp_path / path.name
    flat.write_text(flat_text(path))
    a, b = load(path), load(flat)
    assert "extends" not in tomllib.loads(flat.read_text()) and a.spec == b.spec
    assert a.digest == b.digest


def test_a_file_replaces_a_whole_parameter_and_keeps_the_rest_of_its_base(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'extends = "inspiration-binding"\nreading = "mine"\n\n[residual]\n'
        'feedback = { value = 0.25, why = "a stronger loop for this case." }\n'
    )
    sc, r1 = load(tmp_path / "mine.toml"), load(R1)
    assert sc.params["feedback"].value == 0.25 and sc.spec.reading == "mine"
    assert sc.spec.title == r1.spec.title  # the chain: mine -> inspiration-binding -> base
    assert {k: v for k, v in sc.params.items() if k != "feedback"} == {
        k: v for k, v in r1.params.items() if k != "feedback"
    }
    assert sc.spec.events == r1.spec.events and sc.spec.evidence == r1.spec.evidence


@pytest.mark.parametrize(
    "files,message",
    [
        ({"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'}, "a cycle"),
        ({"a.toml": 'extends = "nowhere"\n'}, "no scenario file 'nowhere'"),
        ({"a.toml": "extends = 3\n"}, "key 'extends': expected the base scenario's file"),
        ({"a.toml": 'extends = "base"\ntitle = "no reading"\n'}, "reading.*only a base"),
    ],
    ids=["cycle", "missing", "not-a-name", "no-reading"],
)
def test_a_bad_extends_is_an_error_naming_the_file(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ForecastError, match=message) as e:
        load(tmp_path / "a.toml")
    assert str(tmp_path) in str(e.value) and "a.toml" in str(e.value)  # the cycle: in b.toml


def test_the_shipped_base_is_not_a_scenario_of_its_own():
    with pytest.raises(ForecastError, match="only a base that scenario files `extends`"):
        load(ROOT / "scenarios" / "base.toml")
