"""Commands that judge the forecasts: ``forecast check`` and ``forecast sbc``
(``forecast backtest`` is in :mod:`forecast.cli.backtest`).

Only click is imported at module level (``--help`` stays fast); the work is in
:mod:`forecast.check` and :mod:`forecast.sbc`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..publish import publish
from ..settings import FOCUS_YEAR
from .options import (
    PRIORS_OPTION,
    QUIET_OPTION,
    FitOptions,
    check_strict,
    data_options,
    emit,
    fit_options,
    guard,
    option_group,
    output_options,
    say,
    shown_default_option,
    threshold_option,
)

_CHECK_OPTIONS = [
    shown_default_option(
        "--loo",
        "auto",
        click.Choice(["auto", "psis", "exact"]),
        "Leave-one-out method: psis (importance sampling, no refits), exact (refit without "
        "each point), auto (PSIS where its Pareto k <= --k-max, refit elsewhere).",
        name="loo",
    ),
    shown_default_option(
        "--k-max",
        0.7,
        click.FloatRange(0, 2),
        "Pareto k above which PSIS is not trusted (auto refits those points).",
    ),
    shown_default_option(
        "--widen",
        (2.0,),
        click.FloatRange(min=0, min_open=True),
        "Refit with every prior scale multiplied by this factor (repeatable; <1 narrows).",
        name="factors",
        multiple=True,
    ),
    shown_default_option(
        "--prior-samples",
        2000,
        click.IntRange(100),
        "Draws from the priors for the prior predictive check.",
    ),
    shown_default_option(
        "--year",
        FOCUS_YEAR,
        click.IntRange(1990, 2200),
        "Report P(event by the end of this year) in the LOO and sensitivity tables.",
    ),
]
_SBC_OPTIONS = [
    shown_default_option(
        "--sims", 200, click.IntRange(10), "Number of simulated data sets (each is one refit)."
    ),
    shown_default_option("--draws", 500, click.IntRange(50), "Posterior draws per chain."),
    shown_default_option("--tune", 500, click.IntRange(50), "Warm-up per chain."),
    shown_default_option("--chains", 2, click.IntRange(1), "Chains per refit."),
    shown_default_option(
        "--ranks",
        49,
        click.IntRange(9),
        "Thinned posterior draws each true value is ranked among (ranks 0..N).",
        name="n_ranks",
    ),
    shown_default_option(
        "--bins",
        10,
        click.IntRange(2),
        "Rank bins of the chi-square test ((--ranks + 1) must be a multiple).",
    ),
    shown_default_option(
        "--alpha",
        0.01,
        click.FloatRange(0, 1, min_open=True, max_open=True),
        "Family-wise false-alarm rate of the uniformity test (Bonferroni over parameters).",
    ),
    shown_default_option("--seed", 1, int, "Seed of the prior draws, data and fits."),
]


@click.command("check")
@fit_options
@threshold_option()
@click.option("--horizon", help="As for `run` [default: 2040-12-31].")
@option_group(_CHECK_OPTIONS)
@output_options(
    "Write check.json, CSV tables and figures (PNG+SVG) here.",
    "Overwrite check files already in --out.",
    json_help="Print the check as JSON.",
)
@guard
def check(
    fit: FitOptions,
    thresholds,
    horizon,
    loo,
    k_max,
    factors,
    prior_samples,
    year,
    as_json,
    out,
    force,
):
    """Model checks: predictive checks, leave-one-out influence, prior sensitivity.

    \b
    1. Prior and posterior predictive checks of every observation (logit / log scale):
       5-95 % intervals, PIT, and the share of observations inside the 50 % and 90 %
       intervals - in-sample, and leave-one-out (the point left out of the fit).
    2. Leave-one-out influence: each event's median date and P(by --year) without each
       observation; which observation moves each event most.
    3. Prior sensitivity: refit with every prior scale multiplied by --widen and report the
       shift of each event's median and P(by --year), with Monte Carlo errors.

    Refits are cached like any fit. With --loo auto on the bundled data expect about ten
    refits (a few minutes the first time); --loo psis needs none.

    \b
    Examples:
      forecast check
      forecast check --loo psis --widen 2 --widen 0.5 --out checks/
      forecast check --data mine.csv --threshold "my-bench>=90%" --json
    """
    from .. import check as chk
    from .. import render_check

    if out:
        render_check.check_out(Path(out), force)
    res = chk.run(
        fit.inputs(),
        thresholds,
        horizon,
        fit.cache,
        fit.refit,
        fit.quiet,
        loo,
        tuple(factors),
        prior_samples,
        year,
        k_max,
        progress=say(fit.quiet),
    )
    if out:
        paths = publish(out, lambda d: render_check.write(d, res))
        fit.say(f"wrote {', '.join(str(p) for p in paths)}")
    if as_json:
        emit(res.result.as_json())  # validated: docs/schema/check.schema.json
    else:
        click.echo(render_check.text(res.result))
    for d in [res.result.diagnostics, *(f.diagnostics for f in res.result.sensitivity.fits)]:
        check_strict(d, fit.strict)


@click.command("sbc")
@data_options
@PRIORS_OPTION
@option_group(_SBC_OPTIONS)
@output_options(
    "Write sbc.json, sbc-ranks.csv and the rank histograms here.",
    "Overwrite SBC files already in --out.",
    json_help="Print the result as JSON.",
)
@click.option("--strict", is_flag=True, help="Exit with code 3 when the ranks are not uniform.")
@QUIET_OPTION
@guard
def sbc(
    data,
    no_bundled,
    variants,
    priors_dir,
    sims,
    draws,
    tune,
    chains,
    n_ranks,
    bins,
    alpha,
    seed,
    as_json,
    out,
    force,
    strict,
    quiet,
):
    """Simulation-based calibration of the growth models at the design of the data.

    Draws parameters from the priors, simulates data sets shaped like the observation
    table (same benchmarks, dates, ranges and approximate flags; the bundled table
    unless --no-bundled), refits each with one compiled model (nutpie) and ranks the true
    values among the posterior draws. Uniform ranks mean the fitted posteriors are
    calibrated; the chi-square test per parameter is Bonferroni-corrected so --alpha is
    the false-alarm rate of the whole check.

    \b
    Examples:
      forecast sbc --sims 100
      forecast sbc --sims 500 --draws 1000 --out sbc/ --json
    """
    from .. import render_sbc
    from .. import sbc as sbc_mod
    from ..errors import SamplerTrouble

    if out:
        render_sbc.check_out(Path(out), force)
    inp = FitOptions(
        data=data, no_bundled=no_bundled, variants=variants, priors_dir=priors_dir, seed=seed,
        draws=draws, tune=tune, chains=max(chains, 2), sampler="nutpie",
    ).inputs()  # fmt: skip
    res = sbc_mod.run(
        inp.rows,
        inp.priors,
        sims,
        draws,
        tune,
        chains,
        seed,
        n_ranks,
        bins,
        alpha,
        progress=say(quiet),
    )
    if out:
        paths = publish(out, lambda d: render_sbc.write(d, res))
        say(quiet)(f"wrote {', '.join(str(p) for p in paths)}")
    if as_json:
        emit(res.summary.as_json())
    else:
        click.echo(render_sbc.text(res.summary))
    if strict and not res.summary.uniform:
        raise SamplerTrouble("SBC ranks are not uniform (--strict)")


COMMANDS = [check, sbc]
