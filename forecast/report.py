"""A citable report's data: ``build`` fits once (or reuses the cached posterior), runs
every reading on the same draws and assembles what the page shows (:func:`report_data`,
validated into :class:`forecast.results_report.ReportSummary`, written as report.json)
beside the xarray results its figures are drawn from. Nothing here prints, draws or writes
files: :mod:`forecast.render_report` turns a :class:`Built` into the page and its files.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import ForecastError
from .report_inputs import observation_rows, prior_rows, provenance
from .results_report import ReportSummary, report_content
from .settings import FOCUS_YEAR

if TYPE_CHECKING:
    import xarray as xr
    from pydantic import BaseModel

    from .results import CompareSummary

DEFAULT_READINGS = ("inspiration-binding", "compressed-perspiration")
PAGE = "index.html"
FILES = (PAGE, "brief.md", "report.json", "report.csv", "results.nc", "posterior.nc")


@dataclass
class Built:
    """A report before rendering: ``report`` (the typed report.json, its ``figures`` filled in
    when they are drawn), ``results`` (the xarray results of
    :func:`forecast.plots_results.results_tree`), ``posterior`` (the fitted DataTree) and the
    cache directory in use (``None``: the default)."""

    report: ReportSummary
    results: Any  # xr.DataTree
    posterior: Any  # xr.DataTree
    cache_dir: Path | None = None


def check_out_dir(out: Path, force: bool) -> None:
    from .output import check_out_dir as guard

    guard(out, force, FILES)


def _scenario_arg(name: str) -> str:
    """How a scenario appears in the reproduce command: a shipped name stays a name, a file
    becomes its absolute path (so the command works from any directory)."""
    from .scenario import default_dir, resolve

    p = resolve(name)
    shipped = default_dir() / f"{name}.toml"
    if (
        "/" not in name
        and not name.endswith(".toml")
        and shipped.exists()
        and Path(p).resolve() == shipped.resolve()
    ):
        return name
    return str(Path(p).resolve())


def reproduce_command(
    *,
    scenarios,
    data=(),
    no_bundled=False,
    variants=(),
    priors_dir=None,
    seed=1,
    draws=1000,
    tune=1000,
    chains=4,
    sampler="nutpie",
    target_accept=0.95,
    as_of=None,
    thresholds=(),
    horizon=None,
    out="report",
    structural=False,
    backtest=None,
) -> str:
    """The command line that regenerates a report's numbers: every input that changes them
    (data files, priors, variants, seed, sampler settings, scenarios, thresholds, horizon)."""
    parts = ["forecast", "report"]
    for s in scenarios:
        parts += ["--scenario", _scenario_arg(s)]
    from .history import is_table_name

    for d in data:
        parts += ["--data", str(d) if is_table_name(d) else str(Path(d).resolve())]
    if no_bundled:
        parts.append("--no-bundled")
    for v in variants:
        parts += ["--variant", v]
    if priors_dir:
        parts += ["--priors", str(Path(priors_dir).resolve())]
    parts += [
        "--seed",
        str(seed),
        "--draws",
        str(draws),
        "--tune",
        str(tune),
        "--chains",
        str(chains),
        "--sampler",
        sampler,
    ]
    if target_accept != 0.95:
        parts += ["--target-accept", f"{target_accept:g}"]
    if as_of:
        parts += ["--as-of", as_of]
    for t in thresholds:
        parts += ["--threshold", t]
    if horizon:
        parts += ["--horizon", horizon]
    if structural:
        parts.append("--structural")
    if backtest:
        parts += ["--backtest", str(Path(backtest).resolve())]
    parts += ["--out", str(Path(out).resolve()), "--force"]
    return shlex.join(parts)


def build(
    inp,
    scenarios: Sequence[str] = DEFAULT_READINGS,
    thresholds=(),
    horizon=None,
    cache_dir=None,
    refit=False,
    quiet=False,
    command: str | None = None,
    posterior=None,
    structural: bool = False,
    progress=None,
    backtest: str | Path | None = None,
    on_posterior: Callable[[xr.DataTree], None] | None = None,
) -> Built:
    """Fit once (or reuse), run every reading on the same draws, and assemble the report;
    with ``structural``, also every variant of ``scenarios/structural.toml`` (each fitted once
    and cached) under the same readings (:mod:`forecast.structural`); with ``backtest`` (a
    crossing backtest's crossing.json), how the engine has forecast before
    (:mod:`forecast.track_record`). ``on_posterior`` is called with the posterior as soon
    as it is fitted or read, before the first reading runs."""
    from .compare import Arm, compare
    from .pipeline import forecast
    from .plots_results import results_tree
    from .reading import load_references
    from .scenario import load, resolve

    if not scenarios:
        raise ForecastError("give at least one --scenario", "--scenario")
    loaded = [load(resolve(s)) for s in scenarios]
    names = [sc.name for sc in loaded]
    if len(set(names)) != len(names):
        raise ForecastError(f"two scenarios share the name {names!r}; rename a file", "--scenario")
    results: dict[str, Any] = {}
    for sc in loaded:
        res = forecast(
            inp,
            list(thresholds),
            horizon,
            cache_dir,
            refit,
            quiet,
            posterior=posterior,
            scenario=sc,
            on_posterior=None if results else on_posterior,
        )
        posterior = res.posterior
        results[sc.name] = res
    claims = load_references()
    cmp = compare([Arm(n, "scenario", r) for n, r in results.items()]) if len(results) > 1 else None
    report = report_data(inp, loaded, results, cmp, command)
    if structural:
        from . import structural as st
        from . import structural_variants as sv

        s = st.run(
            inp, sv.load_variants(), loaded, list(thresholds), horizon, cache_dir, refit,
            progress=progress,
        )  # fmt: skip
        report["structural"] = {k: v for k, v in s.as_json().items() if k != "schema_version"}
    if backtest is not None:
        from . import track_record
        from .fit import MODEL_VERSION

        report["track_record"] = track_record.summary(track_record.load(backtest), MODEL_VERSION)
    from .brief import brief

    content = report_content(report)  # validated once, complete but for the brief
    tree = results_tree(results, claims)
    return Built(ReportSummary.of(content, brief(content)), tree, posterior, cache_dir)


def _event_order(results: dict) -> list[str]:
    """Every event of every reading, the readings' own (composite) events first."""
    events = list(dict.fromkeys(ev for r in results.values() for ev in r.run.events))
    composite = {
        ev for r in results.values() for ev, e in r.run.events.items() if e.benchmark == "composite"
    }
    events.sort(key=lambda ev: ev not in composite)
    return events


def _headline(results: dict, cmp: CompareSummary | None) -> list[dict]:
    """One row per event and reading: P by year ± MCSE, quantile dates, P(not by horizon),
    and whether the event's dates are the same draw for draw in every reading."""
    names = list(results)
    identical = {}
    if cmp:
        for ev, c in cmp.events.items():
            identical[ev] = all(
                v.per_draw is not None and v.per_draw.share_identical == 1.0
                for v in c.versus_first.values()
            )
    headline = []
    shared = {"title", "benchmark", "threshold", "threshold_shown", "p_by_year", "quantiles"}
    shared |= {"p_not_by_horizon", "p_not_by_horizon_mcse", "horizon"}
    for ev in _event_order(results):
        for n in names:
            e = results[n].run.events.get(ev)
            if e is None:
                continue
            headline.append(
                {
                    "event": ev,
                    "reading": n,
                    **e.model_dump(mode="json", include=set(shared)),
                    "identical_in_every_reading": identical.get(ev, len(names) == 1),
                }
            )
    return headline


def _readings(scenarios) -> list[dict]:
    return [
        {
            "name": sc.name,
            "title": sc.spec.title,
            "reading": sc.spec.reading,
            "description": sc.spec.description,
            "path": sc.path,
            "digest": sc.digest,
            "start": sc.spec.start,
            "horizon": sc.spec.horizon,
        }
        for sc in scenarios
    ]


def _scenario_parameters(scenarios) -> list[dict]:
    """Every residual-model parameter: meaning, canonical unit, value and reason per reading."""
    from .reading import describe_scenario
    from .scenario import PARAMS

    return [
        {
            "parameter": p,
            "meaning": spec.meaning,
            "unit": spec.canonical,
            "values": {sc.name: describe_scenario(sc, p) for sc in scenarios},
            "why": {sc.name: sc.params[p].why for sc in scenarios},
        }
        for p, spec in PARAMS.items()
    ]


def _composite(results: dict) -> dict:
    """Per reading, each composite event's conditions, binding shares and condition medians."""
    keys = {"title", "conditions", "binding_shares", "condition_medians"}
    return {
        n: {
            ev: e.model_dump(mode="json", include=keys)
            for ev, e in r.run.events.items()
            if e.binding_shares is not None
        }
        for n, r in results.items()
    }


def _dump(m: BaseModel | None) -> dict | None:
    """A result's JSON form as the run summary writes it (sections that do not apply left out)."""
    return None if m is None else m.model_dump(mode="json", exclude_unset=True)


def report_data(
    inp, scenarios, results: dict, cmp: CompareSummary | None, command: str | None
) -> dict:
    """Everything the page shows but the brief, as a dict (:func:`build` validates it into
    the typed report; ``figures`` is filled when they are rendered). ``results`` maps a
    reading's name to its :class:`forecast.pipeline.Result`, all on one posterior; ``cmp``
    is their comparison."""
    names = list(results)
    s0 = results[names[0]].run
    years = list(next(iter(s0.events.values())).p_by_year) if s0.events else []
    return {
        "report_format": 1,
        "forecast_version": __version__,
        "command": command,
        "focus_year": FOCUS_YEAR,
        "report_years": [int(y) for y in years],
        "readings": _readings(scenarios),
        "headline": _headline(results, cmp),
        "comparison": cmp.as_json() if cmp else None,
        "composite": _composite(results),
        "residual": {n: _dump(results[n].run.residual) for n in names},
        "references": {n: [_dump(r) for r in results[n].run.references] for n in names},
        "benchmarks": {b: _dump(g) for b, g in s0.benchmarks.items()},
        "observations": observation_rows(inp.rows),
        "priors": {
            "source": inp.priors.source,
            "hash": inp.priors.digest(),
            "rows": prior_rows(inp.priors.model_dump(exclude={"source"})),
        },
        "scenario_parameters": _scenario_parameters(scenarios),
        "evidence": {sc.name: sc.spec.evidence.model_dump() for sc in scenarios},
        "scenario_events": {sc.name: [e.model_dump() for e in sc.spec.events] for sc in scenarios},
        "diagnostics": _dump(s0.diagnostics),
        "notes": list(
            dict.fromkeys(
                [n for r in results.values() for n in r.notes]
                + [
                    f"{ev}: {c}"
                    for r in results.values()
                    for ev, e in r.run.events.items()
                    for c in e.caveats or []
                ]
            )
        ),
        "provenance": provenance(inp, scenarios, s0.provenance),
        "figures": [],
    }
