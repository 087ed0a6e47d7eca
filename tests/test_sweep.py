"""Sweeps: definitions, the vectorised cell evaluation, Dask execution, resume, sensitivity."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from forecast.errors import ForecastError
from forecast.sweep import build_table, cell_dates, load

from ._scenarios import flat_text
from .test_results import valid_result

ROOT = Path(__file__).resolve().parent.parent
FORECAST = str(Path(sys.executable).with_name("forecast"))

SMALL = """
title = "small test sweep"
base = "{base}"
design = "grid"

[axes.elasticity]
values = [0.0, 0.5, 1.0]
why = "reading 1 to reading 2 for the test."

[axes.compute_doubling]
values = [4, 12]
unit = "months"
why = "fast and slow compute growth for the test."
"""


def small_sweep(tmp_path, body=SMALL, name="small.toml") -> Path:
    p = tmp_path / name
    p.write_text(body.format(base=ROOT / "scenarios" / "compressed-perspiration.toml"))
    return p


@pytest.fixture(scope="module")
def posterior_and_rows(cache_dir):
    from forecast.pipeline import fit_posterior, inputs

    inp = inputs()
    dt, _ = fit_posterior(inp, cache_dir=cache_dir, quiet=True)
    return inp, dt


FEEDBACK = (
    SMALL
    + """
