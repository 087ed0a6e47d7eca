"""The xarray results the report's figures are drawn from, and their file (``results.nc``).

:func:`results_tree` packs the results of every reading (all from one posterior) into a
DataTree: the growth-curve parameters per draw (``/curves``), the observation table
(``/observations``), the reference claims (``/claims``) and one group per reading
(``/readings/reading-<i>``) holding the event dates per draw (decimal years), the
R&D-multiplier bands and the binding-condition shares. Figures read this tree only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .claims import bound
from .io import write_with
from .results import Event
from .settings import FOCUS_YEAR

TRAJ_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _str_coords(ds: xr.Dataset) -> xr.Dataset:
    """Object-dtype string arrays as fixed strings, so they survive netCDF."""
    for name in list(ds.variables):
        if ds[name].dtype == object:
            ds[name] = ds[name].astype(str)
    return ds


def _claims(claims: Sequence[dict], known: set[str]) -> xr.Dataset:
    """The reference claims on events the report holds (``by``: decimal year)."""
    from .thresholds import parse_horizon

    cl = [c for c in claims if c.get("event") in known]  # claims on a parameter have none
    return xr.Dataset(
        {
            "event": ("claim", np.array([c["event"] for c in cl], dtype=str)),
            "by": ("claim", np.array([parse_horizon(c["by"], c["id"]) for c in cl], dtype=float)),
            "by_text": ("claim", np.array([c["by"] for c in cl], dtype=str)),
            "median_from_text": (
                "claim",
                np.array([c.get("median_from", "") for c in cl], dtype=str),
            ),
            "median_from": (
                "claim",
                np.array(
                    [
                        parse_horizon(c["median_from"], c["id"]) if "median_from" in c else np.nan
                        for c in cl
                    ],
                    dtype=float,
                ),
            ),
            "p_bound": ("claim", np.array([bound(c)[1] for c in cl], dtype=float)),
            "bound_op": ("claim", np.array([bound(c)[0] for c in cl], dtype=str)),
            "who": ("claim", np.array([c["who"] for c in cl], dtype=str)),
            "claim_text": ("claim", np.array([c["claim"] for c in cl], dtype=str)),
        },
        coords={"claim": np.array([c["id"] for c in cl], dtype=str)},
    )


def _binding(ds: xr.Dataset, events: Mapping[str, Event]) -> xr.Dataset:
    """Add the (composite_event, condition) binding shares of a reading's composite events."""
    comp = {ev: e.binding_shares for ev, e in events.items() if e.binding_shares is not None}
    if not comp:
        return ds
    conds = list(dict.fromkeys(c for shares in comp.values() for c in shares))
    arr = np.full((len(comp), len(conds)), np.nan)
    for j, shares in enumerate(comp.values()):
        for c, share in shares.items():
            arr[j, conds.index(c)] = share
    ds["binding_share"] = (
        ("composite_event", "condition"),
        arr,
        {
            "meaning": "share of draws in which the condition was the last to "
            "hold (NaN: not a condition of that event)"
        },
    )
    return ds.assign_coords(
        composite_event=np.array(list(comp), dtype=str),
        condition=np.array(conds, dtype=str),
    )


def _reading(name: str, res: Any) -> xr.Dataset:
    """One reading's group: event dates per draw, R&D-multiplier bands, binding shares."""
    d = res.dates
    ds = xr.Dataset(
        {
            "crossing_year": (
                ("draw", "event"),
                d["crossing_year"].values,
                {"units": "decimal year; inf = not by horizon"},
            )
        },
        coords={
            "draw": d["draw"].values,
            "chain": ("draw", d["chain"].values),
            "event": d["event"].values.astype(str),
            "event_benchmark": ("event", d["benchmark"].values.astype(str)),
            "threshold": ("event", d["threshold"].values.astype(float)),
            "title": ("event", d["title"].values.astype(str)),
        },
    )
    sc = res.run.scenario
    ds.attrs = {
        "name": name,
        "title": sc.title if sc else name,
        "reading": sc.reading if sc else "",
        "digest": sc.digest if sc else "",
        "horizon": res.plan.horizon_text,
        "horizon_year": float(res.plan.horizon),
        "n_chain": int(d.attrs["n_chain"]),
    }
    if res.trajectories is not None:
        q = res.trajectories["rd_multiplier"].quantile(list(TRAJ_QUANTILES), dim="draw")
        ds["rd_multiplier"] = q.rename({"time": "traj_time"}).assign_attrs(
            units="overall R&D speed vs human-only"
        )
        r = res.trajectories["research_throughput"].quantile(list(TRAJ_QUANTILES), dim="draw")
        ds["research_throughput"] = r.rename({"time": "traj_time"}).assign_attrs(
            units="AI notable-discovery rate / human rate"
        )
    return _binding(ds, res.run.events)


def results_tree(results: dict, claims: Sequence[dict] = ()) -> xr.DataTree:
    """The xarray results the report's figures are drawn from.

    ``results`` maps a reading's name to a :class:`forecast.pipeline.Result`; all must come
    from one posterior (as ``forecast report`` makes them). ``claims`` are the reference
    claims (``scenarios/references.toml``) drawn on the date CDFs.
    """
    names = list(results)
    first = results[names[0]]
    curves = first.curves.copy()
    curves = _str_coords(curves.assign_coords(family=curves["family"].astype(str)))
    obs = _str_coords(first.posterior["observations"].to_dataset().copy())
    tree: dict[str, xr.Dataset] = {"/curves": curves, "/observations": obs}
    known = set().union(*(set(map(str, r.dates["event"].values)) for r in results.values()))
    tree["/claims"] = _claims(claims, known)
    for i, name in enumerate(names):
        tree[f"/readings/reading-{i}"] = _reading(name, results[name])
    root = xr.Dataset()
    root.attrs = {
        "readings": json.dumps(names),
        "focus_year": FOCUS_YEAR,
        "horizon_year": max(float(r.plan.horizon) for r in results.values()),
        "horizon": first.plan.horizon_text,
        "forecast_version": first.run.forecast_version,
        "posterior_hash": first.run.provenance.posterior_hash,
    }
    tree["/"] = root
    return xr.DataTree.from_dict(tree)


def readings(results: xr.DataTree) -> dict[str, xr.Dataset]:
    """Reading name -> its dataset, in the order given to the report."""
    groups = results["readings"].children
    out = {}
    for key in sorted(groups, key=lambda k: int(k.rsplit("-", 1)[1])):
        ds = groups[key].to_dataset()
        out[ds.attrs["name"]] = ds
    return out


def save_results(tree: xr.DataTree, path: Path) -> None:
    write_with(path, lambda tmp: tree.to_netcdf(tmp, engine="h5netcdf"))


def load_results(path: str | Path) -> xr.DataTree:
    with xr.open_datatree(path, engine="h5netcdf") as dt:
        return dt.load()
