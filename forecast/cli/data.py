"""`forecast data`: list and validate the observation table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ForecastError
from ..import_formats import FORMATS
from .options import data_options, guard, variant_pairs

if TYPE_CHECKING:
    from ..observations import Observation


@click.group(invoke_without_command=True)
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print the series and rows as JSON.")
@click.option("--rows", "show_rows", is_flag=True, help="Also list every row.")
@click.option("--schema", is_flag=True, help="Print the CSV schema and exit.")
@click.pass_context
@guard
def data(ctx, data, no_bundled, variants, as_json, show_rows, schema):
    """List and validate the observation table: its series with row counts, frontier
    records, date ranges, task counts and sources (bundled rows plus --data files).
    `forecast data import` turns a newly published results file into a table for --data;
    `forecast data diff OLD NEW` says what changed between two tables.

    Every row is one published figure with its source. Bad rows are reported with the
    file, row number and what was expected; exit code 2.

    The bundled data, used by default by every command, are the frontier records (a row
    above every earlier row of its series) of every public series in the history table:
    METR horizons (suites 1.0 and 1.1, 50 % and 80 %), six SWE-bench series, MLE-bench all
    and lite, PostTrainBench, CORE-Bench and the training speed-up, with the evidence notes'
    seed figures merged in, each result once. Other selections as a --data value:
    `history` (every row), `history:SERIES[,SERIES...]`, `frontier:SERIES[,...]`, or `seed`
    (the seed figures alone); `--no-bundled` leaves the default out. Each series gets its
    own growth curve; a threshold on a benchmark with several series is read on the series
    forecast/data/event-series.toml names (see docs/data.md).

    \b
    Examples:
      forecast data
      forecast data --data history --no-bundled
      forecast data --data seed --no-bundled
      forecast data --data frontier:swe-bench-verified --no-bundled --rows
      forecast fit --no-bundled --data history:metr-horizon-1.1-p50
      forecast data --data my-benchmark.csv
      forecast data --data my-series.csv --no-bundled --json
      forecast data import swebench-json leaderboards.json --out new.csv
      forecast data diff history new.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    from .. import observation_rows
    from ..history_listing import row_record, rows_text, series_summary
    from ..observations import COLUMNS, assemble

    if schema:
        text = (observation_rows.__doc__ or "").split("Schema", 1)[1].strip()
        click.echo(text.replace("``", "'").replace("::\n", ":\n"))
        return
    rows = assemble(list(data), include_bundled=not no_bundled)
    used = _used(rows, variants)
    summary = series_summary(rows)
    if as_json:
        out = {
            "columns": list(COLUMNS),
            "series": summary,
            "rows": [row_record(r, id(r) in used) for r in rows],
        }
        click.echo(json.dumps(out, indent=2))
        return
    from ..history_listing import series_text

    click.echo(series_text(summary))
    if show_rows:
        click.echo("\n" + rows_text(rows, used))
    n_b = len({r.benchmark for r in rows})
    click.echo(
        f"\n{len(rows)} rows, {len(summary)} series, {n_b} benchmarks: valid. 'records' counts "
        "frontier records (running maximum). Rows not used are another variant of the same "
        "result (choose with --variant; see --rows)."
    )
    for note in _mixed_notes(summary, rows):
        click.echo(note)


def _used(rows: list[Observation], variants: tuple[str, ...]) -> set[int]:
    """The ids of the rows a fit uses: each benchmark's chosen variant (--variant over the
    priors file)."""
    from ..pipeline import variant_choice
    from ..priors import load
    from ..variants import select_variants

    choice = variant_choice(rows, load(), variant_pairs(variants))
    return {id(r) for r in select_variants(rows, choice)}