[axes.feedback]
values = [0.5]
why = "the recursive loop switched on for the test."
"""
)


@pytest.mark.parametrize("body", [SMALL, FEEDBACK], ids=["no-feedback", "feedback"])
def test_fast_cell_evaluation_equals_the_scenario_path(posterior_and_rows, tmp_path, body):
    """A sweep cell gives the same dates, draw by draw, as `run --scenario` with the cell's
    values: the binary search without feedback, the stepped recursion with it."""
    from forecast.pipeline import forecast
    from forecast.scenario import load as load_scenario
    from forecast.thresholds import load_plan
    from forecast.trajectories import curves

    inp, dt = posterior_and_rows
    sw = load(small_sweep(tmp_path, body))
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    plan, _ = load_plan(inp.rows, [], sw.base.spec.horizon)
    table = build_table(c, sw.base, inp.rows, plan, seed=1)
    k = 3
    fast = cell_dates(table, sw.names, sw.cells[k : k + 1])[0]
    lines = []
    for line in flat_text(Path(sw.base.path)).splitlines():
        key = line.split("=", 1)[0].strip()
        if key in sw.names:
            v = float(sw.cells[k, sw.names.index(key)])
            line = f'{key} = {{ value = {v!r}, why = "the value of this sweep cell." }}'
        lines.append(line)
    cell_file = tmp_path / "cell.toml"
    cell_file.write_text("\n".join(lines) + "\n")
    slow = forecast(inp, scenario=load_scenario(cell_file), posterior=dt, quiet=True).dates
    for j, ev in enumerate(table.events):
        s = slow["crossing_year"].sel(event=ev).values
        np.testing.assert_array_equal(np.isfinite(s), np.isfinite(fast[:, j]))
        ok = np.isfinite(s)
        np.testing.assert_allclose(fast[ok, j], s[ok], atol=1e-9)


def test_one_and_two_workers_and_sync_give_identical_results(cli, tmp_path):
    f = small_sweep(tmp_path)
    results = []
    for i, opts in enumerate((["--sync"], ["--workers", "1"], ["--workers", "2"])):
        out = tmp_path / f"o{i}"
        code, _, err = cli("sweep", str(f), "--out", str(out), "-q", *opts)
        assert code == 0, err
        results.append(out)
    base = xr.open_dataset(results[0] / "sweep.nc", engine="h5netcdf").load()
    assert set(base["p_by_year"].dims) == {"elasticity", "compute_doubling", "event", "year"}
    for r in results[1:]:
        other = xr.open_dataset(r / "sweep.nc", engine="h5netcdf").load()
        xr.testing.assert_identical(base, other)
        assert (r / "sweep.csv").read_bytes() == (results[0] / "sweep.csv").read_bytes()
    assert (results[0] / "heatmap-automated-ai-rnd.png").exists()
    # reading 2's end of the elasticity axis is never less likely than reading 1's
    p = base["p_by_year"].sel(event="automated-ai-rnd", year=2028)
    assert np.all(p.sel(elasticity=1.0).values >= p.sel(elasticity=0.0).values)


def test_external_scheduler(cli, tmp_path):
    from dask.distributed import LocalCluster

    f = small_sweep(tmp_path)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        code, _, err = cli(
            "sweep",
            str(f),
            "--out",
            str(tmp_path / "ext"),
            "-q",
            "--scheduler",
            cluster.scheduler_address,
        )
    assert code == 0, err
    code, _, err = cli(
        "sweep", str(f), "--out", str(tmp_path / "bad"), "-q", "--scheduler", "tcp://127.0.0.1:1"
    )
    assert code == 2 and "scheduler" in err


def test_interrupted_sweep_resumes_to_the_same_result(cache_dir, tmp_path):
    body = SMALL.replace(
        "values = [0.0, 0.5, 1.0]",
        "values = [" + ", ".join(f"{v:.6f}" for v in np.linspace(0, 1, 60)) + "]",
    )
    f = small_sweep(tmp_path, body, "long.toml")  # 120 cells = 3 chunks of 50
    env = {**os.environ, "FORECAST_CACHE": str(cache_dir)}
    full = tmp_path / "full"
    subprocess.run(
        [FORECAST, "sweep", str(f), "--out", str(full), "-q", "--sync"], env=env, check=True
    )
    part = tmp_path / "part"
    ck = part / "checkpoints"
    p = subprocess.Popen(
        [FORECAST, "sweep", str(f), "--out", str(part), "-q", "--sync"],
        env=env,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (ck.exists() and len(list(ck.glob("chunk-*.npz"))) >= 1):
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    done = {q.name: q.stat().st_mtime_ns for q in ck.glob("chunk-*.npz")}
    assert 1 <= len(done) < 3, done
    assert not (part / "sweep.nc").exists()
    # without --resume the checkpoints are not silently discarded or reused
    r = subprocess.run(
        [FORECAST, "sweep", str(f), "--out", str(part), "-q", "--sync"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "--resume" in r.stderr
    # resume computes only the missing chunks: finished ones are untouched
    import shutil

    keep = tmp_path / "kept"
    shutil.copytree(ck, keep)
    r = subprocess.run(
        [FORECAST, "sweep", str(f), "--out", str(part), "-q", "--sync", "--resume"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    for name, mtime in done.items():
        assert (keep / name).stat().st_mtime_ns == mtime
    a = xr.open_dataset(full / "sweep.nc", engine="h5netcdf").load()
    b = xr.open_dataset(part / "sweep.nc", engine="h5netcdf").load()
    xr.testing.assert_identical(a, b)
    assert (full / "sweep.csv").read_bytes() == (part / "sweep.csv").read_bytes()
    assert not ck.exists()


def test_sensitivity_recovers_the_ishigami_ranking():
    """Ishigami: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244) analytically."""
    from forecast.sensitivity import sobol_indices

    def ishigami(x):
        return (np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]))[
            :, None
        ]

    b = [(-np.pi, np.pi)] * 3
    r = sobol_indices(ishigami, ["x1", "x2", "x3"], b, [False] * 3, 1024, 7, ["y"])["outputs"]["y"]
    ix = r["indices"]
    assert r["ranking"] == ["x1", "x2", "x3"]
    for name, s1, st in (("x1", 0.314, 0.558), ("x2", 0.442, 0.442), ("x3", 0.0, 0.244)):
        # the bootstrap 95 % half-width is the Monte Carlo error; allow twice it plus a floor
        assert abs(ix[name]["S1"] - s1) <= 2 * ix[name]["S1_conf"] + 0.02
        assert abs(ix[name]["ST"] - st) <= 2 * ix[name]["ST_conf"] + 0.02


def test_sensitivity_command_ranks_parameters(cli, tmp_path):
    import json

    code, out, err = cli(
        "sensitivity", str(small_sweep(tmp_path)), "--samples", "16", "--sync", "--json", "-q"
    )
    assert code == 0, err
    r = valid_result("sensitivity", json.loads(out))  # docs/schema/sensitivity.schema.json
    assert set(r["outputs"]["p_by_2028"]["ranking"]) == {"elasticity", "compute_doubling"}


BAD_AXES = [
    (
        '[axes.elasticty]\nvalues = [0.0, 1.0]\nwhy = "a misspelled parameter name."',
        "axes.elasticty",
    ),
    (
        '[axes.compute_doubling]\nvalues = [4, 12]\nunit = "percent"\nwhy = "a unit of the wrong kind."',
        "axes.compute_doubling.unit",
    ),
    (
        '[axes.elasticity]\nvalues = [0.0, 5.0]\nwhy = "out of the allowed range."',
        "axes.elasticity",
    ),
    (
        '[axes.elasticity]\nvalues = [0.0]\nlow = 0.0\nhigh = 1.0\nwhy = "values and a range at once."',
        "axes.elasticity",
    ),
    (
        '[axes.elasticity]\nlow = 1.0\nhigh = 0.0\nnum = 3\nwhy = "a range that is upside down."',
        "axes.elasticity",
    ),
]


@pytest.mark.parametrize("axis,key", BAD_AXES)
def test_invalid_axes_are_named(tmp_path, cli, axis, key):
    body = 'title = "bad"\nbase = "{base}"\n' + axis + "\n"
    f = small_sweep(tmp_path, body, "bad.toml")
    with pytest.raises(ForecastError, match=key.replace(".", r"\.")):
        load(f)
    code, _, err = cli("sweep", str(f), "--out", str(tmp_path / "o"))
    assert code == 2 and key in err and not (tmp_path / "o").exists()


LHS = """
title = "sampled test sweep"
base = "{base}"
design = "DESIGN"
samples = 16

