"""`forecast data`: list and validate the observation table."""

from __future__ import annotations

import json

import click

from .options import data_options, guard, variant_pairs


@click.command()
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print the series and rows as JSON.")
@click.option("--rows", "show_rows", is_flag=True, help="Also list every row.")
@click.option("--schema", is_flag=True, help="Print the CSV schema and exit.")
@guard
def data(data, no_bundled, variants, as_json, show_rows, schema):
    """List and validate the observation table: its series with row counts, frontier
    records, date ranges, task counts and sources (bundled rows plus --data files).

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
    """
    from .. import observation_rows
    from ..history_listing import mixed_benchmarks, row_record, rows_text, series_summary
    from ..observations import COLUMNS, assemble, select_variants
    from ..priors import load

    if schema:
        text = (observation_rows.__doc__ or "").split("Schema", 1)[1].strip()
        click.echo(text.replace("``", "'").replace("::\n", ":\n"))
        return
    from ..pipeline import variant_choice

    rows = assemble(list(data), include_bundled=not no_bundled)
    used = {
        id(r) for r in select_variants(rows, variant_choice(rows, load(), variant_pairs(variants)))
    }
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
    from ..errors import ForecastError
    from ..series_choice import read_on

    for b, ss in mixed_benchmarks(summary).items():
        try:
            found = read_on(b, rows, "forecast data")
            read = f"a threshold on {b!r} is read on {found[1] if found else ss[0]!r}"
        except ForecastError:
            read = "a threshold must name one of them"
        click.echo(
            f"note: benchmark {b!r} has {len(ss)} series ({', '.join(ss)}), each with its own "
            f"growth curve, linked only through the pooled priors; {read} "
            "(forecast/data/event-series.toml), a series id names another."
        )


COMMANDS = [data]
