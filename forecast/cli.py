"""The ``forecast`` command line: one verb per job.

Heavy libraries (PyMC, ArviZ) are imported inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_SAMPLER_TROUBLE, EXIT_USER_ERROR, ForecastError, SamplerTrouble
from .settings import SHOWN_YEARS as SHOW_YEARS


def _guard(fn):
    """Turn user errors into a one-line message and exit 2; internal errors into exit 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = ctx.find_root().params.get("debug", False)
        _terminate_as_interrupt()
        try:
            return fn(*args, **kwargs)
        except ForecastError as e:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except SamplerTrouble as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_SAMPLER_TROUBLE)
        except KeyboardInterrupt:
            click.echo(
                "interrupted: files already complete were kept, none was left half-written",
                err=True,
            )
            sys.exit(130)
        except Exception as e:  # an internal error, not the user's
            if debug:
                raise
            click.echo(
                f"internal error: {type(e).__name__}: {e}\n(rerun with --debug for the "
                "traceback, and please report it)",
                err=True,
            )
            sys.exit(1)

    return wrapper


def _terminate_as_interrupt() -> None:
    """Treat SIGTERM like Ctrl-C, so temporary files are removed on the way out."""
    import signal
    import threading

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _variant_pairs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise ForecastError(
                "expected BENCHMARK=VARIANT, e.g. core-bench=automated-grading", f"--variant {v!r}"
            )
        b, name = v.split("=", 1)
        out[b.strip()] = name.strip()
    return out


def data_options(fn):
    fn = click.option(
        "--data",
        "data",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A CSV of extra observations (same schema as `forecast data --schema`), or a "
        "bundled table of public series: `history`, `history:SERIES,...` or `frontier[:SERIES,...]` "
        "(frontier records only; `forecast data --data history` lists the series). Repeatable.",
    )(fn)
    fn = click.option(
        "--no-bundled",
        is_flag=True,
        help="Leave out the bundled seed figures: only the --data files (or bundled tables "
        "named there) enter the fit, not even through the pooled growth rates.",
    )(fn)
    fn = click.option(
        "--variant",
        "variants",
        multiple=True,
        metavar="BENCH=NAME",
        help="Which of a source's figures to use where it gives several, e.g. "
        "core-bench=automated-grading. Overrides the priors file.",
    )(fn)
    return fn


def fit_options(fn):
    fn = data_options(fn)
    fn = click.option(
        "--priors",
        "priors_dir",
        type=click.Path(file_okay=False),
        help="Directory holding bounded.toml and unbounded.toml [default: priors/].",
    )(fn)
    fn = click.option(
        "--seed",
        default=1,
        show_default=True,
        type=int,
        help="Random seed: the same seed, data and priors give the same numbers.",
    )(fn)
    fn = click.option(
        "--draws",
        default=1000,
        show_default=True,
        type=click.IntRange(100),
        help="Posterior draws per chain.",
    )(fn)
    fn = click.option(
        "--tune",
        default=1000,
        show_default=True,
        type=click.IntRange(100),
        help="Warm-up iterations per chain.",
    )(fn)
    fn = click.option(
        "--chains",
        default=4,
        show_default=True,
        type=click.IntRange(2),
        help="Independent chains (R-hat needs at least 2).",
    )(fn)
    fn = click.option(
        "--sampler",
        default="auto",
        show_default=True,
        type=click.Choice(["auto", "nutpie", "pymc"]),
        help="NUTS implementation; auto uses nutpie when installed.",
    )(fn)
    fn = click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        help="Where fitted posteriors are kept and reused [default: "
        "$FORECAST_CACHE or ~/.cache/forecast].",
    )(fn)
    fn = click.option("--refit", is_flag=True, help="Ignore a cached posterior and sample again.")(
        fn
    )
    fn = click.option(
        "--strict",
        is_flag=True,
        help=f"Exit with code {EXIT_SAMPLER_TROUBLE} when R-hat, ESS or divergences "
        "miss their thresholds (they are always reported).",
    )(fn)
    fn = click.option("--quiet", "-q", is_flag=True, help="No progress messages on stderr.")(fn)
    return fn


