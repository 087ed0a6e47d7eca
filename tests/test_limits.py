"""Resource limits: an input that would take unbounded memory or time is refused up front,
with the size it would have taken and the setting that raises the limit (exit 2, nothing
written)."""

import pytest

from forecast.errors import ForecastError
from forecast.fit import SamplerSettings
from forecast.io import read_input
from forecast.thresholds import parse_horizon

from .conftest import write


def test_an_endless_input_is_stopped_at_the_read_limit(cli, tmp_path, monkeypatch):
    out = tmp_path / "out"
    code, _, err = cli("run", "--data", "/dev/zero", "--out", str(out))
    assert code == 2 and "/dev/zero" in err and "FORECAST_MAX_INPUT_MB" in err
    assert not out.exists()
    # the limit is a setting: a 2 kB file is refused under a 1 kB limit, read under the default
    f = write(tmp_path / "rows.csv", "x" * 2048)
    assert len(read_input(f)) == 2048
    monkeypatch.setenv("FORECAST_MAX_INPUT_MB", str(1 / 1024))
    with pytest.raises(ForecastError, match="1 MB|read limit") as e:
        read_input(f)
    assert str(f) in str(e.value)
    monkeypatch.setenv("FORECAST_MAX_INPUT_MB", "lots")
    with pytest.raises(ForecastError, match="not a number of megabytes"):
        read_input(f)


def test_too_many_draws_are_refused_with_an_estimate(cli, monkeypatch):
    code, _, err = cli("run", "--draws", "1000000000")
    assert code == 2 and "4,000,000,000 posterior draws" in err and "GB" in err
    assert "FORECAST_MAX_DRAWS" in err and "--draws" in err
    SamplerSettings(draws=50_000, chains=4)  # at the default limit of 200,000
    with pytest.raises(ForecastError, match="limit is 200,000"):
        SamplerSettings(draws=50_001, chains=4)
    monkeypatch.setenv("FORECAST_MAX_DRAWS", "1000000")
    SamplerSettings(draws=250_000, chains=4)


def test_a_huge_sweep_grid_is_refused_before_it_is_built(cli, tmp_path):
    from forecast.scenario import default_dir

    axes = "".join(
        f'[axes.{n}]\nlow = {lo}\nhigh = {hi}\nnum = 1000\nwhy = "a size check"\n'
        for n, lo, hi in (
            ("elasticity", 0, 1),
            ("compute_doubling", 0.1, 2),
            ("research_share", 0.01, 0.5),
        )
    )
    base = default_dir() / "inspiration-binding.toml"
    f = write(tmp_path / "big.toml", f'title = "huge"\nbase = "{base}"\n{axes}')
    out = tmp_path / "out"
    code, _, err = cli("sweep", str(f), "--out", str(out))
    assert code == 2 and "1,000,000,000 cells" in err and "at most 5,000,000" in err
    assert "elasticity 1000 x compute_doubling 1000 x research_share 1000" in err
    assert "days" in err and "FORECAST_MAX_CELLS" in err
    assert not out.exists()


def test_a_table_of_too_many_rows_is_refused_with_the_setting_that_raises_it(
    cli, tmp_path, monkeypatch
):
    from forecast.observations import read_table

    from .conftest import HEADER

    body = "".join(
        f"big-bench,2024-{1 + i % 12:02d},system {i},{10 + i % 50},,,percent,ai,false,,src,\n"
        for i in range(30)
    )
    f = write(tmp_path / "big.csv", HEADER + body)
    assert len(read_table(f)) == 30  # under the default limit of 20,000
    monkeypatch.setenv("FORECAST_MAX_ROWS", "25")
    out = tmp_path / "out"
    code, _, err = cli("run", "--data", str(f), "--out", str(out))
    assert code == 2 and str(f) in err and "more than 25 observation rows" in err
    assert "FORECAST_MAX_ROWS" in err and not out.exists()
    monkeypatch.setenv("FORECAST_MAX_ROWS", "many")
    with pytest.raises(ForecastError, match="not a whole number of rows"):
        read_table(f)


def test_a_far_horizon_is_refused_with_an_estimate(cli, tmp_path, monkeypatch):
    out = tmp_path / "out"
    code, _, err = cli("run", "--horizon", "9999", "--out", str(out))
    assert code == 2 and "--horizon" in err and "horizon 9999 is past 2200" in err
    assert "about 40 GB" in err and "FORECAST_MAX_HORIZON" in err
    assert not out.exists()
    assert parse_horizon("2200", "h") == 2201.0  # the limit's own year is accepted
    monkeypatch.setenv("FORECAST_MAX_HORIZON", "3000")
    assert parse_horizon("2999-12", "h") == 3000.0
    monkeypatch.setenv("FORECAST_MAX_HORIZON", "soon")
    with pytest.raises(ForecastError, match="FORECAST_MAX_HORIZON: 'soon' is not a year"):
        parse_horizon("2040", "h")
