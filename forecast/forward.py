"""Forward sampling: from curve parameters to first-passage dates per draw and event."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .dates import from_years
from .thresholds import Plan
from .trajectories import NEVER, crossing_time

THRESHOLD_UNITS = {"units": "canonical unit of the benchmark (fraction, minutes, multiplier)"}
EventLabel = tuple[str, str, float, str]  # event id, benchmark, threshold value, title


def event_dates(curves: xr.Dataset, plan: Plan) -> xr.Dataset:
    """First-passage times with dims (draw, event).

    ``crossing_year`` is a decimal year, +inf when the threshold is not reached by the
    horizon (including thresholds at or above a bounded benchmark's ceiling);
    ``crossing_date`` is the same as datetime64 (NaT when not by horizon).
    """
    times = np.stack([crossing_time(curves, t.series, t.value) for t in plan.thresholds], axis=1)
    times = np.where(times <= plan.horizon, times, NEVER)
    labels = [(t.id, t.series, t.value, t.title) for t in plan.thresholds]
    return dates_dataset(curves, plan, times, labels, THRESHOLD_UNITS)


def dates_dataset(
    curves: xr.Dataset,
    plan: Plan,
    times: np.ndarray,
    labels: list[EventLabel],
    threshold_attrs: dict | None = None,
) -> xr.Dataset:
    """First-passage times ``times`` (decimal years, +inf = not by horizon; one column per
    label) as a Dataset with dims (draw, event): ``crossing_year``, ``crossing_date``
    (datetime64, NaT when not by horizon), the events' benchmark, threshold and title as
    coordinates, and the horizon and chain/draw counts as attributes."""
    ids, benchmarks, values, titles = zip(*labels, strict=True) if labels else ((),) * 4
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
            "event": np.array(ids, dtype=object),
            "benchmark": ("event", np.array(benchmarks, dtype=object)),
            "threshold": ("event", np.array(values, dtype=float), threshold_attrs or {}),
            "title": ("event", np.array(titles, dtype=object)),
        },
    )
    ds.attrs = {
        "horizon": plan.horizon_text,
        "horizon_year": plan.horizon,
        "n_chain": curves.attrs["n_chain"],
        "n_draw": curves.attrs["n_draw"],
    }
    return ds
