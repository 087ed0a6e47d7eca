"""`forecast sweep` and `forecast sensitivity` (registered by forecast.cli)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import _guard, _inputs, _strict, fit_options
from .errors import ForecastError


def _prepare(
    file,
    data,
    no_bundled,
    variants,
    priors_dir,
    seed,
    draws,
    tune,
    chains,
    sampler,
    cache_dir,
    refit,
    quiet,
    horizon,
):
    from .pipeline import fit_posterior
    from .sweep import build_table, load
    from .thresholds import load_plan
    from .trajectories import curves

    sw = load(file, seed=seed)
    inp = _inputs(data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler)
    plan, _ = load_plan(
        inp.rows,
        [],
        horizon or sw.base.spec.horizon,
        horizon_where=None if horizon else f"{sw.base.path}: horizon",
    )
    dt, _ = fit_posterior(inp, Path(cache_dir) if cache_dir else None, refit, quiet)
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    table = build_table(c, sw.base, inp.rows, plan, seed)
    return sw, inp, dt, table, plan


def execution_options(fn):
    fn = click.option(
        "--workers", type=click.IntRange(1), help="Local Dask workers [default: one per core]."
    )(fn)
    fn = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on an existing Dask cluster, e.g. tcp://127.0.0.1:8786.",
    )(fn)
    fn = click.option(
        "--sync",
        "synchronous",
        is_flag=True,
        help="No Dask: evaluate in this process, in order (for debugging).",
    )(fn)
    return fn


@click.command()
@fit_options
@execution_options
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    required=True,
    help="Writes sweep.nc, sweep.csv, sweep.json and heatmap-<event>.png/.svg here; "
    "checkpoints go to OUT/checkpoints until the sweep is complete.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted sweep from its checkpoints.")
@click.option("--force", is_flag=True, help="Overwrite earlier results and checkpoints in --out.")
@click.option(
    "--heatmap",
    "heat_axes",
    metavar="AXIS,AXIS",
    help="Two axes for the heatmaps "
    "[default: the first two]; other axes are held at their middle value.",
)
@click.option("--horizon", help="As for `run` [default: the base scenario's].")
@click.option("--json", "as_json", is_flag=True, help="Print sweep.json to stdout.")
@_guard
def sweep(
    data,
    no_bundled,
    variants,
    priors_dir,
    seed,
    draws,
    tune,
    chains,
    sampler,
    cache_dir,
    refit,
    strict,
    quiet,
    workers,
    scheduler,
    synchronous,
    file,
    out,
    resume,
    force,
    heat_axes,
    horizon,
    as_json,
):
    """Run a grid or sampled design of scenarios (cells) and gather the results.

    FILE defines a base scenario and axes (see scenarios/sweep-residual.toml). The posterior
    is fitted once and shared with the workers; each cell's result depends only on its
    parameters, so any number of workers gives identical numbers. Finished chunks are
    checkpointed: after an interruption, run the same command with --resume.

    \b
    Examples:
      forecast sweep scenarios/sweep-residual.toml --out sweep/
      forecast sweep scenarios/sweep-residual.toml --out sweep/ --resume
      forecast sweep my-sweep.toml --out s/ --scheduler tcp://127.0.0.1:8786
    """
    from . import __version__
    from .io import dumps_json, write_csv, write_json, write_with
    from .sweep_run import clear, run_cells, run_key, summary_rows, to_dataset

    out = Path(out)
    finals = [out / n for n in ("sweep.nc", "sweep.csv", "sweep.json")]
    if any(p.exists() for p in finals) and not (force or resume):
        raise ForecastError("already holds sweep results; pass --force to overwrite them", str(out))
    if force and (out / "checkpoints").exists():
        clear(out / "checkpoints")
    sw, _inp, dt, table, plan = _prepare(
        file,
        data,
        no_bundled,
        variants,
        priors_dir,
        seed,
        draws,
        tune,
        chains,
        sampler,
        cache_dir,
        refit,
        quiet,
        horizon,
    )
    diag = json.loads(dt.attrs["diagnostics"])
    key = run_key(sw, dt.attrs["posterior_hash"], seed, {"horizon": plan.horizon})
    if not quiet:
        click.echo(
            f"sweep {sw.spec.title}: {sw.n_cells} cells x {table.n_draws} draws, "
            f"{len(table.events)} events",
            err=True,
        )
    res = run_cells(
        table, sw, out / "checkpoints", workers, scheduler, synchronous, resume, quiet, key
    )
    attrs = {
        "forecast_version": __version__,
        "sweep_file": str(file),
        "sweep_hash": sw.digest,
        "design": sw.spec.design,
        "base_scenario": sw.base.path,
        "scenario_hash": sw.base.digest,
        "data_hash": dt.attrs["data_hash"],
        "priors_hash": dt.attrs["priors_hash"],
        "posterior_hash": dt.attrs["posterior_hash"],
        "seed": seed,
        "horizon": plan.horizon_text,
        "diagnostics": json.dumps(diag, sort_keys=True),
    }
    ds = to_dataset(sw, table, res, attrs)
    header, rows = summary_rows(ds, sw.names)
    p28 = ds["p_by_year"].sel(year=2028) if 2028 in ds["year"].values else None
    meta = {
        "title": sw.spec.title,
        "cells": sw.n_cells,
        "axes": sw.names,
        "design": sw.spec.design,
        "provenance": {k: v for k, v in attrs.items() if k != "diagnostics"},
        "diagnostics": diag,
        "events": {
            ev: {
                "p_by_2028_min": round(float(p28.sel(event=ev).min()), 6),
                "p_by_2028_max": round(float(p28.sel(event=ev).max()), 6),
            }
            for ev in table.events
        }
        if p28 is not None
        else {},
    }
    write_with(out / "sweep.nc", lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
    write_csv(out / "sweep.csv", header, rows)
    write_json(out / "sweep.json", meta)
    if sw.spec.design == "grid" and len(sw.names) >= 2:
        from .figures import heatmap

        axes = heat_axes.split(",") if heat_axes else sw.names[:2]
        for a in axes:
            if a not in sw.names:
                raise ForecastError(
                    f"{a!r} is not an axis of this sweep ({', '.join(sw.names)})", "--heatmap"
                )
        for ev in table.events:
            heatmap(ds, ev, axes[0], axes[1], out / f"heatmap-{ev}")
    clear(out / "checkpoints")
    if as_json:
        click.echo(dumps_json(meta), nl=False)
    elif not quiet:
        click.echo(f"wrote {', '.join(str(p) for p in finals)} and heatmaps", err=True)
        for ev, v in meta["events"].items():
            click.echo(
                f"{ev}: P(by end of 2028) ranges from {v['p_by_2028_min']:.3f} to "
                f"{v['p_by_2028_max']:.3f} across {sw.n_cells} cells"
            )
    _strict(diag, strict)


@click.command()
@fit_options
@execution_options
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--samples",
    default=256,
    show_default=True,
    type=click.IntRange(8),
    help="Base samples N (a power of two); N x (axes + 2) cells are evaluated.",
)
@click.option("--event", "event_id", help="The event to analyse [default: the scenario's first].")
@click.option("--horizon", help="As for `run`.")
@click.option("--json", "as_json", is_flag=True, help="Print the indices as JSON.")
@click.option("--out", type=click.Path(file_okay=False), help="Also write sensitivity.json here.")
@_guard
def sensitivity(
    data,
    no_bundled,
    variants,
    priors_dir,
    seed,
    draws,
    tune,
    chains,
    sampler,
    cache_dir,
    refit,
    strict,
    quiet,
    workers,
    scheduler,
    synchronous,
    file,
    samples,
    event_id,
    horizon,
    as_json,
    out,
):
    """Which assumption moves the date most? Sobol indices over a sweep file's axes.

    First-order (S1) and total (ST) variance-based indices, with 95 % confidence
    half-widths, of P(event by end of 2028) and of the event's median date (draws not
    crossing by the horizon count at the horizon), with respect to each axis of FILE taken
    over its [low, high] range (log axes uniformly in log). Parameters are ranked by ST.
    """
    import dataclasses
    import tempfile

    import numpy as np

    from .io import dumps_json, write_json
    from .sensitivity import sobol_indices
    from .sweep import axis_bounds
    from .sweep_run import run_cells

    if samples & (samples - 1):
        raise ForecastError(
            f"{samples} is not a power of two; expected e.g. 128, 256, 512", "--samples"
        )
    sw, _inp, dt, table, plan = _prepare(
        file,
        data,
        no_bundled,
        variants,
        priors_dir,
        seed,
        draws,
        tune,
        chains,
        sampler,
        cache_dir,
        refit,
        quiet,
        horizon,
    )
    ev = event_id or table.events[0]
    if ev not in table.events:
        raise ForecastError(
            f"no event {ev!r} in the base scenario; expected one of {', '.join(table.events)}",
            "--event",
        )
    j = table.events.index(ev)
    bounds = [axis_bounds(n, sw.spec.axes[n], sw.path) for n in sw.names]
    log = [sw.spec.axes[n].spacing == "log" for n in sw.names]

    def model(points: np.ndarray) -> np.ndarray:
        cells_sw = dataclasses.replace(sw, cells=points, grid_values=None)
        with tempfile.TemporaryDirectory() as tmp:
            res = run_cells(
                table,
                cells_sw,
                Path(tmp) / "ck",
                workers,
                scheduler,
                synchronous,
                False,
                quiet,
                "sensitivity",
            )
        p28 = res["p"][:, j, table.years.index(2028)]
        med = np.nan_to_num(res["quantiles"][:, j, 1], nan=plan.horizon)
        return np.stack([p28, med], axis=1)

    out_d = sobol_indices(
        model, sw.names, bounds, log, samples, seed, ["p_by_2028", "median_date_year"]
    )
    result = {
        "sweep_file": str(file),
        "event": ev,
        "seed": seed,
        "posterior_hash": dt.attrs["posterior_hash"],
        **out_d,
    }
    if out:
        write_json(Path(out) / "sensitivity.json", result)
    if as_json:
        click.echo(dumps_json(result), nl=False)
        return
    click.echo(
        f"Sobol indices for {ev} over {', '.join(sw.names)} "
        f"({out_d['n_evaluations']} cells, 95 % confidence half-widths):"
    )
    for name, o in out_d["outputs"].items():
        click.echo(f"\n{name}:")
        if o.get("constant"):
            click.echo(f"  constant ({o['value']:.4g}) over the ranges: no parameter moves it")
            continue
        for rank, p in enumerate(o["ranking"], 1):
            r = o["indices"][p]
            click.echo(
                f"  {rank}. {p:<28} total {r['ST']:.3f} ± {r['ST_conf']:.3f}   "
                f"first-order {r['S1']:.3f} ± {r['S1_conf']:.3f}"
            )


COMMANDS = [sweep, sensitivity]
