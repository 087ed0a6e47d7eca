"""Sweep throughput: cells per second on 1 and 2 workers, and the time for 10,000 cells x
4,000 draws (target: under 60 s on 2 cores).

    python benchmarks/sweep.py [--cells 10000]

Uses the bundled posterior (fitted or reused from the cache) and the shipped base
scenario; cells are a Latin-hypercube design over elasticity, research share and compute
doubling. Memory: each task holds a chunk of 50 cells x 4,000 draws (a few arrays of
1.6 MB) plus the shared per-draw table (4,000 x 177 months of log horizon, 5.7 MB, sent
once per worker); results are ~100 numbers per cell, so 10,000 cells need ~10 MB to gather.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=10_000)
    args = ap.parse_args()

    from forecast.pipeline import fit_posterior, inputs
    from forecast.sweep import build_table, load, sampled_design
    from forecast.sweep_run import run_cells
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

    def timed(n_cells: int, workers: int | None, sync: bool) -> float:
        cells = sampled_design(
            [(0, 1), (0.01, 0.8), (0.25, 2)], [False, True, False], n_cells, "latin-hypercube", 1
        )
        s = dataclasses.replace(sw, cells=cells, grid_values=None)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_cells(
                table,
                s,
                Path(tmp) / "ck",
                workers=workers,
                synchronous=sync,
                quiet=True,
                key="bench",
            )
            return time.perf_counter() - t0

    n = 1000
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