def _mixed_notes(summary: list[dict], rows: list[Observation]) -> list[str]:
    """A note per benchmark with several series: which one a threshold on it is read on."""
    from ..history_listing import mixed_benchmarks
    from ..series_choice import read_on

    notes = []
    for b, ss in mixed_benchmarks(summary).items():
        try:
            found = read_on(b, rows, "forecast data")
            read = f"a threshold on {b!r} is read on {found[1] if found else ss[0]!r}"
        except ForecastError:
            read = "a threshold must name one of them"
        notes.append(
            f"note: benchmark {b!r} has {len(ss)} series ({', '.join(ss)}), each with its own "
            f"growth curve, linked only through the pooled priors; {read} "
            "(forecast/data/event-series.toml), a series id names another."
        )
    return notes


@data.command("import")
@click.argument("format", type=click.Choice(sorted(FORMATS)), metavar="FORMAT")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The table to write (CSV in the observation schema; use it with --data).",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option(
    "--merge",
    is_flag=True,
    help="Add the new rows to --out (a table of earlier imports) instead of replacing it.",
)
@click.option(
    "--all-rows",
    is_flag=True,
    help="Write every new row, not only the new frontier records (the bundled default data "
    "hold a series' frontier records; every row is what --data history holds).",
)
@click.option(
    "--source",
    help="The source to record in every row, e.g. 'github:SWE-bench/swe-bench.github.io "
    "data/leaderboards.json @abc1234' [default: the format, file name and its sha256].",
)
@click.option(
    "--model-versions",
    type=click.Path(dir_okay=False, path_type=Path),
    help="epoch-csv: Epoch's model_versions.csv, for each model's release date.",
)
@click.option(
    "--dates",
    type=click.Path(dir_okay=False, path_type=Path),
    help="posttrainbench-md: a CSV with columns model ('Agent | Scaffold'), date "
    "(YYYY-MM-DD); agents already in the data keep their date.",
)
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@guard
def import_(
    format,
    file,
    out,
    force,
    merge,
    all_rows,
    source,
    model_versions,
    dates,
    data,
    no_bundled,
    variants,
    as_json,
):
    """Read FILE, a public results file in FORMAT, into a table usable with --data.

    \b
    Formats:
      metr-yaml          METR benchmark_results_1_*.yaml (50 % and 80 % horizons, 95 % CIs)
      epoch-csv          Epoch AI benchmarks_runs.csv, SWE-bench Verified runs
                         (needs --model-versions model_versions.csv for release dates)
      swebench-json      the SWE-bench leaderboard's data/leaderboards.json (every board)
      posttrainbench-md  the PostTrainBench README leaderboard (dates from --dates or the data)
      mlebench-md        the MLE-bench README leaderboard (all and lite, mean ± sem)

    Each entry becomes a row of its bundled series (forecast data lists them) with the
    series' unit, task count and interval, exactly as the bundled history is built, and is
    validated as any --data file is. Rows are then sorted against the data in use (the
    whole bundled history, plus --data files): results it already holds are left out
    (a changed figure is reported as a revision, not written), and of the new ones the
    frontier records are written (--all-rows: all). Then run with --data OUT.

    \b
    Examples:
      forecast data import swebench-json leaderboards.json --out new.csv
      forecast run --data new.csv
      forecast data import metr-yaml benchmark_results_1_1.yaml --out new.csv --merge
      forecast data import epoch-csv benchmarks_runs.csv --model-versions model_versions.csv --out e.csv
      forecast data import posttrainbench-md README.md --dates release-dates.csv --out p.csv
    """
    from .. import data_import as di
    from ..io import dumps_json

    _check_out(out, file, force, merge)
    existing = _data_in_use(data, no_bundled, out if merge and out.exists() else None)
    known = _release_dates(existing, dates)
    records, skipped = di.read_records(format, file, source, model_versions, known)
    result = di.sort_against(di.history_rows(records, str(file)), existing, str(file), all_rows)
    result.skipped = skipped
    rows = result.rows
    if merge and out.exists():
        rows = _rows_of(out) + rows  # validated above: it is part of the data in use
    merged = merge and out.exists() and bool(result.rows)
    if rows:
        _write_table(out, rows)
    summary = {
        "file": str(file),
        "format": format,
        "out": str(out) if rows else None,
        **result.counts(),
        "merged_into": merged,
        "rows_in_out": len(rows),
    }
    if as_json:
        click.echo(dumps_json(summary), nl=False)
        return
    from ..render_data import import_text

    click.echo(import_text(summary, all_rows))


