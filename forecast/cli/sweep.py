"""`forecast sweep` and `forecast sensitivity`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ForecastError
from ..posterior_meta import diagnostics
from ..settings import FOCUS_YEAR
from .options import (
    FitOptions,
    check_strict,
    emit,
    fit_options,
    guard,
    reachable_scheduler,
    shown_default_option,
    writable_out,
)

if TYPE_CHECKING:  # the heavy modules load when a command runs, not at `forecast --help`
    import numpy as np
    import xarray as xr

    from ..results_sweep import SweepSummary
    from ..sweep import DrawTable, Sweep
    from ..thresholds import Plan


@dataclass
class Prepared:
    """A sweep file, the posterior fitted once for it and the per-draw table of its base."""

    sweep: Sweep
    posterior: xr.DataTree
    table: DrawTable
    plan: Plan


def _prepare(file, horizon: str | None, fit: FitOptions, sw: Sweep | None = None) -> Prepared:
    """The sweep of ``file`` (or ``sw``, already loaded), its horizon checked, the posterior
    fitted or reused, and the per-draw table its cells read."""
    from ..pipeline import fit_posterior
    from ..sweep import build_table, load
    from ..thresholds import load_plan
    from ..trajectories import curves

    sw = sw or load(file, seed=fit.seed)
    inp = fit.inputs()
    plan, _ = load_plan(
        inp.rows,
        [],
        horizon if horizon is not None else sw.base.spec.horizon,
        horizon_where=None if horizon is not None else f"{sw.base.path}: horizon",
    )
    dt, _ = fit_posterior(inp, fit.cache, fit.refit, fit.quiet)
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    return Prepared(sw, dt, build_table(c, sw.base, inp.rows, plan, fit.seed), plan)


def execution_options(fn):
    fn = click.option(
        "--workers", type=click.IntRange(1), help="Local Dask workers [default: one per core]."
    )(fn)
    fn = click.option(
        "--scheduler",
        metavar="ADDRESS",
        callback=reachable_scheduler,
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
    callback=writable_out,
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
@guard
def sweep(
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
    fit: FitOptions,
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
    from ..sweep import load
    from ..sweep_run import clear, results, run_cells, run_key, write_results

    out, quiet = Path(out), fit.quiet
    if any((out / n).exists() for n in RESULT_FILES) and not (force or resume):
        raise ForecastError("already holds sweep results; pass --force to overwrite them", str(out))
    sw = load(file, seed=fit.seed)
    axes = _heatmap_option(heat_axes, sw)  # every option checked before the fit
    prep = _prepare(file, horizon, fit, sw)
    table, dt = prep.table, prep.posterior
    diag = diagnostics(dt.attrs)
    check_strict(diag, fit.strict, out)  # before any cell runs or any byte is written
    if force and (out / "checkpoints").exists():  # only once nothing can refuse the run
        clear(out / "checkpoints")
    key = run_key(sw, dt.attrs["posterior_hash"], fit.seed, {"horizon": prep.plan.horizon})
    if not quiet:
        click.echo(
            f"sweep {sw.spec.title}: {sw.n_cells} cells x {table.n_draws} draws, "
            f"{len(table.events)} events",
            err=True,
        )
    res = run_cells(
        table, sw, out / "checkpoints", workers, scheduler, synchronous, resume, quiet, key
    )
    ds, summary = results(sw, table, res, _attrs(file, prep, fit.seed), diag)
    paths = write_results(out, sw, ds, summary)
    drawn = len(sw.names) >= 2 and sw.spec.design == "grid" and FOCUS_YEAR in ds["year"]
    if drawn:
        _heatmaps(ds, summary, axes, out)
    clear(out / "checkpoints")
    if as_json:
        emit(summary.as_json())  # validated: docs/schema/sweep.schema.json
    elif not quiet:
        figs = (
            " and heatmaps (by default of the two axes that move each event most)"
            if drawn
            else " (no heatmaps: they need a grid with two axes or more)"
        )
        click.echo(f"wrote {', '.join(str(p) for p in paths)}{figs}", err=True)
        for line in _range_lines(summary):
            click.echo(line)


def _heatmap_option(heat_axes: str | None, sw: Sweep) -> list[str]:
    """--heatmap AXIS,AXIS checked against the sweep (empty: the default axes)."""
    axes = heat_axes.split(",") if heat_axes else []
    if axes and (sw.spec.design != "grid" or len(sw.names) < 2):
        raise ForecastError("heatmaps need a grid design with two axes or more", "--heatmap")
    if axes and (len(axes) != 2 or axes[0] == axes[1]):
        raise ForecastError(
            f"expected two different axes, e.g. {','.join(sw.names[:2])}", f"--heatmap {heat_axes}"
        )
    for a in axes:
        if a not in sw.names:
            raise ForecastError(
                f"{a!r} is not an axis of this sweep ({', '.join(sw.names)})", "--heatmap"
            )
    return axes


def _heatmaps(ds: xr.Dataset, summary: SweepSummary, axes: list[str], out: Path) -> None:
    """One heatmap per event, of ``axes`` or of the two axes that move the event most."""
    from ..figures import heatmap, slug
    from ..output import inside
    from ..sweep_run import heatmap_axes

    for ev, v in summary.events.items():
        pair = axes or heatmap_axes(v.effect_by_axis or {})
        heatmap(ds, ev, pair[0], pair[1], inside(out, f"heatmap-{slug(ev)}"))


def _range_lines(summary: SweepSummary) -> list[str]:
    """Per event, the range of P(by the end of the focus year) across the cells."""
    from ..render_text import effect_text

    return [
        f"{ev}: P(by end of {FOCUS_YEAR}) ranges from {v.p_min:.3f} "
        f"to {v.p_max:.3f} across {summary.cells} cells" + effect_text(v.effect_by_axis or {})
        for ev, v in summary.events.items()
    ]


RESULT_FILES = ("sweep.nc", "sweep.csv", "sweep.json")


def _attrs(file, prep: Prepared, seed: int) -> dict:
    """Provenance of a sweep, stored as sweep.nc attributes."""
    from .. import __version__

    a = prep.posterior.attrs
    return {
        "forecast_version": __version__,
        "sweep_file": str(file),
        "sweep_hash": prep.sweep.digest,
        "design": prep.sweep.spec.design,
        "base_scenario": prep.sweep.base.path,
        "scenario_hash": prep.sweep.base.digest,
        "data_hash": a["data_hash"],
        "priors_hash": a["priors_hash"],
        "posterior_hash": a["posterior_hash"],
        "seed": seed,
        "horizon": prep.plan.horizon_text,
        "diagnostics": json.dumps(json.loads(a["diagnostics"]), sort_keys=True),
    }


@click.command()
@fit_options
@execution_options
@click.argument("file", type=click.Path(dir_okay=False))
@shown_default_option(
    "--samples",
    256,
    click.IntRange(8),
    "Base samples N (a power of two); N x (axes + 2) cells are evaluated.",
)
@click.option("--event", "event_id", help="The event to analyse [default: the scenario's first].")
@click.option("--horizon", help="As for `run`.")
@click.option("--json", "as_json", is_flag=True, help="Print the indices as JSON.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    callback=writable_out,
    help="Also write sensitivity.json here.",
)
@guard
def sensitivity(
    workers, scheduler, synchronous, file, samples, event_id, horizon, as_json, out, fit: FitOptions
):
    """Which assumption moves the date most? Sobol indices over a sweep file's axes.

    First-order (S1) and total (ST) variance-based indices, with 95 % confidence
    half-widths, of P(event by the end of the focus year, forecast/data/settings.toml) and
    of the event's median date (draws not crossing by the horizon count at the horizon),
    with respect to each axis of FILE taken over its [low, high] range (log axes uniformly
    in log). Parameters are ranked by ST.
    Indices outside [0, 1] or wide half-widths mean --samples is too small; the output says so.

    \b
    Examples:
      forecast sensitivity scenarios/sweep-residual.toml
      forecast sensitivity scenarios/sweep-residual.toml --event research-residual-closed
      forecast sensitivity scenarios/sweep-residual.toml --samples 1024 --json --out sens/
    """
    from ..io import dumps_json, write_json
    from ..results import sensitivity_summary
    from ..sensitivity import sobol_indices
    from ..sweep import axis_bounds, load

    if samples & (samples - 1):
        raise ForecastError(
            f"{samples} is not a power of two; expected e.g. 128, 256, 512", "--samples"
        )
    sw = load(file, seed=fit.seed)
    events = [e.id for e in sw.base.spec.events]  # the table's events, known before the fit
    if not events:
        raise ForecastError(f"{sw.base.path} defines no events to analyse", str(file))
    ev = event_id or events[0]
    if ev not in events:
        raise ForecastError(
            f"no event {ev!r} in the base scenario; expected one of {', '.join(events)}",
            "--event",
        )
    prep = _prepare(file, horizon, fit, sw)
    bounds = [axis_bounds(n, sw.spec.axes[n], sw.path) for n in sw.names]
    log = [sw.spec.axes[n].spacing == "log" for n in sw.names]
    model = _sensitivity_model(prep, ev, workers, scheduler, synchronous, fit.quiet)
    out_d = sobol_indices(
        model, sw.names, bounds, log, samples, fit.seed, [f"p_by_{FOCUS_YEAR}", "median_date_year"]
    )
    meta = {"sweep_file": str(file), "event": ev, "seed": fit.seed}
    result = sensitivity_summary(
        {**meta, "posterior_hash": prep.posterior.attrs["posterior_hash"], **out_d}
    ).as_json()  # validated: docs/schema/sensitivity.schema.json
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
        for w in o["warnings"]:
            click.echo(f"  warning: {w}")


def _sensitivity_model(prep: Prepared, ev: str, workers, scheduler, synchronous, quiet):
    """Points (k, axes) -> (P(event by end of the focus year), median date in decimal years) (k, 2),
    evaluated as a sweep of those cells."""
    import dataclasses
    import tempfile

    import numpy as np

    from ..sweep_run import run_cells

    j = prep.table.events.index(ev)

    def model(points: np.ndarray) -> np.ndarray:
        cells_sw = dataclasses.replace(prep.sweep, cells=points, grid_values=None)
        with tempfile.TemporaryDirectory() as tmp:
            res = run_cells(
                prep.table,
                cells_sw,
                Path(tmp) / "ck",
                workers,
                scheduler,
                synchronous,
                False,
                quiet,
                "sensitivity",
            )
        p28 = res["p"][:, j, prep.table.years.index(FOCUS_YEAR)]
        med = np.nan_to_num(res["quantiles"][:, j, 1], nan=prep.plan.horizon)
        return np.stack([p28, med], axis=1)

    return model


COMMANDS = [sweep, sensitivity]
