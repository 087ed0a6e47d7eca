"""A second process for a cold report's figures.

After the fit, drawing the figures is most of a cold report's time (16 fan charts and the
ArviZ trace and rank plots: ~20 s on one core). On a machine with two cores or more, a
helper process draws a share of the figures not yet cached into the figure cache while this
process draws the rest; the report then copies them from the cache as it does on a warm
run. ``forecast report`` starts the helper before a fit (:func:`report_helper`), so its
imports (~2.5 s) overlap the compile, and hands it the diagnostic figures as soon as the
posterior exists (they depend on nothing else) while this process runs the readings; on a
cached posterior the helper starts then, if those figures are not cached. The remaining
figures are split when the page is written, by estimated drawing time (:func:`split`). A
figure is the same bytes whichever process draws it (the same code on the same values, and
a fixed SVG hash salt). If the helper fails, is stopped or cannot write the cache, the
report draws what is missing itself. ``FORECAST_FIGURE_PROCESSES=1`` turns the helper off.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from .interrupts import ignored_by_children
from .io import env_limit

PROCESSES_ENV = "FORECAST_FIGURE_PROCESSES"
START_S = 2.5  # seconds the helper spends importing before it draws its first figure
COST_S = {"diagnostics-rank": 6.2, "diagnostics-trace": 4.4, "fan": 0.65}  # measured, 2 cores
OTHER_S = 0.23


class Helper:
    """The helper process, started when first needed (:meth:`start`, or the first
    :meth:`hand`): its queues (``jobs`` to it, sent by a feeder thread, so handing a job
    never waits for the helper to be free; ``done`` from it), the figure ids handed to it,
    and when (``time.monotonic`` seconds, estimated) it will have drawn them."""

    def __init__(self) -> None:
        self.process: BaseProcess | None = None
        self.jobs: Queue | None = None
        self.done: Queue | None = None
        self.busy_until = 0.0
        self.ids: set[str] = set()
        self.pending = 0  # jobs handed and not yet reported done

    def start(self) -> None:
        """Start the process (it imports the plotting libraries, then waits for figures)."""
        if self.process is not None:
            return
        ctx = multiprocessing.get_context("spawn")  # no fork: the sampler's threads may run
        self.jobs, self.done = ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=serve, args=(self.jobs, self.done), daemon=True)
        with ignored_by_children():  # Ctrl-C is this process's to act on; it stops the helper
            self.process.start()
        self.busy_until = time.monotonic() + START_S

    def load_s(self) -> float:
        """Seconds before the helper could start a new figure (estimated): its imports, if
        it is not started or still importing, and what it was handed."""
        if self.process is None:
            return START_S
        return max(0.0, self.busy_until - time.monotonic())

    def hand(
        self, results: Any, posterior: Any, ids: Sequence[str], caches: Mapping[str, Path]
    ) -> None:
        """Have the helper draw the figures ``ids`` (of the report on ``results``, or of
        the posterior's diagnostics when ``results`` is None) into their ``caches``."""
        if not ids:
            return
        self.start()
        assert self.process is not None and self.jobs is not None
        if not self.process.is_alive():  # the helper is gone: this process draws them
            return
        self.jobs.put((results, posterior, sorted(ids), {i: str(caches[i]) for i in ids}))
        self.ids.update(ids)
        self.pending += 1
        self.busy_until = max(self.busy_until, time.monotonic()) + sum(map(cost, ids))

    def wait(self) -> None:
        """Until the helper has drawn what it was handed, or has stopped."""
        while self.pending and self.process is not None and self.done is not None:
            try:
                self.done.get(timeout=0.1)
            except queue.Empty:
                if not self.process.is_alive() and self.done.empty():
                    return
                continue
            self.pending -= 1

    def stop(self) -> None:
        """End the helper now (called once it has drawn what it was handed, or when the
        report failed: nothing it was drawing is needed then, and a figure's files are
        written atomically)."""
        if self.process is None:
            return
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        for q in (self.jobs, self.done):
            if q is not None:
                q.cancel_join_thread()  # a job the helper never read must not hold up exit
                q.close()


def processes() -> int:
    """Processes drawing a cold report's figures: ``FORECAST_FIGURE_PROCESSES``, default 2
    where there are two cores or more, else 1."""
    default = 2 if (os.cpu_count() or 1) >= 2 else 1
    return env_limit(PROCESSES_ENV, default, int, "a whole number of processes (1 or 2)")


def cost(fid: str) -> float:
    """A figure's estimated drawing time, seconds (PNG and SVG)."""
    return COST_S.get(fid, COST_S["fan"] if fid.startswith("fan-") else OTHER_S)


def split(ids: Sequence[str], helper_load_s: float = START_S) -> set[str]:
    """The ids the helper draws: longest first, each to whichever process would finish it
    sooner, the helper starting ``helper_load_s`` seconds late (its imports, or what it
    already has to draw); none when one process is as quick (few or small figures)."""
    mine, theirs, helper = 0.0, helper_load_s, set()
    for fid in sorted(ids, key=lambda i: (-cost(i), i)):
        if theirs + cost(fid) < mine + cost(fid):
            theirs += cost(fid)
            helper.add(fid)
        else:
            mine += cost(fid)
    return helper


@contextlib.contextmanager
def report_helper(fitting: bool = False) -> Iterator[Helper | None]:
    """A helper for one report, stopped on leaving the block; None where one process is
    better (one core, or ``FORECAST_FIGURE_PROCESSES=1``). With ``fitting`` (the report is
    about to fit) it starts now, so its imports overlap the compile; else when first
    handed figures."""
    h = Helper() if processes() >= 2 else None
    try:
        if h is not None and fitting:
            h.start()
        yield h
    finally:
        if h is not None:
            h.stop()


def serve(jobs: Queue, done: Queue) -> None:
    """In the helper: import, then draw each job's figures into their cache folders and say
    so, until stopped or the report's process is gone."""
    import arviz_plots  # noqa: F401  (imported now, while the report fits)

    from .figures import pyplot, save_figure
    from .plots import diagnostic_figures, report_figures

    pyplot()
    parent = multiprocessing.parent_process()
    while True:
        try:
            job = jobs.get(timeout=1.0)
        except queue.Empty:
            if parent is None or not parent.is_alive():  # the report was killed
                return
            continue
        except (EOFError, OSError):  # the report's end of the queue is closed
            return
        results, posterior, ids, caches = job
        wanted = set(ids)
        figures = (
            diagnostic_figures(posterior) if results is None else report_figures(results, posterior)
        )
        for f in figures:
            if f.id in wanted:  # a figure counts as cached once both its files are there
                folder = Path(caches[f.id])
                folder.mkdir(parents=True, exist_ok=True)
                save_figure(f.draw(), folder / f.id, f.dpi)
        done.put(True)
