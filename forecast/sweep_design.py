"""Sweep definitions: a grid or a sampled design (Latin hypercube, Sobol) over residual
parameters, read from a TOML file and validated, with units converted to canonical ones.

A sweep file names a base scenario and one table per swept parameter (axis); every cell
is the base scenario with the swept parameters fixed to the cell's values.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import schema
from .errors import ForecastError
from .io import env_limit, read_toml
from .scenario import PARAMS, UNIT_TABLE, Scenario, resolve_near
from .scenario import load as load_scenario


class Axis(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    values: Annotated[list[float], Field(min_length=1)] | None = None
    low: float | None = None
    high: float | None = None
    num: Annotated[int, Field(ge=2, le=10_000)] | None = None
    spacing: Literal["linear", "log"] = "linear"
    unit: str | None = None
    why: Annotated[str, Field(min_length=10)]

    @model_validator(mode="after")
    def _shape(self):
        has_values = self.values is not None
        has_bounds = self.low is not None or self.high is not None
        if has_values == has_bounds or (self.low is None) != (self.high is None):
            raise ValueError("give either 'values' or both 'low' and 'high'")
        if self.low is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.spacing == "log" and (
            (self.low is not None and self.low <= 0) or (self.values and min(self.values) <= 0)
        ):
            raise ValueError("log spacing needs positive values")
        return self

    def span(self) -> tuple[float, float]:
        """(low, high) of the axis in its own unit: of the values, or the range given."""
        if self.values is not None:
            return min(self.values), max(self.values)
        if self.low is None or self.high is None:  # excluded by the validator
            raise ValueError("give either 'values' or both 'low' and 'high'")
        return self.low, self.high


class SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    title: str
    base: str
    design: Literal["grid", "latin-hypercube", "sobol"] = "grid"
    samples: Annotated[int, Field(ge=2, le=1_000_000)] = 256
    axes: Annotated[dict[str, Axis], Field(min_length=1)]


@dataclass(frozen=True)
class Sweep:
    path: str
    spec: SweepFile
    base: Scenario
    names: list[str]  # swept parameters, in file order
    cells: np.ndarray  # (n_cells, n_axes), canonical units
    grid_values: dict[str, np.ndarray] | None  # per-axis values for grid designs
    digest: str

    @property
    def n_cells(self) -> int:
        return self.cells.shape[0]


def axis_factor(name: str, unit: str | None, where: str) -> float:
    spec = PARAMS[name]
    if unit is None:
        return 1.0
    if unit not in UNIT_TABLE:
        raise ForecastError(f"key 'axes.{name}.unit': unknown unit {unit!r}", where)
    dim, f = UNIT_TABLE[unit]
    if dim != spec.dimension:
        raise ForecastError(
            f"key 'axes.{name}.unit': {unit!r} is a {dim} unit; {name} is a "
            f"{spec.dimension} in {spec.canonical!r}",
            where,
        )
    return f / UNIT_TABLE[spec.canonical][1]


def axis_bounds(name: str, ax: Axis, where: str) -> tuple[float, float]:
    f = axis_factor(name, ax.unit, where)
    lo, hi = ax.span()
    return lo * f, hi * f


def _axis_values(name: str, ax: Axis, where: str) -> np.ndarray:
    f = axis_factor(name, ax.unit, where)
    if ax.values is not None:
        v = np.array(ax.values, dtype=float)
    elif ax.num is None:
        raise ForecastError(f"key 'axes.{name}': a grid axis with 'low'/'high' needs 'num'", where)
    elif ax.spacing == "log":
        v = np.geomspace(*ax.span(), ax.num)
    else:
        v = np.linspace(*ax.span(), ax.num)
    return v * f


def _check_values(name: str, v: np.ndarray, where: str) -> None:
    spec = PARAMS[name]
    if len(np.unique(v)) != len(v):
        raise ForecastError(
            f"key 'axes.{name}': a value appears twice "
            f"({', '.join(f'{x:g}' for x in v)} {spec.canonical}); "
            "each grid value must be distinct",
            where,
        )
    bad = v[(v < spec.low) | (v > spec.high)]
    if bad.size:
        raise ForecastError(
            f"key 'axes.{name}': {bad[0]:g} {spec.canonical} is out of range; "
            f"expected {spec.low:g}-{spec.high:g} {spec.canonical} ({spec.meaning})",
            where,
        )


def sampled_design(
    bounds: list[tuple[float, float]], log: list[bool], n: int, design: str, seed: int
) -> np.ndarray:
    """Latin hypercube or scrambled Sobol points over the given bounds (log axes in log)."""
    from scipy.stats import qmc

    d = len(bounds)
    eng = (
        qmc.LatinHypercube(d=d, seed=seed)
        if design == "latin-hypercube"
        else qmc.Sobol(d=d, scramble=True, seed=seed)
    )
    u = eng.random(n)
    out = np.empty_like(u)
    for i, ((lo, hi), lg) in enumerate(zip(bounds, log)):
        out[:, i] = (
            np.exp(np.log(lo) + u[:, i] * (np.log(hi) - np.log(lo)))
            if lg
            else lo + u[:, i] * (hi - lo)
        )
    return out


MAX_CELLS_ENV = "FORECAST_MAX_CELLS"
DEFAULT_MAX_CELLS = 5_000_000
CELLS_PER_SECOND = 120  # benchmarks/sweep.py, 2 Dask workers on 2 cores, 4,000 draws a cell
RESULT_BYTES_PER_CELL = 8 * 4 * 10 * 6  # float64: 4 events x 10 years x ~6 summaries


def max_cells() -> int:
    """The largest grid accepted (``FORECAST_MAX_CELLS``, default 5,000,000)."""
    return env_limit(MAX_CELLS_ENV, DEFAULT_MAX_CELLS, int, "a whole number of cells")


def _check_size(n: int, grid_values: dict[str, np.ndarray], where: str) -> None:
    """Refuse a grid of more than :func:`max_cells` cells before any of it is built, with
    the time and the result size it would take."""
    limit = max_cells()
    if n > limit:
        axes = " x ".join(f"{k} {len(v)}" for k, v in grid_values.items())
        days = n / CELLS_PER_SECOND / 86400
        raise ForecastError(
            f"a grid of {n:,} cells ({axes}); expected at most {limit:,}. At about "
            f"{CELLS_PER_SECOND} cells a second on 2 cores it would take about {days:,.1f} "
            f"days, and its results about {n * RESULT_BYTES_PER_CELL / 1e9:,.1f} GB. Coarsen "
            f"an axis, split the sweep into several files, or set {MAX_CELLS_ENV} to raise "
            "the limit",
            where,
        )


def load(path: str | Path, seed: int = 1) -> Sweep:
    path = Path(path)
    where = str(path)
    raw = read_toml(path, "sweep TOML file")
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as e:
        raise ForecastError(schema.message(e, SweepFile), where) from None
    for name in spec.axes:
        if name not in PARAMS:
            near = [p for p in PARAMS if p.startswith(name[:4])]
            raise ForecastError(
                f"key 'axes.{name}': not a residual parameter; expected one of "
                f"{', '.join(PARAMS)}" + (f" (did you mean {near[0]!r}?)" if near else ""),
                where,
            )
    base = load_scenario(resolve_near(path, spec.base))
    names = list(spec.axes)
    grid_values = None
    if spec.design == "grid":
        grid_values = {n: _axis_values(n, spec.axes[n], where) for n in names}
        for n, v in grid_values.items():
            _check_values(n, v, where)
        _check_size(math.prod(len(v) for v in grid_values.values()), grid_values, where)
        mesh = np.meshgrid(*grid_values.values(), indexing="ij")
        cells = np.stack([m.ravel() for m in mesh], axis=1)
    else:
        bounds = [axis_bounds(n, spec.axes[n], where) for n in names]
        for n, b in zip(names, bounds):
            _check_values(n, np.array(b), where)
        cells = sampled_design(
            bounds, [spec.axes[n].spacing == "log" for n in names], spec.samples, spec.design, seed
        )
    digest = hashlib.sha256(
        json.dumps({"spec": raw, "base": base.digest}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return Sweep(str(path), spec, base, names, cells, grid_values, digest)
