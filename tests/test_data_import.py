"""`forecast data import` and `forecast data diff` on small files in each public format.

Each fixture is written by the test from rows of the bundled raw series
(forecast/data/public-series/), in the layout its publisher uses, plus one result the
bundled data do not hold. Importing it must find every bundled row unchanged (the importer
maps a source exactly as the bundled history was built), write the new result, and a
changed figure must be reported as a revision and not written.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from forecast.observations import read_table

RAW = Path(__file__).resolve().parent.parent / "forecast" / "data" / "public-series"


def raw(name: str, n: int | None = None) -> list[dict[str, str]]:
    with open(RAW / name, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:n] if n else rows


def summary(cli, *args) -> dict:
    code, out, err = cli("data", "import", *args, "--json")
    assert code == 0, err
    return json.loads(out)


# --- SWE-bench leaderboard JSON ----------------------------------------------------------------


def swebench_json(path: Path, extra: list[dict] | None = None, bump: float = 0.0) -> Path:
    boards = []
    for name, f in (("Verified", "swebench_verified.csv"), ("Lite", "swebench_lite.csv")):
        results = []
        for i, r in enumerate(raw(f, 12)):
            e = {
                "name": r["model"],
                "folder": r["folder"],
                "date": r["date"],
                "resolved": float(r["value"]) + (bump if i == 0 and name == "Verified" else 0),
                "os_model": r["os_model"] == "True",
                "logs": False,
                "site": ["https://example.org"],
            }
            if r["checked"]:
                e["checked"] = {"True": True, "False": False}.get(r["checked"], r["checked"])
            results.append(e)
        boards.append({"name": name, "results": results})
    boards[0]["results"] += extra or []
    boards.append({"name": "Unknown board", "results": []})
    path.write_text(json.dumps({"leaderboards": boards}), encoding="utf-8")
    return path


NEW_VERIFIED = {
    "name": "Next agent",
    "folder": "20260301_next",
    "date": "2026-03-01",
    "resolved": 89.5,
    "checked": True,
    "os_model": False,
}


def test_swebench_json_round_trips_and_adds_the_new_record(cli, tmp_path):
    f = swebench_json(tmp_path / "leaderboards.json", [NEW_VERIFIED])
    out = tmp_path / "new.csv"
    s = summary(cli, "swebench-json", str(f), "--out", str(out))
    assert s["series"] == ["swe-bench-lite", "swe-bench-verified"]
    assert (s["read"], s["unchanged"], s["new"], s["written"]) == (25, 24, 1, 1)
    assert s["revised"] == []
    assert any("Unknown board" in x for x in s["skipped"])
    (row,) = read_table(out)
    assert (row.series, row.date, row.system, row.value) == (
        "swe-bench-verified",
        "2026-03-01",
        "Next agent",
        0.895,
    )
    assert row.frontier and row.tasks == 500 and "leaderboards.json" in row.source
    # the table works with --data and moves the forecast of the SWE-bench threshold
    code, text, err = cli("data", "--data", str(out))
    assert code == 0 and "valid" in text, err


def test_a_changed_figure_is_a_revision_and_is_not_written(cli, tmp_path):
    f = swebench_json(tmp_path / "leaderboards.json", bump=1.0)
    out = tmp_path / "new.csv"
    s = summary(cli, "swebench-json", str(f), "--out", str(out))
    assert s["new"] == 0 and s["out"] is None and not out.exists()
    (rev,) = s["revised"]
    assert rev.startswith("swe-bench-verified 2023-10-10 RAG + Claude 2: value 4.4 % -> 5.4 %")


def test_an_existing_out_needs_force_or_merge_and_merge_adds(cli, tmp_path):
    f = swebench_json(tmp_path / "a.json", [NEW_VERIFIED])
    out = tmp_path / "new.csv"
    summary(cli, "swebench-json", str(f), "--out", str(out))
    code, _out, err = cli("data", "import", "swebench-json", str(f), "--out", str(out))
    assert code == 2 and "--force" in err and "--merge" in err
    later = {**NEW_VERIFIED, "name": "Later agent", "folder": "20260401_later", "date": "2026-04-01", "resolved": 91.0}  # fmt: skip
    g = swebench_json(tmp_path / "b.json", [NEW_VERIFIED, later])
    s = summary(cli, "swebench-json", str(g), "--out", str(out), "--merge")
    assert (s["unchanged"], s["written"]) == (25, 1)  # the earlier import is part of the data
    assert s["merged_into"] and s["rows_in_out"] == 2
    assert [r.system for r in read_table(out)] == ["Next agent", "Later agent"]


def test_the_import_summary_counts_what_it_wrote():
    from forecast.render_data import import_text

    base = {"file": "f.json", "format": "swebench-json", "series": ["swe-bench-verified"],
            "unchanged": 0, "revised": [], "skipped": [], "out": "new.csv", "merged_into": False,
            "rows_in_out": 1}  # fmt: skip
    one = import_text({**base, "read": 1, "new": 1, "new_records": 1, "written": 1}, False)
    assert "1 result of" in one and "of which 1 frontier record\n" in one
    assert "wrote 1 new frontier record to new.csv" in one and "reference" not in one
    two = import_text({**base, "read": 3, "new": 3, "new_records": 2, "written": 3}, False)
    assert "wrote 2 new frontier records and 1 reference row to new.csv" in two
    merged = {**base, "read": 2, "new": 1, "new_records": 1, "written": 1}
    text = import_text({**merged, "merged_into": True, "rows_in_out": 3}, False)
    assert "added 1 new frontier record to new.csv (now 3 rows)" in text


def test_all_rows_writes_results_below_the_frontier_too(cli, tmp_path):
    weak = {**NEW_VERIFIED, "name": "Weak agent", "folder": "20260302_weak", "resolved": 10.0}
    f = swebench_json(tmp_path / "leaderboards.json", [NEW_VERIFIED, weak])
    s = summary(cli, "swebench-json", str(f), "--out", str(tmp_path / "a.csv"))
    assert (s["new"], s["new_records"], s["written"]) == (2, 1, 1)
    s = summary(cli, "swebench-json", str(f), "--out", str(tmp_path / "b.csv"), "--all-rows")
    assert s["written"] == 2
    flags = {r.system: r.frontier for r in read_table(tmp_path / "b.csv")}
    assert flags == {"Next agent": True, "Weak agent": False}


# --- METR YAML ---------------------------------------------------------------------------------


def metr_yaml(path: Path, extra: str = "") -> Path:
    p50 = {r["model"]: r for r in raw("metr_time_horizon_1_1_p50.csv", 6)}
    p80 = {r["model"]: r for r in raw("metr_time_horizon_1_1_p80.csv")}
    lines = ["benchmark_name: METR-Horizon-v1.1", "long_tasks_version: abc", "results:"]
    for model, r in sorted(p50.items()):
        q = p80[model]
        lines += [
            f"  {model}:",
            f"    benchmark_name: METR-Horizon-{r['suite_version']}",
            "    metrics:",
            "      average_score:",
            "        estimate: 0.5",
            f"      is_sota: {r['is_sota']}",
            "      p50_horizon_length:",
            f"        ci_high: {r['upper']}",
            f"        ci_low: {r['lower']}",
            f"        estimate: {r['value']}",
            "      p80_horizon_length:",
            f"        ci_high: {q['upper']}",
            f"        ci_low: {q['lower']}",
            f"        estimate: {q['value']}",
            f"    release_date: {r['date']}",
            "    scaffolds:",
            "    - null",
        ]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


NEW_METR = """  future_model:
    benchmark_name: METR-Horizon-v1.1
    metrics:
      is_sota: true
      p50_horizon_length: {ci_high: 9000.5, ci_low: 1200.25, estimate: 2400.0}
      p80_horizon_length: {ci_high: 900.0, ci_low: 100.0, estimate: 300.0}
    release_date: 2026-06-01