def _inputs(data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler):
    from .fit import SamplerSettings
    from .pipeline import inputs

    settings = SamplerSettings(seed=seed, draws=draws, tune=tune, chains=chains, sampler=sampler)
    return inputs(list(data), no_bundled, priors_dir, _variant_pairs(variants), settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="forecast")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
def main(debug):
    """Forecast when AI-capability benchmarks cross thresholds.

    Bayesian growth models (PyMC) are fitted to published benchmark figures and sampled
    forward into probability distributions over threshold dates.

    \b
    Start here:
      forecast run                          the bundled forecast, as a table
      forecast run --json --seed 1          the same, as JSON
      forecast run --out results/           + posterior.nc, forecast.nc, summary.json/.csv
      forecast run --threshold "swe-bench>=98%"    an extra threshold
      forecast data                         list and validate the observation table
      forecast prior-check                  what the priors alone imply

    Exit codes: 0 ok, 1 internal error, 2 bad input, 3 sampler trouble under --strict.
    """


@main.command()
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print the series and rows as JSON.")
@click.option("--rows", "show_rows", is_flag=True, help="Also list every row.")
@click.option("--schema", is_flag=True, help="Print the CSV schema and exit.")
@_guard
def data(data, no_bundled, variants, as_json, show_rows, schema):
    """List and validate the observation table: its series with row counts, frontier
    records, date ranges, task counts and sources (bundled rows plus --data files).

    Every row is one published figure with its source. Bad rows are reported with the
    file, row number and what was expected; exit code 2.

    The seed figures are bundled and used by default. The bundled history table (every
    public series: METR horizons, SWE-bench splits, MLE-bench, PostTrainBench, with the
    seed figures merged in, each result once) is used when asked for, as a --data value:
    `history` (every series), `history:SERIES[,SERIES...]`, or `frontier[:SERIES,...]`
    (the frontier records only: a row above every earlier row of its series). A seed
    figure that a selected history row reports is not used a second time. Until the growth
    model fits one curve per series, give one series per benchmark to a fit (see
    docs/data.md); `--no-bundled` leaves the seed figures out.

    \b
    Examples:
      forecast data
      forecast data --data history
      forecast data --data frontier:swe-bench-verified --no-bundled --rows
      forecast fit --no-bundled --data history:metr-horizon-1.1-p50
      forecast data --data my-benchmark.csv
      forecast data --data my-series.csv --no-bundled --json
    """
    from . import observation_rows
    from .history_listing import mixed_benchmarks, row_record, rows_text, series_summary
    from .observations import COLUMNS, assemble, select_variants
    from .priors import load

    if schema:
        click.echo((observation_rows.__doc__ or "").split("Schema", 1)[1].strip())
        return
    from .pipeline import variant_choice

    rows = assemble(list(data), include_bundled=not no_bundled)
    used = {
        id(r) for r in select_variants(rows, variant_choice(rows, load(), _variant_pairs(variants)))
    }
    summary = series_summary(rows)
    if as_json:
        out = {
            "columns": list(COLUMNS),
            "series": summary,
            "rows": [row_record(r, id(r) in used) for r in rows],
        }
        click.echo(json.dumps(out, indent=2))
        return
    from .history_listing import series_text

    click.echo(series_text(summary))
    if show_rows:
        click.echo("\n" + rows_text(rows, used))
    n_b = len({r.benchmark for r in rows})
    click.echo(
        f"\n{len(rows)} rows, {len(summary)} series, {n_b} benchmarks: valid. 'records' counts "
        "frontier records (running maximum). Rows not used are another variant of the same "
        "result (choose with --variant; see --rows)."
    )
    for b, ss in mixed_benchmarks(summary).items():
        click.echo(
            f"note: benchmark {b!r} has {len(ss)} series ({', '.join(ss)}); the growth model "
            "fits one curve per benchmark, so a fit pools them: select one series per benchmark."
        )


@main.command()
@fit_options
@_guard
def fit(
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
):
    """Fit the growth models and report convergence and growth rates.

    The posterior is cached (netCDF, with provenance) and reused by `forecast run` while
    the data, priors, seed and sampler settings are unchanged.
    """
    from .pipeline import fit_posterior
    from .summary import growth_summary
    from .trajectories import curves

    inp = _inputs(data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler)
    dt, _reused = fit_posterior(inp, Path(cache_dir) if cache_dir else None, refit, quiet)
    diag = json.loads(dt.attrs["diagnostics"])
    click.echo(_diag_line(diag))
    click.echo(
        _growth_table(growth_summary(curves(dt["posterior"].to_dataset(), dt.attrs), dt.attrs))
    )
    _strict(diag, strict)


