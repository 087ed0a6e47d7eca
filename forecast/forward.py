"""Forward sampling: from curve parameters to first-passage dates per draw and event."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .dates import from_years
from .thresholds import Plan
from .trajectories import NEVER, crossing_time


def event_dates(curves: xr.Dataset, plan: Plan) -> xr.Dataset:
    """First-passage times with dims (draw, event).

    ``crossing_year`` is a decimal year, +inf when the threshold is not reached by the
    horizon (including thresholds at or above a bounded benchmark's ceiling);
    ``crossing_date`` is the same as datetime64 (NaT when not by horizon).
    """
    times = np.stack([crossing_time(curves, t.benchmark, t.value) for t in plan.thresholds], axis=1)
    times = np.where(times <= plan.horizon, times, NEVER)
    ev = [t.id for t in plan.thresholds]
    ds = xr.Dataset(
        {
            "crossing_year": (
                ("draw", "event"),
                times,
                {"units": "decimal year; inf = not by horizon"},
            ),
            "crossing_date": (("draw", "event"), from_years(times)),
        },
        coords={
            "draw": curves["draw"].values,
            "chain": ("draw", curves["chain"].values),
            "event": np.array(ev, dtype=object),
            "benchmark": ("event", np.array([t.benchmark for t in plan.thresholds], dtype=object)),
            "threshold": (
                "event",
                np.array([t.value for t in plan.thresholds]),
                {"units": "canonical unit of the benchmark (fraction, minutes, multiplier)"},
            ),
            "title": ("event", np.array([t.title for t in plan.thresholds], dtype=object)),
        },
    )
    ds.attrs = {
        "horizon": plan.horizon_text,
        "horizon_year": plan.horizon,
        "n_chain": curves.attrs["n_chain"],
        "n_draw": curves.attrs["n_draw"],
    }
    return ds
