"""File names derived from user text stay inside --out and are unique per event."""

import pytest

from forecast.errors import ForecastError
from forecast.figures import slug
from forecast.output import inside


def test_names_from_user_text_stay_inside_out(tmp_path):
    out = tmp_path / "out"
    evil = "x/../../../ESCAPED>=90%"
    path = inside(out, f"compare-{slug(evil)}")
    assert path.parent == out and "/" not in path.name
    assert path.resolve().parent == out.resolve()
    with pytest.raises(ForecastError, match="outside the output directory"):
        inside(out, "../ESCAPED")
    with pytest.raises(ForecastError):
        inside(out, "/etc/passwd")


def test_close_thresholds_get_distinct_file_names():
    a, b = slug("swe-bench>=98.5%"), slug("swe-bench>=98.7%")
    assert a != b
