"""`forecast compare`: readings, scenarios or data files side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ForecastError
from ..publish import publish
from ..settings import FOCUS_YEAR
from .options import FitOptions, emit, event_options, fit_options, guard, output_options
from .run import load_scenario

if TYPE_CHECKING:
    from ..results import CompareSummary


def _arm(fit: FitOptions, arm: str, scenario_name, thresholds, horizon, posteriors: dict):
    """One arm's result: a data file (refitted), `base`, or a scenario (same posterior).
    ``posteriors`` holds the posterior of each data selection already fitted or loaded, so
    arms on the same data reuse it (and say so once)."""
    from ..compare import Arm
    from ..pipeline import forecast

    if _is_data_arm(arm):
        extra = (arm,) if arm != "base" else ()
        sc, label, kind = load_scenario(scenario_name), Path(arm).stem, "data"
    else:
        extra, sc, kind = (), load_scenario(arm), "scenario"
        label = sc.name
    res = forecast(
        fit.inputs(extra), thresholds, horizon, fit.cache, fit.refit, fit.quiet,
        posterior=posteriors.get(extra), scenario=sc,
    )  # fmt: skip
    posteriors[extra] = res.posterior
    return Arm(label, kind, res)


def _is_data_arm(arm: str) -> bool:
    """A data-file arm (a .csv, or `base`), refitted; anything else names a scenario."""
    return arm.endswith(".csv") or arm == "base"


@click.command()
@fit_options
@click.argument("arms", nargs=-1, required=True, metavar="ARM ARM [ARM...]")
@click.option(
    "--scenario",
    "scenario_name",
    metavar="FILE|NAME",
    help="A scenario applied to every data-file arm.",
)
@event_options()
@click.option(
    "--structural",
    is_flag=True,
    help="Scenario arms only: also forecast every structural variant of "
    "scenarios/structural.toml under each arm and say whether the gap between the readings "
    "holds in all of them (each variant fitted once, in parallel, and cached; ~2 minutes cold on 2 cores).",
)
@output_options(
    "Write compare.json and a date-CDF figure per event (PNG and SVG) here.",
    "Overwrite files already in --out.",
    json_help="Print the comparison as JSON.",
)
@guard
def compare(
    fit: FitOptions, arms, scenario_name, thresholds, horizon, structural, as_json, out, force
):
    """Put readings, scenarios or data files side by side.

    Each ARM is a scenario (a .toml file or a shipped name such as inspiration-binding), a
    data file (.csv, added to the bundled data and any --data), or the word `base` (the
    data as given, no extra file). Scenario arms share one posterior and one set of random
    numbers, so the per-draw gap between them in years is the effect of the scenario, not
    noise. Data-file arms are refitted and compared by the shift in each event's median and
    P(by the focus year): "what does this one new data point change?".

    \b
    Examples:
      forecast compare inspiration-binding compressed-perspiration
      forecast compare base new-point.csv --scenario compressed-perspiration
      forecast compare inspiration-binding my-variant.toml --json --out cmp/
      forecast compare inspiration-binding compressed-perspiration --structural
    """
    from .. import render_compare
    from ..compare import compare as do_compare
    from ..render_text import compare_table

    if len(arms) < 2:
        raise ForecastError("give at least two arms to compare", "ARM")
    if out:
        render_compare.check_out(Path(out), force)
    if structural and any(_is_data_arm(a) for a in arms):  # before any fit
        raise ForecastError("--structural compares readings: every ARM must be a scenario", "ARM")
    for a in arms:  # every scenario arm read before any fit
        if not _is_data_arm(a):
            try:
                load_scenario(a)
            except ForecastError as e:
                raise ForecastError(
                    f"{e.message}; an ARM may also be a data .csv file or `base`", e.where
                ) from None
    posteriors: dict = {}
    results = [_arm(fit, a, scenario_name, thresholds, horizon, posteriors) for a in arms]
    labels = [a.label for a in results]
    if len(set(labels)) != len(labels):
        raise ForecastError(f"two arms share the label {labels!r}; rename a file", "ARM")
    cmp = do_compare(results)
    if structural:
        cmp = _with_structural(cmp, fit, [load_scenario(a) for a in arms], thresholds, horizon)
    strict_failed = fit.strict and not all(a.result.run.diagnostics.ok for a in results)
    if out and not strict_failed:  # --strict: nothing citable from a failed posterior
        publish(out, lambda d: render_compare.write(d, cmp, results))
    if as_json:
        emit(cmp.as_json())
    else:
        click.echo(compare_table(cmp))
    for a in results:
        fit.check_strict(a.result.run.diagnostics, out if strict_failed else None)


def _with_structural(
    cmp: CompareSummary, fit: FitOptions, scenarios, thresholds, horizon
) -> CompareSummary:
    """``cmp`` with the readings' gap per event under every structural variant."""
    from .. import structural as st
    from .. import structural_variants as sv
    from ..results import compare_summary
    from ..structural_gaps import reading_gaps

    s = st.run(
        fit.inputs(), sv.load_variants(), scenarios, thresholds, horizon, fit.cache, fit.refit,
        progress=fit.say,
    )  # fmt: skip
    part = {
        "variants": [v.id for v in s.variants[1:]],
        "fits_ok": all(f.diagnostics_ok for f in s.fits),
        "gaps": reading_gaps(s, [sc.name for sc in scenarios]),
    }
    return compare_summary({**cmp.as_json(), "structural": part})


compare.help = (compare.help or "").replace("the focus year", str(FOCUS_YEAR))

COMMANDS = [compare]