@main.command()
@fit_options
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="BENCH>=VALUE",
    help="An extra threshold, e.g. 'posttrainbench>=60%', 'metr-horizon>=40h', "
    "'training-speedup>=100x'. A bare number is in the benchmark's own unit. "
    "Repeatable.",
)
@click.option(
    "--horizon",
    help="Draws not crossing by this date count as 'not by horizon' "
    "(YYYY, YYYY-MM or YYYY-MM-DD) [default: 2040-12-31].",
)
@click.option(
    "--scenario",
    "scenario_name",
    metavar="FILE|NAME",
    help="A reading of the research residual (scenarios/*.toml, or a shipped name such "
    "as inspiration-binding or compressed-perspiration): adds its composite "
    "events, e.g. automated AI R&D, and the R&D multiplier trajectory.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as JSON (schema in README)."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Write posterior.nc, forecast.nc, summary.json and summary.csv here.",
)
@click.option("--force", is_flag=True, help="Overwrite artifacts already in --out.")
@_guard
def run(
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
    thresholds,
    horizon,
    scenario_name,
    as_json,
    out,
    force,
):
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
    from .output import check_out_dir, write_run
    from .pipeline import forecast

    if out:
        check_out_dir(Path(out), force)
    inp = _inputs(data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler)
    sc = _scenario(scenario_name)
    res = forecast(
        inp, thresholds, horizon, Path(cache_dir) if cache_dir else None, refit, quiet, scenario=sc
    )
    if out:
        paths = write_run(Path(out), res, force)
        if not quiet:
            click.echo(f"wrote {', '.join(str(p) for p in paths)}", err=True)
    for n in res.notes:
        if not quiet:
            click.echo(f"note: {n}", err=True)
    if as_json:
        from .io import dumps_json

        click.echo(dumps_json(res.summary), nl=False)
    else:
        click.echo(render(res.summary, res.reused))
    _strict(res.summary["diagnostics"], strict)


@main.command("prior-check")
@fit_options
@click.option(
    "--samples", default=2000, show_default=True, type=click.IntRange(100), help="Prior draws."
)
@click.option("--json", "as_json", is_flag=True, help="Print the check as JSON.")
@_guard
def prior_check(
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
    samples,
    as_json,
):
    """Prior predictive check: what the priors alone say about the data and the dates.

    For each observation, the prior predictive 50 % and 90 % intervals on the transformed
    scale and whether the published figure falls inside; then the threshold-date table
    computed from prior draws instead of posterior draws. A prior that puts the data far
    in its tails, or dates nowhere near plausible, is worth revisiting.
    """
    from .prior_check import prior_predictive

    inp = _inputs(data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler)
    res = prior_predictive(inp, samples=samples, seed=seed)
    if as_json:
        click.echo(json.dumps(res, indent=2))
        return
    click.echo("Prior predictive intervals of each observation (transformed scale):")
    for o in res["observations"]:
        click.echo(
            f"  {o['benchmark']:<18} {o['date']:<16} observed {o['observed']:>8.3f}  "
            f"50% [{o['q25']:.2f}, {o['q75']:.2f}]  90% [{o['q05']:.2f}, {o['q95']:.2f}]"
            f"  {'inside 90%' if o['in_90'] else 'OUTSIDE 90%'}"
        )
    click.echo(
        f"share of observations inside the prior 50 % / 90 % intervals: "
        f"{res['share_in_50']:.2f} / {res['share_in_90']:.2f}\n"
    )
    click.echo("Threshold dates under the prior alone:")
    click.echo(_events_table(res["events"]))


def _scenario(name):
    if not name:
        return None
    from .scenario import load, resolve

    return load(resolve(name))


