"""The research-residual model evaluated over (cell, draw, time): the one implementation
behind `forecast run --scenario`, `forecast compare` (one cell each) and `forecast sweep`
(chunks of cells).

The equations are in forecast.residual_equations, the random inputs in
forecast.residual_inputs. Here a :class:`Table` holds what does not depend on the cell
(the monthly grid, the METR horizon per draw, the base scenario's draws, the conditions'
effective dates), and :func:`solve` dates every condition per (cell, draw):

* cells without feedback (phi = 0 in every draw): engineering conditions keep their
  closed-form dates; residual first passages use a binary search over the monthly grid
  (the quantities are monotone in time), O(draws x log months) per cell;
* cells with feedback step the coupled recursion (9) month by month, vectorised over
  cells x draws, tracking first passages on the fly (memory O(cells x draws)).

With ``record=True`` (one cell: a scenario run) the trajectories (cell, draw, time) are
returned too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from . import residual_equations as eq
from .residual_equations import STEP, Constants, linear_passage, log_passage
from .residual_inputs import base_draws, cell_inputs, draw_inputs, draw_param, inputs_dataset
from .scenario import AlignmentResearchers, Scenario
from .trajectories import curve, value_at

__all__ = [
    "STEP",
    "Table",
    "draw_inputs",
    "draw_param",
    "effective_to_real",
    "first_time",
    "inputs_dataset",
    "solve",
    "trajectories",
]

TRAJECTORY_UNITS = {
    "automatable_share": "fraction of engineering work",
    "engineering_speedup": "multiplier vs human",
    "attempt_volume": "relative to the start date",
    "research_throughput": "AI notable-discovery rate / human rate",
    "rd_multiplier": "overall R&D speed vs human-only",
    "effective_time": "decimal year of engineering progress",
}


@dataclass(frozen=True)
class HorizonCurve:
    """The METR horizon curve per draw (parameters (draw,)), value in minutes."""

    family: str
    t_ref: float
    level: np.ndarray
    rate: np.ndarray
    accel: np.ndarray
    ceiling: np.ndarray

    @classmethod
    def of(cls, curves: xr.Dataset, benchmark: str) -> HorizonCurve:
        sub = curves.sel(benchmark=benchmark)
        p = {k: sub[k].values.copy() for k in ("level", "rate", "accel", "ceiling")}
        return cls(str(sub["family"].item()), float(sub["t_ref"].item()), **p)

    def log_at(self, t: np.ndarray) -> np.ndarray:
        """ln horizon (ln minutes) at per-draw times ``t`` (..., draw)."""
        h = curve(self.family, self.level, self.rate, self.ceiling, self.accel, self.t_ref, t)
        with np.errstate(divide="ignore"):
            return np.log(h)


@dataclass
class Table:
    """Everything per posterior draw that does not depend on the cell (sent to workers once).

    ``engineering`` (K, draw) are the effective-time dates (decimal years) of K engineering
    conditions; ``residual`` lists R residual conditions (quantity, level). :func:`solve`
    returns their real dates in this order: K engineering columns, then R residual ones."""

    grid: np.ndarray  # (T,) decimal years, monthly from the start date
    start: float
    horizon: float
    ln_h: np.ndarray  # (draw, T) ln METR horizon on the grid, ln minutes
    horizon_curve: HorizonCurve
    draws: dict[str, np.ndarray]  # the base scenario's inputs per draw
    aar: AlignmentResearchers  # the alignment-researcher evidence (r0 update)
    engineering: np.ndarray  # (K, draw)
    residual: list[tuple[str, float]] = field(default_factory=list)

    @property
    def n_draws(self) -> int:
        return self.ln_h.shape[0]


def build(
    curves: xr.Dataset,
    sc: Scenario,
    seed: int,
    start: float,
    horizon: float,
    engineering: np.ndarray | None = None,
    residual: list[tuple[str, float]] | None = None,
    horizon_series: str | None = None,
) -> Table:
    """The per-draw table of a scenario on a posterior's ``curves``, grid ``start``..``horizon``;
    the METR horizon is read on the curve of ``horizon_series`` (default: the scenario's
    ``residual.horizon_benchmark``, or the series event-series.toml reads that benchmark on)."""
    grid = np.arange(start, horizon + STEP / 2, STEP)
    bench = horizon_series or sc.spec.residual.horizon_benchmark
    if bench not in curves["benchmark"].values:  # a benchmark id: its series for conditions
        from .history_series import event_series

        bench = event_series().conditions.get(bench, bench)
    n = curves.sizes["draw"]
    with np.errstate(divide="ignore"):
        ln_h = np.log(value_at(curves, bench, grid))
    return Table(
        grid=grid,
        start=start,
        horizon=horizon,
        ln_h=ln_h,
        horizon_curve=HorizonCurve.of(curves, bench),
        draws=base_draws(sc, n, seed),
        aar=sc.spec.evidence.alignment_researchers,
        engineering=np.empty((0, n)) if engineering is None else engineering,
        residual=list(residual or []),
    )


def cell_params(table: Table, names: list[str], cells: np.ndarray) -> dict[str, np.ndarray]:
    """Inputs per (cell, draw) for ``cells`` (cell, len(names)), canonical units."""
    return cell_inputs(table.draws, table.aar, names, cells)


@dataclass
class Solution:
    """Real dates (decimal years; +inf = not on the grid) of a table's conditions."""

    engineering: np.ndarray  # (cell or 1, draw, K): 1 when no cell has feedback
    residual: np.ndarray  # (cell, draw, R)
    trajectories: dict[str, np.ndarray] | None = None  # name -> (cell, draw, T)

    @property
    def dates(self) -> np.ndarray:
        """Every condition's date (cell, draw, K + R)."""
        eng = np.broadcast_to(
            self.engineering, (*self.residual.shape[:2], self.engineering.shape[2])
        )
        return np.concatenate([eng, self.residual], axis=-1)


