"""`forecast report`: the page's content, escaping, self-containedness, provenance and the
reproduce command (run again from a cold cache, it gives the same numbers)."""

from __future__ import annotations

import copy
import csv
import json
import re
import shlex
from html import unescape

import jsonschema
import pytest
from markupsafe import escape  # what the template's autoescaping writes
from pydantic import ValidationError

from forecast.results_report import ReportSummary

from ._reports import (
    EVIL_BENCH,
    EVIL_SOURCE,
    EVIL_SYSTEM,
    EVIL_TITLE,
    hostile_report,
    invoke,
    reproduce_command,
)
from .test_results import SCHEMA_DIR, valid_result


@pytest.fixture(scope="module")
def made(tmp_path_factory, cache_dir):
    out, stdout = hostile_report(tmp_path_factory, cache_dir)
    page = (out / "index.html").read_text("utf-8")
    rep = json.loads((out / "report.json").read_text("utf-8"))
    return out, stdout, page, rep


def test_writes_the_page_the_json_the_csv_and_the_results(made):
    out, stdout, _page, rep = made
    for f in ("index.html", "report.json", "report.csv", "results.nc", "posterior.nc"):
        assert (out / f).is_file(), f
    assert "reproduce: forecast report" in stdout
    # every figure in PNG and SVG, named safely even for a benchmark called <script>...
    for f in rep["figures"]:
        for ext in ("png", "svg"):
            p = out / f[ext]
            assert p.parent == out / "figures" and p.stat().st_size > 5000, p
    kinds = [f["kind"] for f in rep["figures"]]
    n_series = len({o["series"] for o in rep["observations"] if o["kind"] == "ai"})
    n_events = len({h["event"] for h in rep["headline"]})
    assert kinds.count("fan") == n_series and kinds.count("cdf") == n_events
    assert {"binding", "trajectory", "diagnostics"} <= set(kinds)
    # the CSV holds the headline table, number for number
    with open(out / "report.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(rep["headline"])
    for r, h in zip(rows, rep["headline"]):
        assert (r["reading"], r["event"]) == (h["reading"], h["event"])
        for y in rep["report_years"]:
            assert float(r[f"p_by_{y}"]) == h["p_by_year"][str(y)]["p"]
            assert float(r[f"mcse_by_{y}"]) == h["p_by_year"][str(y)]["mcse"]


def test_report_json_is_the_typed_result(made):
    """report.json validates against docs/schema/report.schema.json; a probability out of
    range or a missing section does not."""
    rep = valid_result("report", made[3])
    assert rep["comparison"]["schema_version"] == rep["schema_version"]
    bad = copy.deepcopy(rep)
    bad["headline"][0]["p_not_by_horizon"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json.loads((SCHEMA_DIR / "report.schema.json").read_text()))
    del bad["brief"]
    with pytest.raises(ValidationError):
        ReportSummary.model_validate(bad)


def test_page_holds_headline_figures_observations_priors_diagnostics(made):
    _out, _, page, rep = made
    readings = [r["name"] for r in rep["readings"]]
    assert readings == ["inspiration-binding", "hostile-reading"]
    # headline: one row per event and reading, P by year with MCSE, median and 80 % interval
    table = re.search(r'<table id="headline-table">(.*?)</table>', page, re.S)[1]
    for h in rep["headline"]:
        p = h["p_by_year"]["2028"]
        assert f'{p["p"]:.3f} <small class="se">± {p["mcse"]:.3f}</small>' in table
        assert escape(h["title"]) in table and h["event"] in table
        assert (h["quantiles"]["0.5"] or "not by horizon") in table
    assert table.split("<tbody>")[1].count("<tr>") == len(
        rep["headline"]
    )  # group rows carry a class
    events = {h["event"] for h in rep["headline"]}
    assert {"automated-ai-rnd", "posttrainbench-parity"} <= events
    # the readings really differ where they should
    ai = {
        h["reading"]: h["p_by_year"]["2028"]["p"]
        for h in rep["headline"]
        if h["event"] == "automated-ai-rnd"
    }
    assert ai["hostile-reading"] > ai["inspiration-binding"]
    # every figure embedded, with its caption
    for f in rep["figures"]:
        assert f'id="fig-{f["id"]}"' in page and escape(f["caption"]) in page
    assert page.count('<img src="data:image/png;base64,') == len(rep["figures"])
    # observations with their sources; priors with their reasons; scenario parameters
    for o in rep["observations"]:
        assert escape(o["source"]) in page and escape(o["system"]) in page
    assert "Human baselines are thresholds" in page
    for r in rep["priors"]["rows"]:
        assert escape(r["why"]) in page
    assert 'id="priors-table"' in page and 'id="scenario-table"' in page
    for p in rep["scenario_parameters"]:
        assert f"<code>{p['parameter']}</code>" in page
    assert "elasticity" in page and "Erdős" in page
    # sampler diagnostics, with their thresholds
    d = rep["diagnostics"]
    assert 'id="diagnostics-table"' in page and f"{d['max_rhat']:.4f}" in page
    assert ('id="diagnostics-warning"' in page) == (not d["ok"])


def test_provenance_block(made):
    _out, _, page, rep = made
    prov = rep["provenance"]
    block = re.search(r'<section id="provenance">(.*?)</section>', page, re.S)[1]
    for key in ("data_hash", "priors_hash", "posterior_hash"):
        assert prov[key] and prov[key] in block
    assert f"<dd>{prov['seed']}</dd>" in block
    # the code's commit and the data's "as of" date are in the list, not only the citation
    assert prov["data_as_of"] and f"<dt>data as of</dt><dd>{prov['data_as_of']}</dd>" in block
    assert f"<dt>code commit</dt><dd>{prov['code_commit'] or 'unknown'}" in block
    assert prov["versions"]["forecast"] in block and "pymc" in block
    assert len(prov["scenarios"]) == 2
    for _name, s in prov["scenarios"].items():
        assert s["hash"] in block
    assert len(prov["data_files"]) == 1 and prov["data_files"][0]["sha256_16"] in block
    cmd = reproduce_command(page)
    assert cmd == rep["command"]
    args = shlex.split(cmd)
    assert args[:2] == ["forecast", "report"]
    for opt in ("--seed", "--draws", "--tune", "--chains", "--sampler", "--data", "--out"):
        assert opt in args
    assert args[args.index("--seed") + 1] == str(prov["seed"])
    assert args[args.index("--data") + 1] == prov["data_files"][0]["path"]
    assert "inspiration-binding" in args  # a shipped reading by name, a user file by absolute path
    assert args[args.index("--scenario", args.index("inspiration-binding")) + 1].endswith(
        "hostile-reading.toml"
    )


def test_every_user_string_is_escaped(made):
    _out, _, page, rep = made
    for s in (EVIL_BENCH, EVIL_SOURCE, EVIL_SYSTEM, EVIL_TITLE):
        assert escape(s) in page, s
    for raw in ("<script", "<img src=x", "<b>bold", "<i>markup", "onerror=alert"):
        # 'onerror=alert' may appear only inside escaped text, never as an attribute
        if raw == "onerror=alert":
            assert "<img src=x onerror" not in page
        else:
            assert raw not in page, raw
    # and as plain strings in the JSON the page was made from
    assert any(o["benchmark"] == EVIL_BENCH for o in rep["observations"])
    assert any(r["title"] == EVIL_TITLE for r in rep["readings"])


def test_page_is_self_contained(made):
    out, _, page, _rep = made
    low = page.lower()
    for bad in (
        "<script",
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "@import",
        "url(",
        "//cdn",
        "srcset",
    ):
        assert bad not in low, bad
    # a source may quote an address as text, but no attribute loads or links one
    assert not re.findall(r'=\s*["\']?\s*(?:https?:)?//', low)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert csp and unescape(csp[1]).startswith("default-src 'none'; img-src data:;")
    srcs = re.findall(r'\ssrc="([^"]*)"', page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    for href in re.findall(r'\shref="([^"]*)"', page):
        assert href.startswith("#") or (out / href).exists(), href
        assert ":" not in href and not href.startswith("/"), href


def test_diagnostics_warning_is_visible_when_a_threshold_is_missed(made):
    from forecast.render_report import render_html

    _out, _, _page, rep = made
    bad = json.loads(json.dumps(rep))
    bad["diagnostics"].update(
        ok=False, max_rhat=1.08, warnings=["R-hat 1.080 > 1.01 for bounded_level: chains disagree"]
    )
    html = render_html(ReportSummary.model_validate(bad), {})
    assert html.count('id="diagnostics-warning"') == 1  # at the top of the page ...
    assert html.index('id="diagnostics-warning"') < html.index("<section")
    assert 'id="diagnostics-warning-detail"' in html  # ... and in the diagnostics section
    assert 'role="alert"' in html and "WARNING" in html and "R-hat 1.080 &gt; 1.01" in html
    assert "MISSED" in html
    good = json.loads(json.dumps(rep))
    good["diagnostics"].update(ok=True, warnings=[])
    assert 'id="diagnostics-warning"' not in render_html(ReportSummary.model_validate(good), {})


def test_existing_report_needs_force(made, tmp_path):
    out, *_ = made
    code, _, err = invoke("report", "--out", str(out), "--quiet")
    assert code == 2 and "--force" in err
    (tmp_path / "f").write_text("x")
    code, _, err = invoke("report", "--out", str(tmp_path / "f"), "--quiet")
    assert code == 2 and "is a file" in err


@pytest.mark.slow
def test_reproduce_command_gives_the_same_numbers_from_a_cold_cache(made, tmp_path, monkeypatch):
    out, _, page, rep = made
    args = shlex.split(reproduce_command(page))[1:]
    args[args.index("--out") + 1] = str(tmp_path / "again")  # keep the first report for comparison
    cold = tmp_path / "cold-cache"
    monkeypatch.setenv("FORECAST_CACHE", str(cold))
    code, _stdout, err = invoke(*args, "--quiet")
    assert code == 0, err
    assert list(cold.glob("posterior-*.nc")), "the rerun should have sampled afresh"
    again = json.loads((tmp_path / "again" / "report.json").read_text("utf-8"))
    first = json.loads(json.dumps(rep))
    assert again["command"] != first["command"]  # only --out differs
    for d in (again, first):
        d.pop("command")
        d["provenance"].pop("code_commit", None)  # the checkout may move between the runs
        for x in d["provenance"]["data_files"]:
            x.pop("path")
    assert again == first
    assert (tmp_path / "again" / "report.csv").read_text() == (out / "report.csv").read_text()


def test_page_escapes_attributes_and_inlines_its_css(made):
    from forecast.render_report import TEMPLATES, render_html

    _out, _, page, rep = made
    # the CSS is the shipped file, inlined once in a <style> element
    css = (TEMPLATES / "report.css").read_text("utf-8")
    assert page.count("<style>") == 1 and css.strip() in page
    # a figure title with markup stays text inside the alt attribute
    bad = json.loads(json.dumps(rep))
    bad["figures"][0]["title"] = 'x" onload="alert(4)'
    typed = ReportSummary.model_validate(bad)
    images = {bad["figures"][0]["id"]: b"\x89PNG"}
    html = render_html(typed, images, generated="2000-01-01 00:00 UTC")
    assert 'alt="x&#34; onload=&#34;alert(4)"' in html and 'onload="' not in html
    assert html.startswith("<!DOCTYPE html>\n") and html.endswith("</html>\n")
    # rendering reads the report only: the same report gives the same page
    again = render_html(typed, images, generated="2000-01-01 00:00 UTC")
    assert again == html and "generated 2000-01-01 00:00 UTC" in html


def test_report_json_read_back_renders_every_file_again(made, tmp_path):
    """The renderers read the typed report only: report.json validated back into its type
    gives the same page, brief.md and report.csv, and the brief is computed from the
    report's typed content (everything but the brief)."""
    from forecast.brief import brief
    from forecast.io import write_csv
    from forecast.render_report import brief_markdown, headline_csv, render_html
    from forecast.results_report import ReportContent

    out, _, page, rep = made
    typed = ReportSummary.model_validate(rep)
    assert typed.as_json() == rep
    content = ReportContent.model_validate({k: v for k, v in rep.items() if k != "brief"})
    assert brief(content) == typed.brief
    assert brief_markdown(typed) == (out / "brief.md").read_text("utf-8")
    write_csv(tmp_path / "report.csv", *headline_csv(typed))
    assert (tmp_path / "report.csv").read_bytes() == (out / "report.csv").read_bytes()
    images = {f.id: (out / f.png).read_bytes() for f in typed.figures}
    generated = re.search(r"<dt>generated</dt><dd>(.*?)</dd>", page)[1]
    assert render_html(typed, images, generated) == page


def test_headline_cells_are_the_reports_numbers(made):
    """Every headline row shows the report's P ± MCSE for each shown year, in order."""
    _out, _, page, rep = made
    table = re.search(r'<table id="headline-table">(.*?)</table>', page, re.S)[1]
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td>" in r]
    assert len(rows) == len(rep["headline"])
    years = [2026, 2027, 2028, 2030, 2035]  # settings.toml shown_years, written out
    for r, h in zip(rows, rep["headline"]):
        cells = re.findall(
            r'<td class="num[^"]*">([0-9.]+) <small class="se">± ([0-9.]+)</small>', r
        )
        want = [(f"{h['p_by_year'][str(y)]['p']:.3f}", f"{h['p_by_year'][str(y)]['mcse']:.3f}")
                for y in years]  # fmt: skip
        want.append((f"{h['p_not_by_horizon']:.3f}", f"{h['p_not_by_horizon_mcse']:.3f}"))
        assert cells == want
        assert r.count("num focus") == 1  # the focus year, 2028, highlighted once per row


def test_the_brief_quotes_the_reports_own_numbers(made):
    """brief.md and the page's brief: one sentence per headline event and reading, each
    holding that row's P(by the focus year) and median month, and the citation string
    naming the data hash, posterior hash and seed the provenance holds."""
    from forecast.brief import month_text, pct
    from forecast.settings import BRIEF_EVENTS

    out, _stdout, page, rep = made
    b = rep["brief"]
    md = (out / "brief.md").read_text("utf-8")
    head = {(h["event"], h["reading"]): h for h in rep["headline"]}
    events = {h["event"] for h in rep["headline"]}
    assert {line["event"] for line in b["lines"]} == set(BRIEF_EVENTS) & events
    for line in b["lines"]:
        h = head[(line["event"], line["reading"] or rep["readings"][0]["name"])]
        p = h["p_by_year"][str(rep["focus_year"])]["p"]
        assert line["p"] == p and pct(p) in line["sentence"]
        median = month_text(h["quantiles"]["0.5"])
        assert (median or f"after {h['horizon'][:4]}") in line["sentence"]
        assert f"- {line['sentence']}" in md
        assert unescape(line["sentence"]) in unescape(page)
    # an event the same in every reading is said once, not once per reading
    for ev in events & set(BRIEF_EVENTS):
        rows = [line for line in b["lines"] if line["event"] == ev]
        same = head[(ev, rep["readings"][0]["name"])]["identical_in_every_reading"]
        assert len(rows) == (1 if same else len(rep["readings"]))
    prov = rep["provenance"]
    for part in (prov["data_hash"], prov["posterior_hash"], f"seed {prov['seed']}"):
        assert part in b["citation"]
    assert f"Cite as: {b['citation']}" in md


def test_a_backtest_tells_the_report_how_the_engine_has_forecast_before(made, tmp_path):
    """Without --backtest the section and the brief say how to add one; with a crossing
    backtest's result the page shows its coverage table and the brief quotes its 80 %
    coverage; the reproduce command carries --backtest."""
    out, _, page, rep = made
    assert rep["brief"]["track_record"] is None and "track_record" not in rep
    assert "forecast backtest --protocol crossing --out bt/" in (out / "brief.md").read_text()
    assert 'id="track-record"' in page and "Not in this report" in page
    bt = tmp_path / "bt"
    code, _, err = invoke(
        "backtest",
        "--protocol",
        "crossing",
        "--series",
        "posttrainbench_avg",
        "--draws",
        "150",
        "--tune",
        "150",
        "--chains",
        "2",
        "--workers",
        "1",
        "--no-pooled",
        "--out",
        str(bt),
        "-q",
    )  # fmt: skip  (not test_crossing's settings: its test expects a cold cache)
    assert code == 0, err
    crossing = json.loads((bt / "crossing.json").read_text())
    from forecast.fit import MODEL_VERSION

    assert crossing["model_version"] == MODEL_VERSION and crossing["seed"] == 1
    args = shlex.split(reproduce_command(page))[1:]
    args[args.index("--out") + 1] = str(tmp_path / "with-bt")
    code, _stdout, err = invoke(*args, "--backtest", str(bt), "--quiet")
    assert code == 0, err
    rep2 = valid_result("report", json.loads((tmp_path / "with-bt" / "report.json").read_text()))
    page2 = (tmp_path / "with-bt" / "index.html").read_text("utf-8")
    t = rep2["track_record"]
    engine = crossing["pooled"]["engine"]
    assert t["method"] == "engine" and t["n_targets"] == crossing["n_targets"]
    assert t["coverage"] == engine["coverage"] and t["same_model"]
    quoted = f"held the actual date {100 * engine['coverage']['80']:.0f} % of the time"
    assert quoted in rep2["brief"]["track_record"]
    assert quoted in (tmp_path / "with-bt" / "brief.md").read_text()
    assert 'id="track-record-table"' in page2 and "Not in this report" not in page2
    assert f"--backtest {bt.resolve()}" in rep2["command"]
    # the headline numbers are the first report's: the backtest only adds what it says
    assert rep2["headline"] == rep["headline"]


def test_a_bad_backtest_file_is_named(made, tmp_path):
    from forecast import track_record
    from forecast.errors import ForecastError

    with pytest.raises(ForecastError, match="forecast backtest --protocol crossing --out"):
        track_record.load(tmp_path)
    bad = tmp_path / "crossing.json"
    bad.write_text('{"protocol": "rolling"}')
    with pytest.raises(ForecastError, match="not a crossing-date backtest"):
        track_record.load(bad)
    bad.write_text('{"protocol": "crossing-date", "methods": []}')
    with pytest.raises(ForecastError, match=r"crossing.json: key 'n_targets'"):
        track_record.load(bad)
