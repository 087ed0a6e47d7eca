"""Scenario sweeps: every cell of a design (forecast.sweep_design) evaluated on one
posterior by the residual model's one implementation (forecast.residual.solve), in chunks.

Every cell shares the posterior draws and the random numbers of the base scenario (the
streams are derived from the sweep seed and each input's name, not from the cell), so a
cell's result depends only on its parameter values: the same for any number of workers,
and differences between cells are not Monte Carlo noise. `forecast run --scenario` is the
one-cell case of the same evaluation (forecast.reading.dates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import residual
from .reading import EventColumns, scenario_table
from .scenario import Scenario
from .summary import prob_with_mcse_distinct
from .sweep_design import Axis, Sweep, SweepFile, axis_bounds, load, sampled_design
from .thresholds import Plan

__all__ = [
    "QUANTILES",
    "Axis",
    "DrawTable",
    "Sweep",
    "SweepFile",
    "axis_bounds",
    "build_table",
    "cell_dates",
    "evaluate",
    "load",
    "sampled_design",
]

QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class DrawTable:
    """Everything per posterior draw that does not depend on the cell (sent to workers once):
    the residual table, the base scenario's composite events, the report years."""

    model: residual.Table
    composites: list[EventColumns]
    years: list[int]
    chain_count: int

    @property
    def events(self) -> list[str]:
        return [e.id for e in self.composites]

    @property
    def n_draws(self) -> int:
        return self.model.n_draws


def build_table(curves: xr.Dataset, sc: Scenario, rows, plan: Plan, seed: int) -> DrawTable:
    """The per-draw table of a base scenario on one posterior (``curves``)."""
    model, events = scenario_table(curves, sc, rows, seed, plan.horizon)
    return DrawTable(model, events, list(plan.report_years), int(curves.attrs["n_chain"]))


def cell_dates(table: DrawTable, names: list[str], cells: np.ndarray) -> np.ndarray:
    """Composite dates (cell, draw, event), decimal years, +inf = not by the horizon, for
    ``cells`` (cell, len(names)) in canonical units."""
    p = residual.cell_params(table.model, names, cells)
    sol = residual.solve(table.model, p, cells.shape[0])
    k = table.model.engineering.shape[0]
    out = np.empty((cells.shape[0], table.n_draws, len(table.composites)))
    for j, ev in enumerate(table.composites):
        eng = [i for i in ev.columns if i < k]
        res = [i - k for i in ev.columns if i >= k]
        d = sol.engineering[:, :, eng].max(axis=-1) if eng else np.array(-np.inf)
        if res:
            d = np.maximum(d, sol.residual[:, :, res].max(axis=-1))
        out[:, :, j] = np.where(d <= table.model.horizon, d, np.inf)
    return out


def evaluate(table: DrawTable, names: list[str], cells: np.ndarray) -> dict[str, np.ndarray]:
    """Summaries for a chunk of cells: P(by end of year) and MCSE, quantile dates, P(never).

    Returns arrays with leading dim ``cells``: p (C, E, Y), mcse (C, E, Y), quantiles
    (C, E, 3) in decimal years (NaN = not by horizon), p_never (C, E), p_never_mcse (C, E).
    """
    when = cell_dates(table, names, cells)
    # (D, C, E, Y) indicators -> probabilities with MCSE over the draw axis
    ind = np.stack([when <= y + 1 for y in table.years], axis=-1).transpose(1, 0, 2, 3)
    p_y, se_y = prob_with_mcse_distinct(ind, table.chain_count)
    p_n, se_n = prob_with_mcse_distinct(~np.isfinite(when).transpose(1, 0, 2), table.chain_count)
    q = np.quantile(when, QUANTILES, axis=1, method="inverted_cdf").transpose(1, 2, 0)
    q = np.where(np.isfinite(q), q, np.nan)
    return {"p": p_y, "mcse": se_y, "quantiles": q, "p_never": p_n, "p_never_mcse": se_n}
