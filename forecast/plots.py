"""Report figures, each a function of saved xarray results (matplotlib, Agg backend;
ArviZ plots for the sampler diagnostics).

The inputs are the two files ``forecast report`` writes beside its page:

* ``results.nc`` (:func:`results_tree`, :mod:`forecast.plots_results`): growth-curve
  parameters per draw, observations, reference claims and one group per reading;
* ``posterior.nc``: the fitted posterior (groups ``posterior``, ``sample_stats``).

The figures live by family: fan charts in :mod:`forecast.plots_fan`, event CDFs, binding
shares and the R&D multiplier in :mod:`forecast.plots_events`, trace and rank plots in
:mod:`forecast.plots_diagnostics`; this module names them all and lists the report's
figures in page order (:func:`report_figures`). Every figure function returns an open
matplotlib Figure; :func:`forecast.figures.save_figure` writes it as PNG and SVG and closes
it. Strings from users (benchmark names, sources, scenario titles) are drawn as plain
text: mathtext is off for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .figures import DPI, pyplot, render, save_figure, slug
from .plots_diagnostics import rank_plot, trace_plot
from .plots_events import binding_shares, composite_events, event_cdf, rd_multiplier
from .plots_fan import FAN_QUANTILES, fan_chart
from .plots_results import (
    FOCUS_YEAR,
    TRAJ_QUANTILES,
    load_results,
    readings,
    results_tree,
    save_results,
)

DIAGNOSTICS_DPI = 80

__all__ = [
    "DPI",
    "FAN_QUANTILES",
    "FOCUS_YEAR",
    "TRAJ_QUANTILES",
    "Figure",
    "binding_shares",
    "composite_events",
    "diagnostic_figures",
    "event_cdf",
    "fan_chart",
    "load_results",
    "pyplot",
    "rank_plot",
    "rd_multiplier",
    "readings",
    "render",
    "report_figures",
    "results_tree",
    "save",
    "save_figure",
    "save_results",
    "slug",
    "trace_plot",
]


def save(fig: Any, path_stem: str | Path, dpi: int = DPI) -> list[Path]:
    """:func:`forecast.figures.save_figure` under the short name the README uses."""
    return save_figure(fig, path_stem, dpi)


@dataclass
class Figure:
    """One figure of the report: what the page says about it, and how to draw it
    (``draw()`` returns an open matplotlib Figure; drawn only when needed)."""

    id: str
    kind: str
    title: str
    caption: str
    draw: Callable[[], Any]
    dpi: int = DPI


def _event_figures(results: xr.DataTree) -> list[Figure]:
    names = json.loads(results.attrs["readings"])
    focus = results.attrs["focus_year"]
    rds = readings(results)
    r0 = next(iter(rds.values()))
    events = list(dict.fromkeys(e for ds in rds.values() for e in ds["event"].values.astype(str)))

    def title(ev: str) -> str:
        return str(r0["title"].sel(event=ev).item()) if ev in r0["event"].values else ev

    out = [
        Figure(
            f"cdf-{slug(ev)}",
            "cdf",
            f"When: {title(ev)}",
            f"Cumulative probability of '{ev}' by date under each reading "
            f"({', '.join(names)}); the dot and label give P(by the end of {focus}); "
            "stars are published claims.",
            partial(event_cdf, results, ev),
        )
        for ev in events
    ]
    out += [
        Figure(
            f"binding-{slug(ev)}",
            "binding",
            f"Binding condition: {title(ev)}",
            f"For '{ev}', the share of draws in which each condition was the last to "
            "hold, per reading (a condition not met by the horizon shares the credit).",
            partial(binding_shares, results, ev),
        )
        for ev in composite_events(results)
    ]
    if any("rd_multiplier" in ds for ds in rds.values()):
        out.append(
            Figure(
                "rd-multiplier",
                "trajectory",
                "R&D multiplier per reading",
                "The overall R&D speed multiplier (Amdahl over engineering and research) "
                "over time: median and 50 %/80 % bands over draws, per reading.",
                partial(rd_multiplier, results),
            )
        )
    return out


def report_figures(results: xr.DataTree, posterior: xr.DataTree) -> list[Figure]:
    """Every figure of the report, in page order, not yet drawn."""
    out = _event_figures(results)
    out += [
        Figure(
            f"fan-{slug(b)}",
            "fan",
            f"Growth: {b}",
            f"'{b}': observations with their published ranges and date periods "
            "(numbers refer to the sources listed under the chart), posterior median "
            "and 50/80/95 % bands of the growth model, thresholds as dashed lines.",
            partial(fan_chart, results, b),
        )
        for b in np.asarray(results["curves"]["benchmark"].values).astype(str)
    ]
    return out + diagnostic_figures(posterior)


def diagnostic_figures(posterior: xr.DataTree) -> list[Figure]:
    """The report's sampler-diagnostic figures (they depend on the posterior alone)."""
    return [
        Figure(
            "diagnostics-trace",
            "diagnostics",
            "Sampler diagnostics: traces",
            "Trace and density per chain of every fitted parameter.",
            partial(trace_plot, posterior),
            DIAGNOSTICS_DPI,
        ),
        Figure(
            "diagnostics-rank",
            "diagnostics",
            "Sampler diagnostics: rank plots",
            "Fractional-rank plots per chain; a chain that wanders off the others "
            "shows as a curve leaving the band near zero.",
            partial(rank_plot, posterior),
            DIAGNOSTICS_DPI,
        ),
    ]
