"""The research-residual model, the two readings and composite events."""

import json
from pathlib import Path

import numpy as np
import pytest

from forecast.errors import ForecastError
from forecast.events import composite
from forecast.pipeline import forecast, inputs
from forecast.reading import start_of
from forecast.residual import draw_inputs, trajectories
from forecast.scenario import load

ROOT = Path(__file__).resolve().parent.parent
R1 = ROOT / "scenarios" / "inspiration-binding.toml"
R2 = ROOT / "scenarios" / "compressed-perspiration.toml"


def with_changes(tmp_path, src: Path, name: str, **lines) -> Path:
    """A copy of a scenario file with whole `key = ...` lines replaced."""
    text = src.read_text()
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


def test_elasticity_zero_ignores_volume_and_one_is_proportional(curves):
    for path, eps in ((R1, 0.0), (R2, 1.0)):
        sc = load(path)
        inp = draw_inputs(sc, curves.sizes["draw"], seed=5)
        tr = trajectories(curves, sc, inp, start_of(sc), 2035.0)
        r = tr["research_throughput"].values
        r0 = inp["research_throughput_now"].values[:, None]
        vol = tr["attempt_volume"].values
        assert np.all(vol[:, -1] > vol[:, 0])  # volume does grow
        np.testing.assert_allclose(r, r0 * vol**eps, rtol=1e-12)
        if eps == 0:
            np.testing.assert_allclose(r, np.broadcast_to(r0, r.shape), rtol=1e-12)


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
    inp = inputs()
    for path in (R1, R2):
        s = forecast(inp, scenario=load(path), cache_dir=cache_dir, quiet=True).summary
        e = s["events"]["automated-ai-rnd"]
        assert sum(e["binding_shares"].values()) == pytest.approx(1.0, abs=1e-5)
        for y in ("2026", "2027", "2028", "2030", "2035"):
            assert set(e["p_by_year"][y]) == {"p", "mcse"}
        assert set(e["quantiles"]) == {"0.1", "0.5", "0.9"}
        assert "p_not_by_horizon" in e
        refs = {r["id"]: r for r in s["references"]}
        assert refs["clark-2028"]["verdict"] in (
            "agrees",
            "disagrees",
            "within Monte Carlo error of the claim",
        )
        assert "elasticity" in refs["clark-2028"]["under"]


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
    pf = forecast(inp, scenario=load(fast), cache_dir=cache_dir, quiet=True).summary
    ps = forecast(inp, scenario=load(slow), cache_dir=cache_dir, quiet=True).summary
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
    text = R1.read_text()
    assert old in text
    p = tmp_path / f"{case}.toml"
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(ForecastError) as e:
        load(p)
    assert str(p) in str(e.value) and key in str(e.value)


def test_bad_condition_is_an_error_naming_the_event(cache_dir, tmp_path):
    p = tmp_path / "cond.toml"
    p.write_text(R1.read_text().replace('"metr-horizon >= 167h"', '"metr-horizn >= 167h"'))
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
    code, _, err = cli("run", "--scenario", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err
