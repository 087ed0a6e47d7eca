"""Pipeline timings: cold and warm `forecast run`, and the forward-sampling step alone.

    python benchmarks/pipeline.py [--repeat 3]

cold  = no cached posterior (sampling happens; the compiler's own cache may be warm)
warm  = the posterior is reused from the cache
forward = curves -> first-passage dates -> summary for the built-in thresholds, 4,000 draws
Prints one line per figure; nothing is asserted (speed targets live here, not in tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_run(cache: Path) -> float:
    env = {**os.environ, "FORECAST_CACHE": str(cache)}
    exe = Path(sys.executable).with_name("forecast")
    t0 = time.perf_counter()
    subprocess.run(
        [str(exe), "run", "--json", "-q", "--seed", "1"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def forward_time(repeat: int) -> tuple[float, int]:
    from forecast.forward import event_dates
    from forecast.pipeline import fit_posterior, inputs
    from forecast.summary import events_summary
    from forecast.thresholds import load_plan
    from forecast.trajectories import curves

    inp = inputs()
    dt, _ = fit_posterior(inp, quiet=True)
    plan, _ = load_plan(inp.rows)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        c = curves(dt["posterior"].to_dataset(), dt.attrs)
        d = event_dates(c, plan)
        events_summary(d, plan.report_years)
        best = min(best, time.perf_counter() - t0)
    return best, c.sizes["draw"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forecast-bench-"))
    try:
        cold = [timed_run(tmp / f"cold{i}") for i in range(args.repeat)]
        warm = [timed_run(tmp / "cold0") for _ in range(args.repeat)]
        os.environ["FORECAST_CACHE"] = str(tmp / "cold0")
        fwd, n = forward_time(args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"cores: {os.cpu_count()}")
    print(
        f"forecast run, cold (sampling): best {min(cold):.1f} s, worst {max(cold):.1f} s over {args.repeat}"
    )
    print(f"forecast run, warm (cached posterior): best {min(warm):.2f} s, worst {max(warm):.2f} s")
    print(f"forward sampling + summary, {n} draws x built-in thresholds: {1000 * fwd:.1f} ms")


if __name__ == "__main__":
    main()
