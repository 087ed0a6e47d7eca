"""One reading of the research residual applied to a posterior: residual trajectories,
composite-event dates with their binding conditions, and the reference claims."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from . import distributions, residual
from .claims import verdict as claim_verdict
from .dates import parse_period
from .errors import ForecastError
from .events import Condition, composite, condition_dates, parse_condition
from .forward import dates_dataset
from .observations import Observation
from .scenario import Scenario, default_dir
from .series_choice import read_on
from .summary import iso_date, prob_with_mcse
from .thresholds import Plan, parse_horizon
from .trajectories import crossing_time

TRAJECTORY_VARS = ("rd_multiplier", "research_throughput", "engineering_speedup")


@dataclass(frozen=True)
class EventColumns:
    """A composite event and, per condition, its column in residual.Solution.dates."""

    id: str
    title: str
    conditions: list[Condition]
    columns: list[int]


def start_of(sc: Scenario) -> float:
    mid, sd = parse_period(sc.spec.start, f"{sc.path}: start")
    return mid - np.sqrt(3) * sd  # the start of the given period


def scenario_table(
    curves: xr.Dataset,
    sc: Scenario,
    rows: list[Observation],
    seed: int,
    horizon: float,
    extra: list[np.ndarray] | None = None,
) -> tuple[residual.Table, list[EventColumns]]:
    """The residual table of a scenario's composite events on a posterior. Its columns: the
    ``extra`` engineering dates (draw,) given, then every engineering condition's closed-form
    (effective-time) date, then the distinct residual conditions."""
    eng: list[np.ndarray] = list(extra or [])
    res: list[tuple[str, float]] = []
    parsed = []
    for ev in sc.spec.events:
        conds = [parse_condition(c, rows, f"{sc.path}: events.{ev.id}") for c in ev.all_of]
        cols = []
        for c in conds:
            if c.kind == "residual":
                if (c.target, c.value) not in res:
                    res.append((c.target, c.value))
                cols.append(-1 - res.index((c.target, c.value)))
            else:
                eng.append(condition_dates(c, curves, None))
                cols.append(len(eng) - 1)
        parsed.append((ev, conds, cols))
    k = len(eng)
    events = [
        EventColumns(ev.id, ev.title, conds, [i if i >= 0 else k - 1 - i for i in cols])
        for ev, conds, cols in parsed
    ]
    table = residual.build(
        curves, sc, seed, start_of(sc), horizon, np.stack(eng) if eng else None, res,
        horizon_series(sc, rows),
    )  # fmt: skip
    return table, events


def horizon_series(sc: Scenario, rows: list[Observation]) -> str:
    """The series the scenario's METR horizon is read on (:mod:`forecast.series_choice`)."""
    name = sc.spec.residual.horizon_benchmark
    where = f"{sc.path}: residual.horizon_benchmark"
    found = read_on(name, rows, where)
    if found is None:
        raise ForecastError(f"no observations of {name!r}", where)
    return found[1]


def _check(plan: Plan, sc: Scenario, rows: list[Observation]) -> None:
    if start_of(sc) >= plan.horizon:
        raise ForecastError(f"key 'start' ({sc.spec.start}) is not before the horizon", sc.path)
    horizon_series(sc, rows)
    ids = {t.id for t in plan.thresholds}
    for ev in sc.spec.events:
        if ev.id in ids:
            raise ForecastError(f"event id {ev.id!r} is also a threshold id", sc.path)


def dates(
    curves: xr.Dataset, plan: Plan, sc: Scenario, rows: list[Observation], seed: int
) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset, dict]:
    """(dates with dims draw x event, residual inputs, residual trajectories, binding shares):
    the scenario as one cell of the residual evaluation a sweep runs."""
    _check(plan, sc, rows)
    t_eff = [crossing_time(curves, t.series, t.value) for t in plan.thresholds]
    table, events = scenario_table(curves, sc, rows, seed, plan.horizon, t_eff)
    p = residual.cell_params(table, [], np.empty((1, 0)))
    sol = residual.solve(table, p, 1, record=True)
    assert sol.trajectories is not None
    cond = sol.dates[0]  # (draw, condition)
    cols = [cond[:, i] for i in range(len(t_eff))]  # the thresholds' columns come first
    binding = {}
    for ev in events:
        d = cond[:, ev.columns]
        when, credit = composite(d, plan.horizon)
        cols.append(when)
        binding[ev.id] = _binding(ev, d, credit, plan.horizon, start_of(sc))
    times = np.stack(cols, axis=1)
    times = np.where(times <= plan.horizon, times, np.inf)
    ds = _dates_dataset(curves, plan, sc, times, events)
    traj = residual.trajectory_dataset(sol.trajectories, table, curves["draw"].values)
    return ds, residual.inputs_dataset(p), traj, binding


