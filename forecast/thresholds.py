"""Thresholds ("benchmark >= value"), the horizon and the report years.

Built-ins live in ``scenarios/thresholds.toml``; users add ``--threshold BENCH>=VALUE[unit]``
where unit is one of %, h, min, s, x (or a unit name); a bare number is in the unit of the
benchmark's observations; ``BENCH>=human_baseline`` is the benchmark's human-baseline row.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .dates import from_years, period_bounds
from .errors import ForecastError
from .io import env_limit, read_toml
from .observation_rows import finite_number
from .observations import Observation, ai_rows, baselines, unit_of
from .series_choice import read_on
from .units import SUFFIXES, UNITS, fmt, unit


@dataclass(frozen=True)
class Threshold:
    """``benchmark >= value``, ``value`` in the benchmark's canonical unit, read on the
    fitted curve of ``series`` (:mod:`forecast.series_choice`; the benchmark id itself when
    the data holds one series of it named like it)."""

    id: str
    benchmark: str
    value: float
    dimension: str
    title: str
    origin: str
    series: str

    @property
    def shown(self) -> str:
        return fmt(self.value, self.dimension)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    benchmark: str
    at_least: float | Literal["human_baseline"]
    unit: str | None = None
    title: str
    why: Annotated[str, Field(min_length=10)]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon: str
    report_years: list[Annotated[int, Field(ge=1990, le=2200)]]
    thresholds: list[_Spec]


@dataclass(frozen=True)
class Plan:
    """What to forecast: thresholds, the horizon (decimal year) and the report years."""

    thresholds: list[Threshold]
    horizon: float
    horizon_text: str
    report_years: list[int]


def default_file() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "scenarios", here / "_bundled" / "scenarios"):
        if (cand / "thresholds.toml").is_file():
            return cand / "thresholds.toml"
    raise ForecastError("cannot find scenarios/thresholds.toml")


MAX_HORIZON_ENV = "FORECAST_MAX_HORIZON"
DEFAULT_MAX_HORIZON = 2200  # a year; monthly trajectories to it take ~0.9 GB at 4,000 draws
BYTES_PER_DRAW_MONTH = 104  # measured: a scenario's monthly residual trajectories, per draw


def max_horizon() -> int:
    """The latest horizon year accepted (``FORECAST_MAX_HORIZON``, default 2200)."""
    return env_limit(MAX_HORIZON_ENV, DEFAULT_MAX_HORIZON, int, "a year, e.g. 2300")


def parse_horizon(text: str, where: str) -> float:
    """The end of the given day, month or year, as a decimal year; one past
    :func:`max_horizon` is refused with the memory it would take (the residual model keeps
    monthly trajectories per draw up to the horizon)."""
    try:
        end = period_bounds(text.strip())[1]
    except ValueError:
        raise ForecastError(
            f"horizon {text!r} is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD", where
        ) from None
    limit = max_horizon()
    if end > limit + 1:
        months = (end - datetime.date.today().year) * 12  # a scenario starts about now
        gb = months * 4000 * BYTES_PER_DRAW_MONTH / 1e9
        raise ForecastError(
            f"horizon {text.strip()} is past {limit}: monthly trajectories to it would take "
            f"about {gb:,.0f} GB at the default 4,000 draws; expected a horizon up to {limit} "
            f"(set {MAX_HORIZON_ENV} to raise the limit)",
            where,
        )
    return end


_SPEC = re.compile(
    r"^\s*(?P<b>[^<>=]+?)\s*>=\s*(?P<v>[-+0-9.eE]+|human_baseline)\s*(?P<u>[A-Za-z%]*)\s*$"
)


def parse_threshold(spec: str, rows: list[Observation]) -> Threshold:
    """Parse ``BENCH>=VALUE[unit]`` against the observation table."""
    where = f"--threshold {spec!r}"
    m = _SPEC.match(spec)
    if not m:
        raise ForecastError(
            "expected BENCHMARK>=VALUE, e.g. posttrainbench>=51.1% or metr-horizon>=167h", where
        )
    named, num, suffix = m["b"], m["v"], m["u"]
    found = read_on(named, rows, where)
    if found is None:
        known = sorted({r.benchmark for r in ai_rows(rows)})
        near = difflib.get_close_matches(named, known + sorted({r.series for r in rows}), n=1)
        raise ForecastError(
            f"no AI observations for benchmark {named!r}"
            + (f" (did you mean {near[0]!r}?)" if near else "")
            + f"; known: {', '.join(known)}",
            where,
        )
    bench, series = found
    if num == "human_baseline":
        return _at_baseline(named, bench, series, suffix, rows, where)
    value = finite_number(num, where, lambda what: f"{num!r} is not {what}")
    name = SUFFIXES.get(suffix, suffix) if suffix else unit_of(rows)[bench]
    if name not in UNITS:
        raise ForecastError(
            f"unknown unit {suffix!r}; expected one of {', '.join(list(SUFFIXES) + list(UNITS))}",
            where,
        )
    u = unit(name, where)
    dim = next(r.dimension for r in rows if r.benchmark == bench)
    if u.dimension != dim:
        raise ForecastError(
            f"unit {name!r} measures {u.dimension}, but {bench!r} is measured in {dim} units", where
        )
    canonical = value * u.to_canonical
    if dim != "share" and canonical <= 0:
        raise ForecastError(f"threshold {value:g} must be positive for a {dim} metric", where)
    if dim == "share" and canonical <= 0:
        raise ForecastError(
            f"threshold {fmt(canonical, dim)} is met by any score: a share-of-tasks threshold "
            "must be above 0 %",
            where,
        )
    if dim == "share" and canonical > 1:
        raise ForecastError(
            f"threshold {fmt(canonical, dim)} is above 100 %: a share of tasks never exceeds "
            "it (for the benchmark's whole task set, write 100%)",
            where,
        )
    ident = f"{named}>={num}{suffix or ''}"
    title = f"{named} reaches {fmt(canonical, dim)}"
    return Threshold(ident, bench, canonical, dim, title, where, series)


def _at_baseline(
    named: str, bench: str, series: str, suffix: str, rows: list[Observation], where: str
) -> Threshold:
    """``BENCH>=human_baseline``: the benchmark's human-baseline row, as scenario files allow."""
    if suffix:
        raise ForecastError("human_baseline takes no unit", where)
    base = baselines(rows)
    if bench not in base:
        with_base = ", ".join(sorted(base)) or "none"
        raise ForecastError(
            f"no human-baseline row for {bench!r} in the data; benchmarks with one: {with_base}",
            where,
        )
    row = base[bench]
    dim = row.dimension
    title = f"{named} reaches the human baseline ({fmt(row.value, dim)}, {row.system})"
    return Threshold(f"{named}>=human_baseline", bench, row.value, dim, title, where, series)


