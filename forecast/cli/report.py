"""``forecast report``: a citable HTML page with the JSON and CSV it was made from.

Only click is imported at module level (``forecast --help`` stays fast).
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import FitOptions, event_options, fit_options, guard, output_options


@click.command()
@fit_options
@click.option(
    "--scenario",
    "scenario_names",
    multiple=True,
    metavar="FILE|NAME",
    help="A reading of the research residual (a shipped name or a .toml file). Repeatable "
    "[default: inspiration-binding and compressed-perspiration].",
)
@event_options(horizon_help="As for `run` [default: the scenario's].")
@click.option(
    "--structural",
    is_flag=True,
    help="Add a section with each headline's range over the structural variants of "
    "scenarios/structural.toml (as `forecast structural`; nine fits cold, ~1.5 minutes on 2 cores).",
)
@click.option(
    "--backtest",
    "backtest_path",
    type=click.Path(path_type=Path),
    help="A crossing-date backtest result (crossing.json, or the --out directory of "
    "`forecast backtest --protocol crossing`): the report and brief then say how this "
    "engine has forecast real histories.",
)
@output_options(
    "Directory for index.html, report.json, report.csv, results.nc, posterior.nc and figures/.",
    "Overwrite a report already in --out.",
    out_required=True,
)
@guard
def report(
    fit: FitOptions,
    scenario_names,
    thresholds,
    horizon,
    structural,
    backtest_path,
    out,
    force,
):
    """Write a self-contained HTML report (figures embedded, no network requests, no
    JavaScript) plus the JSON and CSV it was made from.

    The page holds the headline table (per event and reading: P by year with its Monte
    Carlo error, median and 80 % interval), the date CDFs, binding conditions, R&D
    multiplier and fan charts, the observations with their sources, the priors and scenario
    parameters, the sampler diagnostics (with a warning when a threshold is missed) and the
    provenance, including the exact command that reproduces it.

    \b
    Examples:
      forecast report --out report/
      forecast report --out report/ --data mine.csv --threshold "my-bench>=90%"
      forecast report --out r1/ --scenario inspiration-binding --seed 7
      forecast report --out report/ --structural     # + each headline's structural range
      forecast backtest --protocol crossing --out bt/ && forecast report --out report/ --backtest bt/
    """
    from functools import partial

    from ..figure_helper import report_helper
    from ..fit import will_sample
    from ..publish import publish
    from ..render_report import hand_diagnostics, headline_text, write
    from ..report import DEFAULT_READINGS, build, check_out_dir

    out_dir = Path(out)
    check_out_dir(out_dir, force)
    names = list(scenario_names) or list(DEFAULT_READINGS)
    inp = fit.inputs()
    command = _command(fit, names, thresholds, horizon, out, structural, backtest_path)
    fitting = will_sample(inp.rows, inp.priors, inp.settings, fit.cache, fit.refit)
    with report_helper(fitting) as helper:  # a second process for the figures
        built = build(
            inp,
            names,
            thresholds,
            horizon,
            fit.cache,
            fit.refit,
            fit.quiet,
            command,
            structural=structural,
            progress=None if fit.quiet else fit.say,
            backtest=backtest_path,
            on_posterior=partial(hand_diagnostics, helper, cache_dir=fit.cache),
        )
        diag = built.report.diagnostics
        fit.check_strict(diag, out_dir)  # before the first byte
        publish(out_dir, lambda d: write(d, built, force, None if fit.quiet else fit.say, helper))
    rep = built.report
    click.echo(headline_text(rep))
    if not rep.diagnostics.ok:
        click.echo(
            "WARNING: sampler diagnostics missed their thresholds: "
            + "; ".join(rep.diagnostics.warnings),
            err=True,
        )
    click.echo(
        f"wrote {out_dir / 'index.html'} (and brief.md, report.json, report.csv, results.nc, "
        "posterior.nc, figures/)"
    )
    click.echo(f"reproduce: {rep.command}")
    fit.check_strict(diag)


def _command(fit: FitOptions, names, thresholds, horizon, out, structural, backtest) -> str:
    """The command line that makes this report again (shown on the page)."""
    from ..report import reproduce_command

    return reproduce_command(
        scenarios=names,
        data=fit.data,
        no_bundled=fit.no_bundled,
        variants=fit.variants,
        priors_dir=fit.priors_dir,
        seed=fit.seed,
        draws=fit.draws,
        tune=fit.tune,
        chains=fit.chains,
        sampler=fit.settings().resolved().sampler,
        target_accept=fit.target_accept,
        as_of=fit.as_of,
        thresholds=thresholds,
        horizon=horizon,
        out=out,
        structural=structural,
        backtest=backtest,
    )


COMMANDS = [report]
