"""The main job as plain functions: observations + priors -> posterior -> dates -> summary.

The CLI, the notebooks and the tests all go through here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .fit import SamplerSettings
from .observation_record import table_hash
from .observations import Observation, assemble
from .observed import apply_observed, observed_events
from .posterior_meta import meta
from .priors import Priors
from .priors import load as load_priors
from .results import RunSummary, run_summary
from .scenario import Scenario
from .thresholds import Plan, load_plan
from .variants import select_variants


@dataclass
class Inputs:
    """Everything a forecast depends on, validated."""

    rows: list[Observation]
    priors: Priors
    settings: SamplerSettings
    data_files: list[str] = field(default_factory=list)
    bundled: bool = True
    as_of: str | None = None  # only rows dated before this entered (None: every row)
    read_on: dict[str, str] = field(default_factory=dict)  # built-in event -> its series


def inputs(
    data: Sequence[str] = (),
    no_bundled: bool = False,
    priors_dir: str | None = None,
    variants: dict[str, str] | None = None,
    settings: SamplerSettings | None = None,
    as_of: str | None = None,
) -> Inputs:
    """Observations, priors and sampler settings, validated. ``as_of`` (YYYY, YYYY-MM or
    YYYY-MM-DD) keeps only the AI rows published before that date, bundled or not, so a
    forecast can be made as the world stood then (human baselines are kept)."""
    pr = load_priors(priors_dir)
    rows = table_as_of(assemble(list(data), include_bundled=not no_bundled), pr, as_of, variants)
    return Inputs(
        rows, pr, settings or SamplerSettings(), [str(d) for d in data], not no_bundled, as_of
    )


def table_as_of(
    rows: list[Observation],
    pr: Priors,
    as_of: str | None = None,
    variants: dict[str, str] | None = None,
) -> list[Observation]:
    """The rows a forecast made as of ``as_of`` fits (every row when None), with each
    benchmark's variant chosen (``variants`` over the priors files)."""
    if as_of is not None:
        rows = rows_as_of(rows, as_of)
    return select_variants(rows, variant_choice(rows, pr, variants or {}, as_of))


def rows_as_of(rows: list[Observation], as_of: str) -> list[Observation]:
    """The rows a forecaster had before ``as_of``: AI rows whose whole publication period
    ends on or before its start (a row dated 2025-12 is in as of 2026-01, not as of
    2025-12-15); a clear error when nothing is left."""
    from .dates import period_bounds
    from .errors import ForecastError

    try:
        cut, _ = period_bounds(as_of.strip())
    except ValueError:
        raise ForecastError(
            f"cannot read date {as_of!r}; expected YYYY, YYYY-MM or YYYY-MM-DD", "--as-of"
        ) from None
    kept = [r for r in rows if r.kind != "ai" or r.period_end <= cut + 1e-9]
    if not any(r.kind == "ai" for r in kept):
        raise ForecastError(f"no observation is dated before {as_of}", "--as-of")
    return kept


