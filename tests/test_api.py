"""The public API (forecast.api) and forecasts as of a date."""

import pytest

from forecast import api
from forecast.errors import ForecastError
from forecast.fit import SamplerSettings
from forecast.pipeline import rows_as_of

SMALL = SamplerSettings(draws=200, tune=200, chains=2)


def test_as_of_keeps_only_rows_published_before_the_date():
    inp = api.inputs(["seed"], no_bundled=True)
    ai = [r for r in inp.rows if r.kind == "ai"]
    kept = rows_as_of(inp.rows, "2025-06")
    kept_ai = [r for r in kept if r.kind == "ai"]
    # by hand from forecast/data/observations.csv: a row dated 2025-05 (its period ends
    # 2025-06-01) is in; "2025" (ends 2026-01-01) and anything later are out
    expected = {
        ("core-bench", "2024-09"), ("mle-bench", "2024-10"), ("swe-bench", "2023-10"),
        ("training-speedup", "2025-05"), ("metr-horizon", "2022"), ("metr-horizon", "2023"),
        ("metr-horizon", "2024"),
    }  # fmt: skip
    assert {(r.benchmark, r.date) for r in kept_ai} == expected
    assert len(kept_ai) < len(ai)
    # human baselines stay: they are thresholds, not data
    assert [r for r in kept if r.kind != "ai"] == [r for r in inp.rows if r.kind != "ai"]
    with pytest.raises(ForecastError, match="no observation is dated before"):
        rows_as_of(inp.rows, "2001")
    with pytest.raises(ForecastError, match="cannot read date"):
        rows_as_of(inp.rows, "June 2025")


def test_api_forecast_as_of_a_date_records_it(cache_dir):
    inp = api.inputs(settings=SMALL, as_of="2026-01")
    res = api.forecast(inp, thresholds=["swe-bench>=90%"], cache_dir=cache_dir)
    assert res.run is not None
    assert res.run.provenance.as_of == "2026-01"
    assert res.run.provenance.data_as_of < "2026-01"
    p = res.run.events["swe-bench>=90%"].p_by(2028)
    assert 0 <= p.p <= 1 and p.mcse >= 0
    assert res.run.provenance.as_of == "2026-01"


def test_run_as_of_on_the_command_line(cli, bundled_result):
    import json

    code, out, err = cli("run", "--json", "-q", "--as-of", "2025-06", "--draws", "200",
                         "--tune", "200", "--chains", "2")  # fmt: skip
    assert code == 0, err
    s = json.loads(out)
    assert s["provenance"]["as_of"] == "2025-06"
    assert s["provenance"]["data_as_of"] < "2025-06"
    assert s["provenance"]["n_observations"] < bundled_result.run.provenance.n_observations
    code, _, err = cli("run", "-q", "--as-of", "June")
    assert code == 2 and "--as-of" in err