def load_plan(
    rows: list[Observation],
    extra: Sequence[str] = (),
    horizon: str | None = None,
    path: Path | None = None,
    builtins: bool = True,
    horizon_where: str | None = None,
    read_on: Mapping[str, str] | None = None,
) -> tuple[Plan, list[str]]:
    """Built-in thresholds (those whose benchmark has data) plus user specs; returns notes
    too. ``read_on``: built-in event id -> the series its threshold is read on, over
    event-series.toml (a structural variant's choice)."""
    builtin_origin = "built-in" if path is None else str(path)
    path = path or default_file()
    raw = _read_file(path)
    specs = raw.thresholds if builtins else []
    out, notes = _builtin_thresholds(specs, rows, path, builtin_origin, read_on)
    for spec in extra:
        t = parse_threshold(spec, rows)
        if any(t.id == o.id for o in out):
            raise ForecastError("given twice", f"--threshold {spec!r}")
        notes += _user_notes(spec, t, rows)
        out.append(t)
    if not out:
        raise ForecastError(
            "nothing to forecast: no built-in threshold has data and no --threshold was given"
        )
    where = horizon_where or ("--horizon" if horizon is not None else f"{path}: horizon")
    if horizon is not None and not horizon.strip():
        raise ForecastError("is empty; expected a date YYYY, YYYY-MM or YYYY-MM-DD", where)
    h_text = raw.horizon if horizon is None else horizon
    return Plan(out, _horizon(h_text, where, rows), h_text, sorted(raw.report_years)), notes


