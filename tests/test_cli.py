"""The command line end to end on the bundled data."""

import json

import pytest
import xarray as xr

from forecast.pipeline import inputs

from .conftest import HEADER


def test_run_prints_table_with_diagnostics(cli):
    code, out, err = cli("run", "-q")
    assert code == 0, err
    for ev in (
        "posttrainbench-parity",
        "metr-work-month",
        "metr-100h",
        "core-bench-95",
        "mle-bench-80",
        "swe-bench-95",
    ):
        assert ev in out
    assert "R-hat" in out and "divergences" in out and "not by 2040-12-31" in out
    assert "pool only" in out  # PostTrainBench's rate comes from the pool


def test_run_json_is_documented_and_repeatable(cli):
    code, out1, _ = cli("run", "--json", "--seed", "1", "-q")
    assert code == 0
    code, out2, _ = cli("run", "--json", "--seed", "1", "-q")
    assert out1 == out2
    s = json.loads(out1)
    e = s["events"]["posttrainbench-parity"]
    assert list(e["p_by_year"]) == [str(y) for y in range(2026, 2036)]
    assert set(e["p_by_year"]["2028"]) == {"p", "mcse"}
    assert set(e["quantiles"]) == {"0.1", "0.5", "0.9"}
    assert 0 <= e["p_not_by_horizon"] <= 1
    assert {"max_rhat", "min_ess_bulk", "divergences"} <= set(s["diagnostics"])
    assert "doubling_time_months" in s["benchmarks"]["metr-horizon-1.1-p50"]
    assert "years_10_to_90_pct_of_ceiling" in s["benchmarks"]["posttrainbench"]
    assert s["provenance"]["seed"] == 1 and s["provenance"]["data_hash"]
    # probabilities by year never decrease
    ps = [v["p"] for v in e["p_by_year"].values()]
    assert ps == sorted(ps)


def test_out_writes_artifacts_with_provenance(cli, tmp_path):
    out = tmp_path / "res"
    code, _, err = cli("run", "-q", "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "forecast.nc",
        "posterior.nc",
        "summary.csv",
        "summary.json",
    ]
    ds = xr.open_dataset(out / "forecast.nc", engine="h5netcdf")
    assert {"draw", "event"} <= set(ds.dims)
    assert ds.sizes["draw"] == 4000
    for key in ("data_hash", "priors_hash", "seed", "sampler", "diagnostics", "forecast_version"):
        assert key in ds.attrs
    ds.close()
    post = xr.open_datatree(out / "posterior.nc", engine="h5netcdf")
    assert "posterior" in post and "observations" in post and post.attrs["posterior_hash"]
    post.close()
    # a second run into the same directory needs --force; nothing is overwritten without it
    before = (out / "summary.json").read_bytes()
    code, _, err = cli("run", "-q", "--out", str(out), "--seed", "2")
    assert code == 2 and "--force" in err
    assert (out / "summary.json").read_bytes() == before


def test_user_benchmark_with_threshold(cli, tmp_path):
    f = tmp_path / "new.csv"
    f.write_text(
        HEADER
        + "toolbench,2024-03,a,12,,,percent,ai,,,my lab,\n"
        + "toolbench,2024-11,b,25,,,percent,ai,,,my lab,\n"
        + "toolbench,2025-06,c,41,,,percent,ai,,,my lab,\n"
        + "toolbench,2026-01,d,58,,,percent,ai,,,my lab,\n"
    )
    code, out, err = cli("run", "--json", "-q", "--data", str(f), "--threshold", "toolbench>=90%")
    assert code == 0, err
    s = json.loads(out)
    e = s["events"]["toolbench>=90%"]
    assert e["threshold"] == 0.9
    assert s["benchmarks"]["toolbench"]["n_observations"] == 4
    assert e["quantiles"]["0.5"] is not None and e["quantiles"]["0.5"] > "2026"


def test_no_bundled_uses_only_the_users_series(cli, tmp_path):
    f = tmp_path / "series.csv"
    f.write_text(
        HEADER
        + "".join(
            f"horizon2,{y}-06,m{y},{v},,,minutes,ai,,,synthetic,\n"
            for y, v in [(2021, 1), (2022, 3), (2023, 8), (2024, 25), (2025, 70)]
        )
    )
    code, out, err = cli(
        "run", "--json", "-q", "--no-bundled", "--data", str(f), "--threshold", "horizon2>=10h"
    )
    assert code == 0, err
    s = json.loads(out)
    assert list(s["benchmarks"]) == ["horizon2"]
    assert list(s["events"]) == ["horizon2>=10h"]
    assert s["provenance"]["bundled_data"] is False


def test_bad_input_exits_2_without_traceback(cli, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "toy,2025-01,s,140,,,percent,ai,,,x,\n")
    out = tmp_path / "o"
    code, _, err = cli("run", "--data", str(f), "--out", str(out))
    assert code == 2
    assert "bad.csv:2" in err and "Traceback" not in err
    assert not out.exists()
    code, _, err = cli("run", "--threshold", "nosuch>=3")
    assert code == 2 and "known:" in err
    code, _, err = cli("run", "--horizon", "2025-01")
    assert code == 2 and "before the last observation" in err


