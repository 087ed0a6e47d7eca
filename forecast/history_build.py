"""Build the bundled history table from the raw public series and the seed figures.

Inputs (all under ``forecast/data/``): ``public-series/*.csv`` (raw, never edited),
``observations.csv`` (the seed figures), ``series.toml`` (what each series is) and
``seed-series.toml`` (which series each seed figure belongs to, and which public row reports
the same result). Output: the text of ``history.csv`` in the observation schema, rows grouped
by series in the order of ``series.toml``, each series sorted by date. Run
``scripts/build-history`` to rewrite the file, ``scripts/build-history --check`` to verify it.

Raw rows without a date are skipped (and listed), except the reference rows a series names
(PostTrainBench's instruct models: the human baseline; its base models: the floor).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .errors import ForecastError
from .history import frontier_flags
from .history_series import SeriesSpec, registry
from .import_formats import csv_records
from .io import bundled_toml
from .observations import BUNDLED_NAME, DETAIL_COLUMNS, FIGURE_COLUMNS, parse_table

HISTORY_COLUMNS = ("benchmark", "series", *FIGURE_COLUMNS, *DETAIL_COLUMNS, "source", "note")
RAW_COMMON = ("series", "date", "model", "value", "unit", "lower", "upper", "source", "is_sota")
SEED_FILE = "seed-series.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SameAs(_Strict):
    date: str
    model: str


class SeedEntry(_Strict):
    benchmark: str
    date: str
    system: str
    variant: str = ""
    series: str
    same_as: SameAs | None = None
    why: Annotated[str, Field(min_length=10)]


class SeedMap(_Strict):
    seed: list[SeedEntry]


@dataclass(frozen=True)
class Skipped:
    """A raw row left out of the table, and why."""

    file: str
    line: int
    model: str
    reason: str


def _data(*parts: str) -> str:
    return resources.files("forecast").joinpath("data", *parts).read_text("utf-8")


def seed_map() -> list[SeedEntry]:
    return bundled_toml(SEED_FILE, SeedMap).seed


def public_row(sid: str, spec: SeriesSpec, rec: dict[str, str]) -> dict[str, str]:
    used = {*RAW_COMMON, "notes", spec.se_column or ""}
    extras = [f"{k}={v}" for k, v in rec.items() if k not in used and v]
    ci = bool(rec["lower"] and rec["upper"] and spec.ci_level)
    return {
        "benchmark": spec.benchmark,
        "series": sid,
        "date": rec["date"],
        "system": rec["model"],
        "value": rec["value"],
        "unit": spec.unit,
        "kind": spec.reference.get(rec["model"], "ai"),
        "approximate": "false",
        "tasks": str(spec.tasks or ""),
        "ci_low": rec["lower"] if ci else "",
        "ci_high": rec["upper"] if ci else "",
        "ci_level": f"{spec.ci_level:g}" if ci else "",
        "se": rec.get(spec.se_column or "", ""),
        "source": rec["source"],
        "note": "; ".join(x for x in (rec.get("notes", ""), *extras) if x),
    }


def _seed_text(rec: dict[str, str]) -> str:
    fig = rec["value"] or f"{rec['low']}-{rec['high']}"
    approx = "~" if rec["approximate"].lower() == "true" else ""
    return f"{approx}{fig} {rec['unit']}, {rec['date'] or 'undated'}, {rec['source']}"


def _with_seeds(sid, spec, public, seeds, entries) -> list[dict[str, str]]:
    """The public rows of one series with its seed figures merged in (each result once)."""
    rows = list(public)
    for line, rec in seeds:
        e = entries[line]
        ref = f"{BUNDLED_NAME}:{line}"
        if e.same_as is None:
            copy = {k: rec.get(k, "") for k in HISTORY_COLUMNS}
            share = spec.unit in ("percent", "fraction") and rec["kind"] == "ai"
            copy.update(series=sid, seed_row=ref, tasks=str(spec.tasks or "") if share else "")
            rows.append(copy)
            continue
        hits = [r for r in rows if (r["date"], r["system"]) == (e.same_as.date, e.same_as.model)]
        if len(hits) != 1:
            raise ForecastError(
                f"seed figure {ref}: 'same_as' {e.same_as.date} / {e.same_as.model!r} matches "
                f"{len(hits)} rows of {spec.file}; expected exactly one",
                f"<bundled>/{SEED_FILE}",
            )
        hits[0]["seed_row"] = ref
        note = f"same result as seed figure {ref} ({_seed_text(rec)}), used once: here"
        hits[0]["note"] = "; ".join(x for x in (hits[0]["note"], note) if x)
    return rows


def distinguish(rows: list[dict[str, str]], raw: list[dict[str, str]], col: str | None) -> None:
    """Give results of one series, date and system a distinct name (the raw ``col``)."""
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r["date"], r["system"])
        seen[key] = seen.get(key, 0) + 1
    for r, rec in zip(rows, raw):
        if seen[(r["date"], r["system"])] > 1 and col:
            r["system"] = f"{r['system']} [{col}={rec[col]}]"


def build() -> tuple[str, list[Skipped]]:
    """The text of ``history.csv`` and the raw rows left out."""
    reg = registry()
    seed_recs = csv_records(_data(BUNDLED_NAME), f"<bundled>/{BUNDLED_NAME}")
    entries: dict[int, SeedEntry] = {}
    for line, rec in seed_recs:
        key = (rec["benchmark"], rec["date"], rec["system"], rec["variant"])
        found = [e for e in seed_map() if (e.benchmark, e.date, e.system, e.variant) == key]
        if len(found) != 1 or found[0].series not in reg:
            raise ForecastError(
                f"seed figure {BUNDLED_NAME}:{line} ({' / '.join(key)}) has {len(found)} entries "
                "naming a known series; expected exactly one",
                f"<bundled>/{SEED_FILE}",
            )
        if reg[found[0].series].benchmark != rec["benchmark"]:
            raise ForecastError(
                f"seed figure {BUNDLED_NAME}:{line} is {rec['benchmark']!r} but its series "
                f"{found[0].series!r} belongs to {reg[found[0].series].benchmark!r}",
                f"<bundled>/{SEED_FILE}",
            )
        entries[line] = found[0]
    out: list[dict[str, str]] = []
    skipped: list[Skipped] = []
    for sid, spec in reg.items():
        public: list[dict[str, str]] = []
        if spec.file:
            raw = []
            for line, rec in csv_records(_data("public-series", spec.file), spec.file):
                if not rec["date"] and rec["model"] not in spec.reference:
                    skipped.append(Skipped(spec.file, line, rec["model"], rec.get("notes", "")))
                    continue
                raw.append(rec)
                public.append(public_row(sid, spec, rec))
            distinguish(public, raw, spec.distinguish)
        seeds = [(ln, rec) for ln, rec in seed_recs if entries[ln].series == sid]
        out += _sorted(_with_seeds(sid, spec, public, seeds, entries))
    return _with_frontier(out), skipped


def _sorted(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Dated rows by date (stable), then the undated baselines and floors."""
    from .dates import parse_period

    def key(r: dict[str, str]) -> tuple[float, float]:
        return (0.0, parse_period(r["date"])[0]) if r["date"] else (1.0, 0.0)

    return sorted(rows, key=key)


def write_rows(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=HISTORY_COLUMNS, lineterminator="\n", restval="")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _with_frontier(rows: list[dict[str, str]]) -> str:
    parsed = parse_table(write_rows(rows), "<history being built>")
    for r, flag in zip(rows, frontier_flags(parsed)):
        r["frontier"] = "true" if flag else "false"
    return write_rows(rows)