"""


def test_metr_yaml_gives_both_horizons_with_their_intervals(cli, tmp_path):
    f = metr_yaml(tmp_path / "benchmark_results_1_1.yaml", NEW_METR)
    out = tmp_path / "metr.csv"
    s = summary(cli, "metr-yaml", str(f), "--out", str(out), "--source", "github:METR @deadbee")
    assert s["series"] == ["metr-horizon-1.1-p50", "metr-horizon-1.1-p80"]
    assert (s["read"], s["unchanged"], s["new"]) == (14, 12, 2), s
    rows = {r.series: r for r in read_table(out)}
    p50 = rows["metr-horizon-1.1-p50"]
    assert (p50.value, p50.ci_low, p50.ci_high, p50.ci_level) == (2400.0, 1200.25, 9000.5, 0.95)
    assert p50.source == "github:METR @deadbee" and p50.date == "2026-06-01"


# --- Epoch CSVs --------------------------------------------------------------------------------


def epoch_files(d: Path) -> tuple[Path, Path]:
    rows = raw("epoch_swebench_verified.csv", 8)
    runs = d / "benchmarks_runs.csv"
    versions = d / "model_versions.csv"
    with open(runs, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "task", "model", "Best score (across scorers)", "Scores", "log viewer", "logs", "started_at", "Status"])  # fmt: skip
        for r in rows:
            v = float(r["value"]) / 100
            w.writerow([r["epoch_run_id"], "SWE-Bench verified", r["model"], f"{v:.3f}", f"swe_bench_scorer:{v:.2f}±0.02", "", "", r["run_started_at"], "Success"])  # fmt: skip
        w.writerow(["newrun", "SWE-Bench verified", "model-x", "0.812", "swe_bench_scorer:0.81±0.02", "", "", "1 May 2026 1:00pm", "Success"])  # fmt: skip
        w.writerow(["nodate", "SWE-Bench verified", "model-y", "0.9", "swe_bench_scorer:0.9±0.02", "", "", "", "Success"])  # fmt: skip
        w.writerow(["other", "OTIS Mock AIME 2024-2025", "model-x", "0.5", "x:0.5±0.1", "", "", "", "Success"])  # fmt: skip
    with open(versions, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "Model", "Version release date", "Notes"])
        for r in rows:
            w.writerow([r["model"], r["model"], r["date"], "a note,\nover two lines"])
        w.writerow(["model-x", "X", "2026-04-20", ""])
        w.writerow(["model-y", "Y", "", ""])
    return runs, versions


def test_epoch_runs_join_their_release_dates(cli, tmp_path):
    runs, versions = epoch_files(tmp_path)
    code, _o, err = cli("data", "import", "epoch-csv", str(runs), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "--model-versions" in err
    out = tmp_path / "epoch.csv"
    s = summary(cli, "epoch-csv", str(runs), "--model-versions", str(versions), "--out", str(out))
    assert (s["read"], s["unchanged"], s["new"]) == (9, 8, 1), s
    assert any("model-y" in x and "release date" in x for x in s["skipped"])
    (row,) = read_table(out)
    assert (row.series, row.date, row.value, row.se) == (
        "epoch-swe-bench-verified",
        "2026-04-20",
        0.812,
        0.02,
    )


# --- markdown leaderboards ---------------------------------------------------------------------

MLE_README = """# MLE-bench

