"""The observation table: every published figure present, malformed rows rejected by row."""

import math

import pytest

from forecast.errors import ForecastError
from forecast.observations import assemble, bundled, parse_table, select_variants
from forecast.priors import load

from .conftest import HEADER


def test_bundled_table_holds_every_published_figure():
    rows = bundled()
    fig = {(r.benchmark, r.date, r.variant or None): r for r in rows}
    assert fig[("core-bench", "2024-09", None)].value == pytest.approx(0.215)
    assert fig[("core-bench", "2025-12", "automated-grading")].value == pytest.approx(0.7778)
    assert fig[("core-bench", "2025-12", "manual-rescore")].value == pytest.approx(0.955)
    assert fig[("mle-bench", "2024-10", None)].value == pytest.approx(0.169)
    assert fig[("mle-bench", "2026-02", None)].value == pytest.approx(0.644)
    ptb = fig[("posttrainbench", "2026-04", None)]
    assert ptb.is_range and (ptb.low, ptb.high) == pytest.approx((0.25, 0.28))
    assert fig[("posttrainbench", "", None)].kind == "human_baseline"
    assert fig[("posttrainbench", "", None)].value == pytest.approx(0.511)
    assert fig[("swe-bench", "2023-10", None)].approximate
    assert fig[("swe-bench", "2026-04", None)].value == pytest.approx(0.939)
    speed = [r.value for r in rows if r.benchmark == "training-speedup" and r.kind == "ai"]
    assert speed == pytest.approx([2.9, 16.5, 30, 52])
    assert fig[("training-speedup", "", None)].value == 4
    metr = [r.value for r in rows if r.benchmark == "metr-horizon"]  # minutes
    assert metr == pytest.approx([0.5, 4, 40, 360, 720])
    assert all(r.source for r in rows)


def test_variant_choice_is_explicit():
    rows = bundled()
    with pytest.raises(
        ForecastError, match="core-bench.*variants automated-grading, manual-rescore"
    ):
        select_variants(rows, {})
    with pytest.raises(ForecastError, match="offer"):
        select_variants(rows, {"core-bench": "nope"})
    chosen = select_variants(rows, load().variants())
    core = [r.value for r in chosen if r.benchmark == "core-bench"]
    assert core == pytest.approx([0.215, 0.955])


def test_user_file_alone_excludes_bundled(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text(
        HEADER + "toy,2025-01,s,10,,,percent,ai,,,me,\ntoy,2025-06,s,30,,,percent,ai,,,me,\n"
    )
    assert {r.benchmark for r in assemble([f], include_bundled=False)} == {"toy"}
    assert "toy" in {r.benchmark for r in assemble([f])}


BAD = [
    ("toy,2025-01,s,,,,percent,ai,,,src,", "no figure"),
    ("toy,2025-01,s,120,,,percent,ai,,,src,", "outside the benchmark's range"),
    ("toy,2025-01,s,100,,,percent,ai,,,src,", "exactly at a bound"),
    ("toy,2025-01,s,,30,20,percent,ai,,,src,", "not below high"),
    ("toy,2025-01,s,abc,,,percent,ai,,,src,", "expected a number"),
    ("toy,2025-01,s,nan,,,percent,ai,,,src,", "finite"),
    ("toy,2025-13,s,10,,,percent,ai,,,src,", "cannot read date"),
    ("toy,2099-01,s,10,,,percent,ai,,,src,", "in the future"),
    ("toy,,s,10,,,percent,ai,,,src,", "publication date"),
    ("toy,2025-01,s,10,,,furlongs,ai,,,src,", "unknown unit"),
    ("toy,2025-01,s,10,,,percent,robot,,,src,", "expected one of ai, human_baseline"),
    ("toy,2025-01,s,10,,,percent,ai,maybe,,src,", "expected true or false"),
    ("toy,2025-01,s,-3,,,minutes,ai,,,src,", "must be positive"),
    (",2025-01,s,10,,,percent,ai,,,src,", "benchmark' is empty"),
    ("toy,2025-01,s,10,,,percent,ai,,,src,,extra", "fields; expected 12"),
]


@pytest.mark.parametrize("row,expected", BAD)
def test_malformed_row_is_named(row, expected):
    text = HEADER + "toy,2024-01,s,5,,,percent,ai,,,src,\n" + row + "\n"
    with pytest.raises(ForecastError) as e:
        parse_table(text, "user.csv")
    assert "user.csv:3" in str(e.value)
    assert expected in str(e.value)


def test_header_problems_are_named():
    with pytest.raises(ForecastError, match="missing column.*unit"):
        parse_table("benchmark,date,system,value,low,high,kind,source\n", "f.csv")
    with pytest.raises(ForecastError, match="unknown column.*'colour'"):
        parse_table(HEADER.strip() + ",colour\n", "f.csv")
    with pytest.raises(ForecastError, match="empty"):
        parse_table("  \n", "f.csv")


def test_table_wide_checks(tmp_path):
    f = tmp_path / "dup.csv"
    f.write_text(
        HEADER + "toy,2025-01,s,10,,,percent,ai,,,a,\ntoy,2025-01,s,12,,,percent,ai,,,b,\n"
    )
    with pytest.raises(ForecastError, match=r"dup.csv:3.*duplicate of .*dup.csv:2"):
        assemble([f])
    g = tmp_path / "mixed.csv"
    g.write_text(HEADER + "toy,2025-01,s,10,,,percent,ai,,,a,\ntoy,2025-02,s,12,,,hours,ai,,,b,\n")
    with pytest.raises(ForecastError, match="one kind of unit per benchmark"):
        assemble([g])


def test_encoding_error_names_file(tmp_path):
    f = tmp_path / "latin1.csv"
    f.write_bytes((HEADER + "caf\xe9,2025-01,s,10,,,percent,ai,,,a,\n").encode("latin-1"))
    with pytest.raises(ForecastError, match="latin1.csv.*not UTF-8"):
        assemble([f])


def test_dates_with_periods_carry_uncertainty():
    rows = bundled()
    year = next(r for r in rows if r.date == "2022")
    assert year.time == pytest.approx(2022.5)
    assert year.time_sd == pytest.approx(1 / math.sqrt(12))
    interval = next(r for r in rows if r.date == "2026-01/2026-04")
    assert 2026.0 < interval.time < 2026.34