def _read_file(path: Path) -> _File:
    """A thresholds file, validated."""
    try:
        return _File.model_validate(read_toml(path, "thresholds TOML file"))
    except ValidationError as e:
        err = e.errors()[0]
        raise ForecastError(
            f"key {'.'.join(map(str, err['loc']))!r}: {err['msg']}", str(path)
        ) from None


def _builtin_thresholds(
    specs: list[_Spec],
    rows: list[Observation],
    path: Path,
    origin: str,
    chosen: Mapping[str, str] | None = None,
) -> tuple[list[Threshold], list[str]]:
    """The thresholds of a file's ``specs`` whose benchmark has data, and a note for each
    one skipped (no observations, or no human baseline to reach)."""
    with_data = {r.benchmark for r in ai_rows(rows)}
    base = baselines(rows)
    out, notes = [], []
    for s in specs:
        if s.benchmark not in with_data:
            notes.append(f"built-in threshold {s.id!r} skipped: no observations of {s.benchmark!r}")
            continue
        dim = next(r.dimension for r in rows if r.benchmark == s.benchmark)
        if s.at_least == "human_baseline":
            if s.benchmark not in base:
                notes.append(
                    f"built-in threshold {s.id!r} skipped: no human baseline for {s.benchmark!r}"
                )
                continue
            value = base[s.benchmark].value
        else:
            value = (
                s.at_least
                * unit(s.unit or unit_of(rows)[s.benchmark], f"{path}: {s.id}").to_canonical
            )
        found = read_on(s.benchmark, rows, f"{path}: {s.id}", event=s.id, chosen=chosen)
        assert found is not None  # the benchmark has AI rows
        out.append(Threshold(s.id, s.benchmark, value, dim, s.title, origin, found[1]))
    return out, notes


def _user_notes(spec: str, t: Threshold, rows: list[Observation]) -> list[str]:
    """Notes on a --threshold that may not say what was meant: a bare fraction on a percent
    benchmark, or a share of tasks that cannot be reached."""
    m = _SPEC.match(spec)
    assert m is not None  # parse_threshold matched it
    notes = []
    bare_fraction = m["v"] != "human_baseline" and not m["u"] and 0 < float(m["v"]) <= 1
    if bare_fraction and t.dimension == "share" and unit_of(rows)[t.benchmark] == "percent":
        notes.append(
            f"threshold {t.id!r} is {t.shown}: a bare number is in the benchmark's own "
            f"unit (percent); if you meant the fraction {m['v']}, write "
            f"{m['b']}>={100 * float(m['v']):g}%"
        )
    if t.dimension == "share" and t.value >= 1:
        notes.append(
            f"threshold {t.id!r} cannot be crossed: a share of tasks never reaches "
            f"{t.shown} (P = 0 in every year)"
        )
    return notes


def _horizon(text: str, where: str, rows: list[Observation]) -> float:
    """The horizon ``text`` as a decimal year, refused unless after the last AI observation."""
    h = parse_horizon(text, where)
    last = max(r.time for r in ai_rows(rows))
    if h <= last:
        raise ForecastError(
            f"horizon {text} is before the last observation "
            f"({from_years(np.array([last]))[0]}); "
            "expected a date after the data",
            where,
        )
    return h