## Leaderboard

| Agent | LLM(s) used | Low == Lite (%) | Medium (%) | High (%) | All (%) | Running Time (hours) | Date | Grading Reports Available | Source Code Available |
|-------|-------------|-----------------|------------|----------|---------|----------------------|------|---------------------------|----------------------|
| [AIDE](https://github.com/wecoai/aideml) | o1-preview | 35.91 ± 1.86 | 8.45 ± 0.43 | 11.67 ± 1.27 | 17.12 ± 0.61 | 24 | 2024-10-08 | ✓ | ✓ |
| [Future](https://example.org)<br>(Lab) | model-z[^1] | 93.10 ± 1.00[^2] | 60.0 ± 1.0 | 50.0 ± 1.0 | 81.50  ±  0.50| 24 | 2026-05-01 | ✓ | X |

[^1]: a footnote.

### Additional Leaderboard Submissions

| Agent | LLM(s) used | Low == Lite (%) | Medium (%) | High (%) | All (%) | Running Time (hours) | Date | Notes | Source Code Available | Grading Reports Available |
|---|---|---|---|---|---|---|---|---|---|---|
| Leaky | model-q | 95.0 ± 0.0 | 70 ± 1 | 70 ± 1 | 85.0 ± 0.4 | 24 | 2026-05-02 | [Test-set feedback](https://example.org) | X | ✓ |
"""


def test_mlebench_readme_gives_all_and_lite_with_their_sems(cli, tmp_path):
    f = tmp_path / "README.md"
    f.write_text(MLE_README, encoding="utf-8")
    out = tmp_path / "mle.csv"
    s = summary(cli, "mlebench-md", str(f), "--out", str(out), "--all-rows")
    assert s["series"] == ["mle-bench-all", "mle-bench-lite"]
    assert (s["read"], s["unchanged"], s["new"]) == (6, 2, 4), s
    rows = {(r.series, r.system): r for r in read_table(out)}
    fut = rows[("mle-bench-all", "Future (Lab) | model-z")]
    assert (fut.date, fut.tasks) == ("2026-05-01", 75)
    assert (fut.value, fut.se) == pytest.approx((0.815, 0.005), rel=1e-12)
    assert rows[("mle-bench-lite", "Future (Lab) | model-z")].value == pytest.approx(0.931)
    assert "known_leakage=true" in rows[("mle-bench-all", "Leaky | model-q")].note
    assert "known_leakage=false" in fut.note


PTB_README = """## Leaderboard

| Rank | Agent | Scaffold | Avg | AIME 2025 | Arena Hard | BFCL | GPQA | GSM8K | HealthBench | HumanEval |
|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
| - | Official Instruct Models | - | 51.1 | 29.2 | 70.2 | 85.0 | 36.2 | 87.0 | 43.3 | 71.5 |
| 1 | Opus 4.5 | Claude Code | 17.1 | 2.2 | 3.8 | 61.7 | 19.0 | 28.5 | 8.9 | 29.3 |
| 2 | Agent Next | New CLI | 30.5 | 5.0 | 7.8 | 75.9 | 25.5 | 41.0 | 18.8 | 24.7 |
| 3 | Agent Undated | New CLI | 31.0 | 5.0 | 7.8 | 75.9 | 25.5 | 41.0 | 18.8 | 24.7 |
| - | Base Models | Zero Shot | 7.5 | 1.7 | 1.3 | 1.5 | 8.5 | 20.4 | 9.5 | 12.8 |
"""


def test_posttrainbench_dates_come_from_the_data_or_a_dates_file(cli, tmp_path):
    f = tmp_path / "README.md"
    f.write_text(PTB_README, encoding="utf-8")
    dates = tmp_path / "dates.csv"
    dates.write_text('model,date\n"Agent Next | New CLI",2026-05-10\n', encoding="utf-8")
    out = tmp_path / "ptb.csv"
    s = summary(cli, "posttrainbench-md", str(f), "--dates", str(dates), "--out", str(out))
    # Opus 4.5 keeps the bundled date; the reference rows need none; one agent has no date
    assert (s["read"], s["unchanged"], s["new"]) == (4, 3, 1), s
    assert any("Agent Undated" in x and "--dates" in x for x in s["skipped"])
    (row,) = read_table(out)
    assert (row.system, row.date, row.value) == ("Agent Next | New CLI", "2026-05-10", 0.305)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt,body,expected",
    [
        ("swebench-json", "{not json", "not valid JSON"),
        (
            "swebench-json",
            '{"leaderboards": [{"name": "Verified", "results": [{"name": "a", "date": "2025-13", "resolved": 1}]}]}',
            "leaderboards[0] (Verified).results[0].date",
        ),
        (
            "swebench-json",
            '{"leaderboards": [{"name": "Verified", "results": [{"name": "a", "date": "2025-01-02", "resolved": "lots"}]}]}',
            "results[0].resolved",
        ),
        ("metr-yaml", "benchmark_name: other\nresults: {}\n", "METR-Horizon-vX.Y"),
        (
            "metr-yaml",
            "benchmark_name: METR-Horizon-v9.9\nresults:\n  m:\n    metrics:\n      p50_horizon_length: {estimate: 1}\n      p80_horizon_length: {estimate: 1}\n    release_date: 2026-01-01\n",
            "series 'metr-horizon-9.9-p50' is not one of",
        ),
        ("mlebench-md", "| a | b |\n|---|---|\n| 1 | 2 |\n", "no leaderboard table"),
        (
            "swebench-json",
            '{"leaderboards": [{"name": "Lite", "results": [{"name": "big", "date": "2025-01-02", "resolved": 150}]}]}',
            "an entry (swe-bench-lite, 2025-01-02, 'big') is not valid data",
        ),
        ("mlebench-md", MLE_README.replace("17.12 ± 0.61", "about 17"), "README.md:7"),
    ],
)
def test_bad_files_are_named_with_the_entry_and_nothing_is_written(
    cli, tmp_path, fmt, body, expected
):
    f = tmp_path / "README.md"
    f.write_text(body, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _out, err = cli("data", "import", fmt, str(f), "--out", str(out))
    assert code == 2, err
    assert expected in err and str(f) in err
    assert not out.exists()


# --- diff --------------------------------------------------------------------------------------


def test_diff_names_added_removed_and_revised_rows(cli, tmp_path):
    f = swebench_json(tmp_path / "a.json", [NEW_VERIFIED])
    summary(cli, "swebench-json", str(f), "--out", str(tmp_path / "a.csv"), "--all-rows")
    a = (tmp_path / "a.csv").read_text("utf-8")
    b = tmp_path / "b.csv"
    lines = a.splitlines()
    later = lines[1].replace("Next agent", "Later agent").replace("2026-03-01", "2026-04-01")
    b.write_text("\n".join([lines[0], lines[1].replace(",89.5,", ",90,"), later]) + "\n")
    code, out, err = cli("data", "diff", str(tmp_path / "a.csv"), str(b), "--json")
    assert code == 0, err
    d = json.loads(out)
    assert [r["system"] for r in d["added"]] == ["Later agent"]
    assert d["removed"] == [] and d["unchanged"] == 0
    (ch,) = d["changed"]
    assert ch["system"] == "Next agent" and ch["fields"] == {"value": [0.895, 0.9]}
    code, text, _ = cli("data", "diff", str(tmp_path / "a.csv"), str(b))
    assert "1 added, 0 removed, 1 changed" in text and "+ swe-bench-verified 2026-04-01" in text


def test_diff_of_an_import_against_a_bundled_table_lists_what_it_adds(cli, tmp_path):
    """`forecast data diff history new.csv` after an import (the README's example): the
    import holds only new rows and is read as --data adds them, so nothing is 'removed'."""
    f = swebench_json(tmp_path / "a.json", [NEW_VERIFIED])
    new = tmp_path / "new.csv"
    summary(cli, "swebench-json", str(f), "--out", str(new))
    code, out, err = cli("data", "diff", "history", str(new), "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["layered"] and d["removed"] == [] and d["changed"] == []
    assert [r["system"] for r in d["added"]] == ["Next agent"] and d["unchanged"] > 100
    code, text, _ = cli("data", "diff", "history", str(new))
    assert text.startswith(f"{new} added to history (as --data {new} adds it): 1 added, 0 removed")


NEW_METR_SLOW = """benchmark_name: METR-Horizon-v1.1
results:
  next_model:
    benchmark_name: METR-Horizon-v1.1
    metrics:
      p50_horizon_length: {ci_high: 1000.0, ci_low: 800.0, estimate: 900.0}
      p80_horizon_length: {ci_high: 150.0, ci_low: 100.0, estimate: 120.0}
    release_date: 2026-09-01
"""


def test_an_imported_result_moves_the_forecast(cli, tmp_path):
    """A model scored at 15 h in September 2026 (below the trend of the bundled METR series)
    imported and used with --data delays the 100-hour horizon: P(by the end of 2026) falls
    by more than five combined Monte Carlo standard errors."""
    f = tmp_path / "benchmark_results_1_1.yaml"
    f.write_text(NEW_METR_SLOW, encoding="utf-8")
    out = tmp_path / "metr.csv"
    assert summary(cli, "metr-yaml", str(f), "--out", str(out))["written"] == 2
    small = ["--no-bundled", "--data", "frontier:metr-horizon-1.1-p50,metr-horizon-1.1-p80"]
    small += ["--draws", "300", "--tune", "300", "--chains", "2", "--json", "-q"]
    p = []
    for extra in ([], ["--data", str(out)]):
        code, text, err = cli("run", *small, *extra)
        assert code == 0, err
        p.append(json.loads(text)["events"]["metr-100h"]["p_by_year"]["2026"])
    before, after = p
    assert before["p"] - after["p"] > 5 * (before["mcse"] ** 2 + after["mcse"] ** 2) ** 0.5, p


def test_a_csv_row_with_more_fields_than_its_header_is_named():
    from forecast.errors import ForecastError
    from forecast.import_formats import csv_records

    assert csv_records("a, b\n1,2\n", "f.csv") == [(2, {"a": "1", "b": "2"})]
    with pytest.raises(ForecastError, match=r"f.csv:3: 3 fields; expected 2"):
        csv_records("a,b\n1,2\n1,2,3\n", "f.csv")
