"""The registry of bundled series and the map from built-in events to series (data files).

``forecast/data/series.toml`` describes each series (benchmark x task set x grader x
harness): its benchmark id, raw file, unit and task count. ``forecast/data/event-series.toml``
says which series feed each built-in event. Both are read here and nowhere else; unknown
keys, unknown series and wrong types are errors naming the file and key.
"""

from __future__ import annotations

import functools
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ForecastError
from .io import bundled_toml

SERIES_FILE = "series.toml"
EVENTS_FILE = "event-series.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class SeriesSpec(_Strict):
    """One series. ``tasks`` is the size of its task set (None: unknown or not a share)."""

    benchmark: Annotated[str, Field(min_length=1)]
    title: Annotated[str, Field(min_length=5)]
    unit: Literal["fraction", "percent", "seconds", "minutes", "hours", "multiplier"]
    file: str | None = None
    tasks: Annotated[int, Field(ge=1)] | None = None
    tasks_source: str | None = None
    tasks_note: str | None = None
    ci_level: Annotated[float, Field(gt=0, lt=1)] | None = None
    se_column: str | None = None
    distinguish: str | None = None
    reference: dict[str, Literal["human_baseline", "floor"]] = {}
    reliable_up_to: Annotated[float, Field(gt=0)] | None = None
    reliable_source: str | None = None

    @model_validator(mode="after")
    def _count_explained(self) -> SeriesSpec:
        if self.tasks is not None and not self.tasks_source:
            raise ValueError("a task count needs its 'tasks_source'")
        if self.tasks is None and not self.tasks_note:
            raise ValueError("without 'tasks', say why in 'tasks_note'")
        if (self.reliable_up_to is None) != (self.reliable_source is None):
            raise ValueError("'reliable_up_to' and 'reliable_source' go together")
        return self


class Registry(_Strict):
    series: dict[str, SeriesSpec]


class EventSeries(_Strict):
    series: Annotated[list[str], Field(min_length=1)]
    why: Annotated[str, Field(min_length=10)]


class EventMap(_Strict):
    events: dict[str, EventSeries]
    conditions: dict[str, str]


@functools.cache
def registry() -> dict[str, SeriesSpec]:
    """Every bundled series by id, in the order of ``series.toml``."""
    return dict(bundled_toml(SERIES_FILE, Registry).series)


def reliable_limit(series: str) -> tuple[float, str] | None:
    """(largest reliably measured value in the canonical unit, who says so) of a known
    series; None when its authors state no limit."""
    spec = registry().get(series)
    if spec is None or spec.reliable_up_to is None:
        return None
    return spec.reliable_up_to, spec.reliable_source or ""


def beyond_reliable_sd(series: str, value: float) -> float:
    """ln(value / limit) for a figure (canonical unit, unbounded) above the largest value its
    series measures reliably (``reliable_up_to``: METR's ~16 h), an extra sd on the log
    scale; 0 within the range or when no limit is stated."""
    found = reliable_limit(series)
    if found is None or not value > found[0]:
        return 0.0
    return math.log(value / found[0])


def tasks_of(series: str) -> int | None:
    """The task count of a known series (None when unknown or not a share of tasks)."""
    spec = registry().get(series)
    return spec.tasks if spec else None


@functools.cache
def event_series() -> EventMap:
    """Which series feed each built-in event, checked against the series registry."""
    em = bundled_toml(EVENTS_FILE, EventMap)
    known = registry()
    named = [(f"events.{e}.series", s) for e, v in em.events.items() for s in v.series]
    named += [(f"conditions.{b}", s) for b, s in em.conditions.items()]
    for key, s in named:
        if s not in known:
            raise ForecastError(
                f"key {key!r} names series {s!r}, which is not in {SERIES_FILE}; known: "
                f"{', '.join(known)}",
                f"<bundled>/{EVENTS_FILE}",
            )
    for e, v in em.events.items():
        benches = {known[s].benchmark for s in v.series}
        if len(benches) != 1:
            raise ForecastError(
                f"key 'events.{e}.series' mixes benchmarks {', '.join(sorted(benches))}; the "
                "series of one event measure one benchmark",
                f"<bundled>/{EVENTS_FILE}",
            )
    return em
