"""The engine fits of the crossing-date backtest (:mod:`forecast.crossing_run`): which rows
each case is fitted on, and the fits themselves (in parallel on Dask, each one cached by
:func:`forecast.fit.fit`, identical row sets fitted once).

Two ways to fit a case (a series cut at a cutoff), both seeing nothing dated on or after
the cutoff:

* ``alone``: the series' own frontier points before the cutoff, nothing else (its human
  baseline and floor rows left out too). A bundled
  series is taken from the bundled table (``forecast/data/history.csv``), so its rows are
  the protocol's training points with what the table knows of them: its benchmark (and so
  the benchmark's priors), METR's confidence intervals, censoring of 0 % / 100 % at one
  task's worth. A series from a user file is one benchmark named after the series, with the
  default priors of its family; its values at 0 or 100 % are clipped to [0.01 %, 99.99 %].
* ``pooled``: every bundled series as the table stood at the cutoff (rows dated strictly
  before it, :func:`forecast.pipeline.table_as_of`), so the hierarchical rate and ceiling
  priors learn from the other benchmarks' histories up to that date and no later. A user
  series joins them as in ``alone``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from . import crossing as cx
from .dask_client import map_jobs
from .observations import Observation
from .posterior_meta import meta

if TYPE_CHECKING:
    from .fit import SamplerSettings
    from .priors import Priors

MODES = ("alone", "pooled")


@dataclass(frozen=True)
class CaseFit:
    """One case's engine fit in one mode: the posterior curves of the series it is read on."""

    curves: xr.Dataset  # benchmark dim = [read_on]
    read_on: str  # the series id the crossing dates are read on
    diagnostics: dict
    cached: bool
    n_rows: int  # observation rows in the fit
    n_series: int  # series in the fit


@cache
def bundled_ids() -> dict[str, str]:
    """Bundled public-series name (its file's stem) -> the series id of the bundled table."""
    from .history_series import registry

    return {Path(s.file).stem: sid for sid, s in registry().items() if s.file}


def engine_rows(case: cx.Case) -> list[Observation]:
    """A case's training points as observation rows of one benchmark named after the series
    (a series from a user file)."""
    dim = {"fraction": "share", "minutes": "duration", "multiplier": "multiplier"}[case.unit]
    return [
        Observation(
            benchmark=case.series,
            date=p.date,
            time=p.time,
            time_sd=p.time_sd,
            system=p.model or f"point {i}",
            value=clip(p.value, case.bounded),
            low=math.nan,
            high=math.nan,
            unit=case.unit,
            dimension=dim,
            kind="ai",
            approximate=False,
            variant="",
            source=case.source,
            note="",
            origin=f"{case.series}:frontier {i}",
        )
        for i, p in enumerate(case.training)
    ]


def clip(v: float, bounded: bool) -> float:
    """A bounded value moved inside [CLIP, 1 - CLIP] (the logit scale's range)."""
    return float(np.clip(v, cx.CLIP, 1 - cx.CLIP)) if bounded else v


def case_rows(
    case: cx.Case, mode: str, table: list[Observation], priors, bundled: bool
) -> tuple[list[Observation], str]:
    """(rows, series id read on) of one case in ``mode``. ``table`` is the bundled table
    (every row; cut here at the case's cutoff); ``bundled`` says the case's series is one of
    the bundled public series (else it came from a user file)."""
    from .pipeline import table_as_of

    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    past = table_as_of(table, priors, case.cutoff_date) if (bundled or mode == "pooled") else []
    if bundled:
        sid = bundled_ids()[case.series]
        rows = past if mode == "pooled" else [r for r in past if r.series == sid and r.kind == "ai"]
        return rows, sid
    return (past if mode == "pooled" else []) + engine_rows(case), case.series


def leaks(rows: list[Observation], case: cx.Case) -> list[Observation]:
    """AI rows of a fit that were published on or after the case's cutoff (must be none)."""
    return [r for r in rows if r.kind == "ai" and r.period_end > case.cutoff + 1e-9]


def _fit(rows, read_on: list[str], priors, settings, cache_dir: Path, refit: bool) -> dict:
    """One fit (a Dask task): the posterior curves of the series in ``read_on``."""
    from .fit import fit
    from .trajectories import curves

    dt, cached = fit(rows, priors, settings, cache_dir=cache_dir, refit=refit, quiet=True)
    c = curves(dt["posterior"].to_dataset(), {str(k): v for k, v in dt.attrs.items()})
    return {
        "curves": c.sel(benchmark=read_on),
        "diagnostics": meta(dt.attrs).diagnostics,
        "cached": cached,
    }


@dataclass(frozen=True)
class Engine:
    """How the engine's fits are made: ``priors`` and sampler ``settings``, the posterior
    cache in ``cache_dir`` (``refit``: sample again), Dask (a local cluster of ``workers``
    processes, or ``scheduler``), progress messages, and whether the cases' series are the
    bundled ones (``bundled``; else from user files)."""

    priors: Priors
    settings: SamplerSettings
    cache_dir: Path
    refit: bool = False
    workers: int | None = None
    scheduler: str | None = None
    progress: Callable[[str], None] | None = None
    bundled: bool = True


def engine_fits(
    cases: list[cx.Case], engine: Engine, modes: tuple[str, ...] = ("alone",)
) -> dict[tuple[str, str], CaseFit]:
    """The engine fit of every case in every mode of ``modes`` by (case id, mode).
    Identical row sets are fitted once; cached fits in this process, the others on Dask,
    in this process when ``engine.workers == 1`` or a single fit is left."""
    from .fit import cache_key, posterior_path
    from .observations import assemble

    e = engine
    table = assemble([]) if e.bundled or "pooled" in modes else []
    jobs = {(c.id, m): case_rows(c, m, table, e.priors, e.bundled) for c in cases for m in modes}
    say = e.progress or (lambda msg: None)
    keys = {job: cache_key(rows, e.priors, e.settings) for job, (rows, _) in jobs.items()}
    unique: dict[str, tuple[list[Observation], list[str]]] = {}
    for job, (rows, sid) in jobs.items():
        entry = unique.setdefault(keys[job], (rows, []))
        if sid not in entry[1]:
            entry[1].append(sid)
    todo = [k for k in unique if e.refit or not posterior_path(e.cache_dir, k).exists()]
    done = {
        k: _fit(*unique[k], e.priors, e.settings, e.cache_dir, False)
        for k in unique
        if k not in todo
    }
    if todo:
        say(f"fitting the engine: {len(todo)} fit(s) ({len(unique) - len(todo)} cached)")
        jobs_todo = [(*unique[k], e.priors, e.settings, e.cache_dir, e.refit) for k in todo]
        done.update(zip(todo, map_jobs(_fit, jobs_todo, e.workers, e.scheduler, say)))
    return {
        job: CaseFit(
            curves=done[keys[job]]["curves"].sel(benchmark=[sid]),
            read_on=sid,
            diagnostics=done[keys[job]]["diagnostics"],
            cached=done[keys[job]]["cached"],
            n_rows=len(rows),
            n_series=len({r.series for r in rows if r.kind == "ai"}),
        )
        for job, (rows, sid) in jobs.items()
    }
