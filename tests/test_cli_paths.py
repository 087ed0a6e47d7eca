"""Command-line paths that had no test: `fit`, `data --schema`, `--variant`, `compare` with
data-file arms, `--refit`, Latin-hypercube and Sobol sweeps, `--heatmap`, `check --loo
auto|exact` and exit code 1.

Fits use tiny settings (2 chains x 200 draws) and the session's posterior cache
(`cache_dir` in conftest.py sets FORECAST_CACHE), so each distinct fit is sampled once per
session: a five-point series (small and quick, for `fit`, `--refit`, `compare` and the
leave-one-out refits) and the bundled table with the other CORE-Bench variant. The sweeps
reuse the bundled fit at the default settings that the rest of the suite samples anyway.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from .conftest import HEADER, ROOT

TINY = ("--draws", "200", "--tune", "200", "--chains", "2")
SWEEP_BASE = ROOT / "scenarios" / "compressed-perspiration.toml"


def invoke(*args: str) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    from forecast.cli import main

    r = CliRunner().invoke(main, [*args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def cache_files(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.is_file()}


@pytest.fixture(scope="session")
def series(tmp_path_factory) -> Path:
    """Five yearly points of a made-up horizon metric growing about 3x a year."""
    p = tmp_path_factory.mktemp("series") / "series.csv"
    p.write_text(
        HEADER
        + "".join(
            f"horizon2,{y}-06,m{y},{v},,,minutes,ai,,,synthetic,\n"
            for y, v in [(2021, 1), (2022, 3), (2023, 8), (2024, 25), (2025, 70)]
        )
    )
    return p


def series_args(series: Path) -> tuple[str, ...]:
    return ("--no-bundled", "--data", str(series), *TINY)


# --- fit, data --schema, --variant ---------------------------------------------------------


def test_fit_reports_growth_and_caches_the_posterior(series, cache_dir):
    """`forecast fit` samples, reports convergence and the growth rate, and caches the
    posterior that `run` then reuses. The series grows 1, 3, 8, 25, 70 minutes a year apart:
    a least-squares log slope of 1.0616 per year, a doubling time of 12 ln 2 / 1.0616 = 7.83
    months, which the printed 80 % interval must contain."""
    before = cache_files(cache_dir)
    code, out, err = invoke("fit", *series_args(series))
    assert code == 0, err
    assert "fitting" in err and "R-hat" in out and "divergences" in out
    m = re.search(r"horizon2 +n=5 +doubling time ([\d.]+) months \(([\d.]+)-([\d.]+)\)", out)
    assert m, out
    median, q10, q90 = map(float, m.groups())
    assert q10 <= 7.83 <= q90 and q10 <= median <= q90, out
    new = [n for n in set(cache_files(cache_dir)) - set(before) if n.endswith(".nc")]
    assert len(new) == 1, f"expected one new posterior in the cache: {new}"
    tree = xr.open_datatree(cache_dir / new[0], engine="h5netcdf")
    try:
        post = tree["posterior"]
        assert post.sizes["chain"] == 2 and post.sizes["draw"] == 200
        assert list(post["unbounded"].values) == ["horizon2"]
        assert tree["observations"].sizes["observation"] == 5
        posterior_hash = tree.attrs["posterior_hash"]
    finally:
        tree.close()
    # `run` with the same inputs and settings reuses that posterior instead of sampling
    before = cache_files(cache_dir)
    code, out, err = invoke("run", *series_args(series), "--threshold", "horizon2>=10h", "--json")
    assert code == 0, err
    assert json.loads(out)["provenance"]["posterior_hash"] == posterior_hash
    assert "reusing" in err and cache_files(cache_dir) == before


def test_data_schema_lists_every_column():
    """The schema names every column the parser knows ([optional] ones in brackets),
    including every column of a minimal file."""
    from forecast.observations import COLUMNS

    code, out, err = invoke("data", "--schema")
    assert code == 0, err
    # one entry per column or group of columns: "    NAME[, NAME]  meaning" or "    [NAME] ..."
    named = set()
    for line in out.splitlines():
        if m := re.match(r"^ {4}\[?([a-z_]+(?:, [a-z_]+)*)\]?\s+\S", line):
            named |= set(m[1].split(", "))
    assert named == set(COLUMNS)
    assert set(HEADER.strip().split(",")) <= named
    for unit in ("fraction", "percent", "seconds", "minutes", "hours", "multiplier"):
        assert unit in out
    assert "ai | human_baseline" in out


def test_variant_override_selects_the_other_figure(tmp_path):
    """In the seed figures, where both grades share one series, priors/bounded.toml chooses
    CORE-Bench's manual re-score (95.5 %); --variant core-bench=automated-grading uses
    77.78 % instead, in the table and in the fit."""
    seed = ("--no-bundled", "--data", "seed")

    def core_bench_used(*args):
        code, out, err = invoke("data", "--json", *seed, *args)
        assert code == 0, err
        rows = json.loads(out)["rows"]
        return {r["variant"]: r["used"] for r in rows if r["benchmark"] == "core-bench"}

    assert core_bench_used() == {"": True, "automated-grading": False, "manual-rescore": True}
    assert core_bench_used("--variant", "core-bench=automated-grading") == {
        "": True,
        "automated-grading": True,
        "manual-rescore": False,
    }
    out = tmp_path / "var"
    code, stdout, err = invoke(
        "run", *TINY, *seed, "--json", "-q", "--variant", "core-bench=automated-grading",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    s = json.loads(stdout)
    assert s["provenance"]["variants"] == {"core-bench": "automated-grading"}
    tree = xr.open_datatree(out / "posterior.nc", engine="h5netcdf")
    try:
        assert json.loads(tree.attrs["variants"]) == {"core-bench": "automated-grading"}
        obs = tree["observations"].to_dataset()
        cb = obs.where(obs["benchmark"] == "core-bench", drop=True)
        # the fit saw 21.5 % and 77.78 %, as fractions; not the re-scored 95.5 %
        np.testing.assert_allclose(np.sort(cb["value"].values), [0.215, 0.7778])
    finally:
        tree.close()
    # an unknown variant is a user error naming the ones offered
    code, _, err = invoke("run", *TINY, *seed, "--variant", "core-bench=nosuch")
    assert code == 2 and "automated-grading" in err and "manual-rescore" in err


# --- compare with data-file arms, --refit ---------------------------------------------------


def test_compare_data_file_arm_shifts_the_forecast(series, tmp_path):
    """A new point far above the trend (10 h in Dec 2025, where the trend gives ~2 h) moves
    `horizon2>=100h` earlier: a data-file arm is refitted, so its draws are not paired."""
    jump = tmp_path / "jump.csv"
    jump.write_text(HEADER + "horizon2,2025-12,m-new,600,,,minutes,ai,,,synthetic,\n")
    out = tmp_path / "cmp"
    code, stdout, err = invoke(
        "compare",
        "base",
        str(jump),
        *series_args(series),
        "--threshold",
        "horizon2>=100h",
        "--json",
        "-q",
        "--out",
        str(out),
    )
    assert code == 0, err
    c = json.loads(stdout)
    assert [(a["label"], a["kind"]) for a in c["arms"]] == [("base", "data"), ("jump", "data")]
    assert c["arms"][0]["data_hash"] != c["arms"][1]["data_hash"]
    assert c["arms"][0]["posterior_hash"] != c["arms"][1]["posterior_hash"]
    ev = c["events"]["horizon2>=100h"]
    v = ev["versus_first"]["jump"]
    assert v["paired_draws"] is False and "per_draw" not in v
    assert v["median_shift_years"] < 0 and v["median_second"] < v["median_first"]
    pa, pb = ev["by_arm"]["base"]["p_by_focus_year"], ev["by_arm"]["jump"]["p_by_focus_year"]
    assert v["p_by_focus_year_shift"] == pytest.approx(pb["p"] - pa["p"], abs=1e-6)
    assert pb["p"] - pa["p"] > 4 * np.hypot(pa["mcse"], pb["mcse"]), (pa, pb)
    assert json.loads((out / "compare.json").read_text()) == c
    figures = list(out.glob("compare-*.png"))  # one date-CDF figure per event
    assert len(figures) == len(c["events"]) == 1
    assert figures[0].stat().st_size > 10_000


def test_refit_samples_again_instead_of_reusing(series, cache_dir):
    code, _, err = invoke("fit", *series_args(series))
    assert code == 0, err
    before = cache_files(cache_dir)
    code, _, err = invoke("fit", *series_args(series))  # unchanged inputs: reused, untouched
    assert code == 0, err
    assert "reusing" in err
    assert cache_files(cache_dir) == before
    code, _, err = invoke("fit", *series_args(series), "--refit")
    assert code == 0, err
    assert "reusing" not in err and "fitting" in err
    after = cache_files(cache_dir)
    rewritten = [n for n in before if n.endswith(".nc") and after[n] > before[n]]
    assert len(rewritten) == 1, (before, after)
    assert set(after) == set(before)  # the same cache entry, sampled again


# --- sweeps: Latin hypercube, Sobol, heatmaps ------------------------------------------------


def sweep_file(tmp_path: Path, design: str, samples: int = 8) -> Path:
    """Two axes: elasticity 0-1 (linear) and compute doubling 3-24 months (log)."""
    p = tmp_path / f"{design}.toml"
    p.write_text(
        f'title = "tiny {design}"\nbase = "{SWEEP_BASE}"\ndesign = "{design}"\n'
        f"samples = {samples}\n\n"
        '[axes.elasticity]\nlow = 0.0\nhigh = 1.0\nwhy = "reading 1 to reading 2, for this test."\n\n'
        '[axes.compute_doubling]\nlow = 3\nhigh = 24\nspacing = "log"\nunit = "months"\n'
        'why = "quarterly to two-yearly compute doubling, for this test."\n'
    )
    return p


def run_sweep(tmp_path: Path, file: Path, *extra: str) -> xr.Dataset:
    out = tmp_path / file.stem
    code, _, err = invoke("sweep", str(file), "--out", str(out), "--sync", "-q", *extra)
    assert code == 0, err
    return xr.load_dataset(out / "sweep.nc", engine="h5netcdf")


def strata(u: np.ndarray, k: int) -> np.ndarray:
    """Index of the k equal strata of [0, 1) that each u falls in."""
    return np.minimum(np.floor(u * k).astype(int), k - 1)


def unit_coordinates(ds: xr.Dataset) -> np.ndarray:
    """Cells mapped to [0, 1]^2: elasticity linearly, compute doubling (0.25-2 y) in log."""
    e = ds["elasticity"].values
    c = ds["compute_doubling"].values
    return np.stack([e, np.log(c / 0.25) / np.log(8.0)], axis=1)


def check_sweep_results(ds: xr.Dataset, n: int) -> None:
    assert ds.sizes["cell"] == n
    p = ds["p_by_year"]
    assert set(p.dims) == {"cell", "event", "year"}
    assert float(p.min()) >= 0 and float(p.max()) <= 1
    assert np.all(p.diff("year") >= 0)  # P(by year) never decreases
    # with common random numbers a cell with a larger elasticity and a faster compute
    # doubling is never later in any draw, so its P(by 2028) is at least as large
    e, c = ds["elasticity"].values, ds["compute_doubling"].values
    for ev in ds["event"].values:
        p28 = p.sel(event=ev, year=2028).values
        for i in range(n):
            for j in range(n):
                if e[i] >= e[j] and c[i] <= c[j]:
                    assert p28[i] >= p28[j] - 1e-12, (ev, i, j)


def test_latin_hypercube_design(cache_dir, tmp_path):
    ds = run_sweep(tmp_path, sweep_file(tmp_path, "latin-hypercube"))
    assert ds.attrs["design"] == "latin-hypercube"
    u = unit_coordinates(ds)
    assert np.all((u >= 0) & (u <= 1))
    # a Latin hypercube: each axis has exactly one of the 8 cells in each eighth of its
    # range (of the log range for the log axis)
    for k in range(2):
        assert sorted(strata(u[:, k], 8)) == list(range(8))
    check_sweep_results(ds, 8)


def test_sobol_design(cache_dir, tmp_path):
    ds = run_sweep(tmp_path, sweep_file(tmp_path, "sobol"))
    assert ds.attrs["design"] == "sobol"
    u = unit_coordinates(ds)
    assert np.all((u >= 0) & (u <= 1))
    # 8 = 2^3 scrambled Sobol points form a (0, 3, 2)-net: every box of 2^a x 2^b strata
    # with a + b = 3 holds exactly one cell (a Latin hypercube only guarantees a = 0 or b = 0)
    for a in range(4):
        boxes = strata(u[:, 0], 2**a) * 2 ** (3 - a) + strata(u[:, 1], 2 ** (3 - a))
        assert sorted(boxes) == list(range(8)), a
    check_sweep_results(ds, 8)


def svg_texts(path: Path) -> list[str]:
    """The strings drawn in a matplotlib SVG (text as glyph paths carries a comment)."""
    s = path.read_text()
    return [
        t.strip()
        for t in re.findall(r"<!-- (.*?) -->", s, re.S) + re.findall(r">([^<>]+)</text>", s)
    ]


def test_heatmap_axes(cache_dir, tmp_path):
    """A 2 x 2 x 2 grid drawn over compute doubling (x) and elasticity (y); research share
    held at its middle value (index 1 of [0.01, 0.8], i.e. 0.8), shown in the file's unit
    (80 percent)."""
    p = tmp_path / "grid.toml"
    p.write_text(
        f'title = "tiny grid"\nbase = "{SWEEP_BASE}"\n\n'
        '[axes.elasticity]\nvalues = [0.0, 1.0]\nwhy = "reading 1 and reading 2, for this test."\n\n'
        '[axes.research_share]\nvalues = [1, 80]\nunit = "percent"\nwhy = "Edison to a practitioner, for this test."\n\n'
        '[axes.compute_doubling]\nvalues = [3, 12]\nunit = "months"\nwhy = "fast and slow compute, for this test."\n'
    )
    ds = run_sweep(tmp_path, p, "--heatmap", "compute_doubling,elasticity")
    out = tmp_path / "grid"
    assert set(ds["p_by_year"].dims) == {
        "elasticity",
        "research_share",
        "compute_doubling",
        "event",
        "year",
    }
    for ev in ds["event"].values:
        assert (out / f"heatmap-{ev}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        texts = svg_texts(out / f"heatmap-{ev}.svg")
        assert any(t.startswith("compute_doubling") for t in texts), texts
        assert any(t.startswith("elasticity") for t in texts), texts
        assert not any(t.startswith("research_share (") for t in texts)  # not an axis label
        assert any("research_share = 80 percent" in t for t in texts), texts  # held, in the title
        assert any(t == "compute_doubling (months)" for t in texts), texts  # the file's unit
        held = ds["p_by_year"].sel(event=ev, year=2028, research_share=0.8)
        for v in held.values.ravel():
            assert f"{v:.2f}" in texts, (f"{v:.2f}", texts)
    code, _, err = invoke(
        "sweep",
        str(p),
        "--out",
        str(tmp_path / "bad"),
        "--sync",
        "-q",
        "--heatmap",
        "elasticity,nosuch",
    )
    assert code == 2 and "nosuch" in err and "--heatmap" in err


# --- check --loo auto / exact ----------------------------------------------------------------


def check_json(series: Path, *extra: str) -> dict:
    code, out, err = invoke(
        "check",
        *series_args(series),
        "--threshold",
        "horizon2>=10h",
        "--widen",
        "1",  # the same priors: the sensitivity part reuses the fit, no extra refit
        "--prior-samples",
        "100",
        "--json",
        "-q",
        *extra,
    )
    assert code == 0, err
    return json.loads(out)


def test_check_loo_auto_refits_exactly_the_points_psis_cannot_handle(series):
    """auto: PSIS where Pareto k <= --k-max, a refit elsewhere. k-max is set between the
    points' k values (from a PSIS-only check), so both methods must occur."""
    psis = check_json(series, "--loo", "psis")
    k = {o["observation"]: o["pareto_k"] for o in psis["loo"]["observations"]}
    assert len(k) == 5 and psis["loo"]["n_refits"] == 0
    ks = sorted(k.values())
    k_max = round((ks[2] + ks[3]) / 2, 6)  # three points below, two above
    auto = check_json(series, "--loo", "auto", "--k-max", str(k_max))
    obs = {o["observation"]: o for o in auto["loo"]["observations"]}
    assert auto["loo"]["method"] == "auto" and auto["loo"]["k_max"] == pytest.approx(k_max)
    for name, o in obs.items():
        assert o["pareto_k"] == pytest.approx(k[name], abs=1e-3)
        assert o["method"] == ("refit" if k[name] > k_max else "psis"), (name, o, k_max)
    assert auto["loo"]["n_refits"] == 2
    # the PSIS estimates are the same numbers in both checks
    for name, o in obs.items():
        if o["method"] == "psis":
            p = next(x for x in psis["loo"]["observations"] if x["observation"] == name)
            assert o["events"] == p["events"]


