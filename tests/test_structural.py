"""Structural variants: each headline number's range over modelling choices, and verdicts that
hold only when every variant and reading agrees."""

import json

import pytest

from forecast import structural as st
from forecast import structural_variants as sv
from forecast.errors import ForecastError
from forecast.fit import SamplerSettings
from forecast.pipeline import inputs
from forecast.results import StructuralSummary
from forecast.scenario import load as load_scenario
from forecast.scenario import resolve
from forecast.structural_gaps import reading_gaps

from .conftest import write
from .test_results import valid_result

READINGS = ("inspiration-binding", "compressed-perspiration")
TINY = ("--draws", "200", "--tune", "200", "--chains", "2")
SMALL = SamplerSettings(draws=200, tune=200, chains=2)
VARIANTS = """
[[variant]]
id = "wide"
title = "every prior scale x2"
widen = 2.0
why = "prior scales are judgement"

[[variant]]
id = "no-walk"
title = "no forward walk"
walk = false
why = "the walk is a calibration choice"
"""


def test_shipped_variants_load_and_each_changes_the_inputs():
    variants = sv.load_variants()
    assert len(variants) >= 8 and all(len(v.why) > 40 for v in variants)
    base = inputs()
    readings = [load_scenario(resolve(n)) for n in READINGS]
    for v in variants:
        inp = sv.variant_inputs(base, v, "structural.toml")
        changed = inp.rows != base.rows or inp.priors.digest() != base.priors.digest()
        walk = [getattr(inp.priors, f).rate_drift for f in ("bounded", "unbounded")]
        residual = [v.scenario(sc, "structural.toml") for sc in readings]
        moved = [a.digest != b.digest for a, b in zip(residual, readings, strict=True)]
        assert changed or not all(w.in_forecasts for w in walk) or all(moved), v.id
        assert not (v.residual or v.evidence or v.read_on) or not changed, f"{v.id}: no refit"
    # a residual variant replaces its parameters in both readings, in canonical units
    (hd,) = [v for v in variants if v.id == "human-discoveries-1"]
    for sc in readings:
        p = hd.scenario(sc, "structural.toml").params
        assert p["human_discoveries_per_year"].median == 1.0
        assert (
            p["elasticity"] == sc.params["elasticity"]
            and p["research_share"] == sc.params["research_share"]
        )
    # an evidence variant replaces one field of an evidence table, the rest as the file has it
    (aw,) = [v for v in variants if v.id == "alignment-weight-1"]
    for sc in readings:
        a = aw.scenario(sc, "structural.toml").spec.evidence.alignment_researchers
        b = sc.spec.evidence.alignment_researchers
        assert a.weight == 1.0 and (a.ai_score, a.human_score) == (b.ai_score, b.human_score)
    bad = sv.Variant(id="x", title="a bad one", why="for this test only", evidence={"nope": {}})
    with pytest.raises(ForecastError, match="unknown evidence table 'nope'"):
        bad.scenario(readings[0], "s.toml")
    (cd,) = [v for v in variants if v.id == "compute-doubling-12"]
    assert cd.scenario(readings[0], "s").params["compute_doubling"].median == 1.0  # years
    # a ceiling variant replaces one benchmark's ceiling prior and leaves the others alone
    (pc,) = [v for v in variants if v.id == "posttrainbench-ceiling-low"]
    pr = sv.variant_inputs(base, pc, "structural.toml").priors
    assert pr.ceiling("posttrainbench") == (0.30, 1.0, 2.0, 2.0)
    assert base.priors.ceiling("posttrainbench") == (0.55, 1.0, 2.0, 2.0)
    assert pr.ceiling("swe-bench") == base.priors.ceiling("swe-bench")


def test_residual_variants_are_checked_like_reading_files(tmp_path):
    sc = load_scenario(resolve(READINGS[0]))
    for table, match in [
        ("elasticity = { value = 1.0, why = 'the other reading' }", "what the two readings differ"),
        ("nonsense = { value = 1.0, why = 'not a parameter' }", "unknown residual parameter"),
        ("feedback = { value = 99.0, why = 'far too much feedback' }", "out of range"),
        (
            "compute_doubling = { value = 6, unit = 'percent', why = 'a share is not a time' }",
            "unit",
        ),
    ]:
        f = write(
            tmp_path / "v.toml",
            f"""
[[variant]]
id = "r"
title = "a residual variant"
residual = {{ {table} }}
why = "checking the residual table"
""",
        )
        with pytest.raises(ForecastError, match=match) as e:
            for v in sv.load_variants(f):
                v.scenario(sc, str(f))
        assert str(f) in str(e.value) and (
            match.startswith("what") or "variant 'r'" in str(e.value)
        )


