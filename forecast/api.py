"""The public API: the few functions a notebook, a script or the CLI needs.

    from forecast.api import inputs, fit, forecast, compare, check, backtest, report

    inp = inputs()                                   # the bundled observations and priors
    res = forecast(inp, scenario="compressed-perspiration")
    res.run.events["automated-ai-rnd"].p_by(2028)    # typed result (forecast.results)

Each function computes and returns a result; none prints, draws or writes (``report``
writes only when given ``out``). Dates are decimal years inside, ISO strings in results.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .pipeline import inputs  # observations, priors and settings, validated (as_of: rows before it)

if TYPE_CHECKING:
    import xarray as xr

    from .check import CheckResult
    from .compare import Arm
    from .fit import SamplerSettings
    from .pipeline import Inputs, Result
    from .report import Built
    from .results import CompareSummary, CrossingSummary


def fit(inp: Inputs, cache_dir: Path | None = None, refit: bool = False) -> xr.DataTree:
    """The posterior of the growth models (sampled, or reused from the cache)."""
    from .pipeline import fit_posterior

    return fit_posterior(inp, cache_dir, refit, quiet=True)[0]


def forecast(
    inp: Inputs,
    thresholds: Sequence[str] = (),
    horizon: str | None = None,
    scenario: str | None = None,
    cache_dir: Path | None = None,
) -> Result:
    """Threshold-date distributions; with a ``scenario`` (a shipped name or a .toml path),
    the research-residual model and its composite events too."""
    from .pipeline import forecast as run
    from .scenario import load, resolve

    sc = load(resolve(scenario)) if scenario else None
    return run(inp, list(thresholds), horizon, cache_dir, quiet=True, scenario=sc)


def compare(results: dict[str, Result]) -> CompareSummary:
    """Arms side by side (label -> result); arms sharing a posterior are compared draw by
    draw (:class:`forecast.results.CompareSummary`; ``.as_json()`` is compare.json)."""
    from .compare import Arm
    from .compare import compare as run

    arms: list[Arm] = [
        Arm(label, "scenario" if r.run.scenario else "data", r) for label, r in results.items()
    ]
    return run(arms)


def check(inp: Inputs, cache_dir: Path | None = None, loo: str = "psis") -> CheckResult:
    """Predictive checks, leave-one-out influence and prior sensitivity of the fit."""
    from .check import run

    return run(inp, cache_dir=cache_dir, loo=loo)


def backtest(
    series: Sequence[str] | None = None,
    settings: SamplerSettings | None = None,
    cache_dir: Path | None = None,
) -> CrossingSummary:
    """The crossing-date backtest on bundled public series (all when ``series`` is None):
    per-target PIT, coverage, CRPS and median error of the engine and the baselines."""
    from . import crossing_run
    from .fit import SamplerSettings, default_cache_dir
    from .priors import load
    from .results import crossing_summary

    s = settings or SamplerSettings(draws=1000, tune=1000, chains=4, target_accept=0.99)
    found = crossing_run.bundled_series()
    if series:
        found = [x for x in found if x.name in set(series)]
    res = crossing_run.run(found, load(None), s, cache_dir or default_cache_dir())
    return crossing_summary(res)


def report(
    inp: Inputs,
    out: Path | None = None,
    scenarios: Sequence[str] = ("inspiration-binding", "compressed-perspiration"),
    cache_dir: Path | None = None,
    force: bool = False,
) -> Built:
    """The report's data for both readings; with ``out``, its page, JSON, CSV and figures."""
    from .publish import publish
    from .render_report import write
    from .report import build, check_out_dir

    if out is not None:
        check_out_dir(Path(out), force)
    built = build(inp, list(scenarios), cache_dir=cache_dir, quiet=True)
    if out is not None:
        publish(out, lambda d: write(d, built, force))
    return built


__all__ = ["backtest", "check", "compare", "fit", "forecast", "inputs", "report"]