def variant_choice(
    rows: list[Observation], pr: Priors, cli: dict[str, str], as_of: str | None = None
) -> dict[str, str]:
    """Which variant each benchmark uses: --variant over the priors file; both checked here."""
    from .errors import ForecastError
    from .variants import mixed_series

    mixed = mixed_series(rows)
    offered: dict[str, set[str]] = {}
    for r in rows:
        offered.setdefault(r.benchmark, set()).add(r.variant)
    for b, v in cli.items():
        if b not in offered:
            raise ForecastError(
                f"no observations of benchmark {b!r}; known: {', '.join(sorted(offered))}",
                f"--variant {b}={v}",
            )
        if v not in offered[b]:
            raise ForecastError(
                f"{b!r} has no rows of variant {v!r}; its rows offer "
                f"{', '.join(sorted(x for x in offered[b] if x)) or 'no variants'}",
                f"--variant {b}={v}",
            )
        if not any(r.benchmark == b and r.series in mixed for r in rows):
            series = sorted({r.series for r in rows if r.benchmark == b and r.variant})
            raise ForecastError(
                f"has no effect: in this data the variants of {b!r} are series of their own "
                f"({', '.join(series)}), all fitted; to leave one out use "
                "`forecast structural` or a data selection (--no-bundled --data frontier:...)",
                f"--variant {b}={v}",
            )
    for fam in ("bounded", "unbounded"):
        for b, o in getattr(pr, fam).benchmarks.items():
            moot = as_of is not None and offered.get(b) == {""}  # its variant rows came later
            if (
                o.variant
                and b in offered
                and b not in cli
                and o.variant not in offered[b]
                and not moot
            ):
                raise ForecastError(
                    f"key 'benchmarks.{b}.variant' is {o.variant!r}, but the rows of {b!r} offer "
                    f"{', '.join(sorted(x for x in offered[b] if x)) or 'no variants'}",
                    f"{pr.source}/{fam}.toml",
                )
    choice = {**pr.variants(), **cli}
    return {b: v for b, v in choice.items() if b in offered}


@dataclass
class Result:
    posterior: xr.DataTree
    reused: bool
    curves: xr.Dataset
    dates: xr.Dataset
    plan: Plan
    notes: list[str]
    run: RunSummary  # the typed result (forecast.results); its as_json() is what is written
    trajectories: xr.Dataset | None = None


def fit_posterior(
    inp: Inputs, cache_dir: Path | None = None, refit: bool = False, quiet: bool = False
):
    from .fit import fit

    return fit(inp.rows, inp.priors, inp.settings, cache_dir=cache_dir, refit=refit, quiet=quiet)


def forecast(
    inp: Inputs,
    thresholds: Sequence[str] = (),
    horizon: str | None = None,
    cache_dir: Path | None = None,
    refit: bool = False,
    quiet: bool = False,
    posterior: xr.DataTree | None = None,
    scenario: Scenario | None = None,
    on_posterior: Callable[[xr.DataTree], None] | None = None,
) -> Result:
    """Fit (or reuse) the posterior and compute every event's date distribution.

    With a ``scenario``, the research-residual model runs on the same draws and the
    scenario's composite events, residual trajectories and reference claims are added.
    ``on_posterior`` is called with the posterior once it is fitted or read (``forecast
    report`` starts drawing its diagnostic figures then).
    """
    from . import reading
    from .claims_parameter import known_series
    from .claims_parameter import references as parameter_references
    from .forward import event_dates
    from .reliability import caveats
    from .summary import events_summary, growth_summary
    from .trajectories import curves as make_curves

    plan, notes = _plan(inp, thresholds, horizon, scenario)
    claims = reading.load_references(series=known_series(inp.rows))  # checked before a fit
    if posterior is None:
        posterior, reused = fit_posterior(inp, cache_dir, refit, quiet)
    else:
        reused = True
    if on_posterior is not None:
        on_posterior(posterior)
    post = posterior["posterior"].to_dataset()
    c = make_curves(post, posterior.attrs)
    extra: dict = {}
    traj = None
    binding: dict = {}  # composite events: what binds each
    if scenario is None:
        d = event_dates(c, plan)
    else:
        d, res_inputs, traj, binding = reading.dates(c, plan, scenario, inp.rows, inp.settings.seed)
        extra["scenario"] = _scenario_record(scenario)
        extra["residual"] = reading.residual_summary(res_inputs, traj, plan.report_years)
    observed = observed_events(plan, inp.rows)
    d = apply_observed(d, observed)
    d.attrs.update(
        {k: v for k, v in posterior.attrs.items() if isinstance(v, (str, int, float, np.generic))}
    )
    events = events_summary(d, plan.report_years)
    _annotate(events, plan, observed, binding)
    for ev_id, cav in caveats(plan, scenario, inp.rows).items():
        events[ev_id]["caveats"] = cav
    refs = reading.references(d, scenario, claims)
    m = meta(posterior.attrs)
    refs += parameter_references(post, m.t_ref, m.t_last, claims)
    summ = {
        "forecast_version": __version__,
        "provenance": provenance(inp, posterior, plan),
        "diagnostics": m.diagnostics,
        **extra,
        "events": events,
        "references": refs,
        "benchmarks": growth_summary(c, posterior.attrs),
        "notes": notes,
    }
    if scenario is not None:
        summ["provenance"]["scenario_hash"] = scenario.digest
    run = run_summary(summ)
    return Result(posterior, reused, c, d, plan, notes, run, traj)