def test_bad_variant_files_are_user_errors(tmp_path):
    bad = write(tmp_path / "v.toml", VARIANTS.replace("widen = 2.0", "widen = 2.0\nwiden_x = 1"))
    with pytest.raises(ForecastError, match="widen_x") as e:
        sv.load_variants(bad)
    assert str(bad) in str(e.value)
    dup = write(tmp_path / "d.toml", VARIANTS.replace('id = "no-walk"', 'id = "wide"'))
    with pytest.raises(ForecastError, match="unique"):
        sv.load_variants(dup)
    gone = sv.Variant(id="x", title="drop a series", why="a test of errors", drop_series=["nope"])
    with pytest.raises(ForecastError, match="'nope', which is not in the data"):
        sv.variant_inputs(inputs(), gone, "v.toml")
    ceiling = {"low": 0.3, "high": 1.0, "alpha": 2.0, "beta": 2.0}
    unbounded = sv.Variant(
        id="x",
        title="a ceiling on METR",
        why="a test of errors",
        ceilings={"metr-horizon": ceiling},
    )
    with pytest.raises(ForecastError, match="'metr-horizon', which is not a bounded benchmark"):
        sv.variant_inputs(inputs(), unbounded, "v.toml")


def test_read_on_reads_the_metr_events_and_conditions_on_the_80_horizon():
    """The shipped metr-80-horizon variant: the work-month and 100-hour thresholds and every
    composite's METR condition are read on the 80 % horizon; the data (hence the fit's cache
    key), the other events and the residual model's horizon stay as they are."""
    from forecast.events import parse_condition
    from forecast.fit import cache_key
    from forecast.thresholds import load_plan

    (v,) = [v for v in sv.load_variants() if v.id == "metr-80-horizon"]
    base = inputs()
    inp = sv.variant_inputs(base, v, "structural.toml")
    assert inp.rows == base.rows and inp.priors.digest() == base.priors.digest()
    assert inp.read_on == {
        "metr-100h": "metr-horizon-1.1-p80",
        "metr-work-month": "metr-horizon-1.1-p80",
    }
    key = cache_key(base.rows, base.priors, base.settings)
    assert cache_key(inp.rows, inp.priors, inp.settings) == key  # the central fit, reused
    central = {t.id: t.series for t in load_plan(base.rows)[0].thresholds}
    moved = {t.id: t.series for t in load_plan(inp.rows, read_on=inp.read_on)[0].thresholds}
    assert central["metr-work-month"] == central["metr-100h"] == "metr-horizon-1.1-p50"
    assert moved["metr-work-month"] == moved["metr-100h"] == "metr-horizon-1.1-p80"
    assert {e: s for e, s in moved.items() if not e.startswith("metr-")} == {
        e: s for e, s in central.items() if not e.startswith("metr-")
    }
    for name in READINGS:
        sc = load_scenario(resolve(name))
        out = v.scenario(sc, "structural.toml")
        assert out is not None and out.digest != sc.digest
        (ev,) = [e for e in out.spec.events if e.id == "automated-ai-rnd"]
        (was,) = [e for e in sc.spec.events if e.id == "automated-ai-rnd"]
        conds = [parse_condition(c, inp.rows, "test") for c in ev.all_of]
        metr = [c for c in conds if c.target.startswith("metr-")]
        assert [(c.target, c.value) for c in metr] == [("metr-horizon-1.1-p80", 167 * 60)]
        assert [c for c in ev.all_of if "metr" not in c] == [
            c for c in was.all_of if "metr" not in c
        ]
        assert out.spec.residual.horizon_benchmark == sc.spec.residual.horizon_benchmark
    assert v.scenario(None, "structural.toml") is None


