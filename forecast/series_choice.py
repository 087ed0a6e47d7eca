"""Which fitted series a threshold, a scenario condition or a residual input is read on.

The growth model fits one curve per series (a benchmark x task set x grader x harness). A
threshold names either a series (``metr-horizon-1.0-p50>=8h``) or a benchmark
(``metr-horizon>=167h``). A benchmark with one series in the data is read on it; with
several, the choice is data, not code: the built-in event's entry, then the benchmark's
``[conditions]`` entry in ``forecast/data/event-series.toml``, then a series named like the
benchmark (the seed figures). Anything else is an error that lists the series to choose from.
A figure added in a file without a series joins the series its benchmark is read on.
A caller may name another series for a built-in event (``chosen``: a structural variant's
``read_on``), consulted before event-series.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .errors import ForecastError
from .observations import Observation


def series_by_benchmark(rows: list[Observation]) -> dict[str, list[str]]:
    """The series of each benchmark's AI rows, in order of first appearance."""
    out: dict[str, list[str]] = {}
    for r in rows:
        if r.kind == "ai" and r.series not in out.setdefault(r.benchmark, []):
            out[r.benchmark].append(r.series)
    return out


def read_on(
    name: str,
    rows: list[Observation],
    where: str,
    event: str | None = None,
    chosen: Mapping[str, str] | None = None,
) -> tuple[str, str] | None:
    """``(benchmark, series)`` for a benchmark or series id ``name``; None when the rows hold
    neither. ``event`` is a built-in event id whose series list is consulted first (its
    entry in ``chosen``, event id -> series id, before that)."""
    return choose(name, series_by_benchmark(rows), where, event, chosen)


def choose(
    name: str,
    by_bench: dict[str, list[str]],
    where: str,
    event: str | None = None,
    chosen: Mapping[str, str] | None = None,
) -> tuple[str, str] | None:
    """:func:`read_on` given each benchmark's series (as from :func:`series_by_benchmark`);
    ``chosen`` (event id -> series id) overrides event-series.toml for ``event``, and its
    series may be of another benchmark of the same dimension (the METR 80 % horizon)."""
    from .history_series import event_series

    if event is not None and chosen and event in chosen:
        s = chosen[event]
        for bench, series in by_bench.items():
            if s in series:
                return bench, s
        raise ForecastError(
            f"event {event!r} is to be read on series {s!r}, not in the data", where
        )
    for bench, series in by_bench.items():
        if name in series and name != bench:
            return bench, name
    cands = by_bench.get(name)
    if not cands:
        return None
    if len(cands) == 1:
        return name, cands[0]
    emap = event_series()
    preferred = list(emap.events[event].series) if event in emap.events else []
    if name in emap.conditions:
        preferred.append(emap.conditions[name])
    preferred.append(name)
    for s in preferred:
        if s in cands:
            return name, s
    raise ForecastError(
        f"benchmark {name!r} has {len(cands)} series in the data ({', '.join(cands)}) and none "
        f"is named for it in event-series.toml; name the series instead, e.g. {cands[0]!r}",
        where,
    )


def default_series(rows: list[Observation], bundled: set[str]) -> list[Observation]:
    """A file's AI rows without a ``series`` of their own (series = benchmark id) join the
    series the benchmark is read on (``[conditions]`` of event-series.toml) when the bundled
    rows hold that series and none named like the benchmark: a new SWE-bench figure is a
    SWE-bench Verified figure, not a one-point series of its own."""
    from .history_series import event_series

    cond = event_series().conditions
    out = []
    for r in rows:
        s = cond.get(r.benchmark)
        if (
            r.kind == "ai"
            and r.series == r.benchmark
            and r.benchmark not in bundled
            and s in bundled
        ):
            r = replace(r, series=s)
        out.append(r)
    return out
