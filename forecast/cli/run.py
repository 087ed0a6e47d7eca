"""`forecast fit`, `forecast run` and `forecast prior-check`: the main job and its checks."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..posterior_meta import diagnostics
from .options import (
    FitOptions,
    event_options,
    fit_options,
    guard,
    input_options,
    output_options,
)

RUN_THRESHOLD_HELP = (
    "An extra threshold, e.g. 'posttrainbench>=60%', 'metr-horizon>=40h', "
    "'training-speedup>=100x', 'posttrainbench>=human_baseline' (the benchmark's human-"
    "baseline row). A bare number is in the benchmark's own unit. Repeatable."
)


def load_scenario(name: str | None):
    """A scenario from a path or a shipped name, or None."""
    if not name:
        return None
    from ..scenario import load, resolve

    return load(resolve(name))


@click.command()
@fit_options
@guard
def fit(fit: FitOptions):
    """Fit the growth models and report convergence and growth rates.

    The posterior is cached (netCDF, with provenance) and reused by `forecast run` while
    the data, priors, seed and sampler settings are unchanged.

    \b
    Examples:
      forecast fit
      forecast fit --no-bundled --data history:metr-horizon-1.1-p50 --draws 500
    """
    from ..pipeline import fit_posterior
    from ..render_text import diag_line, growth_table
    from ..results import Growth
    from ..summary import growth_summary
    from ..trajectories import curves

    dt, _reused = fit_posterior(fit.inputs(), fit.cache, fit.refit, fit.quiet)
    diag = diagnostics(dt.attrs)
    click.echo(diag_line(diag))
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    growth = {b: Growth.model_validate(g) for b, g in growth_summary(c, dt.attrs).items()}
    click.echo(growth_table(growth))
    fit.check_strict(diag)


@click.command()
@fit_options
@event_options(RUN_THRESHOLD_HELP)
@click.option(
    "--scenario",
    "scenario_name",
    metavar="FILE|NAME",
    help="A reading of the research residual (scenarios/*.toml, or a shipped name such "
    "as inspiration-binding or compressed-perspiration): adds its composite "
    "events, e.g. automated AI R&D, and the R&D multiplier trajectory.",
)
@click.option(
    "--structural",
    is_flag=True,
    help="Also fit and forecast every variant of scenarios/structural.toml (each cached; "
    "~2 minutes cold on 2 cores, the fits in parallel) and give each event its structural range beside its Monte Carlo "
    "error (`structural` in the JSON, a table below the events).",
)
@output_options(
    "Write posterior.nc, forecast.nc, summary.json and summary.csv here.",
    "Overwrite artifacts already in --out.",
    json_help="Print the summary as JSON (docs/schema/run.schema.json).",
)
@guard
def run(fit: FitOptions, thresholds, horizon, scenario_name, structural, as_json, out, force):
    """Forecast threshold dates: fit if needed, then sample every draw forward.

    For each threshold: P(crossed by the end of each year) with its Monte Carlo standard
    error, the median date and 80 % interval, and the share of draws that do not cross
    before the horizon. Sampler diagnostics are printed beside them.

    \b
    Examples:
      forecast run
      forecast run --json --seed 7 > summary.json
      forecast run --data my.csv --threshold "my-bench>=90%" --out results/
      forecast run --scenario inspiration-binding
      forecast run --scenario scenarios/compressed-perspiration.toml --json
    """
    from ..output import check_out_dir, write_run
    from ..pipeline import forecast
    from ..publish import publish
    from ..render_text import render
    from .options import emit

    if out:
        check_out_dir(Path(out), force)
    sc = load_scenario(scenario_name)
    inp = fit.inputs()
    res = forecast(inp, thresholds, horizon, fit.cache, fit.refit, fit.quiet, scenario=sc)
    if structural:
        res = _with_structural(res, inp, sc, thresholds, horizon, fit)
    diag = res.run.diagnostics
    withheld = out if out and fit.strict and not diag.ok else None  # --strict: no citable files
    if out and not withheld:
        paths = publish(out, lambda d: write_run(d, res, force))
        fit.say(f"wrote {', '.join(str(p) for p in paths)}")
    for n in res.notes:
        fit.say(f"note: {n}")
    if as_json:
        emit(res.run.as_json())
    else:
        click.echo(render(res.run, res.reused))
    fit.check_strict(diag, withheld)


def _with_structural(res, inp, sc, thresholds, horizon, fit: FitOptions):
    """``res`` with each event's range over the shipped structural variants."""
    from dataclasses import replace

    from .. import structural as st
    from .. import structural_variants as sv
    from ..results import run_summary

    s = st.run(
        inp, sv.load_variants(), [sc], thresholds, horizon, fit.cache, fit.refit, progress=fit.say
    )
    return replace(res, run=run_summary({**res.run.as_json(), "structural": st.event_ranges(s)}))


@click.command("prior-check")
@input_options
@click.option(
    "--samples", default=2000, show_default=True, type=click.IntRange(100), help="Prior draws."
)
@click.option("--json", "as_json", is_flag=True, help="Print the check as JSON.")
@guard
def prior_check(fit: FitOptions, samples, as_json):
    """Prior predictive check: what the priors alone say about the data and the dates.

    For each observation, the prior predictive 50 % and 90 % intervals on the transformed
    scale and whether the published figure falls inside; then the threshold-date table
    computed from prior draws instead of posterior draws. A prior that puts the data far
    in its tails, or dates nowhere near plausible, is worth revisiting. Nothing is sampled
    by NUTS, so the sampler options of `run` do not apply; --samples sets the prior draws.

    \b
    Examples:
      forecast prior-check
      forecast prior-check --samples 4000 --json
    """
    from ..prior_check import prior_predictive
    from ..render_text import prior_check_text

    res = prior_predictive(fit.inputs(), samples=samples, seed=fit.seed)
    if as_json:
        click.echo(json.dumps(res, indent=2))
    else:
        click.echo(prior_check_text(res))


COMMANDS = [fit, run, prior_check]