[axes.elasticity]
low = 0.0
high = 1.0
why = "reading 1 to reading 2 for the test."

[axes.research_share]
low = 1
high = 80
spacing = "log"
unit = "percent"
why = "a log axis in percent for the test."
"""


@pytest.mark.parametrize("design", ["latin-hypercube", "sobol"])
def test_sampled_designs_cover_the_ranges(tmp_path, design):
    """16 points within [low, high] in canonical units (1-80 % is 0.01-0.8), the log axis
    uniform in log; a Latin hypercube puts exactly one point in each sixteenth of every
    axis, a scrambled Sobol sequence of 2^4 points too (it is a (0, m, 2)-net)."""
    sw = load(small_sweep(tmp_path, LHS.replace("DESIGN", design), f"{design}.toml"))
    assert sw.names == ["elasticity", "research_share"] and sw.cells.shape == (16, 2)
    e, r = sw.cells[:, 0], sw.cells[:, 1]
    assert np.all((e >= 0) & (e <= 1)) and np.all((r >= 0.01) & (r <= 0.8))
    u = np.stack([e, np.log(r / 0.01) / np.log(80)], axis=1)  # back to the unit square
    for i in range(2):
        assert sorted(np.floor(u[:, i] * 16).astype(int)) == list(range(16))
    assert sw.grid_values is None


def test_force_keeps_the_checkpoints_when_an_option_is_refused(cli, tmp_path):
    """--force deletes an earlier sweep's checkpoints only once nothing can refuse the run."""
    out = tmp_path / "o"
    kept = out / "checkpoints" / "chunk-00000.nc"
    kept.parent.mkdir(parents=True)
    kept.write_text("an earlier sweep's chunk")
    code, _, err = cli(
        "sweep", str(small_sweep(tmp_path)), "--out", str(out), "-q", "--sync", "--force",
        "--heatmap", "elasticity,nope",
    )  # fmt: skip
    assert code == 2 and "'nope' is not an axis" in err
    assert kept.read_text() == "an earlier sweep's chunk"