def _plan(
    inp: Inputs,
    thresholds: Sequence[str],
    horizon: str | None,
    scenario: Scenario | None,
) -> tuple[Plan, list[str]]:
    """The thresholds (built-in ones read on ``inp.read_on``'s series where it names one) and
    the horizon: ``horizon`` when given (an empty one is load_plan's error, not a fallback),
    else the scenario's, else the thresholds file's."""
    if horizon is not None or scenario is None:
        return load_plan(inp.rows, list(thresholds), horizon, read_on=inp.read_on)
    where = f"{scenario.path}: horizon"
    return load_plan(
        inp.rows,
        list(thresholds),
        scenario.spec.horizon,
        horizon_where=where,
        read_on=inp.read_on,
    )


def _scenario_record(scenario: Scenario) -> dict:
    """What a summary says of the scenario it was forecast under."""
    return {
        "path": scenario.path,
        "name": scenario.name,
        "title": scenario.spec.title,
        "reading": scenario.spec.reading,
        "description": scenario.spec.description,
        "digest": scenario.digest,
        "start": scenario.spec.start,
    }


def _annotate(events: dict, plan: Plan, observed: dict, binding: dict) -> None:
    """Add to each event of ``events`` its threshold as shown, the observation that already
    crossed it, and (composite events) what binds it."""
    for t in plan.thresholds:
        events[t.id]["threshold_shown"] = t.shown
        if t.id in observed:
            events[t.id]["observed"] = observed[t.id].as_json()
    for ev_id, b in binding.items():
        events[ev_id].update(b)
        events[ev_id]["threshold_shown"] = "composite"


@lru_cache(maxsize=1)
def code_commit() -> str | None:
    """The git commit of the code when it runs from a checkout ("+dirty" with local edits);
    None for an installed copy. Read once per process (two git calls), not once per run."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "forecast"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")  # fmt: skip


def data_as_of(rows: list[Observation]) -> str | None:
    """The date of the latest AI observation: what the forecast knows about, as of when."""
    dates = [r.date for r in rows if r.kind == "ai"]
    return max(dates) if dates else None


def provenance(inp: Inputs, posterior: xr.DataTree, plan: Plan) -> dict:
    a = posterior.attrs
    return {
        "code_commit": code_commit(),
        "data_as_of": data_as_of(inp.rows),
        "as_of": inp.as_of,
        "data_hash": table_hash(inp.rows),
        "data_files": inp.data_files,
        "bundled_data": inp.bundled,
        "n_observations": len(inp.rows),
        "priors_hash": inp.priors.digest(),
        "variants": json.loads(a["variants"]),
        "model_version": a["model_version"],
        "posterior_hash": a["posterior_hash"],
        "seed": int(a["seed"]),
        "sampler": {
            k: _plain(a[k]) for k in ("sampler", "chains", "draws", "tune", "target_accept")
        },
        "horizon": plan.horizon_text,
        "thresholds": {
            t.id: {"benchmark": t.benchmark, "value": t.value, "shown": t.shown, "origin": t.origin}
            for t in plan.thresholds
        },
    }


def _plain(x):
    return x.item() if hasattr(x, "item") else x
