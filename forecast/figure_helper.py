"""A second process for a cold report's figures.

After the fit, drawing the figures is most of a cold report's time (16 fan charts and the
ArviZ trace and rank plots: ~20 s on one core). On a machine with two cores or more,
:func:`start` hands a share of the figures not yet cached to a second, spawned process,
which draws them into the figure cache while this process draws the rest; the report then
copies them from the cache as it does on a warm run. A figure is the same bytes whichever
process draws it (the same code on the same values, and a fixed SVG hash salt). If the
helper fails, is stopped or cannot write the cache, the report draws what is missing itself.
``FORECAST_FIGURE_PROCESSES=1`` turns the helper off.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from .interrupts import ignored_by_children
from .io import env_limit

PROCESSES_ENV = "FORECAST_FIGURE_PROCESSES"
START_S = 2.5  # seconds the helper spends importing before it draws its first figure
COST_S = {"diagnostics-rank": 5.4, "diagnostics-trace": 3.4, "fan": 0.6}  # measured, 2 cores
OTHER_S = 0.2
MIN_FIGURES = 4  # fewer uncached figures than this are not worth a process


@dataclass
class Helper:
    """The running helper process and the figure ids it draws."""

    process: BaseProcess
    ids: frozenset[str]

    def join(self) -> None:
        self.process.join()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def processes() -> int:
    """Processes drawing a cold report's figures: ``FORECAST_FIGURE_PROCESSES``, default 2
    where there are two cores or more, else 1."""
    default = 2 if (os.cpu_count() or 1) >= 2 else 1
    return env_limit(PROCESSES_ENV, default, int, "a whole number of processes (1 or 2)")


def cost(fid: str) -> float:
    """A figure's estimated drawing time, seconds (PNG and SVG)."""
    return COST_S.get(fid, COST_S["fan"] if fid.startswith("fan-") else OTHER_S)


def split(ids: Sequence[str]) -> set[str]:
    """The ids the helper draws: longest first, each to whichever process would finish it
    sooner, the helper starting :data:`START_S` late."""
    mine, theirs, helper = 0.0, START_S, set()
    for fid in sorted(ids, key=lambda i: (-cost(i), i)):
        if theirs + cost(fid) < mine + cost(fid):
            theirs += cost(fid)
            helper.add(fid)
        else:
            mine += cost(fid)
    return helper


def start(
    results: Any, posterior: Any, todo: Sequence[str], caches: Mapping[str, Path]
) -> Helper | None:
    """Start drawing a share of the uncached figures ``todo`` (ids) into their ``caches``
    (id -> folder) in a second process; None when one process is better (one core, few
    figures, or ``FORECAST_FIGURE_PROCESSES=1``)."""
    if processes() < 2 or len(todo) < MIN_FIGURES:
        return None
    ids = split(todo)
    if not ids:
        return None
    ctx = multiprocessing.get_context("spawn")  # no fork: the sampler's threads may be about
    process = ctx.Process(
        target=draw,
        args=(results, posterior, sorted(ids), {i: str(caches[i]) for i in ids}),
        daemon=True,
    )
    with ignored_by_children():  # Ctrl-C is this process's to act on; it stops the helper
        process.start()
    return Helper(process, frozenset(ids))


def draw(results: Any, posterior: Any, ids: Sequence[str], caches: Mapping[str, str]) -> None:
    """In the helper: draw the figures ``ids`` of the report into their cache folders."""
    from .figures import save_figure
    from .plots import report_figures

    wanted = set(ids)
    for f in report_figures(results, posterior):
        if f.id in wanted:  # a figure counts as cached once both its files are there
            folder = Path(caches[f.id])
            folder.mkdir(parents=True, exist_ok=True)
            save_figure(f.draw(), folder / f.id, f.dpi)
