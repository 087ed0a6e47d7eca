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


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tmp_path):
    """summary.csv, report.csv and sweep.csv go through write_csv: a text cell starting with
    = + - @ (a formula to a spreadsheet) gets a leading apostrophe; numbers, negative ones
    included, and ordinary text are written as given."""
    import csv as csv_mod

    from forecast.io import write_csv

    p = tmp_path / "t.csv"
    write_csv(p, ["event", "p"], [["=HYPERLINK(\"x\")", -0.25], ["@SUM(A1)", "-0.5"], ["+1+2", "ok"], ["swe-bench-95", 0.5]])  # fmt: skip
    rows = list(csv_mod.reader(p.open(newline="")))
    assert rows[1:] == [
        ['\'=HYPERLINK("x")', "-0.25"],
        ["'@SUM(A1)", "-0.5"],
        ["'+1+2", "ok"],
        ["swe-bench-95", "0.5"],
    ]