@pytest.mark.parametrize(
    ("read_on", "match"),
    [
        ({"nope": "metr-horizon-1.1-p80"}, "read_on names 'nope', which is not a built-in event"),
        (
            {"metr-work-month": "nope"},
            "read_on.metr-work-month names 'nope', which is not a series",
        ),
        ({"metr-work-month": "swe-bench-verified"}, "a share; 'metr-horizon' is a duration"),
        ({"metr-horizon": "posttrainbench"}, "a share; 'metr-horizon' is a duration"),
    ],
)
def test_bad_read_on_keys_are_refused_naming_the_variant(read_on, match):
    v = sv.Variant(id="x", title="read elsewhere", why="a test of errors", read_on=read_on)
    with pytest.raises(ForecastError, match=match) as e:
        sv.variant_inputs(inputs(), v, "v.toml")
    assert "variant 'x'" in str(e.value) and "v.toml" in str(e.value)


def test_a_bad_read_on_is_a_usage_error_before_any_fit(cli, tmp_path):
    bad = write(
        tmp_path / "v.toml",
        VARIANTS + '\n[[variant]]\nid = "r"\ntitle = "read elsewhere"\n'
        'read_on = { "metr-month" = "metr-horizon-1.1-p80" }\nwhy = "a test of errors"\n',
    )
    code, _, err = cli("structural", "--variants", str(bad), "--no-scenario", "-q")
    assert code == 2 and "variant 'r': read_on names 'metr-month'" in err


def test_claim_verdict_holds_only_when_every_arm_agrees():
    claim = {"id": "c", "event": "e", "by": "2028-12-31", "p_at_least": 0.6}
    agree = {"p": 0.9, "mcse": 0.01, "verdict": "agrees"}
    disagree = {"p": 0.2, "mcse": 0.01, "verdict": "disagrees"}
    all_agree = st._claim({"claim": claim, "central|r1": agree, "wide|r1": agree})
    assert all_agree["verdict"] == "agrees" and all_agree["flipped_by"] == []
    split = st._claim({"claim": claim, "central|r1": agree, "wide|r1": disagree, "x|r2": agree})
    assert split["verdict"] == "depends on wide under r1 (central: agrees)"
    assert split["flipped_by"] == ["wide (r1)"]
    by_reading = st._claim(
        {"claim": claim, "central|r1": agree, "wide|r1": agree, "central|r2": disagree}
    )
    assert by_reading["verdict"] == "depends on the reading: agrees under r1; disagrees under r2"


def test_structural_run_ranges_cover_every_variant(cache_dir, tmp_path):
    """On METR's seed figures with two variants: each event's range spans the central value and
    every variant's, and the variant it depends on most is the one furthest from the centre."""
    base = inputs(["seed"], no_bundled=True, settings=SMALL)
    base.rows[:] = [r for r in base.rows if r.benchmark == "metr-horizon"]
    variants = sv.load_variants(write(tmp_path / "v.toml", VARIANTS))
    s = st.run(base, variants, [None], cache_dir=cache_dir).as_json()  # structural.json
    assert [f["id"] for f in s["fits"]] == ["central", "wide", "no-walk"]
    for e in s["events"].values():
        ps = {a: v["p"] for a, v in e["variants"].items()}
        assert set(ps) == {"central", "wide", "no-walk"}
        assert e["range"]["p_low"] == min(ps.values()) and e["range"]["p_high"] == max(ps.values())
        d = e["depends_most_on"]
        furthest = max(("wide", "no-walk"), key=lambda a: abs(ps[a] - ps["central"]))
        assert d["variant"] == furthest and d["shift"] == pytest.approx(
            ps[furthest] - ps["central"]
        )
    json.dumps(s, allow_nan=False)  # JSON-ready