def _check_out(out: Path, file: Path, force: bool, merge: bool) -> None:
    """Refuse an --out that exists (without --force or --merge) or is the file imported."""
    if out.exists() and not (force or merge):
        raise ForecastError(
            "already exists; pass --force to replace it or --merge to add to it", str(out)
        )
    if out.resolve() == file.resolve():
        raise ForecastError("--out would overwrite the file being imported", str(out))


def _data_in_use(data: tuple[str, ...], no_bundled: bool, merged: Path | None) -> list[Observation]:
    """The rows an import is sorted against: the whole bundled history (unless
    --no-bundled), the --data files and the table it is ``merged`` into (--merge)."""
    from ..observations import assemble

    tables: list[str | Path] = ["history"] if not no_bundled else []
    tables += [*data, *([str(merged)] if merged else [])]
    return assemble(tables, include_bundled=False) if tables else []


def _release_dates(existing: list[Observation], dates: Path | None) -> dict[str, str]:
    """PostTrainBench's agents' release dates (it gives none): those of the agents already
    in the data, and the --dates file's."""
    from ..data_import import read_dates

    known = {r.system: r.date for r in existing if r.series == "posttrainbench" and r.date}
    known.update(read_dates(dates) if dates else {})
    return known


def _write_table(out: Path, rows: list[dict[str, str]]) -> None:
    """Write ``rows`` as an observation table, checked first to read back as valid data."""
    from ..history_build import write_rows
    from ..io import write_text
    from ..observations import parse_table

    text = write_rows(rows)
    parse_table(text, str(out))
    write_text(out, text)


def _rows_of(path: Path) -> list[dict[str, str]]:
    """An earlier import's rows, as written (the history schema's columns)."""
    import csv
    import io

    from ..history_build import HISTORY_COLUMNS

    text = path.read_text("utf-8")
    return [
        {c: r.get(c) or "" for c in HISTORY_COLUMNS}
        for r in csv.DictReader(io.StringIO(text, newline=""))
    ]


@data.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@guard
def diff(old, new, as_json):
    """What changed between two observation tables: rows added, removed and revised.

    OLD and NEW are CSV files in the observation schema or bundled tables (history,
    frontier, seed, history:SERIES). A row is one result: series, date, system, variant
    and kind; a revision is the same result with a different figure, interval, standard
    error or task count. When OLD is a bundled table and NEW a file (an import's output),
    NEW is read as `--data NEW` uses it: rows added to OLD, so nothing is removed; two files
    or two tables are compared whole.

    \b
    Examples:
      forecast data diff history new.csv
      forecast data diff old-import.csv new-import.csv --json
    """
    from ..data_import import diff as compare_tables
    from ..data_import import key
    from ..history import is_table_name
    from ..io import dumps_json
    from ..observations import assemble
    from ..render_data import diff_text

    a = assemble([old], include_bundled=False)
    b = assemble([new], include_bundled=False)
    layered = is_table_name(old) and not is_table_name(new)
    if layered:  # NEW's rows on top of OLD: a row of NEW with OLD's key revises it
        b = list({**{key(o): o for o in a}, **{key(o): o for o in b}}.values())
    d = {**compare_tables(a, b).as_dict(), "layered": layered}
    if as_json:
        click.echo(dumps_json({"old": old, "new": new, **d}), nl=False)
        return
    click.echo(diff_text(old, new, d))


COMMANDS = [data]
