"""``forecast backtest``: the rolling-origin backtest (:mod:`forecast.backtest`) and the
crossing-date protocol on real series (:mod:`forecast.crossing`, run by
:mod:`forecast.crossing_run`).

Only click is imported at module level (``--help`` stays fast).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..publish import publish
from .options import (
    PRIORS_OPTION,
    QUIET_OPTION,
    FitOptions,
    apply_options,
    emit,
    guard,
    output_options,
    reachable_scheduler,
    shown_default_option,
    threshold_option,
    typed_options,
    variant_pairs,
)

CROSSING_FILES = ("crossing.json", "crossing.txt")
# crossing: target_accept 0.99, because a series fitted alone leaves the pooled rate's mean and
# spread to their priors (a funnel): at 0.95, 2 chains x 500 warm-up, one such fit had R-hat
# 1.18 and 94 divergences; at 0.99 none (measured 2026-12-02, benchmarks/calibration.py)
CROSSING_DEFAULTS = {"draws": 1000, "tune": 1000, "chains": 4, "target_accept": 0.99}
ROLLING_DEFAULTS = {"draws": 1000, "tune": 1000, "chains": 4, "target_accept": 0.95}
SAMPLER_FIELDS = (
    *("priors_dir", "seed", "draws", "tune", "chains", "target_accept", "sampler"),
    *("cache_dir", "refit", "strict", "quiet"),
)


_SAMPLER_OPTIONS = [
    PRIORS_OPTION,
    shown_default_option("--seed", 1, int, "Random seed."),
    *typed_options(
        [
            ("--draws", click.IntRange(100), "Posterior draws per chain, per fit [default: 1000]."),
            ("--tune", click.IntRange(100), "Warm-up per chain [default: 1000]."),
            ("--chains", click.IntRange(2), "Chains per fit [default: 4]."),
            (
                "--target-accept",
                click.FloatRange(0.5, 1, max_open=True),
                "NUTS target acceptance rate [default: 0.95; crossing: 0.99].",
            ),
        ]
    ),
    shown_default_option(
        "--sampler", "auto", click.Choice(["auto", "nutpie", "pymc"]), "NUTS implementation."
    ),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        help="Where fitted posteriors are kept [default: $FORECAST_CACHE or ~/.cache/forecast].",
    ),
    click.option("--refit", is_flag=True, help="Ignore cached posteriors."),
    click.option(
        "--strict",
        is_flag=True,
        help="Exit with code 3 when any cutoff's fit misses the "
        "sampler thresholds (outputs are still written).",
    ),
    QUIET_OPTION,
]


def _sampler_options(fn):
    return apply_options(fn, _SAMPLER_OPTIONS)


@click.command("backtest")
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Observation file(s) to backtest: the full schema (`forecast data --schema`) or a "
    "short CSV with columns date,value[,benchmark,unit,...]. Only these files are used "
    "unless --with-bundled [default: the bundled table].",
)
@click.option("--with-bundled", is_flag=True, help="Add the bundled table to the --data files.")
@click.option(
    "--unit",
    help="Unit of a short file without a unit column (percent, fraction, minutes, "
    "hours, seconds, multiplier).",
)
@click.option(
    "--benchmark",
    help="Series name for a short file without a benchmark column [default: file stem].",
)
@click.option("--variant", "variants", multiple=True, metavar="BENCH=NAME", help="As for `run`.")
@click.option(
    "--cutoff",
    "cutoffs",
    multiple=True,
    metavar="DATE",
    help="Forecast origin (YYYY, YYYY-MM or YYYY-MM-DD): fit on points dated before it, score "
    "the points after it. Repeatable [default: --n-cutoffs automatic origins].",
)
@shown_default_option(
    "--n-cutoffs",
    3,
    click.IntRange(1, 50),
    "Number of automatic cutoffs when no --cutoff is given (spread between the dates "
    "of 40 % and 90 % of the points).",
)
@click.option(
    "--max-lead",
    type=click.FloatRange(0, min_open=True),
    metavar="YEARS",
    help="Score only points at most this many years after the cutoff.",
)
@threshold_option(
    "A threshold event to score (Brier). Series with no threshold get automatic ones "
    "at the 50/75/90 % quantiles of their values. Repeatable."
)
@click.option(
    "--protocol",
    default="rolling",
    show_default=True,
    type=click.Choice(["rolling", "crossing"]),
    help="rolling: fit before each --cutoff and score every later point; crossing: the "
    "crossing-date protocol of docs/calibration.md on real series (the bundled public "
    "series unless --data).",
)
@click.option(
    "--series",
    "series_names",
    multiple=True,
    metavar="NAME",
    help="crossing: backtest only this series (repeatable) [default: every series].",
)
@click.option(
    "--pooled/--no-pooled",
    default=True,
    show_default=True,
    help="crossing: also fit each case on every bundled series as it stood at the cutoff "
    "(engine_pooled; one fit of the whole table per case, the slow part).",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    help="crossing: local Dask worker processes for the engine fits [default: one per core].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    callback=reachable_scheduler,
    help="crossing: address of a running Dask scheduler to fit on instead of a local cluster.",
)
@_sampler_options
@output_options(
    "rolling: write backtest.json, backtest-points.csv, backtest-thresholds.csv and "
    "backtest.png/.svg; crossing: crossing.json (per target and pooled) and crossing.txt.",
    "Overwrite backtest files already in --out.",
    json_help="Print the result as JSON.",
)
@guard
def backtest(protocol, series_names, pooled, workers, scheduler, **kw):
    """Backtests: fit on the past alone, forecast what came after, score it.

    \b
    --protocol rolling (default): for each cutoff the growth model is fitted only on
    points dated before it; every later point of a series with at least two earlier
    points is forecast and scored on the logit / log scale: coverage of the 50/80/95 %
    intervals, PIT histogram, CRPS and log score, beside a naive baseline on the same
    points (least-squares logistic or log-linear extrapolation with a Student-t
    predictive). Threshold events are scored with the Brier score of P(crossed by each
    later observation date).

    \b
    --protocol crossing: per series with at least five frontier records (running maxima),
    cutoffs at frontier records max(3, n//2) and max(3, n-3); the engine is fitted on the
    records before the cutoff alone and every later record is a threshold whose crossing
    date is known: PIT, 50/80/95 % coverage, median error (years), Brier of P(crossed
    within a year), CRPS (years), of the engine and of the engine's draws with a drifting
    growth rate after the last record (engine_drift: the priors' [rate_drift] sigma and
    level_sd), beside three straight lines on the logit / log scale (least squares,
    flat-prior Bayesian, and drifting: slope x exp(N(0, 0.3)), level + N(0, 0.3)). With
    --pooled (default) each case is also fitted on every bundled series as it stood at the
    cutoff, nothing dated on or after it (engine_pooled: what `forecast run --as-of CUTOFF`
    would have said). Pooled over targets and per series family. The engine fits run in
    parallel on Dask and are cached like any fit.

    \b
    Examples:
      forecast backtest --data examples/synthetic-series.csv --cutoff 2024-01 --cutoff 2025-01
      forecast backtest --data horizons.csv --unit minutes --n-cutoffs 5 --out bt/
      forecast backtest --cutoff 2025-06          # the bundled table
      forecast backtest --protocol crossing --out bt/      # the bundled public series
      forecast backtest --protocol crossing --series posttrainbench_avg --json
      forecast backtest --protocol crossing --no-pooled   # series alone: 2x faster
    """
    defaults = CROSSING_DEFAULTS if protocol == "crossing" else ROLLING_DEFAULTS
    for k, v in defaults.items():
        if kw[k] is None:
            kw[k] = v
    fit = FitOptions(**{k: kw.pop(k) for k in SAMPLER_FIELDS})
    if protocol == "crossing":
        _crossing(series_names, pooled, workers, scheduler, fit, **kw)
    else:
        if series_names or workers or scheduler or not pooled:
            from ..errors import ForecastError

            raise ForecastError(
                "--series, --no-pooled, --workers and --scheduler need --protocol crossing"
            )
        _rolling(fit, **kw)


def _crossing(
    series_names,
    pooled,
    workers,
    scheduler,
    fit: FitOptions,
    data,
    unit,
    as_json,
    out,
    force,
    **ignored,
):
    from .. import crossing_run as cr
    from ..errors import SamplerTrouble
    from ..fit import default_cache_dir
    from ..output import check_out_dir
    from ..priors import load

    _reject_rolling_options(ignored)
    if out:
        check_out_dir(Path(out), force, CROSSING_FILES)
    pr = load(fit.priors_dir)
    res = cr.run(
        _crossing_series(data, unit, series_names),
        pr,
        fit.settings(),
        fit.cache or default_cache_dir(),
        fit.refit,
        workers,
        scheduler,
        progress=fit.say,
        pooled=pooled,
        bundled=not data,
    )
    res = _crossing_record(res, data, pr.digest(), fit)
    _show_crossing(res, out, as_json, fit)
    failed = [c["case"] for c in res["cases"] if not c["engine_diagnostics"]["ok"]]
    if fit.strict and failed:
        raise SamplerTrouble(
            f"sampler diagnostics missed their thresholds in {', '.join(failed)} (--strict)"
        )


def _reject_rolling_options(ignored: dict) -> None:
    """The crossing protocol's error for options only --protocol rolling takes."""
    from ..errors import ForecastError

    bad = [
        k for k in ("with_bundled", "benchmark", "variants", "cutoffs", "thresholds") if ignored[k]
    ]
    if bad or ignored["max_lead"] is not None:
        raise ForecastError(
            "the crossing protocol fixes its own cutoffs and thresholds; --with-bundled, "
            "--benchmark, --variant, --cutoff, --threshold and --max-lead are for --protocol rolling"
        )


def _crossing_record(res: dict, data, priors_hash: str, fit: FitOptions) -> dict:
    """The crossing result with its provenance, as crossing.json holds it."""
    from ..fit import MODEL_VERSION
    from ..pipeline import code_commit
    from ..results import crossing_summary

    res = {
        "data": list(data) or ["<bundled>/public-series"],
        "priors_hash": priors_hash,
        "sampler": _sampler_record(fit),
        "model_version": MODEL_VERSION,
        "code_commit": code_commit(),
        "seed": fit.seed,
        **res,
    }
    return crossing_summary(res).as_json()  # validated: docs/schema/crossing.schema.json


def _show_crossing(res: dict, out, as_json, fit: FitOptions) -> None:
    """Write crossing.json and crossing.txt to --out (when given) and print the result."""
    from .. import crossing_table
    from ..io import write_json, write_text

    text = crossing_table.table(res)
    if out:

        def write_crossing(d: Path) -> list[Path]:
            write_json(d / "crossing.json", res)
            write_text(d / "crossing.txt", text + "\n")
            return [d / "crossing.json", d / "crossing.txt"]

        paths = publish(out, write_crossing)
        fit.say(f"wrote {', '.join(str(p) for p in paths)}")
    if as_json:
        emit(res)
    else:
        click.echo(text)


def _crossing_series(data, unit, series_names) -> list:
    """The series of the crossing protocol: from --data files or the bundled public series,
    only those --series names (each must exist)."""
    from .. import crossing_run as cr
    from ..errors import ForecastError

    series = [s for f in data for s in cr.read_series(f, unit)] if data else cr.bundled_series()
    if series_names:
        known = {s.name for s in series}
        missing = [n for n in series_names if n not in known]
        if missing:
            raise ForecastError(
                f"no series named {', '.join(map(repr, missing))}; known: {', '.join(sorted(known))}",
                "--series",
            )
        series = [s for s in series if s.name in series_names]
    return series


def _rolling(
    fit: FitOptions, data, with_bundled, unit, benchmark, variants, cutoffs, n_cutoffs,
    max_lead, thresholds, as_json, out, force,
):  # fmt: skip
    from .. import backtest as bt
    from .. import backtest_setup as setup
    from .. import render_backtest as show
    from ..errors import SamplerTrouble
    from ..observation_record import table_hash
    from ..observations import assemble, check_table
    from ..pipeline import variant_choice
    from ..priors import load
    from ..variants import select_variants

    if out:
        show.check_out(Path(out), force)
    pr = load(fit.priors_dir)
    if data:
        rows = []
        for f in data:
            rows += setup.read_series(f, unit, benchmark)
        if with_bundled:
            rows = assemble([]) + rows
        rows = check_table(rows)
    else:
        rows = assemble([])
    rows = select_variants(rows, variant_choice(rows, pr, variant_pairs(variants)))
    cuts = (
        [setup.parse_cutoff(c) for c in cutoffs] if cutoffs else setup.auto_cutoffs(rows, n_cutoffs)
    )
    events = setup.events_for(rows, list(thresholds))
    fitter = setup.CachedFitter(pr, fit.settings(), fit.cache, fit.refit, fit.quiet)
    res = bt.run(rows, pr, cuts, fitter, events, max_lead, progress=fit.say)
    res = bt.with_provenance(
        res,
        data={
            "files": list(data) or ["<bundled>"],
            "with_bundled": bool(with_bundled or not data),
            "n_rows": len(rows),
            "data_hash": table_hash(rows),
        },
        priors_hash=pr.digest(),
        sampler=_sampler_record(fit),
    )  # validated: docs/schema/rolling.schema.json
    if out:
        paths = publish(out, lambda d: show.write(d, res))
        fit.say(f"wrote {', '.join(str(p) for p in paths)}")
    if as_json:
        emit(res.result.as_json())
    else:
        click.echo(show.text(res.result))
    bad = [c.cutoff for c in res.result.cutoffs if not c.diagnostics.ok]
    if fit.strict and bad:
        raise SamplerTrouble(
            f"sampler diagnostics missed their thresholds at cutoff(s) {', '.join(bad)} (--strict)"
        )


def _sampler_record(fit: FitOptions) -> dict:
    """The sampler settings as written in backtest.json and crossing.json."""
    return {
        k: getattr(fit, k) for k in ("seed", "draws", "tune", "chains", "target_accept", "sampler")
    }


COMMANDS = [backtest]