def solve(table: Table, p: dict[str, np.ndarray], n_cells: int, record: bool = False) -> Solution:
    """Dates of every condition per (cell, draw) for inputs ``p`` (as from
    :func:`cell_params`), and the trajectories if ``record``."""
    shape = (n_cells, table.n_draws)
    c = eq.constants(p, table.ln_h[:, 0], shape)
    loop = np.any(c.phi != 0, axis=1)
    direct = table.engineering.T[None]  # without feedback tau = t: the closed-form dates
    eng = np.empty((*shape, direct.shape[2])) if loop.any() else direct
    res = np.empty((*shape, len(table.residual)))
    traj = {v: np.empty((*shape, table.grid.size)) for v in TRAJECTORY_UNITS} if record else None
    for cells, stepped in ((loop, True), (~loop, False)):
        if not cells.any():
            continue
        sub, sub_shape = c.rows(cells), (int(cells.sum()), shape[1])
        if stepped:
            eng[cells], res[cells], tr = _stepped(table, sub, sub_shape, record)
        else:
            if loop.any():
                eng[cells] = direct
            for i, (quantity, level) in enumerate(table.residual):
                res[cells, :, i] = _first_passage(table, sub, quantity, level, sub_shape)
            tr = _grid_trajectories(table, sub) if record else None
        if traj is not None and tr is not None:
            for v, x in tr.items():
                traj[v][cells] = x
    return Solution(eng, res, traj)


# ---------------------------------------------------------------- without feedback


def _first_passage(
    table: Table, c: Constants, quantity: str, level: float, shape: tuple[int, int]
) -> np.ndarray:
    """First date each (cell, draw) reaches ``level``: binary search for the first grid
    index at or above it, then log-linear interpolation from the previous grid point."""
    grid, t_n = table.grid, table.grid.size
    d_idx = np.broadcast_to(np.arange(shape[1])[None, :], shape)
    lo = np.zeros(shape, dtype=np.int64)
    hi = np.full(shape, t_n, dtype=np.int64)
    level_log = np.log(level)

    def at(cc: Constants, j: np.ndarray, d: np.ndarray) -> np.ndarray:
        return eq.log_quantity(quantity, grid[j] - table.start, table.ln_h[d, j], cc)

    while True:
        active = lo < hi
        if not active.any():
            break
        mid = np.minimum((lo + hi) // 2, t_n - 1)
        ok = at(c, mid, d_idx) >= level_log
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)
    out = np.full(shape, np.inf)
    out[lo == 0] = grid[0]
    inside = (lo > 0) & (lo < t_n)
    if inside.any():
        jj, dd, sub = lo[inside], d_idx[inside], c.select(inside)
        out[inside] = log_passage(
            level_log, at(sub, jj - 1, dd), at(sub, jj, dd), grid[jj - 1], grid[jj]
        )
    return out