@main.command()
@fit_options
@click.argument("arms", nargs=-1, required=True, metavar="ARM ARM [ARM...]")
@click.option(
    "--scenario",
    "scenario_name",
    metavar="FILE|NAME",
    help="A scenario applied to every data-file arm.",
)
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="BENCH>=VALUE",
    help="An extra threshold, as for `run`. Repeatable.",
)
@click.option("--horizon", help="As for `run`.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Write compare.json and a date-CDF figure per event (PNG and SVG) here.",
)
@click.option("--force", is_flag=True, help="Overwrite files already in --out.")
@_guard
def compare(
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
    arms,
    scenario_name,
    thresholds,
    horizon,
    as_json,
    out,
    force,
):
    """Put readings, scenarios or data files side by side.

    Each ARM is a scenario (a .toml file or a shipped name such as inspiration-binding), a
    data file (.csv, added to the bundled data and any --data), or the word `base` (the
    data as given, no extra file). Scenario arms share one posterior and one set of random
    numbers, so the per-draw gap between them in years is the effect of the scenario, not
    noise. Data-file arms are refitted and compared by the shift in each event's median and
    P(by 2028): "what does this one new data point change?".

    \b
    Examples:
      forecast compare inspiration-binding compressed-perspiration
      forecast compare base new-point.csv --scenario compressed-perspiration
      forecast compare inspiration-binding my-variant.toml --json --out cmp/
    """
    from .compare import Arm
    from .compare import compare as do_compare
    from .pipeline import forecast

    if len(arms) < 2:
        raise ForecastError("give at least two arms to compare", "ARM")
    if out:
        _check_compare_out(Path(out), force)
    results = []
    cache = Path(cache_dir) if cache_dir else None
    for arm in arms:
        if arm.endswith(".csv"):
            inp = _inputs(
                (*tuple(data), arm),
                no_bundled,
                variants,
                priors_dir,
                seed,
                draws,
                tune,
                chains,
                sampler,
            )
            res = forecast(
                inp, thresholds, horizon, cache, refit, quiet, scenario=_scenario(scenario_name)
            )
            results.append(Arm(Path(arm).stem, "data", res))
        elif arm == "base":
            inp = _inputs(
                data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler
            )
            res = forecast(
                inp, thresholds, horizon, cache, refit, quiet, scenario=_scenario(scenario_name)
            )
            results.append(Arm("base", "data", res))
        else:
            inp = _inputs(
                data, no_bundled, variants, priors_dir, seed, draws, tune, chains, sampler
            )
            sc = _scenario(arm)
            res = forecast(inp, thresholds, horizon, cache, refit, quiet, scenario=sc)
            results.append(Arm(sc.name, "scenario", res))
    labels = [a.label for a in results]
    if len(set(labels)) != len(labels):
        raise ForecastError(f"two arms share the label {labels!r}; rename a file", "ARM")
    cmp = do_compare(results)
    if out:
        _write_compare(Path(out), cmp, results)
    if as_json:
        from .io import dumps_json

        click.echo(dumps_json(cmp), nl=False)
    else:
        click.echo(_compare_table(cmp))
    for a in results:
        _strict(a.result.summary["diagnostics"], strict)


def _check_compare_out(out: Path, force: bool) -> None:
    if out.exists() and any(out.glob("compare*")) and not force:
        raise ForecastError(
            "already holds comparison files; pass --force to overwrite them", str(out)
        )


def _write_compare(out: Path, cmp: dict, arms) -> None:
    from .figures import date_cdf, slug
    from .io import write_json
    from .output import inside
    from .reading import load_references
    from .thresholds import parse_horizon

    claims = load_references()
    write_json(out / "compare.json", cmp)
    for ev in cmp["events"]:
        curves = {a.label: a.result.dates["crossing_year"].sel(event=ev).values for a in arms}
        marks = [
            (parse_horizon(c["by"], c["id"]), c["p_at_least"], c["who"].split(",")[0])
            for c in claims
            if c["event"] == ev
        ]
        date_cdf(
            curves,
            cmp["events"][ev]["title"],
            arms[0].result.plan.horizon,
            inside(out, f"compare-{slug(ev)}"),
            marks,
            horizon_text=arms[0].result.plan.horizon_text,
        )