def _binding(
    ev: EventColumns, d: np.ndarray, credit: np.ndarray, horizon: float, start: float
) -> dict:
    """Per condition: the share of draws in which it is met last (binding), its median date,
    and the share of draws in which it is already met at the scenario's start (such a
    condition is met, not binding, unless every condition is)."""
    d_h = np.where(d <= horizon, d, np.inf)
    return {
        "conditions": [c.text for c in ev.conditions],
        "met_at_start": {
            c.text: round(float((d[:, i] <= start).mean()), 6) for i, c in enumerate(ev.conditions)
        },
        "binding_shares": {
            c.text: round(float(credit[:, i].mean()), 6) for i, c in enumerate(ev.conditions)
        },
        "condition_medians": {
            c.text: iso_date(float(np.quantile(d_h[:, i], 0.5, method="inverted_cdf")))
            for i, c in enumerate(ev.conditions)
        },
    }


def _dates_dataset(
    curves: xr.Dataset, plan: Plan, sc: Scenario, times: np.ndarray, events: list[EventColumns]
) -> xr.Dataset:
    """The thresholds' and the composite events' dates (composites: benchmark
    ``composite``, no threshold value), tagged with the scenario and its reading."""
    labels = [(t.id, t.series, t.value, t.title) for t in plan.thresholds]
    labels += [(e.id, "composite", np.nan, e.title) for e in events]
    ds = dates_dataset(curves, plan, times, labels)
    ds.attrs.update(scenario=sc.name, reading=sc.spec.reading)
    return ds


def _q3(x: np.ndarray, nd: int = 3) -> dict:
    q = np.quantile(x, [0.1, 0.5, 0.9])
    return {
        "median": round(float(q[1]), nd),
        "q10": round(float(q[0]), nd),
        "q90": round(float(q[2]), nd),
    }


def residual_summary(inputs: xr.Dataset, traj: xr.Dataset, years: list[int]) -> dict:
    """Residual inputs and trajectories at the end of each report year, in human units."""
    grid = traj["time"].values
    out = {
        "inputs": {k: _q3(inputs[k].values, 5) for k in inputs.data_vars},
        "alignment_researchers_gain": round(inputs.attrs["aar_gain"], 4),
        "trajectories": {},
    }
    for v in TRAJECTORY_VARS:
        per_year = {}
        for y in years:
            j = np.searchsorted(grid, y + 1.0 - 1e-9)
            if j < grid.size:
                per_year[str(y)] = _q3(traj[v].values[:, j], 3)
        out["trajectories"][v] = {"units": traj[v].attrs["units"], "by_end_of_year": per_year}
    return out


def trajectory_quantiles(traj: xr.Dataset) -> xr.Dataset:
    """10/50/90 % bands over draws of the residual trajectories, dims (quantile, time)."""
    return traj[list(TRAJECTORY_VARS)].quantile([0.1, 0.5, 0.9], dim="draw")


def load_references(path: Path | None = None, series: dict[str, bool] | None = None) -> list[dict]:
    """The published claims (``scenarios/references.toml``), validated (:mod:`forecast.claims`;
    ``series``: the series a parameter claim may name, see
    :func:`forecast.claims_parameter.known_series`)."""
    from .claims import load
    from .scenario import shipped_readings

    return load(path or default_dir() / "references.toml", series, shipped_readings())


def references(d: xr.Dataset, sc: Scenario | None, claims: list[dict]) -> list[dict]:
    """The engine's P(event by the claim's date) beside each published event claim, with a
    verdict (claims on a growth parameter are :mod:`forecast.claims_parameter`'s). A claim
    conditional on a reading (``given_reading``) is judged only under a scenario of it."""
    out = []
    n_chain = d.attrs["n_chain"]
    for c in claims:
        if c.get("event") not in list(d["event"].values):
            continue
        given = c.get("given_reading")
        if given is not None and (sc is None or sc.spec.reading != given):
            continue
        by = parse_horizon(c["by"], f"claim {c['id']}")
        t = d["crossing_year"].sel(event=c["event"]).values
        p_arr, se_arr = prob_with_mcse((t <= by)[:, None], n_chain)
        p, se = float(p_arr[0]), float(se_arr[0])
        extra = {}
        if "median_from" in c:  # P by the start of the claimed median range, too
            start = parse_horizon(c["median_from"], f"claim {c['id']}")
            pf, sef = prob_with_mcse((t <= start)[:, None], n_chain)
            extra = {
                "engine_p_from": round(float(pf[0]), 6),
                "engine_mcse_from": round(float(sef[0]), 6),
            }
        verdict = claim_verdict(
            c, p, se, extra.get("engine_p_from", 0.0), extra.get("engine_mcse_from", 0.0)
        )
        assumptions = (
            "the growth models alone"
            if sc is None or d["benchmark"].sel(event=c["event"]).item() != "composite"
            else (
                f"{sc.spec.title}: elasticity {describe_scenario(sc, 'elasticity')}, research share "
                f"{describe_scenario(sc, 'research_share')}, compute doubling {describe_scenario(sc, 'compute_doubling')} "
                f"years, research growth {describe_scenario(sc, 'research_growth')} per year, "
                f"feedback {describe_scenario(sc, 'feedback')}, R&D multiplier cap {describe_scenario(sc, 'multiplier_cap')}"
            )
        )
        out.append(
            {
                **c,
                "engine_p": round(p, 6),
                "engine_mcse": round(se, 6),
                **extra,
                "verdict": verdict,
                "under": assumptions,
            }
        )
    return out


def describe_scenario(sc: Scenario, name: str) -> str:
    p = sc.params[name]
    return distributions.describe(p.dist, p.numbers())