def test_an_unknown_heatmap_axis_is_named_before_any_work(cli, tmp_path):
    out = tmp_path / "o"
    code, _, err = cli(
        "sweep",
        str(small_sweep(tmp_path)),
        "--out",
        str(out),
        "-q",
        "--sync",
        "--heatmap",
        "elasticity,feedback",
    )
    assert code == 2 and "--heatmap" in err and "'feedback' is not an axis" in err
    assert not (out / "sweep.nc").exists()
    code, _, err = cli(
        "sweep",
        str(small_sweep(tmp_path)),
        "--out",
        str(out),
        "-q",
        "--sync",
        "--heatmap",
        "compute_doubling,elasticity",
    )
    assert code == 0, err
    assert (out / "heatmap-automated-ai-rnd.png").exists()


def test_a_sweep_base_may_name_a_shipped_scenario_and_one_axis_is_enough(cli, tmp_path):
    """`base = "compressed-perspiration"` works as `--scenario` does; a one-axis grid
    writes its results (no heatmap: that needs two axes) and each event's axis effect."""
    import json

    body = SMALL.format(base="compressed-perspiration").split("[axes.compute_doubling]")[0]
    f = tmp_path / "one.toml"
    f.write_text(body)
    code, out, err = cli("sweep", str(f), "--out", str(tmp_path / "o"), "--sync", "--json")
    assert code == 0, err
    meta = json.loads(out)
    assert meta["axes"] == ["elasticity"]
    eff = {ev: v["effect_by_axis"]["elasticity"] for ev, v in meta["events"].items()}
    # the engineering loop has no research leg: elasticity cannot move it
    assert eff["engineering-loop-closed"] == 0.0
    assert eff["research-residual-closed"] > 0.1
    ds = xr.open_dataset(tmp_path / "o" / "sweep.nc", engine="h5netcdf")
    assert ds["p_by_year"].dims[0] == "elasticity"
    assert not list((tmp_path / "o").glob("heatmap-*"))


def test_default_heatmaps_show_the_axes_that_move_the_event():
    from forecast.sweep_run import heatmap_axes

    assert heatmap_axes({"a": 0.0, "b": 0.3, "c": 0.3, "d": 0.1}) == ["b", "c"]
    assert heatmap_axes({"a": 0.0, "b": 0.0}) == ["a", "b"]


def test_too_small_a_sensitivity_sample_is_flagged():
    from forecast.sensitivity import sample_warnings

    ok = {"a": {"S1": 0.6, "S1_conf": 0.03, "ST": 0.7, "ST_conf": 0.04}}
    assert sample_warnings(ok, 1024) == []
    bad = {"a": {"S1": 1.098, "S1_conf": 0.05, "ST": -0.2, "ST_conf": 0.05}}
    w = sample_warnings(bad, 16)
    assert any("S1 = 1.098" in x for x in w) and any("ST = -0.200" in x for x in w)
    assert "too small to rank these axes: raise --samples above 16" in w[-1]
    # wide but separate intervals: the ranking stands, the values are not to be cited
    wide = {"e": {"S1": 0.9, "S1_conf": 0.27, "ST": 0.96, "ST_conf": 0.27},
            "c": {"S1": 0.08, "S1_conf": 0.04, "ST": 0.10, "ST_conf": 0.04}}  # fmt: skip
    assert "ranking by total index holds" in sample_warnings(wide, 64)[-1]
    wide["c"]["ST"] = 0.8  # 0.76-0.84 meets 0.69-1.23
    assert "too small to rank" in sample_warnings(wide, 64)[-1]


