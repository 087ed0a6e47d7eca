"""Scenario sweeps: a grid or a sampled design over residual parameters, evaluated on one
posterior with vectorised first passages, on Dask, resumable from checkpoints.

Every cell shares the posterior draws and the random numbers of the base scenario (the
streams are derived from the sweep seed and each input's name, not from the cell), so a
cell's result depends only on its parameter values: the same for any number of workers,
and differences between cells are not Monte Carlo noise. Residual first passages use a
binary search over the monthly grid (the residual quantities are monotone in time), so a
cell costs O(draws x log(months)) instead of O(draws x months); cells with feedback > 0
step the coupled recursion month by month (vectorised over cells and draws).
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import schema
from .errors import ForecastError
from .scenario import PARAMS, UNIT_TABLE, Scenario
from .scenario import load as load_scenario

QUANTILES = (0.1, 0.5, 0.9)


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
        if (self.values is None) == (self.low is None or self.high is None):
            raise ValueError("give either 'values' or both 'low' and 'high'")
        if self.low is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.spacing == "log" and (
            (self.low is not None and self.low <= 0) or (self.values and min(self.values) <= 0)
        ):
            raise ValueError("log spacing needs positive values")
        return self


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


def _factor(name: str, unit: str | None, where: str) -> float:
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
    f = _factor(name, ax.unit, where)
    lo, hi = (min(ax.values), max(ax.values)) if ax.values is not None else (ax.low, ax.high)
    return lo * f, hi * f


def _axis_values(name: str, ax: Axis, where: str) -> np.ndarray:
    f = _factor(name, ax.unit, where)
    if ax.values is not None:
        v = np.array(ax.values, dtype=float)
    elif ax.num is None:
        raise ForecastError(f"key 'axes.{name}': a grid axis with 'low'/'high' needs 'num'", where)
    elif ax.spacing == "log":
        v = np.geomspace(ax.low, ax.high, ax.num)
    else:
        v = np.linspace(ax.low, ax.high, ax.num)
    return v * f


def _check_values(name: str, v: np.ndarray, where: str) -> None:
    spec = PARAMS[name]
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


def load(path: str | Path, seed: int = 1) -> Sweep:
    path = Path(path)
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ForecastError("file not found; expected a sweep TOML file", where) from None
    except (IsADirectoryError, UnicodeDecodeError) as e:
        raise ForecastError(f"cannot read the file ({e})", where) from None
    except tomllib.TOMLDecodeError as e:
        raise ForecastError(f"not valid TOML ({e})", where) from None
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
    base_path = (path.parent / spec.base) if not Path(spec.base).is_absolute() else Path(spec.base)
    base = load_scenario(base_path)
    names = list(spec.axes)
    grid_values = None
    if spec.design == "grid":
        grid_values = {n: _axis_values(n, spec.axes[n], where) for n in names}
        for n, v in grid_values.items():
            _check_values(n, v, where)
        mesh = np.meshgrid(*grid_values.values(), indexing="ij")
        cells = np.stack([m.ravel() for m in mesh], axis=1)
    else:
        bounds = [axis_bounds(n, spec.axes[n], where) for n in names]
        for n, b in zip(names, bounds):
            _check_values(n, np.array(b), where)
        cells = sampled_design(
            bounds, [spec.axes[n].spacing == "log" for n in names], spec.samples, spec.design, seed
        )
    if cells.shape[0] > 5_000_000:
        raise ForecastError(f"{cells.shape[0]} cells; expected at most 5,000,000", where)
    digest = hashlib.sha256(
        json.dumps({"spec": raw, "base": base.digest}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return Sweep(str(path), spec, base, names, cells, grid_values, digest)


# ---------------------------------------------------------------------------------------------
# the per-draw table shared by every cell, and the vectorised cell evaluation


@dataclass
class DrawTable:
    """Everything per posterior draw that does not depend on the cell (sent to workers once)."""

    grid: np.ndarray  # (T,) decimal years
    ln_h: np.ndarray  # (D, T) log METR horizon, minutes
    start: float
    horizon: float
    years: list[int]
    chain_count: int
    events: list[str]
    eng_date: dict[str, np.ndarray]  # event -> (D,) latest engineering-condition date
    eng_conditions: dict[str, np.ndarray]  # event -> (K, D) each condition's (effective) date
    residual_conditions: dict[str, list[tuple[str, float]]]
    horizon_curve: dict  # family, level, rate, accel, ceiling (D,), t_ref: the METR curve
    base_params: dict[str, dict]  # name -> Param as dict (canonical units)
    uniforms: dict[str, np.ndarray]  # name -> (D,) uniforms of the common random numbers
    erdos: tuple[int, int]
    aar: dict
    feedback_used: bool = False
    extra: dict = field(default_factory=dict)


def build_table(curves, sc: Scenario, rows, plan, seed: int) -> DrawTable:
    """Per-draw engineering dates and horizon table for a base scenario on one posterior."""
    from .events import condition_dates, parse_condition
    from .reading import start_of
    from .residual import STEP, _stream
    from .trajectories import value_at

    start = start_of(sc)
    grid = np.arange(start, plan.horizon + STEP / 2, STEP)
    n = curves.sizes["draw"]
    with np.errstate(divide="ignore"):
        ln_h = np.log(value_at(curves, sc.spec.residual.horizon_benchmark, grid))
    eng, eng_k, res = {}, {}, {}
    for ev in sc.spec.events:
        conds = [parse_condition(c, rows, f"{sc.path}: events.{ev.id}") for c in ev.all_of]
        e = [condition_dates(c, curves, None) for c in conds if c.kind != "residual"]
        eng_k[ev.id] = np.stack(e) if e else np.empty((0, n))
        eng[ev.id] = np.max(np.stack(e), axis=0) if e else np.full(n, -np.inf)
        res[ev.id] = [(c.target, c.value) for c in conds if c.kind == "residual"]
    names = [*list(PARAMS), "erdos_yield", "aar_noise"]
    return DrawTable(
        grid=grid,
        ln_h=ln_h,
        start=start,
        horizon=plan.horizon,
        years=list(plan.report_years),
        chain_count=int(curves.attrs["n_chain"]),
        events=[ev.id for ev in sc.spec.events],
        eng_date=eng,
        eng_conditions=eng_k,
        residual_conditions=res,
        horizon_curve=_curve_of(curves, sc.spec.residual.horizon_benchmark),
        base_params={k: sc.params[k].model_dump() for k in PARAMS},
        uniforms={k: _stream(seed, k, n) for k in names},
        erdos=(sc.spec.evidence.erdos.attempts, sc.spec.evidence.erdos.notable),
        aar=sc.spec.evidence.alignment_researchers.model_dump(),
    )


def _curve_of(curves, benchmark: str) -> dict:
    sub = curves.sel(benchmark=benchmark)
    return {
        "family": str(sub["family"].item()),
        "t_ref": float(sub["t_ref"].item()),
        **{k: sub[k].values.copy() for k in ("level", "rate", "accel", "ceiling")},
    }


def _curve_at(hc: dict, t: np.ndarray) -> np.ndarray:
    """The horizon curve at per-draw times ``t`` (C, D)."""
    from .trajectories import curve

    return curve(hc["family"], hc["level"], hc["rate"], hc["ceiling"], hc["accel"], hc["t_ref"], t)


def _feedback_dates(table: DrawTable, p: dict, log_r0: np.ndarray, shape) -> np.ndarray:
    """Composite dates (C, D, E) with feedback: the coupled recursion of
    forecast.residual.trajectories stepped month by month, first passages tracked on the fly
    (the same interpolation as first_time and effective_to_real), vectorised over cells x draws."""
    from .residual import STEP

    b = lambda x: np.broadcast_to(x, shape)  # noqa: E731
    hs, hf, k = b(p["automation_start"]), b(p["automation_full"]), b(p["automated_speed"])
    rho, cap, phi, eps = (
        b(p["research_share"]),
        b(p["multiplier_cap"]),
        b(p["feedback"]),
        b(p["elasticity"]),
    )
    r0 = np.exp(b(log_r0))
    grid, m = table.grid, table.grid.size
    targets = {}  # residual conditions: (target, level) -> [found, date, previous value]
    for ev in table.events:
        for tl in table.residual_conditions[ev]:
            targets.setdefault(tl, [np.zeros(shape, bool), np.full(shape, np.inf), None])
    eng = {
        ev: np.where(
            table.eng_conditions[ev][:, None, :] <= grid[0],
            table.eng_conditions[ev][:, None, :],
            np.inf,
        )
        * np.ones((1, *shape))
        for ev in table.events
    }
    eng_pending = {
        ev: np.isfinite(table.eng_conditions[ev][:, None, :])
        & (table.eng_conditions[ev][:, None, :] > grid[0])
        & np.ones((1, *shape), bool)
        for ev in table.events
    }
    tau = np.full(shape, grid[0])
    tau_prev = tau
    s_e0 = None
    for j in range(m):
        h = _curve_at(table.horizon_curve, tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.log(h / hs) / np.log(hf / hs)
        a = np.clip(np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
        s_e = 1.0 / ((1 - a) + a / k)
        if s_e0 is None:
            s_e0 = s_e
        compute = 2.0 ** ((grid[j] - table.start) / b(p["compute_doubling"]))
        r = r0 * (compute * s_e / s_e0) ** eps
        mult = np.minimum(cap, 1 / ((1 - rho) / s_e + rho / np.maximum(1.0, r)))
        for (target, level), state in targets.items():
            v = r if target == "research_throughput" else mult
            new = ~state[0] & (v >= level)
            if j == 0:
                state[1][new] = grid[0]
            elif new.any():
                v0 = state[2][new]
                with np.errstate(divide="ignore", invalid="ignore"):
                    frac = (np.log(level) - np.log(v0)) / (np.log(v[new]) - np.log(v0))
                frac = np.clip(np.nan_to_num(frac, nan=1.0), 0, 1)
                state[1][new] = grid[j - 1] + frac * (grid[j] - grid[j - 1])
            state[0] |= new
            state[2] = v
        if j > 0:  # engineering conditions: when effective time passes each t_eff
            for ev in table.events:
                t_eff = table.eng_conditions[ev][:, None, :]
                hit = eng_pending[ev] & (tau[None] >= t_eff)
                if hit.any():
                    t0 = np.broadcast_to(tau_prev[None], hit.shape)[hit]
                    t1 = np.broadcast_to(tau[None], hit.shape)[hit]
                    te = np.broadcast_to(t_eff, hit.shape)[hit]
                    frac = np.clip((te - t0) / np.where(t1 > t0, t1 - t0, 1.0), 0, 1)
                    eng[ev][hit] = grid[j - 1] + frac * (grid[j] - grid[j - 1])
                    eng_pending[ev] &= ~hit
        tau_prev = tau
        if j + 1 < m:
            tau = tau + STEP * mult**phi
    out = []
    for ev in table.events:
        d = eng[ev].max(axis=0) if eng[ev].shape[0] else np.full(shape, -np.inf)
        for tl in table.residual_conditions[ev]:
            d = np.maximum(d, targets[tl][1])
        out.append(np.where(d <= table.horizon, d, np.inf))
    return np.stack(out, axis=-1)


def _params(table: DrawTable, names: list[str], cells: np.ndarray) -> dict[str, np.ndarray]:
    """Every residual parameter as an array broadcastable to (cells, draws)."""
    from scipy import stats

    from .residual import draw_param
    from .scenario import Param

    out = {}
    for k in PARAMS:
        if k in names:
            out[k] = cells[:, names.index(k)][:, None]
        else:
            out[k] = draw_param(Param(**table.base_params[k]), k, table.uniforms[k])[None, :]
    a, nb = table.erdos
    out["erdos_yield"] = stats.beta.ppf(table.uniforms["erdos_yield"], nb + 0.5, a - nb + 0.5)[
        None, :
    ]
    return out


def _r0(table: DrawTable, p: dict) -> np.ndarray:
    """log r0 per (cell, draw), as in forecast.residual.draw_inputs (same formula, per cell)."""
    from scipy import stats

    log_r0 = np.log(p["erdos_yield"] * p["attempts_per_year"] / p["human_discoveries_per_year"])
    log_r0 = np.broadcast_to(
        log_r0, np.broadcast_shapes(log_r0.shape, p["elasticity"].shape)
    ).copy()
    aar = table.aar
    if aar["weight"] > 0:
        s_a = aar["sd_at_full_weight"] / np.sqrt(aar["weight"])
        s_e2 = np.var(log_r0, axis=1, keepdims=True)
        gain = s_e2 / (s_e2 + s_a**2)
        noise = s_a * stats.norm.ppf(table.uniforms["aar_noise"])[None, :]
        log_r0 = log_r0 + gain * (np.log(aar["ai_score"] / aar["human_score"]) + noise - log_r0)
    return log_r0


def _constants(table: DrawTable, p: dict, log_r0: np.ndarray, shape) -> dict:
    """Per-(cell, draw) constants of the residual quantities, computed once per chunk."""
    b = lambda x: np.broadcast_to(x, shape)  # noqa: E731
    ln_hs = b(np.log(p["automation_start"]))
    inv_den = b(1.0 / (np.log(p["automation_full"]) - np.log(p["automation_start"])))
    inv_k = b(1.0 / p["automated_speed"])
    c = {
        "ln_hs": ln_hs,
        "inv_den": inv_den,
        "inv_k": inv_k,
        "growth": b(math.log(2) / p["compute_doubling"]),
        "log_r0": b(log_r0),
        "eps": b(p["elasticity"]),
        "rho": b(p["research_share"]),
        "cap": b(p["multiplier_cap"]),
    }
    c["log_se0"] = np.log(_s_e(table.ln_h[:, 0][None, :], c))
    return c


def _s_e(ln_h, c):
    a = np.clip(
        np.nan_to_num((ln_h - c["ln_hs"]) * c["inv_den"], nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0
    )
    return 1.0 / ((1 - a) + a * c["inv_k"])


def _log_quantity(table, c, target, j, d_idx):
    """log of a residual quantity at grid index j (array (C, D)), monotone in j."""
    se = _s_e(table.ln_h[d_idx, j], c)
    log_v = (table.grid[j] - table.start) * c["growth"] + np.log(se) - c["log_se0"]
    log_r = c["log_r0"] + c["eps"] * log_v
    if target == "research_throughput":
        return log_r
    rho = c["rho"]
    m = np.minimum(c["cap"], 1 / ((1 - rho) / se + rho / np.maximum(1.0, np.exp(log_r))))
    return np.log(m)


def _first_passage(table, p, log_r0, target, level, shape) -> np.ndarray:
    """First time (decimal year) each (cell, draw) reaches ``level``: binary search + log-linear
    interpolation between grid points, as forecast.residual.first_time."""
    t_n = table.grid.size
    c = _constants(table, p, log_r0, shape)
    d_idx = np.broadcast_to(np.arange(shape[1])[None, :], shape)
    lo = np.zeros(shape, dtype=np.int64)
    hi = np.full(shape, t_n, dtype=np.int64)
    L = math.log(level)
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = np.minimum((lo + hi) // 2, t_n - 1)
        ok = _log_quantity(table, c, target, mid, d_idx) >= L
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)
    j = lo
    out = np.full(shape, np.inf)
    out[j == 0] = table.grid[0]
    mid = (j > 0) & (j < t_n)
    if mid.any():
        jj = j[mid]
        dd = d_idx[mid]
        sub = {k: v[mid] for k, v in c.items()}
        q1 = _log_quantity(table, sub, target, jj, dd)
        q0 = _log_quantity(table, sub, target, jj - 1, dd)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = (L - q0) / (q1 - q0)
        frac = np.clip(np.nan_to_num(frac, nan=1.0), 0, 1)
        out[mid] = table.grid[jj - 1] + frac * (table.grid[jj] - table.grid[jj - 1])
    return out


def evaluate(table: DrawTable, names: list[str], cells: np.ndarray) -> dict[str, np.ndarray]:
    """Summaries for a chunk of cells: P(by end of year) and MCSE, quantile dates, P(never).

    Returns arrays with leading dim ``cells``: p (C, E, Y), mcse (C, E, Y), quantiles
    (C, E, 3) in decimal years (NaN = not by horizon), p_never (C, E), p_never_mcse (C, E).
    """
    from .summary import prob_with_mcse

    when = cell_dates(table, names, cells)
    # (D, C, E, Y) indicators -> probabilities with MCSE over the draw axis
    ind = np.stack([when <= y + 1 for y in table.years], axis=-1).transpose(1, 0, 2, 3)
    p_y, se_y = prob_with_mcse(ind, table.chain_count)
    p_n, se_n = prob_with_mcse(~np.isfinite(when).transpose(1, 0, 2), table.chain_count)
    q = np.quantile(when, QUANTILES, axis=1, method="inverted_cdf").transpose(1, 2, 0)
    q = np.where(np.isfinite(q), q, np.nan)
    return {"p": p_y, "mcse": se_y, "quantiles": q, "p_never": p_n, "p_never_mcse": se_n}


def cell_dates(table: DrawTable, names: list[str], cells: np.ndarray) -> np.ndarray:
    """Composite dates per (cell, draw, event). Cells without feedback use the binary search;
    cells with feedback > 0 step the coupled recursion (slower, same equations)."""
    p = _params(table, names, cells)
    log_r0 = _r0(table, p)
    shape = (cells.shape[0], table.ln_h.shape[0])
    phi = np.broadcast_to(p["feedback"], shape)
    loop = np.any(phi != 0, axis=1)
    out = np.empty((*shape, len(table.events)))
    if loop.any():
        sub = {k: np.broadcast_to(v, shape)[loop] for k, v in p.items()}
        out[loop] = _feedback_dates(
            table, sub, np.broadcast_to(log_r0, shape)[loop], (int(loop.sum()), shape[1])
        )
    if (~loop).any():
        sub = {k: np.broadcast_to(v, shape)[~loop] for k, v in p.items()}
        lr0 = np.broadcast_to(log_r0, shape)[~loop]
        sh = (int((~loop).sum()), shape[1])
        for k_ev, ev in enumerate(table.events):
            d = np.broadcast_to(table.eng_date[ev][None, :], sh).copy()
            for target, level in table.residual_conditions[ev]:
                d = np.maximum(d, _first_passage(table, sub, lr0, target, level, sh))
            out[~loop, :, k_ev] = np.where(d <= table.horizon, d, np.inf)
    return out
