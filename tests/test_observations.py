"""The observation table: every published figure present, malformed rows rejected by row."""

import math

import pytest

from forecast.errors import ForecastError
from forecast.observations import assemble, bundled, parse_table
from forecast.priors import load
from forecast.variants import select_variants

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
    ("toy,2025-01,s,-1,,,percent,ai,,,src,", "outside the benchmark's range"),
    ("toy,2025-01,s,,30,20,percent,ai,,,src,", "not below high"),
    ("toy,2025-01,s,abc,,,percent,ai,,,src,", "expected a number"),
    ("toy,2025-01,s,nan,,,percent,ai,,,src,", "finite"),
    ("toy,2025-13,s,10,,,percent,ai,,,src,", "cannot read date"),
    ("toy,2099-01,s,10,,,percent,ai,,,src,", "in the future"),
    ("toy,,s,10,,,percent,ai,,,src,", "publication date"),
    ("toy,2025-01,s,10,,,furlongs,ai,,,src,", "unknown unit"),
    ("toy,2025-01,s,10,,,percent,robot,,,src,", "expected one of ai, human_baseline, floor"),
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
    with pytest.raises(ForecastError, match=r"dup.csv:3.*duplicate of .*dup.csv:2.*same series"):
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


# --------------------------------------------------------------- every real result accepted

OPT = "benchmark,series,date,system,value,low,high,unit,kind,tasks,ci_low,ci_high,ci_level,se,source\n"


def test_zero_and_full_scores_are_censored_at_one_task():
    rows = parse_table(
        OPT
        + "toy,toy-40,2025-01,a,0,,,percent,ai,40,,,,,me\n"  # 1/40 = 0.025
        + "toy,toy-40,2025-02,b,100,,,percent,ai,40,,,,,me\n"
        + "swe-bench,swe-bench-lite,2025-03,c,0,,,percent,ai,,,,,,me\n"  # bundled: 300 tasks
        + "toy,toy,2025-04,d,0.0,,,percent,ai,,,,,,me\n"  # unknown n: half of 0.1 % = 0.0005
        + "toy,toy,2025-05,e,1,,,fraction,ai,,,,,,me\n",  # "1" as a fraction: (0.5, 1)
        "f.csv",
    )
    got = [(r.censored, r.low, r.high) for r in rows]
    assert got[0] == ("zero", 0.0, pytest.approx(0.025))
    assert got[1] == ("full", pytest.approx(0.975), 1.0)
    assert got[2] == ("zero", 0.0, pytest.approx(1 / 300))
    assert got[3] == ("zero", 0.0, pytest.approx(0.0005))
    assert got[4] == ("full", pytest.approx(0.5), 1.0)
    assert all(r.is_range and math.isnan(r.value) for r in rows)
    assert [r.figure for r in rows] == [0.0, 1.0, 0.0, 0.0, 1.0]


def test_values_at_a_bound_in_ranges_and_baselines_are_kept():
    rows = parse_table(
        OPT
        + "toy,,2025-01,a,,0,10,percent,ai,,,,,,me\n"
        + "toy,,,people,100,,,percent,human_baseline,,,,,,me\n",
        "f.csv",
    )
    assert (rows[0].low, rows[0].high, rows[0].censored) == (0.0, pytest.approx(0.1), "")
    assert rows[1].value == 1.0 and not rows[1].censored


def test_published_interval_is_a_known_sd_on_the_log_scale():
    rows = parse_table(
        OPT
        + "h,,2026-02-05,m,718.80683,,,minutes,ai,,316.685725,3633.786163,0.95,,me\n"
        + "p,,2025-01,m,20,,,percent,ai,,,,,2,me\n",
        "f.csv",
    )
    # (ln 3633.786163 - ln 316.685725) / (2 * 1.959964) = 2.440394 / 3.919928
    assert rows[0].known_sd == pytest.approx(0.622491, rel=1e-5)
    # delta method on the logit: 0.02 / (0.2 * 0.8) = 0.125
    assert rows[1].known_sd == pytest.approx(0.125)
    assert math.isnan(bundled()[0].known_sd)


def test_seed_table_hash_is_unchanged_by_the_optional_columns():
    """The default run's data hash (and so its cached posterior) before the new columns."""
    from forecast.observation_record import table_hash

    rows = select_variants(bundled(), load().variants())
    assert table_hash(rows) == "10f204a12349118b"


# --------------------------------------------------------------- the bundled history table


def _history():
    from forecast.history import history

    return history()


def test_history_table_loads_with_a_source_on_every_row():
    from forecast.history_series import registry

    rows = _history()
    assert len(rows) == 535  # 527 public rows - 3 undated + 11 seed figures without a public row
    by = {s: [r for r in rows if r.series == s] for s in registry()}
    assert all(by.values()), [s for s, rs in by.items() if not rs]
    assert {r.series for r in rows} == set(registry())
    assert all(r.source for r in rows)
    assert len({r.seed_row for r in rows if r.seed_row}) == 19  # every seed figure, once


def test_history_file_is_the_build_output():
    from forecast.history import history_text
    from forecast.history_build import build

    text, skipped = build()
    assert text == history_text(), "run scripts/build-history"
    assert [(s.file, s.model) for s in skipped] == [
        ("posttrainbench_avg.csv", "GPT 5.2 Codex | Codex CLI"),
        ("posttrainbench_avg.csv", "Sonnet 4.6 | Claude Code"),
        ("posttrainbench_avg.csv", "GLM 5 | OpenCode"),
    ]