def test_threshold_at_100_percent_cannot_be_crossed_and_above_it_is_refused(cli):
    code, out, err = cli("run", "--json", "-q", "--threshold", "mle-bench>=100%")
    assert code == 0, err
    e = json.loads(out)["events"]["mle-bench>=100%"]
    assert e["p_not_by_horizon"] == 1.0 and e["quantiles"]["0.5"] is None
    code, out, err = cli("run", "--json", "-q", "--threshold", "mle-bench>=120%")
    assert code == 2 and "'mle-bench>=120%'" in err and "above 100 %" in err
    assert "Traceback" not in err and not out


def test_thresholds_outside_a_share_s_range_say_what_was_likely_meant():
    from forecast.errors import ForecastError
    from forecast.observations import assemble
    from forecast.thresholds import load_plan

    rows = assemble([])
    _, notes = load_plan(rows, ["posttrainbench>=0.6"])
    (note,) = [n for n in notes if "posttrainbench>=0.6" in n]
    assert "0.6 %" in note and "posttrainbench>=60%" in note  # the likely intent
    _, notes = load_plan(rows, ["posttrainbench>=60", "posttrainbench>=0.6%"])
    assert not [n for n in notes if "bare number" in n]  # a percent, or a unit given
    _, notes = load_plan(rows, ["mle-bench>=100%"])
    assert any("cannot be crossed" in n for n in notes)
    with pytest.raises(ForecastError, match="above 100 %"):
        load_plan(rows, ["mle-bench>=120%"])
    for bad in ("posttrainbench>=-5%", "posttrainbench>=0"):
        with pytest.raises(ForecastError, match="must be above 0 %") as e:
            load_plan(rows, [bad])
        assert bad in str(e.value)


def test_data_command_lists_and_validates(cli, tmp_path):
    code, out, _ = cli("data")
    assert code == 0 and "valid" in out and "posttrainbench" in out
    code, out, _ = cli("data", "--json")
    rows = json.loads(out)["rows"]
    # the bundled table puts CORE-Bench's two grades in two series: both are used
    graded = {r["series"]: r["used"] for r in rows if r["variant"]}
    assert graded == {"core-bench-hard": True, "core-bench-hard-manual": True}
    # in the seed figures they share one series: the priors' choice leaves one out
    code, out, _ = cli("data", "--json", "--no-bundled", "--data", "seed")
    rows = json.loads(out)["rows"]
    assert any(r["variant"] == "automated-grading" and not r["used"] for r in rows)
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "toy,2025-01,s,,30,20,percent,ai,,,x,\n")
    code, _, err = cli("data", "--data", str(f))
    assert code == 2 and "bad.csv:2" in err


def test_prior_predictive_check_runs(cli):
    code, out, err = cli("prior-check", "--json", "--samples", "500")
    assert code == 0, err
    r = json.loads(out)
    assert len(r["observations"]) == len([x for x in inputs().rows if x.kind == "ai"])
    # the priors are weakly informative: the data should sit inside the prior 90 % intervals
    assert r["share_in_90"] >= 0.9
    assert set(r["events"]) >= {"posttrainbench-parity", "metr-work-month"}
    # it samples nothing by NUTS: the sampler options are not offered
    code, _, err = cli("prior-check", "--chains", "2")
    assert code == 2 and "No such option" in err


def test_prior_check_does_not_print_pymcs_sampling_line(caplog):
    import logging

    from forecast.prior_check import prior_predictive

    with caplog.at_level(logging.INFO, logger="pymc"):
        prior_predictive(inputs(), samples=100)
    assert not [r for r in caplog.records if r.getMessage().startswith("Sampling")]


def test_help_teaches():
    from click.testing import CliRunner

    from forecast.cli import main

    out = CliRunner().invoke(main, ["run", "--help"]).stdout
    assert "Examples" in out and "--threshold" in out and "--seed" in out


def test_the_console_script_keeps_the_exit_code_and_every_line(cli):
    """`forecast` ends its process without Python's slow teardown (forecast.cli.console):
    the command's exit code and its whole output still come through a pipe."""
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("forecast"))
    _, listing, _ = cli("data")
    r = subprocess.run([exe, "data"], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout == listing and len(listing) > 2000
    r = subprocess.run([exe, "run", "--bogus"], capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "No such option '--bogus'" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "forecast", "--version"], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0 and r.stdout.startswith("forecast, version")


def test_an_exit_message_is_printed_and_exits_1(capsys):
    from forecast.cli import exit_status

    assert exit_status("stopped: out of disk") == 1
    assert "stopped: out of disk" in capsys.readouterr().err
    assert exit_status(None) == 0 and exit_status(3) == 3


def test_every_help_example_can_be_pasted():
    """An example line in any --help is a command a reader can paste: what it does follows
    a '#', never bare words that the shell would pass on as arguments."""
    import re

    import click
    from click.testing import CliRunner

    from forecast.cli import main

    def commands(group, path):
        yield path
        if isinstance(group, click.Group):
            for name, sub in group.commands.items():
                yield from commands(sub, [*path, name])

    bad = []
    for path in commands(main, []):
        text = CliRunner().invoke(main, [*path, "--help"]).stdout
        for line in text.splitlines():
            m = re.match(r"^\s+forecast \S.*?\s{2,}(\S.*)$", line)
            if m and not m.group(1).startswith("#"):
                bad.append(f"{' '.join(path) or 'forecast'}: {line.strip()}")
    assert not bad, "\n".join(bad)
