"""METR's ~16 h reliability limit: figures beyond it carry an extra sd in the likelihood, and
thresholds beyond it are flagged beside the event in every output."""

import dataclasses
import math

import pytest
from pydantic import ValidationError

from forecast.history_series import SeriesSpec, beyond_reliable_sd, reliable_limit
from forecast.observations import assemble
from forecast.reliability import caveats
from forecast.scenario import load as load_scenario
from forecast.scenario import resolve
from forecast.thresholds import load_plan

METR = "metr-horizon-1.1-p50"


def test_every_metr_series_states_the_16_hour_limit_and_its_source():
    for s in ("metr-horizon-1.1-p50", "metr-horizon-1.1-p80", "metr-horizon-1.0-p50"):
        limit, source = reliable_limit(s)
        assert limit == 960 and "16 hours" in source
    assert reliable_limit("swe-bench-verified") is None


def test_a_figure_beyond_the_limit_gets_ln_of_how_far_beyond_as_extra_sd():
    assert beyond_reliable_sd(METR, 960) == 0 and beyond_reliable_sd(METR, 500) == 0
    assert beyond_reliable_sd(METR, 4 * 960) == pytest.approx(math.log(4))
    (row,) = [r for r in assemble([]) if r.series == METR and r.system == "gpt_4"]
    published = row.known_sd
    assert published > 0 and row.value < 960  # within the range: the published CI alone
    far = dataclasses.replace(row, value=3840.0, ci_low=1920.0, ci_high=7680.0)
    z = 1.959963984540054
    assert far.known_sd == pytest.approx(math.hypot(math.log(4) / (2 * z), math.log(4)))
    bare = dataclasses.replace(row, value=1920.0, ci_low=math.nan, ci_high=math.nan)
    assert bare.known_sd == pytest.approx(math.log(2))  # no CI: the extra sd alone


def test_thresholds_beyond_the_limit_are_flagged_and_others_are_not():
    rows = assemble([])
    plan, _ = load_plan(rows, ["metr-horizon>=8h"])
    cav = caveats(plan, None, rows)
    assert set(cav) == {"metr-100h", "metr-work-month"}
    (text,) = cav["metr-work-month"]
    assert "10x" in text and "16 hours" in text and METR in text
    sc = load_scenario(resolve("inspiration-binding"))
    cav = caveats(plan, sc, rows)
    assert "automated-ai-rnd" in cav and "engineering-loop-closed" in cav
    assert "research-residual-closed" not in cav


def test_a_limit_needs_its_source():
    spec = {"benchmark": "b", "title": "a series", "unit": "minutes", "tasks_note": "a duration"}
    SeriesSpec.model_validate(spec)
    with pytest.raises(ValidationError, match="go together"):
        SeriesSpec.model_validate({**spec, "reliable_up_to": 960})