def _grid_trajectories(table: Table, c: Constants) -> dict[str, np.ndarray]:
    """Every residual quantity on the whole grid (cell, draw, T), tau = t."""
    ct = c.over_time()
    a = eq.automatable_share(table.ln_h[None], ct)
    s_e = eq.engineering_speedup(a, ct)
    years = table.grid - table.start
    log_v = eq.log_volume(years, s_e, ct)
    log_r = eq.log_throughput(log_v, years, ct)
    shape = s_e.shape
    volume = np.exp(log_v)
    return {
        "automatable_share": np.broadcast_to(a, shape),
        "engineering_speedup": s_e,
        "attempt_volume": volume,
        "research_throughput": eq.throughput(volume, years, ct),
        "rd_multiplier": eq.rd_multiplier(s_e, log_r, ct),
        "effective_time": np.broadcast_to(table.grid, shape),
    }


# ---------------------------------------------------------------- with feedback


class _Passages:
    """First passages of the residual conditions, tracked one grid step at a time."""

    def __init__(self, conditions: list[tuple[str, float]], shape: tuple[int, int]):
        self.conditions = conditions
        self.found = [np.zeros(shape, bool) for _ in conditions]
        self.dates = [np.full(shape, np.inf) for _ in conditions]
        self.prev = [np.full(shape, -np.inf) for _ in conditions]

    def update(self, j: int, grid: np.ndarray, log_r: np.ndarray, log_m: np.ndarray) -> None:
        for i, (quantity, level) in enumerate(self.conditions):
            q = log_r if quantity == "research_throughput" else log_m
            level_log = np.log(level)
            new = ~self.found[i] & (q >= level_log)
            if j == 0:
                self.dates[i][new] = grid[0]
            elif new.any():
                q0 = self.prev[i][new]
                self.dates[i][new] = log_passage(level_log, q0, q[new], grid[j - 1], grid[j])
            self.found[i] |= new
            self.prev[i] = q


class _Crossings:
    """Real dates at which effective time passes each engineering condition's date."""

    def __init__(self, t_eff: np.ndarray, shape: tuple[int, int], t0: float):
        self.t_eff = np.broadcast_to(t_eff[:, None, :], (t_eff.shape[0], *shape))
        self.dates = np.where(self.t_eff <= t0, self.t_eff, np.inf)
        self.pending = np.isfinite(self.t_eff) & (self.t_eff > t0)

    def update(self, j: int, grid: np.ndarray, tau_prev: np.ndarray, tau: np.ndarray) -> None:
        hit = self.pending & (tau[None] >= self.t_eff)
        if hit.any():
            v0 = np.broadcast_to(tau_prev[None], hit.shape)[hit]
            v1 = np.broadcast_to(tau[None], hit.shape)[hit]
            self.dates[hit] = linear_passage(self.t_eff[hit], v0, v1, grid[j - 1], grid[j])
            self.pending &= ~hit


