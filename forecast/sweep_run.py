"""Running a sweep: chunks of cells on Dask (a LocalCluster by default, a user's scheduler by
address, or synchronously), checkpointed as they finish, resumable, gathered into one
xarray Dataset."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

from .dask_client import dask_client
from .errors import ForecastError
from .io import write_json, write_with
from .output import make_dir
from .results_base import Diagnostics
from .results_sweep import SweepSummary, sweep_summary
from .scenario import PARAMS
from .settings import FOCUS_YEAR
from .sweep import QUANTILES, DrawTable, Sweep, evaluate
from .sweep_design import axis_factor

CHUNK = 50  # cells per task


def _eval_chunk(table: DrawTable, names: list[str], cells: np.ndarray) -> dict:
    return evaluate(table, names, cells)


class Progress:
    """Cells done, rate and time left, on stderr (one updating line on a terminal)."""

    def __init__(self, total: int, done: int, quiet: bool):
        self.total, self.done, self.quiet = total, done, quiet
        self.start_done, self.t0, self.last = done, time.perf_counter(), 0.0
        self.tty = sys.stderr.isatty()

    def update(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.quiet or (not self.tty and now - self.last < 5 and self.done < self.total):
            return
        self.last = now
        rate = (self.done - self.start_done) / max(now - self.t0, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        msg = (
            f"sweep: {self.done}/{self.total} cells ({100 * self.done / self.total:.0f} %), "
            f"{rate:.0f} cells/s, {left:.0f} s left"
        )
        print(
            ("\r" + msg) if self.tty else msg,
            end="" if self.tty else "\n",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.tty and not self.quiet:
            print(file=sys.stderr)


def run_cells(
    table: DrawTable,
    sweep: Sweep,
    checkpoint: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    synchronous: bool = False,
    resume: bool = False,
    quiet: bool = False,
    key: str = "",
    chunk: int = CHUNK,
) -> dict:
    """Evaluate every cell in chunks of ``chunk`` cells, checkpointing each finished chunk;
    return the gathered arrays (leading dim ``cell``)."""
    n = sweep.n_cells
    chunks = [(k, slice(i, min(i + chunk, n))) for k, i in enumerate(range(0, n, chunk))]
    done = {k for k, _ in chunks if _chunk_file(checkpoint, k).exists()}
    todo = [(k, s) for k, s in chunks if k not in done]
    with contextlib.ExitStack() as stack:
        client = None
        if todo and not synchronous:  # reach the cluster before the first byte is written
            n_workers = workers or min(os.cpu_count() or 1, max(1, len(todo)))
            client = stack.enter_context(dask_client(n_workers, scheduler))
        _open_checkpoints(checkpoint, resume, key, n, chunk)
        _evaluate(table, sweep, checkpoint, todo, client, Progress(
            n, sum(s.stop - s.start for k, s in chunks if k in done), quiet
        ))  # fmt: skip
    parts = []
    for k, _ in chunks:
        with np.load(_chunk_file(checkpoint, k)) as z:
            parts.append({name: z[name] for name in z.files})
    return {name: np.concatenate([p[name] for p in parts], axis=0) for name in parts[0]}


def _evaluate(table, sweep, checkpoint, todo, client, prog) -> None:
    """Evaluate the chunks ``todo`` in this process (``client`` None) or on the cluster,
    checkpointing each as it finishes."""

    def save(k: int, res: dict) -> None:
        def w(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, **res)

        write_with(_chunk_file(checkpoint, k), w)

    if client is None:
        for k, s in todo:
            save(k, _eval_chunk(table, sweep.names, sweep.cells[s]))
            prog.update(s.stop - s.start)
    elif todo:
        t = client.scatter(table, broadcast=True)
        futures = {
            client.submit(_eval_chunk, t, sweep.names, sweep.cells[s], pure=False): (k, s)
            for k, s in todo
        }
        from dask.distributed import as_completed

        for fut, res in as_completed(futures, with_results=True):
            k, s = futures[fut]
            save(k, res)
            prog.update(s.stop - s.start)
    prog.close()


def _chunk_file(checkpoint: Path, k: int) -> Path:
    return checkpoint / f"chunk-{k:06d}.npz"


def _open_checkpoints(checkpoint: Path, resume: bool, key: str, n: int, chunk: int) -> None:
    """Refuse checkpoints of another sweep, or reuse without --resume; write the manifest."""
    manifest = checkpoint / "manifest.json"
    if checkpoint.exists() and any(checkpoint.iterdir()):
        old = json.loads(manifest.read_text()) if manifest.exists() else {}
        if not resume:
            raise ForecastError(
                "holds checkpoints of an earlier sweep; pass --resume to continue "
                "it or --force to start again",
                str(checkpoint),
            )
        if old.get("key") != key:
            raise ForecastError(
                "the checkpoints belong to a different sweep (file, data, priors, "
                "seed or draws changed); pass --force to start again",
                str(checkpoint),
            )
    make_dir(checkpoint, checkpoint.parent)  # a folder it cannot make is a user error (exit 2)
    write_json(manifest, {"key": key, "cells": n, "chunk": chunk})


def to_dataset(sweep: Sweep, table: DrawTable, res: dict, attrs: dict) -> xr.Dataset:
    """Cells x events x years -> a Dataset with one dim per axis (grid) or a ``cell`` dim."""
    ev = np.array(table.events, dtype=str)
    cell = np.arange(sweep.n_cells)
    ds = xr.Dataset(
        {
            "p_by_year": (
                ("cell", "event", "year"),
                res["p"],
                {"long_name": "P(event by end of year)"},
            ),
            "p_by_year_mcse": (("cell", "event", "year"), res["mcse"]),
            "date_quantile": (
                ("cell", "event", "quantile"),
                res["quantiles"],
                {"units": "decimal year; NaN = not by horizon"},
            ),
            "p_not_by_horizon": (("cell", "event"), res["p_never"]),
            "p_not_by_horizon_mcse": (("cell", "event"), res["p_never_mcse"]),
        },
        coords={
            "cell": cell,
            "event": ev,
            "year": np.array(table.years),
            "quantile": np.array(QUANTILES),
            **{name: ("cell", sweep.cells[:, i]) for i, name in enumerate(sweep.names)},
        },
    )
    _units(ds, sweep)
    if sweep.spec.design == "grid":
        if len(sweep.names) == 1:  # one axis: no multi-index to unstack
            ds = ds.swap_dims(cell=sweep.names[0]).drop_vars("cell")
        else:
            ds = ds.set_index(cell=sweep.names).unstack("cell")
        _units(ds, sweep)
    ds.attrs.update(attrs)
    return ds


def _units(ds: xr.Dataset, sweep: Sweep) -> None:
    """Each axis coordinate's canonical unit, and the unit the sweep file gave it in
    (``file_unit``, with ``file_factor`` = canonical value per file-unit value)."""
    for name in sweep.names:
        unit = sweep.spec.axes[name].unit
        ds[name].attrs.update(
            units=PARAMS[name].canonical,
            file_unit=unit or PARAMS[name].canonical,
            file_factor=axis_factor(name, unit, sweep.path),
        )


def axis_effects(ds: xr.Dataset, names: list[str], event: str, year: int) -> dict[str, float]:
    """Per axis of a grid sweep, the largest change in P(event by end of ``year``) along
    that axis with every other axis held fixed (probability, 0-1); 0 = no effect."""
    da = ds["p_by_year"].sel(event=event, year=year)
    return {n: round(float((da.max(n) - da.min(n)).max()), 6) for n in names}


def heatmap_axes(effects: dict[str, float]) -> list[str]:
    """The two axes with the largest effect, in file order when tied."""
    order = sorted(effects, key=lambda n: -effects[n])
    return order[:2]


def results(
    sweep: Sweep, table: DrawTable, res: dict, attrs: dict, diagnostics: Diagnostics
) -> tuple[xr.Dataset, SweepSummary]:
    """The gathered arrays as a Dataset (sweep.nc) and the summary written to sweep.json:
    per event the range of P(by end of the focus year) across cells."""
    focus = FOCUS_YEAR  # names the summary's keys (results_sweep.SweepEvent)
    ds = to_dataset(sweep, table, res, attrs)
    p = ds["p_by_year"].sel(year=focus) if focus in ds["year"].values else None
    meta = {
        "title": sweep.spec.title,
        "cells": sweep.n_cells,
        "axes": sweep.names,
        "design": sweep.spec.design,
        "provenance": {k: v for k, v in attrs.items() if k != "diagnostics"},
        "diagnostics": diagnostics.model_dump(mode="json"),
        "events": {
            ev: {
                f"p_by_{focus}_min": round(float(p.sel(event=ev).min()), 6),
                f"p_by_{focus}_max": round(float(p.sel(event=ev).max()), 6),
                **(
                    {"effect_by_axis": axis_effects(ds, sweep.names, ev, focus)}
                    if sweep.spec.design == "grid"
                    else {}
                ),
            }
            for ev in table.events
        }
        if p is not None
        else {},
    }
    return ds, sweep_summary(meta)


def write_results(out: Path, sweep: Sweep, ds: xr.Dataset, summary: SweepSummary) -> list[Path]:
    """Write sweep.nc, sweep.csv (one row per cell and event) and sweep.json atomically."""
    from .io import write_csv

    paths = [out / n for n in ("sweep.nc", "sweep.csv", "sweep.json")]
    header, rows = summary_rows(ds, sweep.names)
    write_with(paths[0], lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
    write_csv(paths[1], header, rows)
    write_json(paths[2], summary.as_json())
    return paths


def run_key(sweep: Sweep, posterior_hash: str, seed: int, extra: dict) -> str:
    body = {"sweep": sweep.digest, "posterior": posterior_hash, "seed": seed, **extra}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]


def summary_rows(
    ds: xr.Dataset, names: list[str], focus: int = FOCUS_YEAR
) -> tuple[list[str], list[list]]:
    """One CSV row per cell and event: parameters, P(by focus year) +- MCSE, quantile dates."""
    from .dates import from_years

    flat = ds.stack(cell=names) if ds.attrs.get("design") == "grid" else ds
    header = [
        *names,
        "event",
        f"p_by_{focus}",
        f"mcse_by_{focus}",
        "q10",
        "median",
        "q90",
        "p_not_by_horizon",
    ]
    rows = []
    p = flat["p_by_year"].sel(year=focus).transpose("cell", "event").values
    se = flat["p_by_year_mcse"].sel(year=focus).transpose("cell", "event").values
    q = flat["date_quantile"].transpose("cell", "event", "quantile").values
    nv = flat["p_not_by_horizon"].transpose("cell", "event").values
    params = np.stack([flat[n].values for n in names], axis=1)
    events = list(flat["event"].values)
    for i in range(p.shape[0]):
        for j, ev in enumerate(events):
            dates = [str(d) if not np.isnat(d) else "" for d in from_years(q[i, j])]
            rows.append(
                [f"{v:.6g}" for v in params[i]]
                + [ev, f"{p[i, j]:.6f}", f"{se[i, j]:.6f}", *dates, f"{nv[i, j]:.6f}"]
            )
    return header, rows


def clear(checkpoint: Path) -> None:
    shutil.rmtree(checkpoint, ignore_errors=True)
