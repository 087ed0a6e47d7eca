"""`forecast structural`: every headline number under the declared structural variants."""

from __future__ import annotations

from pathlib import Path

import click

from ..publish import publish
from ..settings import FOCUS_YEAR
from .options import (
    FitOptions,
    FitsVerdict,
    emit,
    event_options,
    fit_options,
    guard,
    output_options,
)
from .run import load_scenario

READINGS = ("inspiration-binding", "compressed-perspiration")


@click.command()
@fit_options
@click.option(
    "--variants",
    "variants_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Structural variants to run [default: the shipped scenarios/structural.toml].",
)
@click.option(
    "--scenario",
    "scenario_names",
    multiple=True,
    metavar="FILE|NAME",
    help="A reading or scenario to forecast every variant under. Repeatable "
    f"[default: both shipped readings, {' and '.join(READINGS)}].",
)
@click.option(
    "--no-scenario",
    is_flag=True,
    help="Only the growth models' threshold events (no reading, no composite events).",
)
@event_options()
@output_options(
    "Write structural.json here.",
    "Overwrite structural.json already in --out.",
    json_help="Print the structural summary as JSON.",
)
@guard
def structural(
    fit: FitOptions, variants_file, scenario_names, no_scenario, thresholds, horizon, as_json,
    out, force,
):  # fmt: skip
    """How much each headline number depends on modelling choices.

    Fits the model as given and each variant of scenarios/structural.toml (seed figures
    alone, METR suite 1.0, CORE-Bench's automated grade, SWE-bench Verified alone, no pooling,
    prior scales x2 and x0.5, no forward walk, half the walk's level sd, a steady METR
    doubling time, independent walks, PostTrainBench's ceiling below parity; METR's
    thresholds read on the 80 % horizon; in every reading, the human discovery rate x0.2 or
    x4, compute for research attempts doubling yearly, feedback on, no capability term, the
    alignment result's weight at 0 or 1), once each and cached (a residual-model variant or
    one that reads an event on another series reuses the central fit),
    and forecasts every one under both readings with the same seed. Each event's P(by the focus
    year) is shown as its central value ± Monte Carlo error beside its structural range (the
    variants at either end) and the variant it moves most under; a published claim "agrees"
    or "disagrees" only when every variant and reading does, else it "depends on" the ones
    that flip it. A cold run fits the variants that change the data or priors (~2 minutes
    on 2 cores); a warm one reuses them.

    \b
    Examples:
      forecast structural
      forecast structural --no-scenario --json
      forecast structural --variants my-variants.toml --out structural/
    """
    from .. import render_structural
    from .. import structural as st
    from .. import structural_variants as sv

    if out:
        render_structural.check_out(Path(out), force)
    variants = sv.load_variants(variants_file)
    names = () if no_scenario else (scenario_names or READINGS)
    scenarios = [load_scenario(n) for n in names] or [None]
    typed = st.run(
        fit.inputs(), variants, scenarios, thresholds, horizon, fit.cache, fit.refit,
        progress=None if fit.quiet else fit.say,
        where=str(variants_file or sv.default_file()),
    )  # fmt: skip
    if out:
        publish(out, lambda d: render_structural.write(d, typed))
    if as_json:
        emit(typed.as_json())
    else:
        click.echo(render_structural.text(typed))
    fit.check_strict(
        FitsVerdict(all(f.diagnostics_ok for f in typed.fits), [
            f"{f.id}: R-hat {f.max_rhat:.3f}, {f.divergences} divergences"
            for f in typed.fits if not f.diagnostics_ok
        ])
    )  # fmt: skip


structural.help = (structural.help or "").replace("the focus year", str(FOCUS_YEAR))

COMMANDS = [structural]