def test_a_result_in_both_tables_is_kept_once():
    rows = _history()
    (claude2,) = [r for r in rows if r.seed_row == "observations.csv:9"]
    assert (claude2.series, claude2.date, claude2.system) == (
        "swe-bench-full",
        "2023-10-10",
        "RAG + Claude 2",
    )
    assert claude2.value == pytest.approx(0.0196) and "~2 percent" in claude2.note
    used = assemble(["seed", "history:swe-bench-full"], include_bundled=False)
    seed_swe = [r.system for r in used if r.origin.startswith("<bundled>/observations.csv")]
    assert "Claude 2" not in seed_swe and "Claude Mythos Preview" in seed_swe
    metr = assemble(["seed", "history:metr-horizon-1.1-p50"], include_bundled=False)
    assert len(metr) == 19 - 5 + 25  # the five seed METR figures are suite 1.1 rows
    # the default: every series' frontier records, each seed figure in them or as itself
    default = assemble()
    assert all(r.origin.startswith("<bundled>/history.csv") for r in default)
    assert {r.seed_row for r in default if r.seed_row} <= {r.seed_row for r in rows}
    assert len(assemble(["frontier", "history:swe-bench-full"])) == len(default) + sum(
        1 for r in rows if r.series == "swe-bench-full" and r.kind == "ai" and not r.frontier
    )  # selections merge row by row
    ptb = [r for r in rows if r.series == "posttrainbench" and r.kind != "ai"]
    assert [(r.kind, r.value, r.seed_row) for r in ptb] == [
        ("human_baseline", pytest.approx(0.511), "observations.csv:8"),
        ("floor", pytest.approx(0.075), ""),
    ]
    assert len(assemble(["history"])) == 535  # every seed figure replaced by its history row


def test_metr_intervals_and_task_counts_are_carried():
    rows = _history()
    metr = [r for r in rows if r.series == "metr-horizon-1.1-p50"]
    assert all(r.ci_level == 0.95 and r.ci_low < r.value < r.ci_high for r in metr)
    tasks = {r.series: r.tasks for r in rows if r.kind == "ai"}
    assert tasks["swe-bench-verified"] == 500 and tasks["swe-bench-lite"] == 300
    assert tasks["swe-bench-full"] == 2294 and tasks["swe-bench-multimodal"] == 517
    assert tasks["mle-bench-all"] == 75 and tasks["mle-bench-lite"] == 22
    assert tasks["posttrainbench"] == 0  # unknown: a weighted average, not a task count


def test_frontier_records_are_explicit_and_recomputable():
    from forecast.history import frontier_flags, table_rows

    rows = _history()
    assert [r.frontier for r in rows] == frontier_flags(rows)
    fr = [r.system for r in table_rows("frontier:metr-horizon-1.1-p50")]
    # 3.99 min (gpt_4), then gpt_4_1106 at 4.04; claude_3_opus (3.95) and gpt_4_turbo are not
    assert fr[3:5] == ["gpt_4", "gpt_4_1106_inspect"] and "claude_3_opus_inspect" not in fr
    assert len(fr) == 17


def test_event_series_file_names_only_known_series():
    import tomllib

    from forecast.history_series import event_series, registry
    from forecast.thresholds import default_file

    em = event_series()
    named = {s for e in em.events.values() for s in e.series} | set(em.conditions.values())
    assert named <= set(registry())
    built_in = tomllib.loads(default_file().read_text("utf-8"))["thresholds"]
    assert set(em.events) == {t["id"] for t in built_in}
    for t in built_in:
        first = registry()[em.events[t["id"]].series[0]]
        assert first.benchmark == t["benchmark"], t["id"]


def test_data_command_lists_series_with_counts(cli):
    import json

    code, out, err = cli("data", "--data", "history", "--json")
    assert code == 0, err
    s = {x["series"]: x for x in json.loads(out)["series"]}
    # swebench_multimodal.csv has 22 data rows; swebench_verified.csv 162 plus the seed's Mythos
    assert s["swe-bench-multimodal"]["rows"] == 22
    assert s["swe-bench-verified"]["rows"] == 163
    assert (s["metr-horizon-1.1-p50"]["first"], s["metr-horizon-1.1-p50"]["last"]) == (
        "2019-02-14",
        "2026-03-05",
    )
    code, out, _ = cli("data", "--no-bundled", "--data", "history:swe-bench-lite")
    assert code == 0 and "swe-bench-lite" in out and " 84 " in out and "valid" in out


def test_a_new_figure_without_a_series_joins_the_series_its_benchmark_is_read_on(tmp_path):
    f = tmp_path / "new.csv"
    f.write_text(
        "benchmark,series,date,system,value,low,high,unit,kind,approximate,variant,source,note\n"
        "swe-bench,,2026-06,new system,96,,,percent,ai,,,test,\n"
        "swe-bench,swe-bench-lite,2026-06,new system,90,,,percent,ai,,,test,\n"
        "toy,,2026-06,new system,50,,,percent,ai,,,test,\n"
    )
    added = [r for r in assemble([str(f)]) if r.source == "test"]
    assert [r.series for r in added] == ["swe-bench-verified", "swe-bench-lite", "toy"]
    alone = [r for r in assemble([str(f)], include_bundled=False) if r.source == "test"]
    assert [r.series for r in alone] == ["swe-bench", "swe-bench-lite", "toy"]