def _stepped(
    table: Table, c: Constants, shape: tuple[int, int], record: bool
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray] | None]:
    """Dates with feedback, engineering (cell, draw, K) and residual (cell, draw, R),
    stepping (9) month by month from tau(t0) = t0; the trajectories (cell, draw, T) if
    ``record``."""
    grid, m = table.grid, table.grid.size
    passages = _Passages(table.residual, shape)
    crossings = _Crossings(table.engineering, shape, grid[0])
    traj = {v: np.empty((*shape, m)) for v in TRAJECTORY_UNITS} if record else None
    tau = np.full(shape, grid[0])
    tau_prev = tau
    for j in range(m):
        a = eq.automatable_share(table.horizon_curve.log_at(tau), c)
        s_e = eq.engineering_speedup(a, c)
        log_v = eq.log_volume(grid[j] - table.start, s_e, c)
        log_r = eq.log_throughput(log_v, tau - table.start, c)
        mult = eq.rd_multiplier(s_e, log_r, c)
        passages.update(j, grid, log_r, np.log(mult))
        if j > 0:
            crossings.update(j, grid, tau_prev, tau)
        if traj is not None:
            vol = np.exp(log_v)
            r = eq.throughput(vol, tau - table.start, c)
            for v, x in zip(TRAJECTORY_UNITS, (a, s_e, vol, r, mult, tau)):
                traj[v][:, :, j] = x
        tau_prev = tau
        if j + 1 < m:
            tau = tau + eq.effective_step(mult, c)
    eng = np.moveaxis(crossings.dates, 0, -1)
    res = np.stack(passages.dates, axis=-1) if passages.dates else np.empty((*shape, 0))
    return eng, res, traj


# ---------------------------------------------------------------- one cell, as xarray


def trajectory_dataset(traj: dict[str, np.ndarray], table: Table, draw: np.ndarray) -> xr.Dataset:
    """One cell's trajectories with dims (draw, time) and units."""
    dims = ("draw", "time")
    return xr.Dataset(
        {
            v: (dims, np.ascontiguousarray(traj[v][0]), {"units": u})
            for v, u in TRAJECTORY_UNITS.items()
        },
        coords={"draw": draw, "time": table.grid},
    )


def trajectories(
    curves: xr.Dataset, sc: Scenario, inputs: xr.Dataset, start: float, horizon: float
) -> xr.Dataset:
    """Residual trajectories of a scenario with dims (draw, time) for given per-draw
    ``inputs`` (as from :func:`draw_inputs`): one recorded cell of :func:`solve`."""
    table = build(curves, sc, 0, start, horizon)
    p = {str(k): inputs[k].values[None, :] for k in inputs.data_vars}
    p["r0"] = p.pop("research_throughput_now")
    p["log_r0"] = np.log(p["r0"])
    sol = solve(table, p, 1, record=True)
    assert sol.trajectories is not None
    return trajectory_dataset(sol.trajectories, table, curves["draw"].values)


# ---------------------------------------------------------------- first passages on a given path


def first_time(values: np.ndarray, grid: np.ndarray, level: float) -> np.ndarray:
    """First grid-interpolated time each row of ``values`` (draw, time) reaches ``level``;
    +inf if never. Linear interpolation on the log scale between grid points."""
    hit = values >= level
    any_hit = hit.any(axis=1)
    j = np.argmax(hit, axis=1)
    out = np.full(values.shape[0], np.inf)
    out[any_hit & (j == 0)] = grid[0]
    mid = any_hit & (j > 0)
    jj = j[mid]
    with np.errstate(divide="ignore"):
        q0, q1 = np.log(values[mid, jj - 1]), np.log(values[mid, jj])
    out[mid] = log_passage(np.log(level), q0, q1, grid[jj - 1], grid[jj])
    return out


def effective_to_real(tau: np.ndarray, grid: np.ndarray, t_eff: np.ndarray) -> np.ndarray:
    """Real date at which each draw's effective engineering time ``tau`` (draw, time)
    reaches ``t_eff``. Before the start date effective time equals real time; +inf stays
    +inf; beyond the grid is +inf."""
    out = np.where(t_eff <= grid[0], t_eff, np.inf)
    todo = np.isfinite(t_eff) & (t_eff > grid[0])
    if todo.any():
        tt, target = tau[todo], t_eff[todo]
        hit = tt >= target[:, None]
        any_hit = hit.any(axis=1)
        j = np.argmax(hit, axis=1)
        res = np.full(tt.shape[0], np.inf)
        ok = any_hit & (j > 0)
        jj = j[ok]
        res[ok] = linear_passage(target[ok], tt[ok, jj - 1], tt[ok, jj], grid[jj - 1], grid[jj])
        res[any_hit & (j == 0)] = grid[0]
        out[todo] = res
    return out