def _compare_table(cmp: dict) -> str:
    labels = [a["label"] for a in cmp["arms"]]
    y = cmp["focus_year"]
    lines = [f"Comparing {', '.join(labels)}  (P by end of {y} ± MCSE; median date)", ""]
    same = []
    for ev, e in cmp["events"].items():
        g = [v.get("per_draw") for v in e["versus_first"].values()]
        if all(x and x["share_identical"] == 1.0 for x in g):
            same.append(ev)
            continue
        lines.append(f"{ev}: {e['title']}")
        for lab in labels:
            a = e["by_arm"][lab]
            p = a["p_by_focus_year"]
            lines.append(
                f"  {lab:<28} P = {p['p']:.3f} ± {p['mcse']:.3f}   median "
                f"{a['quantiles']['0.5'] or 'not by horizon':<14} 80 %: "
                f"{a['quantiles']['0.1'] or 'never'} – {a['quantiles']['0.9'] or 'never'}   "
                f"not by horizon {a['p_not_by_horizon']:.3f}"
            )
        for lab, v in e["versus_first"].items():
            txt = f"  {lab} vs {labels[0]}: P({y}) {v['p_by_focus_year_shift']:+.3f}"
            if v["median_shift_years"] is not None:
                txt += f", median shift {v['median_shift_years']:+.2f} y"
            g = v.get("per_draw")
            if g:
                gy = g["gap_years_never_at_horizon"]
                txt += (
                    f"\n    per-draw gap on the same draws ('never' counted at the horizon): median "
                    f"{gy['median']:+.2f} y, 80 % {gy['q10']:+.2f} to {gy['q90']:+.2f} y; "
                    f"{lab} earlier in {100 * g['share_second_earlier']:.0f} % of draws, the only "
                    f"one to cross in {100 * g['share_only_second_crosses']:.0f} %"
                )
            lines.append(txt)
        lines.append("")
    if same:
        lines.append(f"Identical in every arm, draw by draw: {', '.join(same)}.")
    return "\n".join(lines).rstrip()


def _strict(diag: dict, strict: bool) -> None:
    if strict and not diag["ok"]:
        raise SamplerTrouble(
            "sampler diagnostics missed their thresholds (--strict): " + "; ".join(diag["warnings"])
        )


def _diag_line(d: dict) -> str:
    status = "OK" if d["ok"] else "WARNING: " + "; ".join(d["warnings"])
    return (
        f"Sampler: max R-hat {d['max_rhat']:.3f} · min ESS bulk {d['min_ess_bulk']:.0f} / "
        f"tail {d['min_ess_tail']:.0f} · {d['divergences']} divergences · {status}"
    )


def _pct(p: float) -> str:
    return f"{100 * p:5.1f}"


def _events_table(events: dict) -> str:
    if not events:
        return "(no events)"
    years = [y for y in map(str, SHOW_YEARS) if y in next(iter(events.values()))["p_by_year"]]
    horizon = next(iter(events.values()))["horizon"]
    head = (
        f"{'event':<26} {'threshold':>10}  "
        + " ".join(f"{y:>5}" for y in years)
        + f"   {'median':<10}  {'80 % interval':<23}  not by {horizon}"
    )
    lines = [f"{'':<26} {'':>10}  P(by end of year), %", head, "-" * len(head)]
    max_se = 0.0
    for ev, e in events.items():
        q = e["quantiles"]
        max_se = max([max_se] + [v["mcse"] for v in e["p_by_year"].values()])
        shown = e.get("threshold_shown") or str(e["threshold"])
        lines.append(
            f"{ev[:26]:<26} {shown:>10}  "
            + " ".join(_pct(e["p_by_year"][y]["p"]) for y in years)
            + f"   {q['0.5'] or 'never':<10}  {(q['0.1'] or 'never') + ' – ' + (q['0.9'] or 'never'):<23}"
            + f"  {_pct(e['p_not_by_horizon'])} %"
        )
    lines.append(
        f"Monte Carlo standard errors of these probabilities are at most "
        f"{100 * max_se:.1f} points (each is in --json)."
    )
    return "\n".join(lines)


def _growth_table(bench: dict) -> str:
    lines = ["Growth rates (posterior median and 80 % interval):"]
    for b, g in bench.items():
        if g["family"] == "bounded":
            y = g["years_10_to_90_pct_of_ceiling"]
            c = g["ceiling"]
            txt = (
                f"10->90 % of ceiling in {y['median']:.2f} y ({y['q10']:.2f}-{y['q90']:.2f}); "
                f"ceiling {100 * c['median']:.0f} %"
            )
        else:
            d = g["doubling_time_months"]
            a = g["rate_change_per_year"]
            txt = (
                f"doubling time {d['median']:.1f} months ({d['q10']:.1f}-{d['q90']:.1f}) at "
                f"{g['doubling_time_at'][:7]}; rate change {a['median']:+.2f}/y"
            )
        lines.append(f"  {b:<18} n={g['n_observations']:<2} {txt}")
        if g["n_observations"] < 2:
            lines.append(f"  {'':<18}      rate from: {g['rate_source']}")
    return "\n".join(lines)