def test_structural_command(cli, tmp_path):
    data = ("--no-bundled", "--data", "seed")
    variants = write(tmp_path / "v.toml", VARIANTS)
    out = tmp_path / "st"
    code, stdout, err = cli(
        "structural", *TINY, *data, "--variants", str(variants), "--scenario",
        "compressed-perspiration", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, err
    assert "structural range" in stdout and "depends most on" in stdout
    assert "automated-ai-rnd [compressed-perspiration]" in stdout
    assert "Published claims, across every variant and reading" in stdout
    s = valid_result("structural", json.loads((out / "structural.json").read_text("utf-8")))
    assert s["readings"] == ["compressed-perspiration"]
    assert {c["id"] for c in s["claims"]} >= {"clark-2028"}
    next(iter(s["events"].values()))["central"]["p"] = 1.5
    with pytest.raises(ValueError):
        StructuralSummary.model_validate(s)
    code, _, err = cli("structural", *TINY, *data, "--variants", str(variants), "--out", str(out))
    assert code == 2 and "--force" in err
    code, _, err = cli("structural", "--variants", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err


def test_run_with_structural_gives_each_event_its_range(cli, tmp_path, monkeypatch):
    """`forecast run --structural`: the JSON's ``structural`` holds every event's range over
    the variants (the same fits as `forecast structural`, cached), validated by the schema."""
    variants = sv.load_variants(write(tmp_path / "v.toml", VARIANTS))
    monkeypatch.setattr(sv, "load_variants", lambda path=None: variants)
    data = ("--no-bundled", "--data", "seed")
    code, stdout, err = cli("run", *TINY, *data, "--structural", "--json", "-q")
    assert code == 0, err
    res = json.loads(stdout)
    assert set(res["structural"]) == set(res["events"])
    for ev, r in res["structural"].items():
        p = res["events"][ev]["p_by_year"]["2028"]["p"]
        assert r["central"]["p"] == p and r["range"]["p_low"] <= p <= r["range"]["p_high"], ev
        assert r["variants"] == 2
    code, text, err = cli("run", *TINY, *data, "--structural", "-q")
    assert code == 0 and "Structural range of P(by end of 2028) over 2 variants" in text


def test_report_shows_the_structural_section(cache_dir, tmp_path, monkeypatch):
    """`forecast report --structural`: the page gets the section, its JSON the summary, and the
    reproduce command the flag."""
    from forecast import render_report
    from forecast.report import build, reproduce_command

    variants = sv.load_variants(write(tmp_path / "v.toml", VARIANTS))
    monkeypatch.setattr(sv, "load_variants", lambda path=None: variants)
    base = inputs(["seed"], no_bundled=True, settings=SMALL)
    cmd = reproduce_command(scenarios=["compressed-perspiration"], data=["seed"], structural=True)
    built = build(base, ["compressed-perspiration"], cache_dir=cache_dir, quiet=True,
                  command=cmd, structural=True)  # fmt: skip
    out = tmp_path / "rep"
    render_report.write(out, built, False, None)
    page = (out / "index.html").read_text("utf-8")
    assert 'id="structural-table"' in page and "What each headline depends on" in page
    s = valid_result("report", json.loads((out / "report.json").read_text("utf-8")))["structural"]
    assert [v["id"] for v in s["variants"]] == ["central", "wide", "no-walk"]
    assert "--structural" in cmd and "--data seed" in cmd  # a bundled table stays a name


def test_an_event_the_readings_forecast_differently_is_kept_per_reading():
    same = {
        "p": 0.5,
        "median": "2027-01",
        "mcse": 0.01,
        "p_never": 0.1,
        "title": "t",
        "reading": None,
    }
    r1 = {"ev": {**same, "p": 0.6}, "both": same}
    r2 = {"ev": {**same, "p": 0.7}, "both": same}
    out = st._split_by_reading("fb", {"r1": r1, "r2": r2})
    assert out == {"fb": {"both": same}, "fb (r1)": {"ev": r1["ev"]}, "fb (r2)": {"ev": r2["ev"]}}
    numbers = {"central": {"ev": same, "both": same}, **out}
    ev = st._events(numbers)["ev"]
    assert ev["range"]["p_high"] == 0.7 and ev["range"]["high_variant"] == "fb (r2)"
    assert ev["missing_in"] == [] and st._events(numbers)["both"]["missing_in"] == []
    # an arm that lacks the event altogether is still reported missing
    numbers["gone"] = {"both": same}
    assert st._events(numbers)["ev"]["missing_in"] == ["gone"]


def test_compare_structural_says_whether_the_readings_gap_holds(cli, tmp_path, monkeypatch):
    """`forecast compare A B --structural` on the seed figures with two variants: per
    composite event the gap B - A in the central model equals the compare's own shift, its
    range covers every variant's gap, and "holds" is true only when every variant's gap is
    beyond two MC errors on the central side."""
    variants = sv.load_variants(write(tmp_path / "v.toml", VARIANTS))
    monkeypatch.setattr(sv, "load_variants", lambda path=None: variants)
    data = ("--no-bundled", "--data", "seed")
    arms = ("inspiration-binding", "compressed-perspiration")
    code, stdout, err = cli("compare", *arms, *TINY, *data, "--structural", "--json", "-q")
    assert code == 0, err
    cmp = json.loads(stdout)
    st_part = cmp["structural"]
    assert st_part["variants"] == ["wide", "no-walk"]
    gap = st_part["gaps"]["automated-ai-rnd"]["compressed-perspiration"]
    shift = cmp["events"]["automated-ai-rnd"]["versus_first"]["compressed-perspiration"]
    assert gap["central"] == pytest.approx(shift["p_by_focus_year_shift"], abs=1e-6)
    assert gap["low"] <= gap["central"] <= gap["high"] and gap["n_variants"] == 2
    code, text, _ = cli("compare", *arms, *TINY, *data, "--structural", "-q")
    assert code == 0 and "Across the central model and 2 structural variants" in text
    code, _, err = cli("compare", "base", "inspiration-binding", *TINY, *data, "--structural")
    assert code == 2 and "every ARM must be a scenario" in err


def test_reading_gaps_hold_only_beyond_monte_carlo_error():
    from forecast.results_structural import StructuralBody

    def ev(reading, ps, mcse=0.01):
        arm = {a: {"p": p, "mcse": mcse, "median": None, "p_never": 0.0} for a, p in ps.items()}
        rng = {"p_low": 0.0, "low_variant": "c", "p_high": 1.0, "high_variant": "c",
               "median_earliest": "never", "median_latest": "never", "width": 1.0}  # fmt: skip
        return {"title": "t", "reading": reading, "central": arm["central"], "range": rng,
                "depends_most_on": None, "variants": arm, "missing_in": []}  # fmt: skip

    def body(events):  # only the events matter to the gaps
        return StructuralBody.model_validate(
            {"focus_year": 2028, "seed": 1, "readings": ["one", "two"], "variants": [],
             "fits": [], "events": events, "claims": []}
        )  # fmt: skip

    events = {
        "e [one]": ev("one", {"central": 0.2, "v1": 0.3, "v2": 0.1}),
        "e [two]": ev("two", {"central": 0.6, "v1": 0.32, "v2": 0.5}),
    }
    g = reading_gaps(body(events), ["one", "two"])["e"]["two"]
    assert (g["central"], g["low"], g["low_variant"], g["high"]) == (0.4, 0.02, "v1", 0.4)
    assert not g["holds"]  # v1's gap 0.02 is within 2 * sqrt(2) * 0.01 of zero
    events["e [two]"]["variants"]["v1"]["p"] = 0.4
    assert reading_gaps(body(events), ["one", "two"])["e"]["two"]["holds"]
    events["e [two]"] = ev("two", {"central": 0.205, "v1": 0.3, "v2": 0.1})
    g = reading_gaps(body(events), ["one", "two"])["e"]["two"]
    assert not g["central_beyond_mc"] and not g["holds"]
    from forecast.render_text import gaps_text
    from forecast.results import CompareStructural

    st_part = {"variants": ["v1", "v2"], "fits_ok": True, "gaps": {"e": {"two": g}}}
    text = gaps_text(CompareStructural.model_validate(st_part), "one", 2028)
    assert "no gap beyond Monte Carlo error in the central model" in text


def test_variant_fits_on_dask_give_the_numbers_of_fits_in_process(tmp_path):
    """prefit() fits the uncached variants on two Dask workers before run() reads them from
    the cache: the structural summary is the same, number for number, as one made by
    fitting every variant in this process (a fit's draws do not depend on where it ran)."""
    base = inputs(["seed"], no_bundled=True, settings=SMALL)
    base.rows[:] = [r for r in base.rows if r.benchmark == "metr-horizon"]
    variants = sv.load_variants(write(tmp_path / "v.toml", VARIANTS))
    here = st.run(base, variants, [None], cache_dir=tmp_path / "here", workers=1).as_json()
    arms = [base] + [sv.variant_inputs(base, v, "v.toml") for v in variants]
    made = st.prefit(arms, tmp_path / "dask", workers=2)
    assert len(made) == 3
    there = st.run(base, variants, [None], cache_dir=tmp_path / "dask").as_json()
    assert there["events"] == here["events"]
    assert [f["posterior_hash"] for f in there["fits"]] == [
        f["posterior_hash"] for f in here["fits"]
    ]
