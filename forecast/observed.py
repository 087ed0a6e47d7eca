"""Thresholds already met by an observation are observed, not forecast.

A threshold that a bundled (or given) observation already meets is dated by the first such
observation: every draw's crossing date is at most that observation's date, so the
probability of having crossed is 1 from then on, and the output says "observed".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .dates import from_years
from .observations import Observation
from .thresholds import Plan


@dataclass(frozen=True)
class Observed:
    """The first observation meeting a threshold. ``time`` is its date in decimal years."""

    date: str
    time: float
    value: float  # canonical unit (fraction, minutes, multiplier)
    system: str
    source: str

    def as_json(self) -> dict:
        return {
            "date": self.date, "value": round(self.value, 6), "system": self.system,
            "source": self.source,
        }  # fmt: skip


def first_observed(rows: list[Observation], series: str, threshold: float) -> Observed | None:
    """The earliest AI row of ``series`` whose figure meets ``threshold``: a point value at
    or above it, or a range (or censored figure) whose low end is."""
    met = [
        r
        for r in rows
        if r.kind == "ai" and r.series == series and (r.low if r.is_range else r.value) >= threshold
    ]
    if not met:
        return None
    r = min(met, key=lambda r: r.time)
    shown = r.low if r.is_range else r.value
    return Observed(r.date, float(r.time), float(shown), r.system, r.source)


def observed_events(plan: Plan, rows: list[Observation]) -> dict[str, Observed]:
    """Event id -> its first observation, for the plan's thresholds already met."""
    out = {}
    for t in plan.thresholds:
        obs = first_observed(rows, t.series, t.value)
        if obs is not None:
            out[t.id] = obs
    return out


def apply_observed(dates: xr.Dataset, observed: dict[str, Observed]) -> xr.Dataset:
    """``dates`` (draw x event) with each observed event's crossing at most its observation."""
    if not observed:
        return dates
    years = dates["crossing_year"].values.copy()
    events = list(dates["event"].values)
    for ev, obs in observed.items():
        j = events.index(ev)
        years[:, j] = np.minimum(years[:, j], obs.time)
    out = dates.copy()
    out["crossing_year"] = (dates["crossing_year"].dims, years, dates["crossing_year"].attrs)
    out["crossing_date"] = (dates["crossing_date"].dims, from_years(years))
    return out
