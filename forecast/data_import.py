"""New public results into the observation schema, and what changed between two tables.

:func:`read_records` reads one file in a public format (:mod:`forecast.import_formats`),
:func:`history_rows` maps each record to a row of the bundled history's schema exactly as
``scripts/build-history`` does (the series' unit, task count, CI level, standard-error
column and distinguishing column from ``forecast/data/series.toml``), validates the rows as
any ``--data`` file is validated, and :func:`sort_against` sorts them against the data
already in use:

- new: a (series, date, system, variant, kind) the data do not hold;
- unchanged: held, with the same figures;
- revised: held, with different figures (the publisher changed a number; not written:
  the data in use keep the old one; the revision is reported);

and keeps, of the new rows, the frontier records (a new running maximum of their series
given every row of it: what the bundled default data hold of a series) unless every new
row is asked for. :func:`diff` compares two tables row by row. Nothing here writes files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from . import import_formats as fmt
from .errors import ForecastError
from .history import frontier_flags
from .history_build import distinguish, public_row, write_rows
from .history_series import registry
from .io import file_hash, read_input_file
from .observations import Observation, parse_table
from .units import fmt as fmt_value

Key = tuple[str, str, str, str, str]
FIGURES = ("value", "low", "high", "unit", "ci_low", "ci_high", "ci_level", "se", "tasks")


def key(o: Observation) -> Key:
    """What makes a row one result: series, date, system, variant and kind."""
    return (o.series, o.date, o.system, o.variant, o.kind)


def _same(a: float | int | str, b: float | int | str) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=0)
    return a == b


def changes(a: Observation, b: Observation) -> dict[str, tuple]:
    """The figures that differ between two rows of one result: field -> (a's, b's)."""
    return {
        f: (getattr(a, f), getattr(b, f))
        for f in FIGURES
        if not _same(getattr(a, f), getattr(b, f))
    }


def shown(field: str, v: float | int | str, o: Observation) -> str:
    """A figure of ``o`` as people read it (percent, hours, ...); NaN as 'none'."""
    if isinstance(v, float) and math.isnan(v):
        return "none"
    if field in ("value", "low", "high", "ci_low", "ci_high", "se") and isinstance(v, float):
        return fmt_value(v, o.dimension)
    return str(v)


@dataclass
class Imported:
    """One import: ``rows`` (history-schema dicts) to write, and how every record sorted."""

    rows: list[dict[str, str]]
    series: list[str]
    read: int
    new: int
    unchanged: int
    records: int
    revised: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        """How the records sorted, as `forecast data import` reports it."""
        return {
            "series": self.series,
            "read": self.read,
            "new": self.new,
            "new_records": self.records,
            "written": len(self.rows),
            "unchanged": self.unchanged,
            "revised": self.revised,
            "skipped": self.skipped,
        }


def read_records(
    format: str,
    path: Path,
    source: str | None = None,
    model_versions: Path | None = None,
    dates: dict[str, str] | None = None,
) -> tuple[list[fmt.Record], list[str]]:
    """The raw records of one file and the entries left out (with why); ``dates`` maps a
    PostTrainBench 'Agent | Scaffold' to its release date (:func:`read_dates`)."""
    if format not in fmt.FORMATS:
        raise ForecastError(
            f"unknown format {format!r}; expected one of {', '.join(fmt.FORMATS)}", "--format"
        )
    name = fmt.FORMATS[format].split(" (")[0]
    text = read_input_file(path, f"file in the format {format} ({name})")
    src = source or f"{name}: local file {path.name} (sha256 {file_hash(path)})"
    where = str(path)
    if format == "metr-yaml":
        return fmt.metr_yaml(text, where, src), []
    if format == "swebench-json":
        return fmt.swebench_json(text, where, src)
    if format == "mlebench-md":
        return fmt.mlebench_md(text, where, src), []
    if format == "epoch-csv":
        if model_versions is None:
            raise ForecastError(
                "epoch-csv needs Epoch's model_versions.csv for release dates", "--model-versions"
            )
        versions = read_input_file(model_versions, "CSV file of Epoch AI model versions")
        return fmt.epoch_csv(text, where, src, fmt.release_dates(versions, str(model_versions)))
    return fmt.posttrainbench_md(text, where, src, dates or {})


def read_dates(path: Path) -> dict[str, str]:
    """A dates file: CSV with columns model, date (YYYY-MM-DD)."""
    text = read_input_file(path, "CSV file with columns model and date")
    rows = fmt.csv_records(text, str(path), ("model", "date"))
    return {r["model"]: fmt.full_date(r["date"], f"{path}:{n}", "column 'date'") for n, r in rows}


def history_rows(records: list[fmt.Record], where: str) -> list[dict[str, str]]:
    """Records as rows of the history schema, series by series, as the bundled table is built."""
    reg = registry()
    out: list[dict[str, str]] = []
    for sid in dict.fromkeys(r["series"] for r in records):
        if sid not in reg:
            raise ForecastError(
                f"series {sid!r} is not one of forecast/data/series.toml ({', '.join(reg)}); "
                "a new series needs an entry there first",
                where,
            )
        raw = [r for r in records if r["series"] == sid]
        rows = [public_row(sid, reg[sid], r) for r in raw]
        distinguish(rows, raw, reg[sid].distinguish)
        out += rows
    return out


def sort_against(
    rows: list[dict[str, str]], existing: list[Observation], where: str, all_rows: bool = False
) -> Imported:
    """Validate ``rows`` and sort them against the ``existing`` data (see the module doc)."""
    if not rows:
        return Imported([], [], 0, 0, 0, 0)
    try:
        parsed = parse_table(write_rows(rows), "<imported>")
    except ForecastError as e:  # name the entry, not a line of the table made from it
        line = (e.where or "").rpartition(":")[2]
        r = rows[int(line) - 2] if line.isdigit() and 2 <= int(line) <= len(rows) + 1 else None
        entry = f" ({r['series']}, {r['date'] or 'undated'}, {r['system']!r})" if r else ""
        raise ForecastError(f"an entry{entry} is not valid data: {e.message}", where) from None
    old = {key(o): o for o in existing}
    new_rows, new_obs, revised, unchanged = [], [], [], 0
    for row, o in zip(rows, parsed):
        held = old.get(key(o))
        if held is None:
            new_rows.append(row)
            new_obs.append(o)
        elif d := changes(held, o):
            what = ", ".join(f"{f} {shown(f, a, o)} -> {shown(f, b, o)}" for f, (a, b) in d.items())
            revised.append(f"{o.series} {o.date} {o.system}: {what} (held: {held.origin})")
        else:
            unchanged += 1
    series = sorted({o.series for o in parsed})
    same_series = [o for o in existing if o.series in series]
    flags = frontier_flags(same_series + new_obs)[len(same_series) :]
    keep = []
    for row, o, flag in zip(new_rows, new_obs, flags):
        row["frontier"] = "true" if flag else "false"
        if all_rows or flag or o.kind != "ai":
            keep.append(row)
    return Imported(keep, series, len(rows), len(new_rows), unchanged, sum(flags), revised)


@dataclass
class Diff:
    """Row-by-row differences of two tables, keyed by (series, date, system, variant, kind)."""

    added: list[Observation]
    removed: list[Observation]
    changed: list[tuple[Observation, Observation, dict[str, tuple]]]
    unchanged: int

    def as_dict(self) -> dict:
        def row(o: Observation) -> dict:
            shown = fmt_value(o.value, o.dimension) if not math.isnan(o.value) else "a range"
            return {"series": o.series, "date": o.date, "system": o.system, "variant": o.variant,
                    "kind": o.kind, "value": _json(o.value), "shown": shown, "origin": o.origin}  # fmt: skip

        return {
            "added": [row(o) for o in self.added],
            "removed": [row(o) for o in self.removed],
            "changed": [
                {
                    **row(b),
                    "was": a.origin,
                    "fields": {f: [_json(x), _json(y)] for f, (x, y) in d.items()},
                }
                for a, b, d in self.changed
            ],
            "unchanged": self.unchanged,
        }


def _json(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def diff(old: list[Observation], new: list[Observation]) -> Diff:
    """What ``new`` adds, removes and changes relative to ``old``."""
    a = {key(o): o for o in old}
    b = {key(o): o for o in new}
    changed = [(a[k], b[k], d) for k in b if k in a and (d := changes(a[k], b[k]))]
    return Diff(
        [b[k] for k in b if k not in a],
        [a[k] for k in a if k not in b],
        changed,
        sum(1 for k in b if k in a) - len(changed),
    )
