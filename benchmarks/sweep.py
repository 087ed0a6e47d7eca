"""Sweep throughput and memory: CPU time and peak memory of one chunk (50 cells x 4,000
draws) with and without feedback, cells per second on 0 (in-process), 1 and 2 Dask
workers, and the time for many cells on 2 workers (target: 10,000 cells x 4,000 draws
under 60 s on 2 cores).

    python benchmarks/sweep.py [--cells 10000] [--base-cells 1000]

Uses the bundled posterior (fitted or reused from the cache) and the shipped base
scenario; cells are a Latin-hypercube design over elasticity, research share and compute
doubling. Memory: a task holds one chunk's (cell, draw) arrays, never a (cell, draw, time)
array (50 x 4,000 x 177 months would be 283 MB each), plus the shared per-draw table
(4,000 x 177 months of log horizon, 5.7 MB, sent once per worker); results are ~100
numbers per cell, so 10,000 cells need ~10 MB to gather. Figures are printed, nothing is
asserted; the CPU times are the minimum over repeats (robust on a shared machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np


def chunk_figures(table, names: list[str], cells: np.ndarray, repeats: int) -> str:
    """Minimum CPU time of cell_dates and evaluate on one chunk, and their peak memory."""
    from forecast.sweep import cell_dates, evaluate

    out = []
    for fn in (cell_dates, evaluate):
        cpu = []
        for _ in range(repeats):
            t0 = time.process_time()
            fn(table, names, cells)
            cpu.append(time.process_time() - t0)
        tracemalloc.start()
        fn(table, names, cells)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out.append(f"{fn.__name__} {min(cpu) * 1000:.0f} ms CPU, peak {peak / 1e6:.0f} MB")
    return "; ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=10_000, help="cells for the 2-worker run")
    ap.add_argument("--base-cells", type=int, default=1000, help="cells for the rate figures")
    args = ap.parse_args()

    from forecast.pipeline import fit_posterior, inputs
    from forecast.sweep import build_table, load, sampled_design
    from forecast.sweep_run import CHUNK, run_cells
    from forecast.thresholds import load_plan
    from forecast.trajectories import curves

    root = Path(__file__).resolve().parent.parent
    sw = load(root / "scenarios" / "sweep-residual.toml")
    inp = inputs()
    dt, _ = fit_posterior(inp, quiet=True)
    c = curves(dt["posterior"].to_dataset(), dt.attrs)
    plan, _ = load_plan(inp.rows, [], sw.base.spec.horizon)
    table = build_table(c, sw.base, inp.rows, plan, seed=1)
    print(f"cores: {os.cpu_count()}, draws: {table.n_draws}, months: {table.model.grid.size}")

    def design(n: int) -> np.ndarray:
        return sampled_design(
            [(0, 1), (0.01, 0.8), (0.25, 2)], [False, True, False], n, "latin-hypercube", 1
        )

    chunk = design(CHUNK)
    print(f"one chunk of {CHUNK} cells: {chunk_figures(table, sw.names, chunk, 5)}")
    fb = np.concatenate([chunk, np.full((CHUNK, 1), 0.5)], axis=1)
    print(
        f"one chunk of {CHUNK} cells with feedback 0.5: "
        f"{chunk_figures(table, [*sw.names, 'feedback'], fb, 2)}"
    )

    def timed(n_cells: int, workers: int | None, sync: bool) -> float:
        s = dataclasses.replace(sw, cells=design(n_cells), grid_values=None)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_cells(
                table, s, Path(tmp) / "ck", workers=workers, synchronous=sync, quiet=True, key="b"
            )
            return time.perf_counter() - t0

    n = args.base_cells
    t_sync = timed(n, None, True)
    print(f"in-process (no Dask): {n / t_sync:.0f} cells/s ({n} cells in {t_sync:.1f} s)")
    for w in (1, 2):
        t = timed(n, w, False)
        print(
            f"Dask LocalCluster, {w} worker(s): {n / t:.0f} cells/s ({n} cells in {t:.1f} s, "
            "including cluster start-up)"
        )
    t = timed(args.cells, 2, False)
    print(f"{args.cells} cells x {table.n_draws} draws on 2 workers: {t:.1f} s (target < 60 s)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the driving process: {rss:.0f} MB")


if __name__ == "__main__":
    main()