def render(summary: dict, reused: bool) -> str:
    p = summary["provenance"]
    s = p["sampler"]
    head = (
        f"forecast {summary['forecast_version']} · data {p['data_hash'][:8]} "
        f"({p['n_observations']} rows) · priors {p['priors_hash'][:8]} · seed {p['seed']} · "
        f"{s['sampler']} {s['chains']}x{s['draws']} · posterior {p['posterior_hash'][:8]}"
        f"{' (reused)' if reused else ''}"
    )
    parts = [head]
    if "scenario" in summary:
        sc = summary["scenario"]
        parts.append(
            f"Scenario: {sc['title']} ({sc['path']}, {sc['digest'][:8]})\n  {sc['description']}"
        )
    parts.append(_events_table(summary["events"]))
    comp = _composite_text(summary)
    if comp:
        parts.append(comp)
    if summary.get("references"):
        parts.append(_references_text(summary["references"]))
    parts += [_growth_table(summary["benchmarks"]), _diag_line(summary["diagnostics"])]
    return "\n\n".join(parts)


def _composite_text(summary: dict) -> str:
    lines = []
    for ev, e in summary["events"].items():
        if "binding_shares" not in e:
            continue
        lines.append(
            f"{ev}: binding (last) condition, share of draws (median date of the condition):"
        )
        for c, share in e["binding_shares"].items():
            lines.append(
                f"  {100 * share:5.1f} %  {c:<36} {e['condition_medians'][c] or 'not by horizon'}"
            )
    if "residual" in summary:
        tr = summary["residual"]["trajectories"]
        years = [y for y in map(str, SHOW_YEARS) if y in tr["rd_multiplier"]["by_end_of_year"]]
        lines.append("Residual model, median (10-90 %) at the end of each year:")
        lines.append(f"  {'':<22}" + "".join(f"{y:>20}" for y in years))
        for v, name in (
            ("engineering_speedup", "engineering speed-up"),
            ("research_throughput", "research throughput"),
            ("rd_multiplier", "R&D multiplier"),
        ):
            cells = []
            for y in years:
                q = tr[v]["by_end_of_year"][y]
                cells.append(f"{q['median']:.3g} ({q['q10']:.2g}-{q['q90']:.2g})")
            lines.append(f"  {name:<22}" + "".join(f"{c:>20}" for c in cells))
        r0 = summary["residual"]["inputs"]["research_throughput_now"]
        lines.append(
            f"  AI research throughput / human now: {r0['median']:.2g} ({r0['q10']:.2g}-"
            f"{r0['q90']:.2g}); weight given to the alignment-researcher result (Kalman gain): "
            f"{summary['residual']['alignment_researchers_gain']:.2f}"
        )
    return "\n".join(lines)


def _references_text(refs: list[dict]) -> str:
    lines = ["Published claims beside the engine:"]
    for r in refs:
        lines.append(
            f"  {r['who']}: {r['claim']}.\n    engine: P(by {r['by']}) = {r['engine_p']:.3f} ± "
            f"{r['engine_mcse']:.3f} -> {r['verdict']} (under {r['under']})"
        )
    return "\n".join(lines)


def _register_extensions() -> None:
    """Commands that live in their own modules (``forecast/<name>_cli.py`` exposing COMMANDS).

    Those modules import only click at module level, so ``--help`` stays fast.
    """
    import importlib

    for name in ("check_cli", "backtest_cli", "report_cli", "sweep_cli"):
        try:
            module = importlib.import_module(f"forecast.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"forecast.{name}":
                continue
            raise
        # None while that module is itself importing forecast.cli (it was imported first)
        for cmd in getattr(module, "COMMANDS", None) or ():
            main.add_command(cmd)


_register_extensions()


if __name__ == "__main__":
    main()