def test_sweep_options_are_checked_before_any_byte_is_written(cli, tmp_path):
    """One heatmap axis, duplicate grid values and an unreachable scheduler are exit 2 with
    the option or key named, and --out is not created."""
    f = small_sweep(tmp_path)
    out = tmp_path / "out"
    code, _, err = cli("sweep", str(f), "--out", str(out), "--heatmap", "elasticity")
    assert code == 2 and "expected two different axes" in err and not out.exists()
    dup = small_sweep(tmp_path, SMALL.replace("values = [4, 12]", "values = [12, 12]"), "dup.toml")
    code, _, err = cli("sweep", str(dup), "--out", str(out))
    assert code == 2 and "axes.compute_doubling" in err and "appears twice" in err
    assert not out.exists()
    code, _, err = cli("sweep", str(f), "--out", str(out), "--horizon", "")
    assert code == 2 and "--horizon: is empty" in err and not out.exists()
    code, _, err = cli("sweep", str(f), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "--scheduler" in err and not out.exists()


def test_ctrl_c_on_a_dask_sweep_prints_no_worker_tracebacks(cache_dir, tmp_path):
    """Ctrl-C in a terminal signals the whole process group, Dask workers included: the
    sweep exits 130 with its one message, and no worker prints a KeyboardInterrupt."""
    body = SMALL.replace(
        "values = [0.0, 0.5, 1.0]",
        "values = [" + ", ".join(f"{v:.6f}" for v in np.linspace(0, 1, 300)) + "]",
    )
    f = small_sweep(tmp_path, body, "long.toml")  # 600 cells: still running when signalled
    out = tmp_path / "out"
    p = subprocess.Popen(
        [FORECAST, "sweep", str(f), "--out", str(out), "--workers", "2"],
        env={**os.environ, "FORECAST_CACHE": str(cache_dir)},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, signalled as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert p.stderr is not None
    for line in p.stderr:
        if line.startswith("sweep: "):  # the first progress line: workers are computing
            break
    os.killpg(p.pid, signal.SIGINT)
    err = p.stderr.read()
    assert p.wait(timeout=60) == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "--resume" in err


def test_scheduler_and_event_are_refused_before_any_fit(cli, tmp_path, monkeypatch):
    """With nothing cached, an unreachable or malformed --scheduler and a --event the base
    scenario does not define are exit 2 at once: no posterior is fitted first."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FORECAST_CACHE", str(cache))
    f = small_sweep(tmp_path)
    for args, says in [
        (
            ["sweep", str(f), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"],
            "reach",
        ),
        (
            ["sweep", str(f), "--out", str(tmp_path / "o"), "--scheduler", "nowhere"],
            "expected e.g.",
        ),
        (["sensitivity", str(f), "--scheduler", "127.0.0.1:1"], "reach"),
        (["sensitivity", str(f), "--event", "metr-work-mnth"], "expected one of"),
    ]:
        code, _, err = cli(*args)
        assert code == 2 and says in err, (args, err)
    assert not list(cache.glob("posterior-*"))


def test_a_misnamed_scenario_gets_the_shipped_names(cli, tmp_path, monkeypatch):
    """A scenario name with a typo (in --scenario, a compare arm or a sweep's base) is exit
    2 with the nearest shipped name, before any fit; a shipped file's name given with .toml
    in a sweep file elsewhere says the path is read relative to that file."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FORECAST_CACHE", str(cache))
    code, _, err = cli("run", "--scenario", "inspiration-bindng")
    assert code == 2 and "did you mean 'inspiration-binding'?" in err and "meyer" in err
    code, _, err = cli("compare", "inspiration-binding", "nonsense")
    assert code == 2 and "shipped:" in err and "data .csv file or `base`" in err
    f = tmp_path / "s.toml"
    f.write_text(SMALL.format(base="compressed-perspiration.toml"))
    code, _, err = cli("sweep", str(f), "--out", str(tmp_path / "o"))
    assert code == 2 and "relative to this file" in err and "'compressed-perspiration'" in err
    f.write_text(SMALL.format(base="compresed-perspiration"))
    code, _, err = cli("sweep", str(f), "--out", str(tmp_path / "o"))
    assert code == 2 and "did you mean 'compressed-perspiration'?" in err
    assert not list(cache.glob("posterior-*"))
