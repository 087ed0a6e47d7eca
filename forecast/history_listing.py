"""What ``forecast data`` shows: the series of a table with counts, dates and sources, and
its rows. Pure functions from observation rows to plain records and text."""

from __future__ import annotations

import math

from .history import frontier_flags
from .history_series import tasks_of
from .observations import Observation
from .units import fmt


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def series_summary(rows: list[Observation]) -> list[dict]:
    """One record per series, in order of first appearance: its benchmark, unit, row counts
    (all rows, AI rows, frontier records recomputed from the rows), first and last date,
    task count (column or bundled series) and distinct sources."""
    flags = frontier_flags(rows)
    out: dict[str, dict] = {}
    for r, rec in zip(rows, flags):
        s = out.setdefault(
            r.series,
            {
                "series": r.series,
                "benchmark": r.benchmark,
                "unit": r.unit,
                "rows": 0,
                "ai_rows": 0,
                "frontier_records": 0,
                "first": None,
                "last": None,
                "tasks": r.tasks or tasks_of(r.series),
                "sources": [],
                "_t": (math.inf, -math.inf),
            },
        )
        s["rows"] += 1
        s["ai_rows"] += r.kind == "ai"
        s["frontier_records"] += rec
        if r.source not in s["sources"]:
            s["sources"].append(r.source)
        if r.date and r.time < s["_t"][0]:
            s["first"], s["_t"] = r.date, (r.time, s["_t"][1])
        if r.date and r.time > s["_t"][1]:
            s["last"], s["_t"] = r.date, (s["_t"][0], r.time)
    for s in out.values():
        del s["_t"]
    return list(out.values())


def mixed_benchmarks(summary: list[dict]) -> dict[str, list[str]]:
    """Benchmarks holding more than one series (one growth curve each)."""
    by: dict[str, list[str]] = {}
    for s in summary:
        by.setdefault(s["benchmark"], []).append(s["series"])
    return {b: ss for b, ss in by.items() if len(ss) > 1}


def row_record(r: Observation, used: bool) -> dict:
    """One row for ``forecast data --json`` (canonical units; null where empty)."""
    d = {
        c: getattr(r, c)
        for c in (
            "benchmark",
            "series",
            "date",
            "system",
            "unit",
            "kind",
            "approximate",
            "variant",
            "tasks",
            "censored",
            "frontier",
            "seed_row",
            "source",
            "note",
            "origin",
        )
    }
    d.update(
        value=_num(r.value),
        low=_num(r.low) if r.is_range else None,
        high=_num(r.high) if r.is_range else None,
        ci_low=_num(r.ci_low),
        ci_high=_num(r.ci_high),
        ci_level=_num(r.ci_level),
        se=_num(r.se),
        known_sd=_num(r.known_sd),
        used=used,
    )
    return d


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def series_text(summary: list[dict]) -> str:
    head = f"{'series':<29} {'benchmark':<17} {'rows':>4} {'records':>7}  {'dates':<23} {'tasks':>5}  source"
    lines = [head]
    for s in summary:
        dates = f"{s['first'] or '-'}..{s['last'] or '-'}" if s["first"] else "-"
        src = _short(s["sources"][0], 60) + (
            f" (+{len(s['sources']) - 1} more)" if len(s["sources"]) > 1 else ""
        )
        lines.append(
            f"{s['series']:<29} {s['benchmark']:<17} {s['rows']:>4} {s['frontier_records']:>7}  "
            f"{dates:<23} {s['tasks'] or '-':>5}  {src}"
        )
    return "\n".join(lines)


def _figure(r: Observation) -> str:
    if r.censored:
        return f"{fmt(r.figure, r.dimension)} (in {fmt(r.low, r.dimension)}-{fmt(r.high, r.dimension)})"
    if r.is_range:
        return f"{fmt(r.low, r.dimension)}-{fmt(r.high, r.dimension)}"
    return ("~" if r.approximate else "") + fmt(r.value, r.dimension)


def rows_text(rows: list[Observation], used: set[int]) -> str:
    """Every row: series, date, figure, kind, whether the fit uses it, system / source."""
    lines = [
        f"{'series':<29} {'date':<16} {'figure':>14}  {'kind':<15} {'used':<4} system / source"
    ]
    for r in rows:
        use = "yes" if id(r) in used else f"no ({r.variant})"
        lines.append(
            f"{r.series:<29} {r.date or '-':<16} {_figure(r):>14}  {r.kind:<15} {use:<4} "
            f"{r.system} / {r.source}"
        )
    return "\n".join(lines)