def test_check_loo_exact_refits_every_point(series):
    ex = check_json(series, "--loo", "exact")
    obs = ex["loo"]["observations"]
    assert ex["loo"]["method"] == "exact"
    assert len(obs) == 5 and all(o["method"] == "refit" for o in obs)
    assert ex["loo"]["n_refits"] == 5
    # leaving out a point changes the forecast: not every refit gives the full-data median
    full = ex["loo"]["events"]["horizon2>=10h"]["median"]
    assert any(o["events"]["horizon2>=10h"]["median"] != full for o in obs)
    # the exact LOO predictive shares count all five points
    assert ex["predictive"]["shares"]["loo"]["n"] == 5


# --- exit code 1 -----------------------------------------------------------------------------


def test_internal_error_exits_1_with_a_report_request(monkeypatch):
    """A failure that is not the user's (here: the TOML parser itself breaks) is exit 1 with
    a one-line message asking for a report, not a traceback; --debug shows the traceback."""

    def broken(*args, **kwargs):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(tomllib, "loads", broken)
    monkeypatch.setattr(tomllib, "load", broken)
    code, out, err = invoke("data")
    assert code == 1, (out, err)
    assert "internal error" in err and "RuntimeError: parser exploded" in err
    assert "report" in err and "Traceback" not in err

    from forecast.cli import main

    r = CliRunner().invoke(main, ["--debug", "data"])
    assert r.exit_code == 1 and isinstance(r.exception, RuntimeError)
    # and a user error stays exit 2
    monkeypatch.undo()
    code, _, err = invoke("data", "--data", "/nonexistent/file.csv")
    assert code == 2 and "/nonexistent/file.csv" in err
